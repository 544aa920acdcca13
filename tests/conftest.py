"""Shared fixtures: a code graph ingested from real source files (tests/fixtures/graph_project)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ingested_corpora import IngestedCorpus, ingest_corpus_once

from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig

GRAPH_PROJECT = Path(__file__).parent / "fixtures" / "graph_project"


def ingest_graph_project(database: str) -> None:
    """Ingest the fixture project into `database` with the real pipeline, sequentially."""
    with CodebaseStreamer(StreamerConfig(database=database, parallel=False)) as streamer:
        streamer.stream_directory(GRAPH_PROJECT)


@pytest.fixture(scope="session")
def code_graph_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The spec of a SQLite database ingested from the fixture project (closed, so a
    subprocess may open it)."""
    spec = f"sqlite:{tmp_path_factory.mktemp('graph') / 'graph.sqlite'}"
    ingest_graph_project(spec)
    return spec


@pytest.fixture(scope="session")
def multi_corpus(tmp_path_factory: pytest.TempPathFactory) -> IngestedCorpus:
    """bench/corpora.py's `multi` corpus (>= 1,000 real Rust, Go and Python files), ingested
    sequentially: the reference the parallel ingestions are compared with."""
    return ingest_corpus_once("multi", tmp_path_factory.mktemp("multi") / "db")


@pytest.fixture(scope="session")
def code_graph_storage(code_graph_database: str) -> Iterator[CozoDbStorage]:
    """The fixture project's code graph, open for queries (tests only read it)."""
    with CozoDbStorage(code_graph_database) as storage:
        yield storage


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests of the session-wide `multi` ingestion run in one worker process, which then
    ingests it once (a session fixture is made once per worker)."""
    for item in items:
        if "multi_corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("multi-corpus"))


def _substitutions_read_here() -> list[str]:
    corpora = sys.modules.get("bench.corpora")
    return [substitution.describe()
            for substitution in getattr(corpora, "SUBSTITUTIONS", {}).values()]


# What the worker processes report when they finish (empty when tests run in this process).
_WORKER_SUBSTITUTIONS: set[str] = set()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints the summary
        workeroutput["corpus_substitutions"] = _substitutions_read_here()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    _WORKER_SUBSTITUTIONS.update(getattr(node, "workeroutput", {}).get("corpus_substitutions", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which corpora this session read were built at other versions than their pins."""
    substitutions = sorted(_WORKER_SUBSTITUTIONS.union(_substitutions_read_here()))
    if substitutions:
        terminalreporter.write_sep("=", "corpus packages built at other versions than pinned")
        for line in substitutions:
            terminalreporter.write_line(line)
