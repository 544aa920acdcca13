"""Change impact (issue 22): `parseltongue impact` on a 20-file diff of the corpus.

Run (see BENCHMARKS.md):
    PARSELTONGUE_BENCH_CORPUS=rust pytest bench/bench_impact.py --benchmark-only \
        -p no:cacheprovider

Target: the analysis of a 20-file change takes <= 300 ms once the database holds the changed
files (after ingestion): reading `git diff`, both sides of each file extracted, the walk two
hops back, the tests and the risk order.

What runs:
1. The corpus is copied into the bench workspace, made a git work tree (one commit), and
   ingested by `parseltongue pt01` in its own process.
2. Twenty Rust files are picked from the graph, deterministically: of the files with an
   editable function (bench_incremental.py's rule), those with the most edges in from other
   files (then path). Each gets a statement added at the top of its first editable
   function's body; every fifth file also loses its most called other function.
3. After ingestion: the edited files are re-indexed (untimed), then `impact` runs
   `PARSELTONGUE_BENCH_UPDATE_ROUNDS` times (default 9) in this process, and once as a
   `parseltongue impact --json` process (start-up included).
4. Before ingestion (no target): each round restores and re-indexes the files (untimed), edits
   them again, and times `impact` including the re-read of the 20 files, with the codebase
   index kept in memory as a server keeps it.

Results go to `bench/results/<corpus>-impact.{json,md}` (or PARSELTONGUE_BENCH_RESULTS).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.bench_incremental import (
    FUNCTION_TYPES,
    PickedFunction,
    _editable,
    _load,
    _median_ms,
    _p90_ms,
    body_edited,
    function_removed,
    run_pt01,
    update_rounds,
)
from bench.ingestion_runs import bench_corpus_name, bench_jobs, machine_description
from parseltongue import Codebase
from parseltongue.changes import ChangeImpact, git_change_impact

TARGET_MS = 300.0
EDITED_FILES = 20
REMOVE_EVERY = 5
GIT = ["git", "-c", "user.name=Parseltongue Bench", "-c", "user.email=bench@example.com",
       "-c", "commit.gpgsign=false"]


def _git(root: Path, *arguments: str) -> None:
    subprocess.run([*GIT, *arguments], cwd=root, check=True, capture_output=True, timeout=600)


@dataclass(frozen=True)
class EditedFile:
    path: str
    original: str
    edited: str
    body_edit: str
    removed: str


@dataclass
class ImpactTree:
    root: Path
    database: str
    files: list[EditedFile]
    results: dict[str, Any]

    def write(self, edited: bool) -> None:
        for file in self.files:
            (self.root / file.path).write_text(file.edited if edited else file.original,
                                               errors="surrogateescape")


def pick_files(codebase: Codebase, root: Path, count: int) -> list[EditedFile]:
    """The edited files: most edges in from other files first (then path), each with an
    editable function (and, every fifth, a second one to remove)."""
    rows = sorted(
        (row for row in codebase.named("rows_file_coupling")
         if row["file_path"].endswith(".rs") and row["entity_count"] > 0),
        key=lambda row: (-row["inbound"], row["file_path"]),
    )
    callers = {row["key"]: row["inbound"] for row in codebase.named("rows_entity_coupling")}
    picked: list[EditedFile] = []
    for row in rows:
        path = row["file_path"]
        text = (root / path).read_text(errors="surrogateescape")
        lines = text.splitlines(keepends=True)
        functions = [
            PickedFunction(entity.key, entity.name, entity.entity_type, entity.start_line,
                           entity.end_line, callers.get(entity.key, 0))
            for entity in codebase.file_entities(path)
            if entity.entity_type in FUNCTION_TYPES
        ]
        functions = [function for function in functions if _editable(lines, function)]
        removing = len(picked) % REMOVE_EVERY == REMOVE_EVERY - 1
        if len(functions) < (2 if removing else 1):
            continue
        body = min(functions, key=lambda function: (function.start_line, function.key))
        removed = ""
        edited = text
        if removing:
            others = [function for function in functions if function != body]
            gone = max(others, key=lambda function: (function.callers, function.key))
            # Removed first: the body edit below moves the lines after it.
            edited = function_removed(edited, gone) if gone.start_line > body.end_line else edited
            removed = gone.key if edited != text else ""
        edited = body_edited(edited, body)
        picked.append(EditedFile(path, text, edited, body.key, removed))
        if len(picked) == count:
            break
    return picked


@pytest.fixture(scope="module")
def impact_tree(corpus_root: Path, bench_workspace: Path) -> Iterator[ImpactTree]:
    root = bench_workspace / "impact-tree"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(corpus_root, root, copy_function=shutil.copy2, symlinks=True)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the corpus")
    database = f"rocksdb:{bench_workspace / 'impact.db'}"
    wall, summary = run_pt01(root, database, bench_jobs())
    with Codebase.open(database) as codebase:
        files = pick_files(codebase, root, EDITED_FILES)
    results: dict[str, Any] = {
        "ingestion_wall_seconds": round(wall, 3),
        "entities": summary["entities"],
        "edges": summary["edges"],
        "edited_files": len(files),
        "removed_functions": sum(1 for file in files if file.removed),
        "rule": "Rust files with the most edges in from other files (then path); a statement "
                "added to each one's first editable function, every fifth file's most called "
                "other function removed",
    }
    yield ImpactTree(root, database, files, results)
    _write_results(results)


def _check(report: ChangeImpact, tree: ImpactTree) -> None:
    """The edited functions are among the changed, the removed ones deleted, no file
    skipped."""
    status = {entity.key: entity.status for entity in report.changed}
    for file in tree.files:
        assert status.get(file.body_edit) == "modified", (file.path, file.body_edit)
        if file.removed:
            assert status.get(file.removed) == "deleted", (file.path, file.removed)
    assert not report.skipped


def _figures(
    timings: list[float], cpu: list[float], report: ChangeImpact, load: float
) -> dict[str, Any]:
    return {
        "rounds": len(timings), "median_ms": _median_ms(timings), "p90_ms": _p90_ms(timings),
        # This process's CPU time per round: on a shared machine the wall time also counts
        # the waits for a core.
        "cpu_median_ms": _median_ms(cpu), "load": load, "changed": len(report.changed),
        "impacted": len(report.impacted), "tests": len(report.tests),
    }


def _analysis(codebase: Codebase, reports: list[ChangeImpact], cpu: list[float]) -> None:
    started = time.process_time()
    reports.append(git_change_impact(codebase))
    cpu.append(time.process_time() - started)


def benchmark_impact_after_ingestion(benchmark: Any, impact_tree: ImpactTree) -> None:
    """The target: the database holds the edited files; `impact` reads, maps and walks."""
    tree = impact_tree
    tree.write(edited=True)
    reports: list[ChangeImpact] = []
    cpu: list[float] = []
    with Codebase.open(tree.database) as codebase:
        codebase.update(tree.root, [file.path for file in tree.files])
        load = _load()
        benchmark.pedantic(_analysis, args=(codebase, reports, cpu), rounds=update_rounds(),
                           iterations=1, warmup_rounds=1)
        cpu = cpu[1:]  # the warm-up round's
    report = reports[-1]
    _check(report, tree)
    assert report.files_reread == ()
    command = [sys.executable, "-m", "parseltongue.cli", "impact", "--db", tree.database,
               "--json"]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=tree.root, capture_output=True, text=True,
                               timeout=600, check=True)
    process_seconds = time.perf_counter() - started
    assert len(json.loads(completed.stdout)["changed"]) == len(report.changed)
    figures = _figures(list(benchmark.stats.stats.data), cpu, report, load)
    figures.update(target_ms=TARGET_MS, met=figures["median_ms"] <= TARGET_MS,
                   impact_process_seconds=round(process_seconds, 3))
    tree.results["after_ingestion"] = figures
    benchmark.extra_info.update(figures)


def benchmark_impact_with_files_to_reread(benchmark: Any, impact_tree: ImpactTree) -> None:
    """No target: the 20 files changed since ingestion and are re-read first (the codebase
    index kept in memory, as a server keeps it)."""
    tree = impact_tree
    paths = [file.path for file in tree.files]
    reports: list[ChangeImpact] = []
    cpu: list[float] = []
    with Codebase.open(tree.database) as codebase:
        codebase.prepare_updates()

        def setup() -> None:
            tree.write(edited=False)
            codebase.update(tree.root, paths)
            tree.write(edited=True)

        load = _load()
        benchmark.pedantic(_analysis, args=(codebase, reports, cpu), setup=setup,
                           rounds=update_rounds(), iterations=1)
    tree.write(edited=False)
    for report in reports:
        _check(report, tree)
        assert sorted(report.files_reread) == sorted(paths)
    figures = _figures(list(benchmark.stats.stats.data), cpu, reports[-1], load)
    tree.results["with_files_to_reread"] = figures
    benchmark.extra_info.update(figures)


def _write_results(results: dict[str, Any]) -> None:
    corpus = bench_corpus_name()
    name = Path(corpus).name if Path(corpus).is_dir() else corpus
    folder = Path(os.environ.get("PARSELTONGUE_BENCH_RESULTS")
                  or Path(__file__).parent / "results")
    folder.mkdir(parents=True, exist_ok=True)
    document = {"corpus": corpus, "machine": machine_description(), **results}
    (folder / f"{name}-impact.json").write_text(json.dumps(document, indent=1) + "\n")
    lines = [
        f"Change impact, corpus `{corpus}`: {results['edited_files']} files edited "
        f"({results['removed_functions']} functions removed), {results['entities']:,} "
        f"entities, {results['edges']:,} edges",
        "",
        "| what | rounds | median ms | p90 ms | CPU median ms | target ms | met | changed "
        "| impacted | tests | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, key in (("impact after ingestion", "after_ingestion"),
                       ("impact, the 20 files re-read first", "with_files_to_reread")):
        row = results.get(key)
        if row:
            lines.append(
                f"| {label} | {row['rounds']} | {row['median_ms']} | {row['p90_ms']} "
                f"| {row['cpu_median_ms']} | {row.get('target_ms', '')} | {row.get('met', '')} "
                f"| {row['changed']} | {row['impacted']} | {row['tests']} | {row['load']} |"
            )
    after = results.get("after_ingestion")
    if after:
        lines += ["", f"`parseltongue impact --json` as a new process (after ingestion): "
                      f"{after['impact_process_seconds']} s."]
    (folder / f"{name}-impact.md").write_text("\n".join(lines) + "\n")
