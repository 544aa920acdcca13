"""Collection and shared state for the benchmark suites under bench/ (not tests/).

- Files named `bench_*.py` are collected (pytest's default wants `test_*.py`), and so are
  functions named `benchmark_*`, the PRD's names, besides `test_*`. These hooks live in this
  conftest, so they apply under bench/ only: the normal test run is unchanged.
- The corpus is chosen with `PARSELTONGUE_BENCH_CORPUS` (default `rust`; any name of
  `bench.corpora`, or a folder path), the parse jobs with `PARSELTONGUE_BENCH_JOBS` (default:
  the cores this process may use).
- Every run's figures go to `bench_results` (one dict per session); at the end of the session
  they are written, with the machine, the ratios and the targets, to
  `bench/results/<corpus>.json` and `.md` (or the folder `PARSELTONGUE_BENCH_RESULTS` names),
  and the table is printed. A session that measured incremental updates alone
  (bench_incremental.py) writes `<corpus>-incremental.json` and `.md` instead, so it does not
  replace the ingestion and query figures of an earlier session. The scale curve
  (bench_scale.py) always goes to files of its own, `<corpus>-scale.json`, `.md` and `.png`,
  and so does scaling out (bench_scale_out.py), `<corpus>-scale-out.json` and `.md`.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.ingestion_runs import (
    bench_corpus_name,
    bench_jobs,
    corpus_packages,
    machine_description,
    ratios_and_targets,
)
from bench.results_table import results_markdown
from bench.scale_curve import write_scale_results
from bench.scale_out import scale_out_figures, write_scale_out_results

DEFAULT_RESULTS_FOLDER = Path(__file__).parent / "results"
_SESSION_RESULTS: dict[str, Any] = {
    "runs": {}, "queries": {}, "incremental": {}, "scale": {}, "scale_out": {},
}


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    # A file named on the command line is collected by pytest itself; only add the others.
    if (
        file_path.suffix == ".py"
        and file_path.name.startswith("bench_")
        and not parent.session.isinitpath(file_path)
    ):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_pycollect_makeitem(
    collector: pytest.Collector, name: str, obj: object
) -> pytest.Function | None:
    if name.startswith("benchmark_") and inspect.isfunction(obj):
        return pytest.Function.from_parent(collector, name=name, callobj=obj)
    return None


@pytest.fixture(scope="session")
def bench_results() -> dict[str, Any]:
    """Figures of this session's runs: `runs` by run name, `queries` by query name,
    `incremental` (bench_incremental.py's figures and targets) and `scale` (bench_scale.py's)."""
    return _SESSION_RESULTS


@pytest.fixture(scope="session")
def corpus_root() -> Path:
    """The corpus folder (built and cached by bench.corpora on first use)."""
    name = bench_corpus_name()
    if Path(name).is_dir():
        return Path(name).resolve()
    from bench.corpora import build_corpus

    return Path(build_corpus(name))


@pytest.fixture(scope="session")
def bench_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for this session's databases (removed with pytest's temporary folders)."""
    yield tmp_path_factory.mktemp("bench")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    results = _SESSION_RESULTS
    if not any(results.values()):
        return
    corpus = bench_corpus_name()
    common = {
        "corpus": corpus,
        # The versions the corpus was built from (a dropped Debian pin is fetched at another).
        "corpus_packages": corpus_packages(corpus),
        "jobs": bench_jobs(),
        "machine": machine_description(),
        "command": os.environ.get("PARSELTONGUE_BENCH_COMMAND", ""),
    }
    # The smoke test sends its results elsewhere, so a test run never touches bench/results.
    folder = Path(os.environ.get("PARSELTONGUE_BENCH_RESULTS") or DEFAULT_RESULTS_FOLDER)
    name = Path(corpus).name if Path(corpus).is_dir() else corpus
    tables = []
    if results["scale"]:
        # Its markdown ends with where the plot is, or how to get one.
        tables.append(write_scale_results(folder, name, {**common, **results["scale"]}))
    if results["scale_out"]:
        runs = results["scale_out"].get("runs", {})
        figures = scale_out_figures(runs.get("loky", {}), runs.get("dask", {}),
                                    runs.get("writer_ceiling", {}))
        tables.append(write_scale_out_results(
            folder, name, {**common, **results["scale_out"], "figures": figures}))
    if results["runs"] or results["queries"] or results["incremental"]:
        document = {
            **common,
            **ratios_and_targets(results["runs"]),
            "runs": results["runs"],
            "queries": results["queries"],
            "incremental": results["incremental"],
        }
        folder.mkdir(parents=True, exist_ok=True)
        if not results["runs"] and not results["queries"]:
            name += "-incremental"
        (folder / f"{name}.json").write_text(json.dumps(document, indent=1) + "\n")
        (folder / f"{name}.md").write_text(results_markdown(document))
        tables.append(results_markdown(document))
    if tables:
        session.config.stash[_TABLE_KEY] = "\n".join(tables)


_TABLE_KEY = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    table = config.stash.get(_TABLE_KEY, "")
    if table:
        terminalreporter.write_sep("=", "parseltongue benchmark figures")
        terminalreporter.write_line(table)
