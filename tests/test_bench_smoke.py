"""The benchmark suites under bench/ run, end to end, on a tiny corpus: they cannot rot.

No timing is asserted (a few files say nothing about speed); what is asserted is that every
run of the matrix happens, the databases agree row for row (sled's too, where its package is
installed; elsewhere its runs report how to install it), the query latencies are measured,
every kind of incremental update is measured and its edit checked, and the results file is
written; the scale curve runs at 1x and 2x and writes its own files (the plot when matplotlib
is installed, else a line saying how to get it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sled_support import SLED_REQUIRED

from bench.ingestion_runs import ratios_and_targets
from bench.scale_curve import PLOT_HINT, build_copies, curve_figures, write_scale_results
from parseltongue.storage.sled import sled_engine_installed

REPOSITORY = Path(__file__).resolve().parents[1]

RUST_LIB = """\
pub struct Parser { depth: usize }

impl Parser {
    pub fn new() -> Self { Parser { depth: 0 } }
    pub fn parse(&mut self, text: &str) -> usize { self.enter(); count_words(text) }
    fn enter(&mut self) { self.depth += 1; }
}

pub fn count_words(text: &str) -> usize { text.split(' ').count() }
"""
RUST_MAIN = """\
mod lib;
use lib::Parser;

fn main() {
    let mut parser = Parser::new();
    let words = parser.parse("a b c");
    report(words);
}

fn report(words: usize) { println!("{}", words); }
"""
PYTHON_MODULE = """\
class Greeter:
    def __init__(self, name):
        self.name = name

    def greet(self):
        return shout(self.name)


def shout(text):
    return text.upper()


def main():
    Greeter("world").greet()
"""


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny-corpus")
    (root / "src").mkdir()
    (root / "src" / "lib.rs").write_text(RUST_LIB)
    (root / "src" / "main.rs").write_text(RUST_MAIN)
    (root / "greeter.py").write_text(PYTHON_MODULE)
    return root


def _run_bench_session(
    files: list[str], corpus: Path, results: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    # Not an xdist worker's variables: pytest-benchmark would take the child for one and
    # switch benchmarks off.
    environment = {
        **{name: value for name, value in os.environ.items()
           if not name.startswith("PYTEST_XDIST")},
        "PARSELTONGUE_BENCH_CORPUS": str(corpus),
        "PARSELTONGUE_BENCH_RESULTS": str(results),
        "PARSELTONGUE_BENCH_JOBS": "2",
        **variables,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *files, "--benchmark-only", "-p", "no:cacheprovider",
         "-q"],
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    return completed


@pytest.mark.slow
def test_benchmark_suite_runs_on_a_tiny_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    completed = _run_bench_session(
        ["bench/bench_ingestion.py", "bench/bench_queries.py", "bench/bench_incremental.py"],
        tiny_corpus, tmp_path, PARSELTONGUE_BENCH_UPDATE_ROUNDS="2")
    # The PRD's names are collected and run (pytest itself would only collect test_*).
    for name in ("benchmark_rocksdb_sequential_ingestion_baseline",
                 "benchmark_sled_sequential_ingestion_comparison",
                 "benchmark_sled_rayon_parallel_ingestion"):
        assert name in completed.stdout
    results = json.loads((tmp_path / f"{tiny_corpus.name}.json").read_text())
    runs = results["runs"]
    assert set(runs) == {"floor", "t3", "t3_one_job", "t1", "sled", "sled_parallel", "sqlite",
                         "mem"}
    measured = ["t3_one_job", "t1", "sqlite", "mem"]
    if sled_engine_installed() or SLED_REQUIRED:
        measured += ["sled", "sled_parallel"]
        assert runs["sled"]["database_mb"] > 0
    else:
        assert "the sled engine is not installed" in runs["sled"]["error"]
        assert "the sled engine is not installed" in runs["sled_parallel"]["error"]
    for name in measured:
        assert runs[name]["identical"] is True, runs[name]
        assert runs[name]["entities"] == runs["t3"]["entities"] > 0
        assert runs[name]["peak_memory_mb"] > 0
    assert runs["floor"]["files"] == runs["t3"]["files"] == 3
    assert set(results["ratios"]) >= {"t1_over_t3", "t3_over_floor", "t3_memory_over_t1",
                                      "jobs_speedup"}
    assert {query["query"] for query in results["queries"].values()} == {
        "reverse_callers", "forward_callees", "blast_radius", "search_entities", "hotspots",
        "edges_page"}
    incremental = results["incremental"]
    assert incremental["full_ingestion"]["files"] == 3
    assert incremental["picked"]["file"] == "src/lib.rs"
    assert set(incremental["no_change"]) == {"pt01 process", "same streamer, in process"}
    for rerun in incremental["no_change"].values():
        assert rerun["incremental"] and not rerun["resolved"] and rerun["files_unchanged"] == 3
    assert set(incremental["updates"]) == {
        "body edit", "add a function", "remove a function", "rename a called function",
        "add a file", "delete a file"}
    for update in incremental["updates"].values():
        assert update["rounds"] == 2 and update["incremental"] and update["resolved"]
    assert incremental["cold_first_update"]["incremental"]
    assert len(incremental["targets"]) == 7
    assert results["machine"]["nproc"] >= 1
    table = (tmp_path / f"{tiny_corpus.name}.md").read_text()
    assert table.startswith("corpus ") and "### Incremental updates" in table
    # The benchmarks edit a copy: the corpus itself is as it was.
    assert (tiny_corpus / "src" / "lib.rs").read_text() == RUST_LIB
    # A session without the scale benchmark leaves its files alone.
    assert not (tmp_path / f"{tiny_corpus.name}-scale.json").exists()


@pytest.mark.slow
def test_scale_curve_runs_on_a_tiny_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    # One job: starting a pool of parse workers (~2 s a run) would only slow the smoke test
    # down; the pipeline's parallel runs are the suite's above.
    completed = _run_bench_session(["bench/bench_scale.py"], tiny_corpus, tmp_path,
                                   PARSELTONGUE_BENCH_SCALE_FACTORS="1,2",
                                   PARSELTONGUE_BENCH_JOBS="1")
    assert "benchmark_scale_curve" in completed.stdout
    name = tiny_corpus.name
    # Its own files only: the ingestion figures of another session stay as they were.
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == sorted(
        f"{name}-scale.{suffix}" for suffix in ("json", "md", "png")
        if suffix != "png" or importlib.util.find_spec("matplotlib"))
    results = json.loads((tmp_path / f"{name}-scale.json").read_text())
    assert results["jobs"] == 1 and results["factors"] == [1, 2]
    one, two = results["points"]
    assert (one["factor"], two["factor"]) == (1, 2)
    assert one["tree"] == two["tree"] and one["tree"] in ("hard links", "copies")
    assert (one["files"], two["files"]) == (3, 6)
    # Every copy is the same code under another path: twice the entities, each one its own.
    assert two["entities"] == 2 * one["entities"] > 0
    assert two["entities_over_linear"] == 1.0
    assert two["source_mb"] == pytest.approx(2 * one["source_mb"], abs=0.002)
    assert 0 < one["edges"] <= two["edges"]
    for point in (one, two):
        assert point["seconds_per_1k_entities"] == pytest.approx(
            point["elapsed_seconds"] / point["entities"] * 1000, abs=1e-4)
        # The two phases are parts of the whole (each figure rounded to the millisecond).
        assert 0 < point["parse_seconds"] + point["resolve_seconds"] <= (
            point["elapsed_seconds"] + 0.002)
        assert point["peak_memory_mb"] > 0 and point["database_mb"] > 0
        assert point["load_before"] is not None
    assert one["time_per_entity_vs_base"] == 1.0 and one["peak_memory_vs_base"] == 1.0
    assert two["time_per_entity_vs_base"] == pytest.approx(
        two["seconds_per_1k_entities"] / one["seconds_per_1k_entities"], abs=0.001)
    assert set(results["targets"]) == {"time_per_entity_flat", "peak_memory_at_most_linear"}
    assert all(target["met"] in (True, False) for target in results["targets"].values())
    table = (tmp_path / f"{name}-scale.md").read_text()
    assert table.startswith("Scale curve, corpus ")
    assert "\n| 1x | 3 |" in table and "\n| 2x | 6 |" in table
    assert "| time_per_entity_flat |" in table
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / f"{name}-scale.png").read_bytes().startswith(b"\x89PNG\r\n")
        assert f"Plot: `{name}-scale.png`." in table
    else:
        assert PLOT_HINT in table and PLOT_HINT in completed.stdout


def _scale_runs(*figures: tuple[int, float, int, float]) -> dict[int, dict[str, Any]]:
    return {
        factor: {"elapsed_seconds": seconds, "parse_seconds": seconds / 2,
                 "resolve_seconds": seconds / 2, "entities": entities, "edges": 2 * entities,
                 "files": factor, "source_mb": float(factor), "peak_memory_mb": peak,
                 "database_mb": 1.0, "load_before": [1.0], "tree": "hard links"}
        for factor, seconds, entities, peak in figures
    }


def test_scale_targets_are_taken_against_the_smallest_size() -> None:
    flat = curve_figures(_scale_runs((1, 10.0, 1000, 100.0), (2, 23.0, 2000, 200.0),
                                     (4, 32.0, 4000, 390.0)))
    assert [p["seconds_per_1k_entities"] for p in flat["points"]] == [10.0, 11.5, 8.0]
    assert [p["time_per_entity_vs_base"] for p in flat["points"]] == [1.0, 1.15, 0.8]
    assert flat["targets"]["time_per_entity_flat"]["met"] is True
    assert flat["targets"]["peak_memory_at_most_linear"] == {
        "value": 1.0, "target": "peak at Nx <= N x the 1x peak", "met": True}
    steep = curve_figures(_scale_runs((1, 10.0, 1000, 100.0), (2, 26.0, 2000, 150.0),
                                      (4, 40.0, 4000, 500.0)))
    assert steep["points"][1]["time_per_entity_flat"] is False
    assert steep["targets"]["time_per_entity_flat"] == {
        "value": 0.3, "target": "every size within ±20% of 1x", "met": False}
    assert [p["peak_memory_at_most_linear"] for p in steep["points"]] == [True, True, False]
    assert steep["targets"]["peak_memory_at_most_linear"]["value"] == 1.25
    assert steep["targets"]["peak_memory_at_most_linear"]["met"] is False
    # Without 1x the smallest size is the reference, and one size alone decides nothing.
    assert curve_figures(_scale_runs((2, 10.0, 2000, 100.0), (4, 20.0, 4000, 200.0)))[
        "targets"]["peak_memory_at_most_linear"]["met"] is True
    assert curve_figures(_scale_runs((1, 10.0, 1000, 100.0)))["targets"][
        "time_per_entity_flat"]["met"] is None


def test_scale_results_without_matplotlib_keep_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes `import matplotlib` raise ImportError, installed or not.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    (tmp_path / "corpus-scale.png").write_bytes(b"an earlier session's plot")
    document = {"corpus": "corpus", "jobs": 2, "rounds": 1, "machine": {},
                **curve_figures(_scale_runs((1, 10.0, 1000, 100.0), (2, 20.0, 2000, 190.0)))}
    markdown = write_scale_results(tmp_path, "corpus", document)
    assert markdown.rstrip().endswith(PLOT_HINT)
    assert (tmp_path / "corpus-scale.md").read_text() == markdown
    assert json.loads((tmp_path / "corpus-scale.json").read_text())["points"][1]["factor"] == 2
    # A plot that no longer matches the figures is not left behind.
    assert not (tmp_path / "corpus-scale.png").exists()


def test_scale_copies_are_files_under_distinct_folders(tiny_corpus: Path, tmp_path: Path) -> None:
    how = build_copies(tiny_corpus, tmp_path / "tree", 2)
    copies = sorted(path.name for path in (tmp_path / "tree").iterdir())
    assert copies == ["copy-1", "copy-2"]
    for copy in copies:
        copied = tmp_path / "tree" / copy / "src" / "lib.rs"
        assert not copied.is_symlink() and copied.read_text() == RUST_LIB
        assert (copied.stat().st_nlink > 1) == (how == "hard links")


def test_ratios_and_targets_are_taken_within_one_run() -> None:
    runs = {
        "t1": {"elapsed_seconds": 30.0, "parse_seconds": 20.0, "peak_memory_mb": 200.0},
        "t3": {"elapsed_seconds": 10.0, "parse_seconds": 5.0, "peak_memory_mb": 300.0,
               "entities_per_second": 12_000.0, "megabytes_per_second": 5.0},
        "t3_one_job": {"elapsed_seconds": 18.0, "parse_seconds": 9.0},
        "floor": {"elapsed_seconds": 4.0},
    }
    figures = ratios_and_targets(runs)
    assert figures["ratios"]["t1_over_t3"] == 3.0
    assert figures["ratios"]["t1_over_t3_parse_phase"] == 4.0
    assert figures["ratios"]["t3_over_floor"] == 2.5
    assert figures["ratios"]["t3_memory_over_t1"] == 1.5
    assert figures["ratios"]["jobs_speedup"] == 1.8
    targets = figures["targets"]
    assert targets["t1_over_t3"]["met"] is True
    assert targets["t3_over_floor"]["met"] is False
    assert targets["t3_megabytes_per_second"]["met"] is False
    assert targets["t3_entities_per_second"]["met"] is True
    # A run that did not happen leaves its ratios open instead of failing.
    assert ratios_and_targets({})["targets"]["t1_over_t3"]["met"] is None


def test_stage_budget_times_every_stage_and_counts_the_rows_written(tiny_corpus: Path) -> None:
    from bench.stage_budget import STAGES, budget_markdown, measure
    from parseltongue.ingest import CodebaseStreamer, StreamerConfig

    result = measure(tiny_corpus)
    assert list(result["stages"]) == list(STAGES)
    # The tree-sitter stages and the writes ran (nested stages are not counted twice).
    for stage in ("parse", "query pass", "Python extraction", "row conversion", "engine"):
        assert result["stages"][stage] > 0, stage
    assert sum(result["stages"].values()) <= result["elapsed_seconds"]
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as plain:
        summary = plain.stream_directory(tiny_corpus)
    assert result["entities"] == summary.entities
    assert result["rows_written"]["put_entities"] == summary.entities
    table = budget_markdown(result)
    assert "| parse |" in table and "entities/s" in table


@pytest.mark.slow
@pytest.mark.xdist_group("dask")
def test_scale_out_benchmark_runs_on_a_tiny_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    completed = _run_bench_session(["bench/bench_scale_out.py"], tiny_corpus, tmp_path)
    assert "benchmark_dask_local_against_loky" in completed.stdout
    name = tiny_corpus.name
    # Its own files only: the ingestion figures of another session stay as they were.
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == [
        f"{name}-scale-out.json", f"{name}-scale-out.md"]
    results = json.loads((tmp_path / f"{name}-scale-out.json").read_text())
    runs = results["runs"]
    assert runs["dask"]["identical"] is True
    assert runs["dask"]["entities"] == runs["loky"]["entities"] > 0
    assert runs["dask"]["jobs"] == runs["loky"]["jobs"] == 2
    ceiling = runs["writer_ceiling"]
    assert ceiling["files"] == 3 and ceiling["entities"] == runs["loky"]["entities"]
    assert ceiling["rows"] > ceiling["files"]
    # parse_seconds is rounded to the millisecond, which a tiny corpus's run is a few of.
    seconds = ceiling["parse_seconds"]
    assert ceiling["rows"] / (seconds + 0.0005) <= ceiling["ceiling_rows_per_second"] <= (
        ceiling["rows"] / (seconds - 0.0005))
    assert ceiling["workers_worth_adding"] == pytest.approx(
        ceiling["ceiling_files_per_second"] / ceiling["one_worker_files_per_second"], rel=0.01)
    figures = results["figures"]
    assert figures["dask_over_loky"] == pytest.approx(
        runs["dask"]["elapsed_seconds"] / runs["loky"]["elapsed_seconds"], abs=0.001)
    assert figures["target"]["met"] in (True, False)
    table = (tmp_path / f"{name}-scale-out.md").read_text()
    assert table.startswith("Scaling out, corpus ") and "| dask |" in table
    assert "| workers worth adding (ceiling / one worker) |" in table


def test_impact_benchmark_runs_on_a_tiny_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    _run_bench_session(["bench/bench_impact.py"], tiny_corpus, tmp_path,
                       PARSELTONGUE_BENCH_UPDATE_ROUNDS="2", PARSELTONGUE_BENCH_JOBS="1")
    name = tiny_corpus.name
    # Its own files only.
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == [
        f"{name}-impact.json", f"{name}-impact.md"
    ]
    results = json.loads((tmp_path / f"{name}-impact.json").read_text())
    assert results["edited_files"] == 2  # both Rust files, each with an editable function
    for figures in (results["after_ingestion"], results["with_files_to_reread"]):
        assert figures["rounds"] == 2 and figures["changed"] == 2
        assert figures["median_ms"] > 0 and figures["cpu_median_ms"] > 0
    assert results["after_ingestion"]["met"] in (True, False)
    assert "| impact after ingestion | 2 |" in (tmp_path / f"{name}-impact.md").read_text()
    # The benchmark edits a copy: the corpus itself is as it was.
    assert (tiny_corpus / "src" / "lib.rs").read_text() == RUST_LIB


def test_thread_cpu_accounts_an_ingestion_by_thread_and_write(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    from bench.thread_cpu import measured_run

    figures = measured_run(
        ["pt01", str(tiny_corpus), "--db", f"rocksdb:{tmp_path / 'db'}", "--jobs", "1"]
    )
    assert figures["wall"] > 0
    assert figures["parent"] >= figures["main_thread"] > 0
    # Every write query that had rows was timed: the three files' entities and edges.
    assert {"put_entities", "put_edges", "put_source_files"} <= figures["writes"].keys()
    assert all(seconds >= 0 for seconds in figures["writes"].values())
