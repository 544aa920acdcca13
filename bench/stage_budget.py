"""Core-seconds per stage of one ingestion: where the CPU of `pt01` goes.

Run: `python -m bench.stage_budget [CORPUS_OR_FOLDER]` (default corpus `rust`).

One sequential ingestion (one job, no writer threads) runs every stage on this thread, one
after another, so each stage's wall time is its cost in core-seconds. The stages:

- parse: tree-sitter `Parser.parse` of every file;
- query pass: the one combined query per file (`QueryCursor.matches`);
- Python extraction: the rest of the worker's task (entities, references, keys, rows, packing);
- row conversion: `run_script` turning each write's parameters into Cozo values (timed by
  passing the same parameters to a script that reads none of them: the conversion is paid
  before any script runs);
- engine: the rest of each write (Datalog, indexes, RocksDB);
- resolution: building the codebase index and resolving references (Python);
- derived rows: search tokens and coupling degrees (Python).

A parallel run spreads the worker stages (parse, query pass, Python extraction) over the
parse jobs and adds pickling; the parent keeps the rest. With 2 cores, the whole run cannot
take less than (worker stages / 2 + parent stages), nor less than (all stages / 2).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from parseltongue import derived
from parseltongue.extract import extractor
from parseltongue.ingest import CodebaseStreamer, StreamerConfig, workers, writing
from parseltongue.resolve import CodebaseIndex
from parseltongue.resolve import stored as resolution
from parseltongue.storage import CozoDbStorage

STAGES = (
    "parse", "query pass", "Python extraction", "row conversion", "engine", "resolution",
    "derived rows",
)


class StageClock:
    """Seconds per stage, summed; a stage timed inside another is taken out of the outer."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.rows_written: dict[str, int] = defaultdict(int)
        self.write_seconds: dict[str, float] = defaultdict(float)
        """Per write query: conversion and engine together."""
        self._inner = 0.0

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        outer_inner, self._inner = self._inner, 0.0
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.seconds[name] += spent - self._inner
            self._inner = outer_inner + spent

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return function(*args, **kwargs)

        return wrapper


class _TimedMethod:
    """Stands in for a tree-sitter object (a C type, which cannot be patched) whose one method
    is timed as a stage; the extractor calls only that method."""

    def __init__(self, wrapped: Any, method: str, clock: StageClock, stage: str) -> None:
        setattr(self, method, clock.timed(stage, getattr(wrapped, method)))


class _WriterInThisThread:
    """Stands in for BackgroundWriter: writes at once, so every stage runs on one thread."""

    def __init__(self, storage: CozoDbStorage) -> None:
        self._storage = storage

    def submit(self, query_name: str, rows: list) -> None:
        self._storage.write_rows(query_name, rows)

    def raise_if_failed(self) -> None:
        return None

    def finish(self) -> None:
        return None


@contextmanager
def instrumented(clock: StageClock) -> Iterator[None]:
    """Time the stages of ingestion functions while inside (module attributes are restored)."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, replacement: Any) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    original_parser = workers.create_thread_local_parser_instance
    patch(workers, "create_thread_local_parser_instance",
          lambda spec: _TimedMethod(original_parser(spec), "parse", clock, "parse"))
    cursor_class = extractor.QueryCursor
    patch(extractor, "QueryCursor",
          lambda *args: _TimedMethod(cursor_class(*args), "matches", clock, "query pass"))
    patch(writing, "process_file_chunk",
          clock.timed("Python extraction", workers.process_file_chunk))

    original_write = CozoDbStorage.write_rows

    def write_rows(self: CozoDbStorage, query_name: str, rows: list) -> int:
        if rows:
            started = time.perf_counter()
            with clock.stage("row conversion"):
                self._client.run("?[x] <- [[1]]", {"rows": rows}, immutable=True)
            clock.write_seconds[query_name] += time.perf_counter() - started
        clock.rows_written[query_name] += len(rows)
        started = time.perf_counter()
        with clock.stage("engine"):
            written = original_write(self, query_name, rows)
        clock.write_seconds[query_name] += time.perf_counter() - started
        return written

    patch(CozoDbStorage, "write_rows", write_rows)
    patch(resolution, "BackgroundWriter", _WriterInThisThread)
    patch(CodebaseIndex, "resolve_from", clock.timed("resolution", CodebaseIndex.resolve_from))
    # A rebuild builds its index as chunks arrive (add_chunk), an update at the end (index).
    for name in ("add_chunk", "index"):
        patch(resolution.ResolutionInputs, name,
              clock.timed("resolution", getattr(resolution.ResolutionInputs, name)))
    for name in ("search_token_rows", "coupling_rows"):
        timed = clock.timed("derived rows", getattr(derived, name))
        patch(derived, name, timed)
        if hasattr(resolution, name):
            patch(resolution, name, timed)
    try:
        yield
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)
        assert extractor.QueryCursor is cursor_class


def measure(root: Path) -> dict[str, Any]:
    """One instrumented sequential ingestion of `root`; the stages' core-seconds."""
    clock = StageClock()
    workspace = Path(tempfile.mkdtemp(prefix="stage-budget-"))
    try:
        config = StreamerConfig(
            database=f"rocksdb:{workspace / 'budget.db'}", parallel=False, overlap_writes=False
        )
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        with instrumented(clock), CodebaseStreamer(config) as ingestion:
            summary = ingestion.stream_directory(root)
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    stages = {name: round(clock.seconds.get(name, 0.0), 6) for name in STAGES}
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "root": str(root),
        "entities": summary.entities,
        "elapsed_seconds": round(summary.elapsed_seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "stages": stages,
        "other": round(summary.elapsed_seconds - sum(stages.values()), 3),
        "rows_written": dict(sorted(clock.rows_written.items())),
        "write_seconds": {
            name: round(seconds, 3)
            for name, seconds in sorted(clock.write_seconds.items(), key=lambda item: -item[1])
        },
    }


def budget_markdown(result: dict[str, Any], cores: int = 2) -> str:
    """The stages as a table, with what they allow on `cores` cores."""
    stages = result["stages"]
    worker = stages["parse"] + stages["query pass"] + stages["Python extraction"]
    parent = sum(stages.values()) - worker + result["other"]
    total = worker + parent
    lines = ["| stage | core-s | share |", "|---|---|---|"]
    for name, seconds in stages.items():
        lines.append(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    lines.append(f"| other (walk, planning, stamps, queries) | {result['other']:.2f} | "
                 f"{result['other'] / total:.0%} |")
    lines.append(f"| **all** | **{total:.2f}** | |")
    # The engine runs with the GIL released (writer threads overlap it with Python); the
    # rest of the parent's work holds the GIL, one thread at a time.
    parent_python = parent - stages["engine"]
    bound = max(total / cores, parent_python)
    lines.append("")
    lines.append(
        f"Workers' stages {worker:.2f} core-s, the parent's {parent:.2f} (of which "
        f"{parent_python:.2f} hold the GIL): on {cores} cores a run takes at least "
        f"{bound:.2f} s, {result['entities'] / bound:,.0f} entities/s."
    )
    lines.append("")
    lines.append("| write query | rows | conversion + engine s | µs/row |")
    lines.append("|---|---|---|---|")
    for name, seconds in result["write_seconds"].items():
        rows = result["rows_written"][name]
        lines.append(f"| {name} | {rows:,} | {seconds:.2f} | {seconds / rows * 1e6:.1f} |")
    lines.append(f"| **all** | **{sum(result['rows_written'].values()):,}** | "
                 f"**{sum(result['write_seconds'].values()):.2f}** | |")
    return "\n".join(lines)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("corpus", nargs="?", default="rust",
                           help="a corpus of bench.corpora, or a folder")
    arguments.add_argument("--json", action="store_true", help="print the figures as JSON")
    given = arguments.parse_args()
    root = Path(given.corpus)
    if not root.is_dir():
        from bench.corpora import build_corpus

        root = Path(build_corpus(given.corpus))
    result = measure(root)
    print(json.dumps(result, indent=2) if given.json else budget_markdown(result))


if __name__ == "__main__":
    main()
