"""Extraction against tree-sitter parsing, per language, on the pinned oracle corpora.

Run: `python -m bench.extraction_by_language [LANGUAGE ...]` (default: every language with an
oracle corpus in bench.corpora, plus Python on networkx). Prints a markdown table.

For each language, in CPU seconds of this one process (the best of three rounds, so other
work on the machine inflates little): parsing alone; parsing plus the one combined query pass
(`QueryCursor.matches`, no Python work on the matches), which is the floor of any extractor
built on that query; and the whole extraction (`extract_source`: the query pass, then the
Python that turns matches into entities and references). The ratios to parsing say how far
extraction can go: the query pass is tree-sitter's own cursor walk, so `extraction / parse`
cannot fall below `parse + query / parse`.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path

from tree_sitter import QueryCursor

from bench.corpora import build_corpus
from parseltongue.extract import compile_language, extract_source
from parseltongue.languages import language_for_path

ORACLE_LANGUAGES = (
    "c", "cpp", "csharp", "go", "java", "javascript", "kotlin", "php", "ruby", "rust", "sql",
    "swift", "typescript",
)


def _files(language: str) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every source file of the language's corpus."""
    if language == "python":
        import networkx

        root = Path(networkx.__file__).parent
    else:
        root = Path(build_corpus(f"oracle-{language}"))
    files = []
    for path in sorted(root.rglob("*")):
        spec = language_for_path(path.name)
        if path.is_file() and spec is not None and spec.name == language:
            files.append((path.relative_to(root).as_posix(), path.read_bytes()))
    return files


def _best_cpu_seconds(action: Callable[[], None], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.process_time()
        action()
        best = min(best, time.process_time() - started)
    return best


def measure(language: str) -> dict[str, float | int | str]:
    """Parse, parse + query pass, and extraction CPU seconds of one language's corpus."""
    files = _files(language)
    compiled = {}
    for path, _ in files:
        spec = language_for_path(path)
        if spec is not None and spec.grammar not in compiled:
            compiled[spec.grammar] = compile_language(spec)
    grammar_of = {path: language_for_path(path).grammar for path, _ in files}
    parsers = {grammar: language.new_parser() for grammar, language in compiled.items()}

    def parse() -> None:
        for path, source in files:
            parsers[grammar_of[path]].parse(source)

    def parse_and_query() -> None:
        for path, source in files:
            grammar = grammar_of[path]
            tree = parsers[grammar].parse(source)
            QueryCursor(compiled[grammar].query).matches(tree.root_node)

    def extract() -> None:
        for path, source in files:
            spec = language_for_path(path)
            extract_source(path, source, spec, parsers[grammar_of[path]])

    extract()  # warm caches (compiled queries, pattern roles)
    parse_seconds = _best_cpu_seconds(parse)
    query_seconds = _best_cpu_seconds(parse_and_query)
    extract_seconds = _best_cpu_seconds(extract)
    megabytes = sum(len(source) for _, source in files) / 1e6
    return {
        "language": language,
        "files": len(files),
        "megabytes": round(megabytes, 2),
        "parse_seconds": round(parse_seconds, 3),
        "parse_and_query_seconds": round(query_seconds, 3),
        "extract_seconds": round(extract_seconds, 3),
    }


def markdown(results: list[dict[str, float | int | str]]) -> str:
    lines = [
        "| language | files | MB | parse s | parse MB/s | parse + query pass / parse | "
        "extraction / parse | extraction MB/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        parse = float(result["parse_seconds"])
        megabytes = float(result["megabytes"])
        lines.append(
            f"| {result['language']} | {result['files']:,} | {megabytes:.2f} | {parse:.3f} | "
            f"{megabytes / parse:.1f} | {float(result['parse_and_query_seconds']) / parse:.2f} | "
            f"{float(result['extract_seconds']) / parse:.2f} | "
            f"{megabytes / float(result['extract_seconds']):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("languages", nargs="*", default=["python", *ORACLE_LANGUAGES])
    given = arguments.parse_args()
    print(markdown([measure(language) for language in given.languages]))


if __name__ == "__main__":
    main()
