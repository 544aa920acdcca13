"""The same request on the same code gives the same bytes: analytics included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from http_support import client_for, ingest_http_project

from parseltongue import CozoDbStorage

ANALYTICS = [
    "/leiden-community-detection-clusters",
    "/semantic-cluster-grouping-list",
    "/circular-dependency-detection-scan",
    "/strongly-connected-components-analysis",
    "/centrality-measures-entity-ranking?method=pagerank&top=50",
    "/centrality-measures-entity-ranking?method=betweenness&top=50",
    "/centrality-measures-entity-ranking?method=degree&top=50",
    "/complexity-hotspots-ranking-view?top=50",
    "/kcore-decomposition-layering-analysis",
    "/entropy-complexity-measurement-scores",
    "/coupling-cohesion-metrics-suite",
    "/technical-debt-sqale-scoring",
    "/folder-structure-discovery-tree",
]


@pytest.fixture(scope="module")
def two_databases() -> Iterator[tuple[CozoDbStorage, CozoDbStorage]]:
    """The fixture project ingested twice, into two separate engines."""
    with CozoDbStorage.new_mem() as first, CozoDbStorage.new_mem() as second:
        yield ingest_http_project(first), ingest_http_project(second)


@pytest.mark.parametrize("url", ANALYTICS)
def test_two_ingestions_answer_byte_for_byte_alike(
    two_databases: tuple[CozoDbStorage, CozoDbStorage], url: str
) -> None:
    answers = [client_for(storage).get(url) for storage in two_databases]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].content == answers[1].content


@pytest.mark.parametrize("url", ANALYTICS)
def test_a_recomputed_answer_is_the_same_bytes(
    two_databases: tuple[CozoDbStorage, CozoDbStorage], url: str
) -> None:
    client = client_for(two_databases[0])
    first = client.get(url).content
    client.app.state.context.cache.clear()
    assert client.get(url).content == first
