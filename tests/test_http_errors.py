"""Bad input of every kind gets a 400 or 404 in the envelope, and never changes the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from http_support import client_for, ingest_http_project, key_of

from parseltongue import CozoDbStorage

INJECTION = "x'] :rm code_entities {key}"
HUGE = str(10**12)


@pytest.fixture(scope="module")
def storage() -> Iterator[CozoDbStorage]:
    with CozoDbStorage.new_mem() as opened:
        yield ingest_http_project(opened)


@pytest.fixture(scope="module")
def client(storage: CozoDbStorage) -> TestClient:
    return client_for(storage)


@pytest.fixture(scope="module")
def known_key(storage: CozoDbStorage) -> str:
    return key_of(storage, "place_order", "shop/orders.py")


def assert_error(client: TestClient, url: str, status: int, parameter: str | None = None) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["endpoint"] == url.split("?")[0]
    assert body["data"]["status"] == status
    assert body["error"] and body["tokens"] > 0
    if parameter is not None:
        assert body["data"]["parameter"] == parameter
    return body


BAD_PARAMETERS = [
    # missing required
    ("/reverse-callers-query-graph", "entity"),
    ("/code-entity-detail-view", "key"),
    ("/code-entities-search-fuzzy", "q"),
    ("/smart-context-token-budget", "focus"),
    # empty or blank
    ("/forward-callees-query-graph?entity=", "entity"),
    ("/code-entities-search-fuzzy?q=%20%20", "q"),
    ("/code-entity-detail-view?key=%20", "key"),
    # wrong type
    ("/code-entities-list-all?limit=abc", "limit"),
    ("/code-entities-list-all?limit=1.5", "limit"),
    ("/technical-debt-sqale-scoring?min_debt=lots", "min_debt"),
    ("/kcore-decomposition-layering-analysis?k=true", "k"),
    # negative and zero
    ("/code-entities-list-all?limit=-1", "limit"),
    ("/dependency-edges-list-all?offset=-5", "offset"),
    ("/complexity-hotspots-ranking-view?top=0", "top"),
    ("/ingestion-coverage-folder-report?depth=-1", "depth"),
    ("/technical-debt-sqale-scoring?min_debt=-0.5", "min_debt"),
    # huge
    (f"/code-entities-list-all?limit={HUGE}", "limit"),
    (f"/dependency-edges-list-all?offset={HUGE}", "offset"),
    (f"/centrality-measures-entity-ranking?top={HUGE}", "top"),
    (f"/code-entities-search-fuzzy?q=a&limit={HUGE}", "limit"),
    ("/folder-structure-discovery-tree?depth=1000", "depth"),
    (f"/code-entities-search-fuzzy?q={'a' * 501}", "q"),
    (f"/reverse-callers-query-graph?entity={'k' * 2001}", "entity"),
    # not one of the choices
    ("/centrality-measures-entity-ranking?method=eigenvector", "method"),
    ("/ingestion-diagnostics-coverage-report?section=everything", "section"),
    ("/code-entities-list-all?entity_type=widget", "entity_type"),
    ("/dependency-edges-list-all?edge_type=teleports", "edge_type"),
    # unknown or repeated keys
    ("/code-entities-list-all?limt=5", "limt"),
    ("/server-health-check-status?verbose=1", "verbose"),
    ("/code-entities-list-all?limit=1&limit=2", "limit"),
    # scopes that name no ingested folder, or leave the root
    ("/code-entities-list-all?scope=nowhere", "scope"),
    ("/circular-dependency-detection-scan?scope=../etc", "scope"),
    (f"/complexity-hotspots-ranking-view?scope={INJECTION}", "scope"),
    (f"/code-entities-list-all?entity_type={INJECTION}", "entity_type"),
]


@pytest.mark.parametrize(("url", "parameter"), BAD_PARAMETERS)
def test_a_bad_parameter_is_a_400_naming_it(client: TestClient, url: str, parameter: str) -> None:
    assert_error(client, url, 400, parameter)


def test_hops_out_of_range_are_400(client: TestClient, known_key: str) -> None:
    for hops in ("0", "-2", "11", "three"):
        url = f"/blast-radius-impact-analysis?entity={known_key}&hops={hops}"
        assert_error(client, url, 400, "hops")


def test_a_token_budget_out_of_range_is_400(client: TestClient, known_key: str) -> None:
    for tokens in ("0", "-3", HUGE):
        assert_error(client, f"/smart-context-token-budget?focus={known_key}&tokens={tokens}", 400)


@pytest.mark.parametrize(
    "url",
    [
        "/code-entity-detail-view?key={}",
        "/code-entity-detail-view/{}",
        "/reverse-callers-query-graph?entity={}",
        "/forward-callees-query-graph?entity={}",
        "/blast-radius-impact-analysis?entity={}",
        "/smart-context-token-budget?focus={}",
    ],
)
@pytest.mark.parametrize("key", ["python:fn:nothing:__shop_orders:T1", INJECTION])
def test_an_unknown_entity_is_a_404(client: TestClient, url: str, key: str) -> None:
    body = assert_error(client, url.format(key), 404)
    assert key in body["error"]


def test_a_search_for_an_injection_string_is_only_text(client: TestClient) -> None:
    response = client.get("/code-entities-search-fuzzy", params={"q": INJECTION})
    assert response.status_code == 200
    assert response.json()["data"]["entities"] == []


def test_an_unknown_route_and_a_wrong_method_answer_in_the_envelope(client: TestClient) -> None:
    body = assert_error(client, "/no-such-endpoint", 404)
    assert "/api-reference-documentation-help" in body["error"]
    response = client.post("/code-entities-list-all")
    assert response.status_code == 405
    assert response.json()["success"] is False


def test_the_first_problem_is_named_and_all_are_listed(client: TestClient) -> None:
    body = assert_error(client, "/code-entities-list-all?limit=0&offset=-1", 400)
    assert len(body["data"]["problems"]) == 2


def test_bad_input_left_the_database_as_it_was(client: TestClient, storage: CozoDbStorage) -> None:
    before = storage.get_stats()
    for url, _ in BAD_PARAMETERS:
        client.get(url)
    client.get("/code-entity-detail-view", params={"key": INJECTION})
    assert storage.get_stats() == before
    assert before.total_entities == 41
