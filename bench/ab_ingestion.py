"""Two or more source trees of Parseltongue ingesting one corpus, runs alternated, CPU compared.

On a shared machine wall time moves with the other users' load; the CPU time a run spends
(its process tree: the parent and the parse workers it waits for) moves much less. Each round
runs every tree once, in turn, as a fresh `python -m bench.ingestion_runs t3` process with that
tree first on PYTHONPATH, into a new database; the table gives each tree's median and fastest
CPU and wall seconds and its ratio to the first tree.

    python -m bench.ab_ingestion --corpus rust --rounds 5 /tmp/before /work/wt-branch

A tree is a checkout (a `git worktree` or `git archive` of a commit): its `parseltongue/` and
`queries/` are what run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.corpora import corpus_root


def run_once(tree: Path, corpus: Path, database: str, jobs: int) -> dict[str, Any]:
    """One T3 ingestion by the code in `tree`: its figures, with the CPU seconds of the
    whole process tree."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "bench.ingestion_runs", "t3", str(corpus),
               "--jobs", str(jobs), "--database", database]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=tree, env=environment, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"{tree}: {completed.stderr[-3000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    figures["process_wall_seconds"] = wall
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--corpus", default="rust")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args()
    corpus = corpus_root(arguments.corpus)
    runs: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in arguments.trees}
    with tempfile.TemporaryDirectory(prefix="ab-ingestion-") as scratch:
        for round_number in range(arguments.rounds):
            # Each round starts with another tree, so none always runs first.
            shift = round_number % len(arguments.trees)
            for position, tree in enumerate(arguments.trees[shift:] + arguments.trees[:shift]):
                database = f"rocksdb:{scratch}/{round_number}-{position}"
                figures = run_once(tree.resolve(), corpus, database, arguments.jobs)
                runs[tree].append(figures)
                print(
                    f"round {round_number + 1} {tree}: cpu {figures['cpu_seconds']:.2f} s, "
                    f"elapsed {figures['elapsed_seconds']:.2f} s (resolve "
                    f"{figures['resolve_seconds']:.2f} s), edges {figures['edges']:,}, "
                    f"load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                )
    first = statistics.median(run["cpu_seconds"] for run in runs[arguments.trees[0]])
    print("| tree | rounds | CPU s median | CPU s min | vs first | elapsed s median "
          "| resolve+derived s median | DB MB |")
    print("|---|---|---|---|---|---|---|---|")
    for tree, results in runs.items():
        cpu = [run["cpu_seconds"] for run in results]
        print(
            f"| {tree} | {len(results)} | {statistics.median(cpu):.2f} | {min(cpu):.2f} "
            f"| {statistics.median(cpu) / first:.3f} "
            f"| {statistics.median(run['elapsed_seconds'] for run in results):.2f} "
            f"| {statistics.median(run['resolve_seconds'] for run in results):.2f} "
            f"| {statistics.median(run['database_mb'] for run in results):.1f} |"
        )


if __name__ == "__main__":
    main()
