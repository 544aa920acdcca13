"""The PRD's ingestion matrix (T1 / T2 / T3), the parse floor, and the ratios between them.

Run (see BENCHMARKS.md):
    PARSELTONGUE_BENCH_CORPUS=rust pytest bench/bench_ingestion.py bench/bench_queries.py \
        --benchmark-only -p no:cacheprovider -s

Each run is a fresh Python process (bench.ingestion_runs), so its peak memory is its own
process tree. The first ingestion (T3, rocksdb, parallel) is the reference: every later
database is compared with it row for row (`verify_parallel_data_integrity_check`) and the
benchmark fails when one differs. `PARSELTONGUE_BENCH_ROUNDS=N` repeats each run N times and
keeps the fastest (the machine is shared; the load of each round is recorded).
The functions run in the order written: the ratios need the runs before them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.ingestion_runs import bench_jobs, fastest_of_rounds
from parseltongue.storage.sled import sled_engine_installed


def _measure(
    benchmark: Any,
    bench_results: dict[str, Any],
    run_name: str,
    variant: str,
    root: Path,
    jobs: int,
    database: str = "",
    compare: bool = True,
) -> dict[str, Any]:
    """Run a variant (the fastest of the rounds), record it, and check its rows."""
    reference = bench_results.get("reference_database") if compare else None
    result = benchmark.pedantic(fastest_of_rounds, args=(variant, root, jobs, database, reference),
                                rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    bench_results["runs"][run_name] = result
    if "error" not in result and result.get("identical") is False:
        pytest.fail(f"{run_name} holds different rows from the reference:\n"
                    f"{result['differences']}")
    return result


def benchmark_parse_floor(benchmark, bench_results, corpus_root) -> None:
    """Tree-sitter parsing alone, the same files and chunks, over all jobs."""
    _measure(benchmark, bench_results, "floor", "floor", corpus_root, bench_jobs(),
             compare=False)


def benchmark_rocksdb_parallel_ingestion(
    benchmark, bench_results, corpus_root, bench_workspace
) -> None:
    """T3: the target pipeline, rocksdb, parallel, jobs = cores. The reference database."""
    database = f"rocksdb:{bench_workspace / 't3.db'}"
    result = _measure(benchmark, bench_results, "t3", "t3", corpus_root, bench_jobs(),
                      database, compare=False)
    bench_results["reference_database"] = result["database"]


def benchmark_rocksdb_one_job_ingestion(
    benchmark, bench_results, corpus_root, bench_workspace
) -> None:
    """The T3 pipeline with one job: what the parallelism itself gives."""
    _measure(benchmark, bench_results, "t3_one_job", "t3", corpus_root, 1,
             f"rocksdb:{bench_workspace / 't3-one-job.db'}")


def benchmark_rocksdb_sequential_ingestion_baseline(
    benchmark, bench_results, corpus_root, bench_workspace
) -> None:
    """T1, the PRD's baseline: rocksdb, sequential, one write per file."""
    _measure(benchmark, bench_results, "t1", "t1", corpus_root, 1,
             f"rocksdb:{bench_workspace / 't1.db'}")


def _sled_measured(result: dict[str, Any]) -> None:
    """A sled run is measured where the sled engine (native/cozo-sled) is installed; where it
    is not, the install hint is the recorded result and the benchmark is skipped."""
    if "error" in result:
        if sled_engine_installed():
            pytest.fail(result["error"])
        assert "the sled engine is not installed" in result["error"], result
        pytest.skip(result["error"])


def benchmark_sled_sequential_ingestion_comparison(
    benchmark, bench_results, corpus_root, bench_workspace
) -> None:
    """T2: sled (Cozo over our sled storage, native/cozo-sled), sequential parsing."""
    _sled_measured(_measure(benchmark, bench_results, "sled", "sled", corpus_root, 1,
                            f"sled:{bench_workspace / 'sled.db'}"))


def benchmark_sled_rayon_parallel_ingestion(
    benchmark, bench_results, corpus_root, bench_workspace
) -> None:
    """T2': the PRD's target, sled with parallel parsing (jobs = cores), the T3 pipeline."""
    _sled_measured(_measure(benchmark, bench_results, "sled_parallel", "sled-parallel",
                            corpus_root, bench_jobs(),
                            f"sled:{bench_workspace / 'sled-parallel.db'}"))


def benchmark_sqlite_parallel_ingestion(
    benchmark, bench_results, corpus_root, bench_workspace
) -> None:
    """T2 on sqlite: the T3 pipeline, another engine."""
    _measure(benchmark, bench_results, "sqlite", "t3", corpus_root, bench_jobs(),
             f"sqlite:{bench_workspace / 't2.sqlite'}")


def benchmark_mem_parallel_ingestion(benchmark, bench_results, corpus_root) -> None:
    """T2 on mem: the T3 pipeline with nothing on disk."""
    _measure(benchmark, bench_results, "mem", "t3", corpus_root, bench_jobs(), "mem")
