"""Scaling out: `pt01 --dask local:JOBS` against loky with the same jobs, and the writer's
ceiling (what the one writing process takes when parsing is free).

Run (see BENCHMARKS.md):
    PARSELTONGUE_BENCH_CORPUS=rust PARSELTONGUE_BENCH_ROUNDS=3 PARSELTONGUE_BENCH_JOBS=2 \
        pytest bench/bench_scale_out.py --benchmark-only -p no:cacheprovider

Each run is a fresh process. Loky and Dask alternate round by round (the machine is shared),
the fastest of each is kept, and every Dask database is compared row for row with loky's: a
difference fails the benchmark. A session running this file writes
`bench/results/<corpus>-scale-out.{json,md}` only (bench/scale_out.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.ingestion_runs import bench_jobs, bench_rounds, run_in_subprocess

REPOSITORY = Path(__file__).resolve().parents[1]


def _alternating_rounds(root: Path, workspace: Path, jobs: int) -> dict[str, dict[str, Any]]:
    runs: dict[str, list[dict[str, Any]]] = {"loky": [], "dask": []}
    reference = ""
    for round_number in range(bench_rounds()):
        # Who goes first alternates: a load that drifts through a round hurts both alike.
        order = ("loky", "dask") if round_number % 2 == 0 else ("dask", "loky")
        for name in order:
            database = f"rocksdb:{workspace / f'{name}-{round_number}.db'}"
            variant = "t3" if name == "loky" else "dask"
            # Round 0 runs loky first: every Dask run has loky's database to compare with.
            compare = reference if name == "dask" else None
            result = run_in_subprocess(variant, root, jobs, database, compare)
            if name == "loky" and not reference:
                reference = database
            runs[name].append(result)
    best = {}
    for name, results in runs.items():
        fastest = min(results, key=lambda result: result["elapsed_seconds"])
        fastest["round_seconds"] = [result["elapsed_seconds"] for result in results]
        fastest["round_loads"] = [result["load_before"][0] for result in results]
        best[name] = fastest
    return best


def benchmark_dask_local_against_loky(
    benchmark: Any, bench_results: dict[str, Any], corpus_root: Path, bench_workspace: Path
) -> None:
    """`--dask local:JOBS` and loky with JOBS, alternating; Dask's rows equal loky's."""
    jobs = bench_jobs()
    best = benchmark.pedantic(_alternating_rounds, args=(corpus_root, bench_workspace, jobs),
                              rounds=1, iterations=1)
    benchmark.extra_info.update({name: run["elapsed_seconds"] for name, run in best.items()})
    scale_out = bench_results["scale_out"]
    scale_out.setdefault("runs", {}).update(best)
    scale_out.update(jobs=jobs, rounds=bench_rounds())
    for run in best.values():
        if run.get("identical") is False:
            pytest.fail(f"the Dask run holds different rows from loky's:\n{run['differences']}")


def benchmark_writer_ceiling(
    benchmark: Any, bench_results: dict[str, Any], corpus_root: Path, bench_workspace: Path
) -> None:
    """The parent's files/s and rows/s with parse results replayed (parsing free)."""

    def measure() -> dict[str, Any]:
        command = [sys.executable, "-m", "bench.scale_out", str(corpus_root), "--database",
                   f"rocksdb:{bench_workspace / 'writer-ceiling.db'}", "--jobs",
                   str(bench_jobs())]
        completed = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY,
                                   timeout=3600, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr[-4000:]}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    ceiling = benchmark.pedantic(measure, rounds=1, iterations=1)
    benchmark.extra_info.update(ceiling)
    scale_out = bench_results["scale_out"]
    scale_out.setdefault("runs", {})["writer_ceiling"] = ceiling
