"""The scale curve: the corpus ingested at 1x, 2x, 4x, 8x its size.

Run (see BENCHMARKS.md):
    PARSELTONGUE_BENCH_CORPUS=rust PARSELTONGUE_BENCH_ROUNDS=2 \
        pytest bench/bench_scale.py --benchmark-only -p no:cacheprovider

For each factor N of `PARSELTONGUE_BENCH_SCALE_FACTORS` (default `1,2,4,8`), a tree holding N
copies of the corpus under `copy-1/` ... `copy-N/` (hard links where the filesystem allows) is
ingested by the T3 pipeline (rocksdb, parallel, jobs = cores) in a fresh process, the fastest of
`PARSELTONGUE_BENCH_ROUNDS`. Targets: time per entity within +-20 % of the 1x one at every size,
and peak memory at most linear in the size. A session running this file alone writes
`bench/results/<corpus>-scale.{json,md,png}` only (bench/scale_curve.py draws the plot).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.ingestion_runs import bench_jobs, bench_rounds, fastest_of_rounds
from bench.scale_curve import build_copies, curve_figures, scale_factors


def benchmark_scale_curve(
    benchmark: Any, bench_results: dict[str, Any], corpus_root: Path, bench_workspace: Path
) -> None:
    """T3 at every size of the curve; the figures and targets go to `bench_results["scale"]`."""
    factors = scale_factors()
    jobs = bench_jobs()

    def measure_curve() -> dict[int, dict[str, Any]]:
        runs = {}
        for factor in factors:
            folder = bench_workspace / f"scale-{factor}x"
            tree = build_copies(corpus_root, folder / "tree", factor)
            run = fastest_of_rounds("t3", folder / "tree", jobs,
                                    f"rocksdb:{folder / 't3.db'}")
            if "error" in run:
                pytest.fail(f"the {factor}x ingestion failed: {run['error']}")
            runs[factor] = {**run, "tree": tree}
            # Eight copies' databases would hold several times the corpus on disk: their
            # figures are taken, the files are not needed.
            shutil.rmtree(folder)
        return runs

    runs = benchmark.pedantic(measure_curve, rounds=1, iterations=1)
    curve = {"jobs": jobs, "rounds": bench_rounds(), "factors": factors, **curve_figures(runs)}
    benchmark.extra_info.update(curve)
    bench_results["scale"] = curve
