"""Shared fixtures: a code graph ingested from real source files (tests/fixtures/graph_project)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ingested_corpora import IngestedCorpus, ingest_corpus_once

from parseltongue import CozoDbStorage
from parseltongue.streamer import CodebaseStreamer, StreamerConfig

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which corpora this session read were built at other versions than their pins."""
    corpora = sys.modules.get("bench.corpora")
    substitutions = sorted(getattr(corpora, "SUBSTITUTIONS", {}).values(), key=str)
    if substitutions:
        terminalreporter.write_sep("=", "corpus packages built at other versions than pinned")
        for substitution in substitutions:
            terminalreporter.write_line(substitution.describe())
