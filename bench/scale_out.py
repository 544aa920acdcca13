"""Scaling out (`pt01 --dask`): a Dask cluster against loky's pool, and the writer's ceiling.

Two measurements (bench/bench_scale_out.py runs them; each run is a fresh process):

- `dask` (`python -m bench.ingestion_runs dask ...`): the T3 pipeline with its parse tasks on
  `--dask local:JOBS`, file bytes shipped from the parent, against loky's T3 with the same
  jobs, alternating in one session. Target: Dask within 1.3x of loky.
- `writer ceiling` (`python -m bench.scale_out ROOT --database SPEC`): the files are parsed
  first, in one process (timed: one worker's rate), then the same pipeline runs with those
  results replayed in place of parsing. Its parse phase (walk, plan, every row written) is
  what the parent takes when parsing is free: files/s and rows/s no number of workers can
  pass. Its ratio to one worker's rate is how many parse workers are worth adding.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from parseltongue.extract import ExtractionLimits
from parseltongue.ingest import CodebaseStreamer, StreamerConfig, writing
from parseltongue.ingest.walk import FileCollection, collect_files_for_parallel_processing
from parseltongue.ingest.workers import ChunkResult, process_file_chunk

# The target: the Dask run's wall time at most this many times loky's.
DASK_OVER_LOKY_TARGET = 1.3


def rows_of(result: ChunkResult) -> int:
    """Rows a task hands the writer (a file's raw references are one packed row)."""
    return sum(len(rows) for rows in result.rows.values())


def run_writer_ceiling(root: str | Path, database: str, jobs: int) -> dict[str, Any]:
    """Parse every file in this process (one worker's rate), then ingest with the parse
    results replayed: the parent's own rate when parsing costs nothing."""
    # Sequential: the replay needs no pool (whose start would count as the writer's time).
    config = StreamerConfig(database=database, parallel=False)
    limits = ExtractionLimits(max_file_bytes=config.max_file_bytes)
    collection = collect_files_for_parallel_processing(Path(root))
    chunks = writing.chunks_of(collection.files, config.files_per_task, jobs)
    started = time.perf_counter()
    results = [process_file_chunk(chunk, limits) for chunk in chunks]
    worker_seconds = time.perf_counter() - started
    files = sum(len(result.outcomes) for result in results)
    rows = sum(rows_of(result) for result in results)

    def replayed(
        _config: StreamerConfig, _collection: FileCollection, _jobs: int, *_: object
    ) -> Generator[ChunkResult, None, None]:
        yield from results

    original = writing.parse_chunks
    writing.parse_chunks = replayed  # type: ignore[assignment]
    try:
        with CodebaseStreamer(config) as streamer:
            summary = streamer.stream_directory(root)
    finally:
        writing.parse_chunks = original
    if summary.files_written != files:
        raise RuntimeError(f"replayed {files} files, the writer took {summary.files_written}")
    parent_files_per_second = files / summary.parse_seconds
    worker_files_per_second = files / worker_seconds
    return {
        "variant": "writer-ceiling",
        "files": files,
        "rows": rows,
        "entities": summary.entities,
        "one_worker_seconds": round(worker_seconds, 3),
        "one_worker_files_per_second": round(worker_files_per_second, 1),
        "parse_seconds": round(summary.parse_seconds, 3),
        "resolve_seconds": round(summary.resolve_seconds, 3),
        "elapsed_seconds": round(summary.elapsed_seconds, 3),
        "ceiling_files_per_second": round(parent_files_per_second, 1),
        "ceiling_rows_per_second": round(rows / summary.parse_seconds, 1),
        "workers_worth_adding": round(parent_files_per_second / worker_files_per_second, 2),
    }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def scale_out_figures(
    loky: dict[str, Any], on_dask: dict[str, Any], ceiling: dict[str, Any]
) -> dict[str, Any]:
    """The ratios and the target from the runs (any of them may be missing: `{}`)."""
    ratio = _ratio(on_dask.get("elapsed_seconds"), loky.get("elapsed_seconds"))
    return {
        "dask_over_loky": ratio,
        "dask_over_loky_parse_phase": _ratio(on_dask.get("parse_seconds"),
                                             loky.get("parse_seconds")),
        "workers_worth_adding": ceiling.get("workers_worth_adding"),
        "target": {"value": ratio, "target": f"<= {DASK_OVER_LOKY_TARGET:g}",
                   "met": None if ratio is None else ratio <= DASK_OVER_LOKY_TARGET},
    }


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def scale_out_markdown(document: dict[str, Any]) -> str:
    """The tables of `<corpus>-scale-out.md`."""
    runs = document.get("runs", {})
    lines = [
        f"Scaling out, corpus `{document.get('corpus')}`, {document.get('jobs')} jobs, "
        f"fastest of {document.get('rounds')} round(s)",
        "",
        "| run | wall s | parse+write s | resolve+derived s | entities | peak MB | rounds s | "
        "same rows |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("loky", "dask"):
        run = runs.get(name)
        if not run:
            continue
        same = "reference" if name == "loky" else _cell(run.get("identical"))
        rounds = ", ".join(_cell(seconds) for seconds in run.get("round_seconds", []))
        lines.append(
            f"| {name} | {_cell(run.get('elapsed_seconds'))} | {_cell(run.get('parse_seconds'))} "
            f"| {_cell(run.get('resolve_seconds'))} | {_cell(run.get('entities'))} "
            f"| {_cell(run.get('peak_memory_mb'))} | {rounds} | {same} |"
        )
    figures = document.get("figures", {})
    target = figures.get("target", {})
    lines += [
        "",
        f"Dask over loky: {_cell(figures.get('dask_over_loky'))}x (parse phase "
        f"{_cell(figures.get('dask_over_loky_parse_phase'))}x); target {target.get('target')}: "
        f"{'met' if target.get('met') else 'not met' if target.get('met') is False else '–'}.",
    ]
    ceiling = runs.get("writer_ceiling")
    if ceiling:
        lines += [
            "",
            "| writer ceiling (parsing free) | value |",
            "|---|---|",
            f"| files, rows written | {_cell(ceiling['files'])}, {_cell(ceiling['rows'])} |",
            f"| parse phase with results replayed, s | {_cell(ceiling['parse_seconds'])} |",
            f"| files/s, rows/s the parent takes | {_cell(ceiling['ceiling_files_per_second'])}, "
            f"{_cell(ceiling['ceiling_rows_per_second'])} |",
            f"| one worker, files/s (parse and rows, one process) | "
            f"{_cell(ceiling['one_worker_files_per_second'])} |",
            f"| workers worth adding (ceiling / one worker) | "
            f"{_cell(ceiling['workers_worth_adding'])} |",
            f"| resolution afterwards, s (one process, whatever the workers) | "
            f"{_cell(ceiling['resolve_seconds'])} |",
        ]
    return "\n".join(lines) + "\n"


def write_scale_out_results(folder: Path, name: str, document: dict[str, Any]) -> str:
    """`<name>-scale-out.json` and `.md` in `folder`; returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-scale-out.json").write_text(json.dumps(document, indent=1) + "\n")
    markdown = scale_out_markdown(document)
    (folder / f"{name}-scale-out.md").write_text(markdown)
    return markdown


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.scale_out ROOT --database SPEC [--jobs N]`: the writer ceiling, one
    JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--database", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args(argv)
    print(json.dumps(run_writer_ceiling(arguments.root, arguments.database, arguments.jobs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
