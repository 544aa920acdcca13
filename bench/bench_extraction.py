"""Extraction alone (no database) against tree-sitter parsing alone, on real Rust and Python.

Run: `pytest bench/bench_extraction.py --benchmark-columns=min,mean,rounds`.
The issue's targets: extraction >= 6 MB/s of source per core and <= 1.6x the parse time.
`test_throughput_report` prints both figures per language, measured in CPU time of this one
process (other work on a shared machine inflates wall time, not CPU time), and beside them the
floor no extractor built on the one query pass can go below: parsing plus
`QueryCursor.matches` alone, with no Python work on the matches. Below that, the floor of any
tree-sitter query at all: parsing plus a query cursor's walk of every node with a one-pattern
query that matches next to nothing (`(ERROR)`), whatever the patterns.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx
import pytest
from tree_sitter import Query, QueryCursor

from parseltongue.extract import compile_language, extract_source
from parseltongue.languages import language_named

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the corpus fetchers
from debian_sources import debian_crate_roots, rust_files  # noqa: E402


def python_files() -> list[tuple[str, bytes]]:
    root = Path(networkx.__file__).parent
    return [
        (path.relative_to(root.parent).as_posix(), path.read_bytes())
        for path in sorted(root.rglob("*.py"))
    ]


CORPORA: dict[str, Callable[[], list[tuple[str, bytes]]]] = {
    "python": python_files,  # networkx, 566 files, 6.1 MB
    "rust": lambda: rust_files(debian_crate_roots()),  # serde + syn + regex-syntax, 3.8 MB
}


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(request) -> tuple[str, list[tuple[str, bytes]]]:
    return request.param, CORPORA[request.param]()


def parse_all(language: str, files: list[tuple[str, bytes]]) -> None:
    parser = compile_language(language_named(language)).new_parser()
    for _, source in files:
        parser.parse(source)


def parse_and_query_all(language: str, files: list[tuple[str, bytes]]) -> None:
    compiled = compile_language(language_named(language))
    parser = compiled.new_parser()
    for _, source in files:
        root = parser.parse(source).root_node
        # As in `extract_source`: no cyclic collection while a file's matches are alive.
        gc.disable()
        try:
            QueryCursor(compiled.query).matches(root)
        finally:
            gc.enable()


def parse_and_walk_all(language: str, files: list[tuple[str, bytes]]) -> None:
    compiled = compile_language(language_named(language))
    parser = compiled.new_parser()
    bare = Query(compiled.language, "(ERROR) @error")
    for _, source in files:
        QueryCursor(bare).matches(parser.parse(source).root_node)


def extract_all(language: str, files: list[tuple[str, bytes]]) -> None:
    spec = language_named(language)
    parser = compile_language(spec).new_parser()
    for path, source in files:
        extract_source(path, source, spec, parser)


def test_parse_only(benchmark, corpus) -> None:
    language, files = corpus
    benchmark.pedantic(parse_all, args=(language, files), rounds=5, warmup_rounds=1)


def test_extract(benchmark, corpus) -> None:
    language, files = corpus
    benchmark.pedantic(extract_all, args=(language, files), rounds=5, warmup_rounds=1)


def best_cpu_seconds(action: Callable[[], None], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        action()
        best = min(best, time.process_time() - started)
    return best


def test_throughput_report(corpus) -> None:
    language, files = corpus
    megabytes = sum(len(source) for _, source in files) / 1e6
    extract_all(language, files)  # warm the query cache
    parse_seconds = best_cpu_seconds(lambda: parse_all(language, files))
    walk_seconds = best_cpu_seconds(lambda: parse_and_walk_all(language, files))
    query_seconds = best_cpu_seconds(lambda: parse_and_query_all(language, files))
    extract_seconds = best_cpu_seconds(lambda: extract_all(language, files))
    print(
        f"\n{language}: {len(files)} files, {megabytes:.2f} MB; parse {parse_seconds:.3f} s "
        f"({megabytes / parse_seconds:.1f} MB/s); parse + bare query walk "
        f"{walk_seconds / parse_seconds:.2f}x parse ({megabytes / walk_seconds:.1f} MB/s); "
        f"parse + query alone {query_seconds / parse_seconds:.2f}x parse "
        f"({megabytes / query_seconds:.1f} MB/s); extract {extract_seconds:.3f} s "
        f"({megabytes / extract_seconds:.1f} MB/s), {extract_seconds / parse_seconds:.2f}x parse"
    )
    # A floor far below the target so that only a real regression fails.
    assert megabytes / extract_seconds > 2
