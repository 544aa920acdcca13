"""Each endpoint's real answer on a database ingested from tests/fixtures/http_project."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_support import client_for, ingested_rocksdb, key_of

from parseltongue import CozoDbStorage
from parseltongue.server.envelope import estimate_tokens


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CozoDbStorage]:
    spec = ingested_rocksdb(tmp_path_factory.mktemp("http"))
    with CozoDbStorage(spec) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(storage: CozoDbStorage) -> TestClient:
    return client_for(storage)


def get_data(client: TestClient, url: str, params: dict[str, Any] | None = None) -> Any:
    """The data of a 200 envelope, after checking the envelope itself."""
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["success", "endpoint", "data", "tokens"]
    assert body["success"] is True
    assert body["endpoint"] == url
    assert body["tokens"] == estimate_tokens(body["data"])
    return body["data"]


def python_key(storage: CozoDbStorage, name: str, file: str, kind: str = "") -> str:
    return key_of(storage, name, file, kind)


def test_health_says_ok(client: TestClient) -> None:
    data = get_data(client, "/server-health-check-status")
    assert data["status"] == "ok"
    assert data["database_file_path"] == "test-database"


def test_statistics_count_code_tests_edges_and_languages(client: TestClient) -> None:
    data = get_data(client, "/codebase-statistics-overview-summary")
    assert data["code_entities_total_count"] == 39
    assert data["test_entities_total_count"] == 2
    assert data["languages_detected_list"] == ["python", "rust"]
    assert data["files_by_status"] == {"ingested": 8, "skipped": 1}
    assert data["edges_by_type"]["extends"] == 2
    assert data["database_file_path"] == "test-database"


def test_api_reference_lists_every_route_with_its_parameters(client: TestClient) -> None:
    data = get_data(client, "/api-reference-documentation-help")
    endpoints = {e["path"]: e for c in data["categories"] for e in c["endpoints"]}
    methods = {(e["path"], e["method"]) for c in data["categories"] for e in c["endpoints"]}
    assert data["total_endpoints"] == len(methods) == 30
    # One path answers two ways: a posted diff, or the served work tree (GET ?base=).
    assert {method for path, method in methods if path == "/change-impact-analysis"} == {
        "GET", "POST"
    }
    assert endpoints["/incremental-reindex-file-update"]["method"] == "POST"
    assert "/file-watcher-status-check" in endpoints
    blast = endpoints["/blast-radius-impact-analysis"]
    hops = next(p for p in blast["parameters"] if p["name"] == "hops")
    assert (hops["default"], hops["ge"], hops["le"], hops["required"]) == (3, 1, 10, False)
    assert endpoints["/text-query"]["method"] == "POST"


def test_entities_list_pages_in_key_order_by_type(client: TestClient) -> None:
    first = get_data(client, "/code-entities-list-all", {"entity_type": "class", "limit": 2})
    second = get_data(
        client, "/code-entities-list-all", {"entity_type": "class", "limit": 2, "offset": 2}
    )
    names = [e["name"] for e in first["entities"] + second["entities"]]
    assert names == ["AuditedOrderRepository", "BaseRepository", "OrderRepository"]
    assert (first["total_count"], first["truncated"], second["truncated"]) == (3, True, False)


def test_entities_list_accepts_the_rust_tools_type_names(client: TestClient) -> None:
    params = {"entity_type": "function", "scope": "engine"}
    data = get_data(client, "/code-entities-list-all", params)
    assert [e["name"] for e in data["entities"]] == [
        "parse_expr", "parse_number", "parse_term", "run", "tokenize",
    ]  # fmt: skip


def test_detail_view_by_query_and_by_path_agree(client: TestClient, storage: CozoDbStorage) -> None:
    key = python_key(storage, "place_order", "shop/orders.py")
    by_query = get_data(client, "/code-entity-detail-view", {"key": key})
    by_path = client.get(f"/code-entity-detail-view/{key}").json()
    assert by_path["endpoint"] == "/code-entity-detail-view"
    by_path = by_path["data"]
    assert by_query == by_path
    assert by_query["code"].startswith("def place_order(items, code):")
    # Its callees include the `__init__` its `OrderRepository()` runs.
    assert (by_query["callers_count"], by_query["callees_count"]) == (3, 5)


def test_search_ranks_exact_then_prefix_and_tolerates_a_typo(client: TestClient) -> None:
    data = get_data(client, "/code-entities-search-fuzzy", {"q": "order_total"})
    assert [(e["name"], e["match"]) for e in data["entities"]] == [("order_total", "exact")]
    typo = get_data(client, "/code-entities-search-fuzzy", {"q": "chekout"})
    assert {e["name"] for e in typo["entities"]} == {"checkout", "checkout_with_retry"}


def test_edges_list_pages_with_a_total(client: TestClient) -> None:
    data = get_data(client, "/dependency-edges-list-all", {"edge_type": "extends"})
    pairs = [(e["from_key"].split(":")[2], e["to_key"].split(":")[2]) for e in data["edges"]]
    assert pairs == [
        ("AuditedOrderRepository", "OrderRepository"), ("OrderRepository", "BaseRepository"),
    ]  # fmt: skip
    assert data["edges"][0]["source_location"] == "shop/repository.py:24"
    assert (data["total_count"], data["truncated"]) == (2, False)


def test_reverse_callers_of_place_order_are_exactly_its_three_callers(
    client: TestClient, storage: CozoDbStorage
) -> None:
    key = python_key(storage, "place_order", "shop/orders.py")
    data = get_data(client, "/reverse-callers-query-graph", {"entity": key})
    assert sorted(c["from_key"].split(":")[2] for c in data["callers"]) == [
        "checkout", "confirm_order", "test_place_order_totals_with_tax",
    ]  # fmt: skip
    assert (data["total_count"], data["truncated"]) == (3, False)
    cut = get_data(client, "/reverse-callers-query-graph", {"entity": key, "limit": 1})
    assert (cut["total_count"], cut["returned_count"], cut["truncated"]) == (3, 1, True)
    scoped = get_data(client, "/reverse-callers-query-graph", {"entity": key, "scope": "shop"})
    assert scoped["total_count"] == 2


def test_an_entity_nobody_calls_has_an_empty_caller_list(
    client: TestClient, storage: CozoDbStorage
) -> None:
    key = python_key(storage, "checkout_with_retry", "shop/checkout.py")
    data = get_data(client, "/reverse-callers-query-graph", {"entity": key})
    assert (data["total_count"], data["callers"]) == (0, [])


def test_forward_callees_of_order_total(client: TestClient, storage: CozoDbStorage) -> None:
    key = python_key(storage, "order_total", "shop/pricing.py")
    data = get_data(client, "/forward-callees-query-graph", {"entity": key})
    assert [c["to_key"].split(":")[2] for c in data["callees"]] == [
        "add_tax", "apply_discount", "subtotal",
    ]  # fmt: skip


def test_blast_radius_groups_dependents_by_nearest_hop(
    client: TestClient, storage: CozoDbStorage
) -> None:
    key = python_key(storage, "order_total", "shop/pricing.py")
    data = get_data(client, "/blast-radius-impact-analysis", {"entity": key, "hops": 3})
    by_hop = {h["hop"]: sorted(k.split(":")[2] for k in h["entities"]) for h in data["by_hop"]}
    assert by_hop == {
        1: ["place_order"],
        2: ["checkout", "confirm_order", "test_place_order_totals_with_tax"],
        3: ["retry_order"],
    }
    assert data["total_affected"] == 5
    four = get_data(client, "/blast-radius-impact-analysis", {"entity": key, "hops": 4})
    assert [h["count"] for h in four["by_hop"]] == [1, 3, 1, 1]


def test_cycles_finds_the_planted_loops(client: TestClient) -> None:
    data = get_data(client, "/circular-dependency-detection-scan")
    found = {tuple(k.split(":")[2] for k in cycle["members"]) for cycle in data["cycles"]}
    assert {("confirm_order", "retry_order"), ("parse_expr", "parse_term"), ("countdown",)} <= found
    pair = next(c for c in data["cycles"] if ":confirm_order:" in c["cycle_id"])
    assert [k.split(":")[2] for k in pair["path"]] == [
        "confirm_order", "retry_order", "confirm_order",
    ]  # fmt: skip
    assert pair["length"] == 2


def test_hotspots_rank_by_coupling_ties_by_key(client: TestClient) -> None:
    data = get_data(client, "/complexity-hotspots-ranking-view", {"top": 2})
    top = [(h["entity_key"].split(":")[2], h["inbound_count"], h["outbound_count"])
           for h in data["hotspots"]]
    assert top[0] == ("place_order", 3, 5)
    assert data["total_entities_analyzed"] == 41


def test_smart_context_takes_nearest_first_within_budget(
    client: TestClient, storage: CozoDbStorage
) -> None:
    key = python_key(storage, "place_order", "shop/orders.py")
    data = get_data(client, "/smart-context-token-budget", {"focus": key, "tokens": 100000})
    kinds = [(c["entity_key"].split(":")[2], c["relevance_type"]) for c in data["context"]]
    assert kinds[:3] == [
        ("checkout", "direct_caller"), ("confirm_order", "direct_caller"),
        ("test_place_order_totals_with_tax", "direct_caller"),
    ]  # fmt: skip
    assert ("add_tax", "transitive_depth_2") in kinds
    small = get_data(client, "/smart-context-token-budget", {"focus": key, "tokens": 60})
    assert small["tokens_used"] <= 60 and small["entities_included"] >= 1


def test_sccs_of_two_or_more(client: TestClient) -> None:
    data = get_data(client, "/strongly-connected-components-analysis")
    assert [[k.split(":")[2] for k in scc["members"]] for scc in data["sccs"]] == [
        ["confirm_order", "retry_order"], ["parse_expr", "parse_term"],
    ]  # fmt: skip
    assert data["sccs"][0]["risk_level"] == "MEDIUM"


def test_centrality_methods_rank_and_say_which(client: TestClient) -> None:
    for method in ("pagerank", "betweenness", "degree"):
        data = get_data(client, "/centrality-measures-entity-ranking", {"method": method, "top": 3})
        assert data["method"] == method
        assert [e["rank"] for e in data["entities"]] == [1, 2, 3]
        scores = [e["score"] for e in data["entities"]]
        assert scores == sorted(scores, reverse=True)
    degree = get_data(client, "/centrality-measures-entity-ranking", {"method": "degree", "top": 1})
    assert degree["entities"][0]["entity"].split(":")[2] == "place_order"
    assert degree["entities"][0]["score"] == 8


def test_kcore_entropy_ck_and_debt_answer(client: TestClient, storage: CozoDbStorage) -> None:
    kcore = get_data(client, "/kcore-decomposition-layering-analysis", {"limit": 1000})
    coreness = {e["entity"].split(":")[2]: e["coreness"] for e in kcore["entities"]}
    # The fixture's graph is a forest once directions and self-loops are dropped.
    assert kcore["max_coreness"] == 1
    assert (coreness["place_order"], coreness["countdown"]) == (1, 0)
    entropy = get_data(client, "/entropy-complexity-measurement-scores")
    assert all(0 <= e["entropy"] <= 2 for e in entropy["entities"])
    ck = get_data(client, "/coupling-cohesion-metrics-suite", {"entity": "OrderRepository"})
    by_name = {e["entity"].split(":")[2]: e for e in ck["entities"]}
    assert set(by_name) == {"AuditedOrderRepository", "OrderRepository"}
    # save_order and find_order share no dependency: LCOM 1.0, so a D (LCOM > 0.8 fails).
    assert by_name["OrderRepository"] == {
        "entity": by_name["OrderRepository"]["entity"],
        "cbo": 3, "lcom": 1.0, "rfc": 5, "wmc": 2, "health_grade": "D",
    }  # fmt: skip
    debt = get_data(client, "/technical-debt-sqale-scoring")
    assert [(e["entity"].split(":")[2], e["total_debt_hours"]) for e in debt["entities"]] == [
        ("BaseRepository", 8.0), ("OrderRepository", 8.0),
    ]  # fmt: skip
    assert debt["codebase_total_debt_hours"] == 16.0


def test_communities_are_numbered_by_size_then_key(client: TestClient) -> None:
    leiden = get_data(client, "/leiden-community-detection-clusters")
    assert "louvain" in leiden["algorithm"]
    sizes = [c["size"] for c in leiden["communities"]]
    assert sizes == sorted(sizes, reverse=True)
    assert [c["id"] for c in leiden["communities"]] == list(range(len(sizes)))
    clusters = get_data(client, "/semantic-cluster-grouping-list")
    assert clusters["total_entities"] == sum(c["entity_count"] for c in clusters["clusters"])


def test_communities_list_their_size_and_the_members_asked_for(client: TestClient) -> None:
    full = get_data(client, "/leiden-community-detection-clusters", {"members": 200})
    biggest = full["communities"][0]
    assert biggest["size"] >= 3 and len(biggest["members"]) == biggest["size"]
    short = get_data(client, "/leiden-community-detection-clusters", {"members": 2, "limit": 1})
    [cut] = short["communities"]
    assert cut["size"] == biggest["size"]
    assert cut["members"] == biggest["members"][:2] and cut["members_truncated"] is True
    assert short["truncated"] is (full["community_count"] > 1)
    clusters = get_data(client, "/semantic-cluster-grouping-list", {"members": 1})
    assert all(len(c["entities"]) <= 1 for c in clusters["clusters"])
    assert any(c["entities_truncated"] for c in clusters["clusters"])


def test_diagnostics_lists_are_cut_at_the_limit_with_their_totals(client: TestClient) -> None:
    one = get_data(client, "/ingestion-diagnostics-coverage-report", {"limit": 1})
    assert one["test_entities"]["total_count"] == 2
    assert len(one["test_entities"]["entities"]) == 1 and one["test_entities"]["truncated"]
    assert one["ignored_files"]["truncated"] is False


def test_folder_tree_and_coverage_come_from_what_was_ingested(client: TestClient) -> None:
    tree = get_data(client, "/folder-structure-discovery-tree", {"depth": 1})
    assert [(f["l1"], f["entity_count"]) for f in tree["folders"]] == [
        ("docs", 0), ("engine", 13), ("shop", 26), ("tests", 2),
    ]  # fmt: skip
    coverage = get_data(client, "/ingestion-coverage-folder-report", {"depth": 1})
    assert coverage["summary"]["total_files"] == 9
    assert coverage["summary"]["eligible_files"] == coverage["summary"]["parsed_files"] == 8
    diagnostics = get_data(client, "/ingestion-diagnostics-coverage-report")
    assert [f["file_path"] for f in diagnostics["ignored_files"]["files"]] == ["docs/README.md"]
    assert diagnostics["test_entities"]["total_count"] == 2
    summary = get_data(client, "/ingestion-diagnostics-coverage-report", {"section": "summary"})
    assert list(summary) == ["summary"]


def test_the_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/reverse-callers-query-graph" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "script",
    ["::kill 1", ":: kill 1", "::\tkill 1", "::\nkill 1", "::#note\nkill 1",
     "::/* note */kill 1", "?[x] <- [[1]]\n::  kill 2"],
)
def test_text_query_refuses_kill_however_it_is_spaced(
    client: TestClient, storage: CozoDbStorage, script: str
) -> None:
    # Cozo itself reads each spelling as ::kill (NOT_FOUND: no query has that id).
    if not script.startswith("?"):
        assert storage.query(script) == [{"status": "NOT_FOUND"}]
    response = client.post("/text-query", json={"script": script})
    assert response.status_code == 400
    assert response.json()["message"] == "refused: ::kill is not allowed through this server"


def test_text_query_still_runs_running_and_names_with_kill_in_them(client: TestClient) -> None:
    assert client.post("/text-query", json={"script": "::running"}).json()["ok"] is True
    answer = client.post(
        "/text-query", json={"script": "?[skill] <- [['killer']]"}
    ).json()
    assert answer["rows"] == [["killer"]]
