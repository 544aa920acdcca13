"""One measured ingestion (or parse-floor) run, and the figures and ratios drawn from several.

Every run of the benchmark matrix happens in a fresh Python process (`python -m
bench.ingestion_runs ...`): peak memory is then that run's own process tree (parent plus parse
workers), not what earlier runs left in the pytest process, and each run pays for starting its
own worker pool, as a `parseltongue pt01` would. The functions here also run in-process, which
is what the smoke test does.

Variants (the PRD's matrix, adapted to this Python build, see BENCHMARKS.md):
- `t1`: rocksdb, sequential, one write per file, no writer thread (the PRD's baseline).
- `t3`: the target pipeline, parallel (jobs = cores), batched writes overlapped with parsing;
  the same variant on sqlite and mem is T2, and with `--jobs 1` it shows what parallelism gives.
- `sled`, `sled-parallel`: the PRD's T2 and T2', on sled (Cozo over our sled storage, the
  native package native/cozo-sled): sequential parsing, and the T3 pipeline. Where the package
  is not installed, the result is the error saying how to install it.
- `floor`: tree-sitter parsing alone of the same files, same chunks, over the same jobs.
- `dask`: the T3 pipeline with its parse tasks on a Dask cluster started for the run
  (`--dask local:JOBS`, file bytes shipped from the parent), against loky's `t3`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed

from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.ingest.integrity import verify_parallel_data_integrity_check
from parseltongue.ingest.memory import ProcessTreeMemorySampler
from parseltongue.ingest.walk import collect_files_for_parallel_processing
from parseltongue.ingest.workers import create_thread_local_parser_instance

# The floor must cut the files into exactly the pipeline's tasks.
from parseltongue.ingest.writing import chunks_of
from parseltongue.languages import language_for_path
from parseltongue.storage import CozoDbStorage, StorageError

VARIANTS = ("t1", "t3", "sled", "sled-parallel", "floor", "dask")
MEGABYTE = 1e6


def cores() -> int:
    """Cores this process may run on (what `nproc` reports)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def bench_corpus_name() -> str:
    """The corpus the suites run on: `PARSELTONGUE_BENCH_CORPUS`, default `rust`."""
    return os.environ.get("PARSELTONGUE_BENCH_CORPUS", "rust")


def bench_jobs() -> int:
    """Parse jobs of the parallel runs: `PARSELTONGUE_BENCH_JOBS`, default the cores."""
    return int(os.environ.get("PARSELTONGUE_BENCH_JOBS", "0")) or cores()


def corpus_packages(corpus: str) -> list[dict[str, Any]]:
    """The packages a named corpus was built from, each with its pinned and fetched version
    (from its manifest); empty for a folder given by path or a corpus not built."""
    from bench.corpora import CORPORA, read_manifest

    if corpus not in CORPORA:
        return []
    manifest = read_manifest(corpus) or {}
    return [
        {
            "kind": p["kind"],
            "name": p["name"],
            "version": p["version"],
            "pinned": p.get("pinned", p["version"]),
        }
        for p in manifest.get("packages", [])
    ]


def machine_description() -> dict[str, Any]:
    """Cores, `nproc`, CPU model, memory, load and date, for the results file."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        nproc = ""
    memory_mb = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) / 1024
    return {
        "cpu_count": os.cpu_count(),
        "nproc": int(nproc.strip() or 0),
        "cpu_model": model,
        "memory_mb": round(memory_mb),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# Peak memory is a reported figure here: sampled more often than a user's pt01 does.
BENCH_SAMPLE_SECONDS = 0.1


def streamer_config(variant: str, database: str, jobs: int) -> StreamerConfig:
    """The pipeline configuration a variant stands for."""
    config = _variant_config(variant, database, jobs)
    config.memory_sample_seconds = BENCH_SAMPLE_SECONDS
    return config


def _variant_config(variant: str, database: str, jobs: int) -> StreamerConfig:
    if variant == "t1":
        # One file per task, every task's rows written at once (write_batch_rows=0) by the
        # parsing thread itself: one `:put` per relation per file, nothing overlapped.
        return StreamerConfig(
            database=database, parallel=False, files_per_task=1, write_batch_rows=0,
            overlap_writes=False,
        )
    if variant in ("t3", "sled-parallel"):
        return StreamerConfig(database=database, parallel=True, jobs=jobs)
    if variant == "sled":
        return StreamerConfig(database=database, parallel=False)
    if variant == "dask":
        return StreamerConfig(database=database, parallel=True, dask=f"local:{jobs}")
    raise ValueError(f"unknown ingestion variant {variant!r}; known: {', '.join(VARIANTS)}")


def disk_bytes(database: str) -> int:
    """Bytes the database takes on disk (a RocksDB or sled folder, a SQLite file and its
    journal)."""
    engine, _, path = database.partition(":")
    if not path:
        return 0
    target = Path(path)
    if target.is_dir():
        return sum(item.stat().st_size for item in target.rglob("*") if item.is_file())
    related = [target, *target.parent.glob(target.name + "-*")]  # -wal, -shm, -journal
    return sum(item.stat().st_size for item in related if item.is_file())


def run_ingestion(
    variant: str,
    root: str | Path,
    database: str,
    jobs: int,
    compare_with: str | None = None,
) -> dict[str, Any]:
    """Ingest `root` as `variant` says and return the figures (or the engine's error).

    With `compare_with` (a closed database of the same tree), the new database is compared
    with it row for row after the timed part; the result says whether they are identical.
    """
    result: dict[str, Any] = {"variant": variant, "database": database, "jobs": jobs,
                              "load_before": list(os.getloadavg())}
    config = streamer_config(variant, database, jobs)
    started = time.perf_counter()
    try:
        streamer = CodebaseStreamer(config)
    except StorageError as error:
        # An engine that cannot be opened here (sled without its package): the error is the
        # result.
        result.update(error=str(error), error_type=type(error).__name__,
                      seconds_to_error=time.perf_counter() - started)
        return result
    with streamer:
        summary = streamer.stream_directory(root)
        wall = time.perf_counter() - started
        if compare_with:
            with CozoDbStorage(compare_with) as reference:
                report = verify_parallel_data_integrity_check(reference, streamer.storage())
            result["identical_to"] = compare_with
            result["identical"] = report.identical
            result["differences"] = "" if report.identical else report.describe()
    seconds = summary.elapsed_seconds
    result.update(
        wall_seconds=round(wall, 3),
        elapsed_seconds=round(seconds, 3),
        parse_seconds=round(summary.parse_seconds, 3),
        resolve_seconds=round(summary.resolve_seconds, 3),
        files=summary.files_ingested,
        entities=summary.entities,
        edges=summary.edges,
        unresolved_references=summary.unresolved_references,
        source_mb=round(summary.bytes_parsed / MEGABYTE, 3),
        entities_per_second=round(summary.entities / seconds, 1),
        edges_per_second=round(summary.edges / seconds, 1),
        megabytes_per_second=round(summary.bytes_parsed / MEGABYTE / seconds, 3),
        peak_memory_mb=round(summary.peak_memory_mb, 1),
        database_mb=round(disk_bytes(database) / MEGABYTE, 2),
        load_after=list(os.getloadavg()),
    )
    return result


def parse_chunk_only(chunk: list[tuple[str, str, str, int]]) -> int:
    """A floor task: read and parse each file with this process's parser, nothing more."""
    parsed = 0
    for relative_path, absolute_path, _, _ in chunk:
        spec = language_for_path(relative_path)
        parser = create_thread_local_parser_instance(spec) if spec else None
        if parser is None:
            continue
        with open(absolute_path, "rb") as handle:
            source = handle.read()
        parser.parse(source)
        parsed += len(source)
    return parsed


def run_parse_floor(root: str | Path, jobs: int) -> dict[str, Any]:
    """Tree-sitter parsing alone of the files the pipeline ingests, in its chunks and jobs.

    The walk is timed apart (the pipeline does it too, so the floor leaves it out and is the
    stricter for it); the pool's start is in, as it is in the pipeline.
    """
    result: dict[str, Any] = {"variant": "floor", "jobs": jobs,
                              "load_before": list(os.getloadavg())}
    with ProcessTreeMemorySampler(BENCH_SAMPLE_SECONDS) as memory:
        walk_started = time.perf_counter()
        collection = collect_files_for_parallel_processing(Path(root))
        started = time.perf_counter()
        config = StreamerConfig(jobs=jobs)
        chunks = chunks_of(collection.files, config.files_per_task, jobs)
        if jobs == 1:
            parsed = sum(parse_chunk_only(chunk) for chunk in chunks)
        else:
            pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
            parsed = sum(pool(delayed(parse_chunk_only)(chunk) for chunk in chunks))
        seconds = time.perf_counter() - started
    result.update(
        walk_seconds=round(started - walk_started, 3),
        elapsed_seconds=round(seconds, 3),
        files=len(collection.files),
        source_mb=round(parsed / MEGABYTE, 3),
        megabytes_per_second=round(parsed / MEGABYTE / seconds, 3),
        peak_memory_mb=round(memory.peak_megabytes, 1),
        load_after=list(os.getloadavg()),
    )
    return result


def run_in_subprocess(
    variant: str,
    root: str | Path,
    jobs: int,
    database: str = "",
    compare_with: str | None = None,
    timeout_seconds: float = 3600,
) -> dict[str, Any]:
    """Run one variant in a fresh Python process and return its figures."""
    command = [sys.executable, "-m", "bench.ingestion_runs", variant, str(root),
               "--jobs", str(jobs)]
    if database:
        command += ["--database", database]
    if compare_with:
        command += ["--compare-with", compare_with]
    repository = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=repository, timeout=timeout_seconds,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"benchmark run {' '.join(command)} failed ({completed.returncode}):\n"
            f"{completed.stderr[-4000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def bench_rounds() -> int:
    """Runs per measurement, the fastest kept: `PARSELTONGUE_BENCH_ROUNDS`, default 1."""
    return max(1, int(os.environ.get("PARSELTONGUE_BENCH_ROUNDS", "1")))


def fastest_of_rounds(
    variant: str, root: str | Path, jobs: int, database: str = "",
    compare_with: str | None = None,
) -> dict[str, Any]:
    """`bench_rounds()` runs of a variant, each a fresh process; the fastest one's figures, with
    every round's time and load (the machine is shared)."""
    results = []
    for round_number in range(bench_rounds()):
        # A fresh folder per round: every round ingests into an empty database.
        path = f"{database}-{round_number}" if database.partition(":")[2] else database
        results.append(run_in_subprocess(variant, root, jobs, path, compare_with))
    best = min(results, key=lambda result: result.get("elapsed_seconds", 0.0))
    best["round_seconds"] = [result.get("elapsed_seconds") for result in results]
    best["round_loads"] = [result.get("load_before", [None])[0] for result in results]
    return best


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


# The targets: (figure, comparison, threshold).
TARGETS: dict[str, tuple[str, str, float]] = {
    "t3_entities_per_second": ("t3_entities_per_second", ">=", 10_000),
    "t3_megabytes_per_second": ("t3_megabytes_per_second", ">=", 6.0),
    "t3_over_floor": ("t3_over_floor", "<=", 2.0),
    "t1_over_t3": ("t1_over_t3", ">=", 3.0),
    "jobs_speedup": ("jobs_speedup", ">=", 1.7),
    "t3_memory_over_t1": ("t3_memory_over_t1", "<=", 2.0),
    "t3_peak_memory_mb": ("t3_peak_memory_mb", "<", 600.0),
}


def ratios_and_targets(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The within-run ratios of the issue and whether each target is met.

    `runs` maps run names (`t1`, `t3`, `t3_one_job`, `floor`, ...) to their figures. Each
    ratio is given on the whole run and on the parse phase alone (walk, parse, write: what
    parallelism can speed up), since resolution is the same single Cozo program in every
    variant.
    """
    t1, t3, one, floor = (runs.get(name, {}) for name in ("t1", "t3", "t3_one_job", "floor"))
    figures: dict[str, Any] = {
        "t3_entities_per_second": t3.get("entities_per_second"),
        "t3_megabytes_per_second": t3.get("megabytes_per_second"),
        "t3_peak_memory_mb": t3.get("peak_memory_mb"),
        "t1_over_t3": _ratio(t1.get("elapsed_seconds"), t3.get("elapsed_seconds")),
        "t1_over_t3_parse_phase": _ratio(t1.get("parse_seconds"), t3.get("parse_seconds")),
        "t3_over_floor": _ratio(t3.get("elapsed_seconds"), floor.get("elapsed_seconds")),
        "t3_parse_phase_over_floor": _ratio(t3.get("parse_seconds"), floor.get("elapsed_seconds")),
        "t3_memory_over_t1": _ratio(t3.get("peak_memory_mb"), t1.get("peak_memory_mb")),
        "jobs_speedup": _ratio(one.get("elapsed_seconds"), t3.get("elapsed_seconds")),
        "jobs_speedup_parse_phase": _ratio(one.get("parse_seconds"), t3.get("parse_seconds")),
    }
    targets = {}
    for name, (figure, comparison, threshold) in TARGETS.items():
        value = figures.get(figure)
        met = None if value is None else (
            value >= threshold if comparison == ">=" else
            value <= threshold if comparison == "<=" else value < threshold
        )
        targets[name] = {"value": value, "target": f"{comparison} {threshold:g}", "met": met}
    return {"ratios": figures, "targets": targets}


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.ingestion_runs VARIANT ROOT [--jobs N] [--database SPEC]`: one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("root")
    parser.add_argument("--jobs", type=int, default=cores())
    parser.add_argument("--database", default="")
    parser.add_argument("--compare-with", default=None)
    arguments = parser.parse_args(argv)
    if arguments.variant == "floor":
        result = run_parse_floor(arguments.root, arguments.jobs)
    else:
        result = run_ingestion(arguments.variant, arguments.root, arguments.database,
                               arguments.jobs, arguments.compare_with)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
