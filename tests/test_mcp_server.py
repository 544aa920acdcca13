"""`parseltongue mcp` as an agent drives it: a real process launched over stdio by the MCP
SDK's own client, on the fixture project ingested for real; every tool's answer is held to the
HTTP API's answer to the same question (same keys, same counts), over a second handle on the
same SQLite database."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_support import HTTP_PROJECT, client_for, ingest_http_project, ingested_rocksdb, key_of
from mcp import StdioServerParameters
from test_http_server_process import cli, free_port, start_server
from test_http_updates import EDITED_PRICING

from bench.mcp_client import McpSession, http_server, session, stdio_session
from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.mcp_server.server import READ_TOOLS
from parseltongue.queries import listed_named_queries, named_query

# One worker runs this module: its session and database are made once.
pytestmark = pytest.mark.xdist_group("mcp-server")

WRITES = [
    "?[key] := *code_entities{key} :rm code_entities {key}",
    "?[key, value] <- [['x', 'y']] :put parseltongue_meta {key => value}",
    "::remove code_entities",
    ":create planted {x: Int}",
    "{?[key] := *code_entities{key} :rm code_entities {key}}",
    "?[line] <~ CsvReader(url: 'file:///etc/passwd', types: ['String'])",
    "?[x] <~ JsonReader(url: 'file:///etc/hostname', fields: ['x'])",
    "::kill 1",
]
COUNT_ENTITIES = "?[count(key)] := *code_entities{key}"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The fixture project in SQLite: the MCP process and the HTTP app read it side by side."""
    spec = f"sqlite:{tmp_path_factory.mktemp('mcp') / 'graph.sqlite'}"
    with CozoDbStorage(spec) as storage:
        ingest_http_project(storage)
    return spec


@pytest.fixture(scope="module")
def storage(database: str) -> Iterator[CozoDbStorage]:
    with CozoDbStorage(database) as opened:
        yield opened


@pytest.fixture(scope="module")
def http(storage: CozoDbStorage) -> Iterator[TestClient]:
    with client_for(storage) as client:
        yield client


@pytest.fixture(scope="module")
def mcp(database: str) -> Iterator[McpSession]:
    with stdio_session("--db", database) as opened:
        yield opened


@pytest.fixture(scope="module")
def every_key(storage: CozoDbStorage) -> list[str]:
    return [row["key"] for row in storage.query_read_only(
        "?[key] := *code_entities{key} :order key")]


def get(http: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def text_query(http: TestClient, script: str, params: dict | None = None) -> dict[str, Any]:
    return http.post("/text-query", json={"script": script, "params": params or {}}).json()


def column(answer: dict[str, Any], name: str) -> list[Any]:
    index = answer["columns"].index(name)
    return [row[index] for row in answer["rows"]]


# -- what the server offers ------------------------------------------------------------------


def test_the_tools_and_resources_are_listed_with_descriptions(mcp: McpSession) -> None:
    tools = {tool.name: tool for tool in mcp.tools()}
    assert sorted(tools) == sorted(READ_TOOLS)  # no reindex_files without --allow-writes
    for tool in tools.values():
        assert len(tool.description) > 60, tool.name
        assert tool.annotations.read_only_hint is True
    callers_schema = tools["callers"].input_schema["properties"]
    assert (callers_schema["limit"]["minimum"], callers_schema["limit"]["maximum"]) == (1, 1000)
    # What dead_code cannot see is said.
    assert "outside the codebase" in tools["dead_code"].description
    assert "reflection" in tools["dead_code"].description
    uris = sorted(str(resource.uri) for resource in mcp.resources())
    assert uris == ["parseltongue://guide", "parseltongue://named-queries",
                    "parseltongue://schema"]
    schema = mcp.read("parseltongue://schema")
    assert "## code_entities {key: String => file_path: String" in schema
    assert "dependency_edges:by_target" in schema
    listed = json.loads(mcp.read("parseltongue://named-queries"))
    assert [query["name"] for query in listed] == [q.name for q in listed_named_queries()]
    guide = mcp.read("parseltongue://guide")
    assert all(name in guide for name in [*READ_TOOLS, "reindex_files"])


# -- every tool, against the HTTP API --------------------------------------------------------


@pytest.mark.parametrize("text", ["place_order", "order", "ordr", "Repository", "tokenize"])
def test_search_entities_finds_what_the_http_search_finds(
    mcp: McpSession, http: TestClient, text: str
) -> None:
    answer = mcp.call("search_entities", {"query": text, "limit": 5})
    expected = get(http, "/code-entities-search-fuzzy", q=text, limit=5)
    assert column(answer, "key") == [entity["key"] for entity in expected["entities"]]
    assert answer["truncated"] == expected["truncated"]
    assert column(answer, "match") == [entity["match"] for entity in expected["entities"]]


def test_entity_is_the_http_detail(
    mcp: McpSession, http: TestClient, every_key: list[str]
) -> None:
    for key in every_key:
        answer = mcp.call("entity", {"key": key})
        expected = get(http, "/code-entity-detail-view", key=key)
        assert (answer["name"], answer["type"], answer["file"], answer["lines"]) == (
            expected["name"], expected["entity_type"], expected["file_path"],
            [expected["start_line"], expected["end_line"]],
        )
        assert (answer["callers"], answer["callees"]) == (
            expected["callers_count"], expected["callees_count"])
        assert (answer["signature"], answer["code"]) == (expected["signature"], expected["code"])
        assert "code" not in mcp.call("entity", {"key": key, "include_code": False})


@pytest.mark.parametrize(("tool", "path", "field"), [
    ("callers", "/reverse-callers-query-graph", "callers"),
    ("callees", "/forward-callees-query-graph", "callees"),
])
def test_callers_and_callees_are_the_http_edges_for_every_entity(
    mcp: McpSession, http: TestClient, every_key: list[str], tool: str, path: str, field: str
) -> None:
    other = "from_key" if tool == "callers" else "to_key"
    nonempty = 0
    for key in every_key:
        answer = mcp.call(tool, {"key": key})
        expected = get(http, path, entity=key)
        assert sorted(zip(column(answer, tool[:-1]), column(answer, "edge"), strict=True)) == \
            sorted((edge[other], edge["edge_type"]) for edge in expected[field])
        assert column(answer, "at") == [f"{edge['source_file']}:{edge['source_line']}"
                                        for edge in sorted(expected[field], key=lambda edge: (
                                            edge[other], edge["edge_type"]))]
        assert (answer["total"], answer["truncated"]) == (expected["total_count"], False)
        nonempty += bool(answer["rows"])
    assert nonempty >= 10


def test_blast_radius_is_the_http_blast_radius_for_every_entity(
    mcp: McpSession, http: TestClient, every_key: list[str]
) -> None:
    for key in every_key:
        for hops in (1, 3):
            answer = mcp.call("blast_radius", {"key": key, "hops": hops})
            expected = get(http, "/blast-radius-impact-analysis", entity=key, hops=hops)
            assert answer["by_hop"] == [[hop["hop"], hop["count"]] for hop in expected["by_hop"]]
            assert answer["total"] == expected["total_affected"]
            listed = {hop: sorted(key for key, at in zip(column(answer, "key"),
                                                         column(answer, "hop"), strict=True)
                                  if at == hop) for hop in set(column(answer, "hop"))}
            assert listed == {hop["hop"]: sorted(hop["entities"]) for hop in expected["by_hop"]}


def test_cut_lists_say_so_with_the_http_totals(
    mcp: McpSession, http: TestClient, storage: CozoDbStorage
) -> None:
    place_order = key_of(storage, "place_order", "shop/orders.py")
    callers = mcp.call("callers", {"key": place_order, "limit": 1})
    expected = get(http, "/reverse-callers-query-graph", entity=place_order)
    assert (len(callers["rows"]), callers["truncated"]) == (1, True)
    assert callers["total"] == expected["total_count"] == 3
    order_total = key_of(storage, "order_total", "shop/pricing.py")
    blast = mcp.call("blast_radius", {"key": order_total, "limit": 2})
    expected = get(http, "/blast-radius-impact-analysis", entity=order_total)
    assert (len(blast["rows"]), blast["truncated"]) == (2, True)
    assert blast["total"] == expected["total_affected"] > 2
    assert blast["by_hop"] == [[hop["hop"], hop["count"]] for hop in expected["by_hop"]]
    search = mcp.call("search_entities", {"query": "order", "limit": 2})
    assert (len(search["rows"]), search["truncated"]) == (2, True)


def test_file_entities_are_the_http_entities_of_each_file(
    mcp: McpSession, http: TestClient, storage: CozoDbStorage
) -> None:
    files = sorted({row["file_path"] for row in storage.query_read_only(
        "?[file_path] := *code_entities{file_path}")})
    for path in files:
        answer = mcp.call("file_entities", {"path": path})
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        listed = get(http, "/code-entities-list-all", scope=folder, limit=1000)["entities"]
        expected = sorted((entity for entity in listed if entity["file_path"] == path),
                          key=lambda entity: (entity["start_line"], entity["key"]))
        assert column(answer, "key") == [entity["key"] for entity in expected], path
        assert answer["total"] == len(expected) > 0


def test_hotspots_are_the_http_ranking(mcp: McpSession, http: TestClient) -> None:
    answer = mcp.call("hotspots", {"limit": 10})
    expected = get(http, "/complexity-hotspots-ranking-view", top=10)
    assert [row[0] for row in answer["rows"]] == [h["entity_key"] for h in expected["hotspots"]]
    assert [row[3] for row in answer["rows"]] == [h["total_coupling"] for h in expected["hotspots"]]
    assert answer["total"] == expected["total_entities_analyzed"]
    assert answer["truncated"] is expected["truncated"] is True


def test_cycles_are_the_http_cycles(mcp: McpSession, http: TestClient) -> None:
    answer = mcp.call("cycles")
    expected = get(http, "/circular-dependency-detection-scan")
    assert answer["total"] == expected["cycle_count"] == 3
    assert [(size, sorted(members)) for size, members in answer["rows"]] == [
        (cycle["size"], sorted(cycle["members"])) for cycle in expected["cycles"]]


def test_stats_are_the_http_statistics(mcp: McpSession, http: TestClient) -> None:
    answer = mcp.call("stats")
    expected = get(http, "/codebase-statistics-overview-summary")
    assert answer["total_entities"] == expected["all_entities_total_count"]
    assert answer["total_edges"] == expected["dependency_edges_total_count"]
    assert answer["total_files"] == expected["source_files_total_count"]
    assert answer["edges_by_type"] == expected["edges_by_type"]
    assert answer["entities_by_language"] == expected["entities_by_language"]


def test_dead_code_lists_only_what_nothing_depends_on(
    mcp: McpSession, http: TestClient, every_key: list[str]
) -> None:
    answer = mcp.call("dead_code")
    listed = column(answer, "key")
    assert answer["total"] == len(listed)
    assert sorted(key.split(":")[2] for key in listed) == [
        "checkout", "checkout_with_retry", "run"]
    # Every other function or method outside tests has an edge into it (of any type but
    # containment), or is an entry point, or a method of a trait or of a type that implements
    # or extends another (evaluate; OrderRepository's), or has the last name
    # of a reference resolution could not pin (run's parser::tokenize).
    unresolved = named_query("unresolved_references")
    references = text_query(http, unresolved.script, unresolved.bind({"limit": 10_000}))
    unresolved_names = {row[1].replace("::", ".").split(".")[-1] for row in references["rows"]}
    inbound = "?[count(f)] := *dependency_edges:by_target{to_key: $key, edge_type, from_key: f}," \
        " edge_type != 'contains'"
    dispatched = """
        owner[owner] := *code_entities{key: $key, parent_key: owner}, owner != ''
        d[owner] := owner[owner], *dependency_edges{from_key: owner, edge_type},
                    is_in(edge_type, ['implements', 'extends'])
        d[owner] := owner[owner], *code_entities{key: owner, entity_type},
                    is_in(entity_type, ['trait', 'interface'])
        ?[count(owner)] := d[owner]
    """
    kept = 0
    for key in every_key:
        detail = get(http, "/code-entity-detail-view", key=key)
        [[edges]] = text_query(http, inbound, {"key": key})["rows"]
        if key in listed:
            assert edges == 0 and detail["entity_class"] == "CODE", key
            assert detail["entity_type"] in ("fn", "method"), key
        elif detail["entity_type"] in ("fn", "method") and detail["entity_class"] == "CODE":
            name = detail["name"]
            entry_point = name == "main" or (name.startswith("__") and name.endswith("__"))
            [[overriding]] = text_query(http, dispatched, {"key": key})["rows"]
            assert edges > 0 or name in unresolved_names or overriding or entry_point, key
            kept += 1
    assert kept >= 10


def test_context_pack_holds_the_entity_and_the_http_callers_and_callees(
    mcp: McpSession, http: TestClient, storage: CozoDbStorage
) -> None:
    place_order = key_of(storage, "place_order", "shop/orders.py")
    pack = mcp.call("context_pack", {"key": place_order, "token_budget": 20000})
    detail = get(http, "/code-entity-detail-view", key=place_order)
    assert pack["entity"]["code"] == detail["code"] and not pack["code_truncated"]
    callers = get(http, "/reverse-callers-query-graph", entity=place_order)["callers"]
    callees = get(http, "/forward-callees-query-graph", entity=place_order)["callees"]
    assert column(pack["callers"], "key") == sorted({edge["from_key"] for edge in callers})
    assert column(pack["callees"], "key") == sorted({edge["to_key"] for edge in callees})
    for side in ("callers", "callees"):
        for key, _, signature in pack[side]["rows"]:
            assert signature == get(http, "/code-entity-detail-view", key=key)["signature"]
    small = mcp.call("context_pack", {"key": place_order, "token_budget": 200})
    assert small["tokens_used"] <= 200
    assert small["callers"]["truncated"] or small["callees"]["truncated"] or \
        small["code_truncated"]


def test_run_datalog_answers_as_text_query(mcp: McpSession, http: TestClient) -> None:
    script = "?[name, n] := *code_entities{name, start_line: n}, n > $line :order name"
    answer = mcp.call("run_datalog", {"query": script, "params": {"line": 10}})
    expected = text_query(http, script, {"line": 10})
    assert answer["columns"] == expected["headers"]
    assert answer["rows"] == expected["rows"]
    assert (answer["total"], answer["truncated"]) == (len(expected["rows"]), False)
    cut = mcp.call("run_datalog", {"query": script, "params": {"line": 10}, "limit": 3})
    assert (cut["rows"], cut["total"], cut["truncated"]) == (
        expected["rows"][:3], len(expected["rows"]), True)


def test_run_named_query_answers_as_the_named_script(mcp: McpSession, http: TestClient) -> None:
    query = named_query("unresolved_references")
    answer = mcp.call("run_named_query", {"name": "unresolved_references",
                                          "params": {"file_prefix": "shop/"}})
    expected = text_query(http, query.script, query.bind({"file_prefix": "shop/"}))
    assert answer["columns"] == expected["headers"] == list(query.columns)
    assert answer["rows"] == expected["rows"] and answer["rows"]


# -- bad input --------------------------------------------------------------------------------


def test_an_unknown_key_answers_with_the_closest_keys(
    mcp: McpSession, storage: CozoDbStorage
) -> None:
    place_order = key_of(storage, "place_order", "shop/orders.py")
    for tool in ("entity", "callers", "callees", "blast_radius", "context_pack"):
        message = mcp.error(tool, {"key": place_order[:-1]})
        assert f"no entity with key {place_order[:-1]!r}" in message
        assert f"did you mean: {place_order}" in message
    typo = mcp.error("callers", {"key": "python:fn:place_ordr:__shop_orders:T1"})
    assert place_order in typo
    assert "search_entities" in mcp.error("entity", {"key": "zzzzqqqq"})
    assert "did you mean: shop/orders.py" in mcp.error("file_entities", {"path": "shop/order.py"})


@pytest.mark.parametrize("limit", [-1, 0, 10**9])
def test_limits_out_of_bounds_are_refused(
    mcp: McpSession, storage: CozoDbStorage, limit: int
) -> None:
    place_order = key_of(storage, "place_order", "shop/orders.py")
    for tool, arguments in (("callers", {"key": place_order}), ("search_entities",
                            {"query": "order"}), ("hotspots", {}), ("dead_code", {}),
                            ("run_datalog", {"query": COUNT_ENTITIES})):
        message = mcp.error(tool, {**arguments, "limit": limit})
        assert "limit" in message and ("greater than" in message or "less than" in message)
    assert "hops" in mcp.error("blast_radius", {"key": place_order, "hops": 11})
    assert "token_budget" in mcp.error("context_pack", {"key": place_order, "token_budget": 0})


def test_malformed_datalog_gets_cozo_s_message(mcp: McpSession, http: TestClient) -> None:
    message = mcp.error("run_datalog", {"query": "?[x] := x = "})
    assert text_query(http, "?[x] := x = ")["message"] in message
    assert "unknown: colour" in mcp.error("run_named_query", {"name": "hotspots",
                                                              "params": {"colour": "red"}})
    assert "no named query 'nope'" in mcp.error("run_named_query", {"name": "nope"})


@pytest.mark.parametrize("script", WRITES)
def test_writes_and_file_readers_are_refused_and_change_nothing(
    mcp: McpSession, http: TestClient, storage: CozoDbStorage, script: str
) -> None:
    before = storage.query_read_only(COUNT_ENTITIES)
    relations = storage.relation_names()
    message = mcp.error("run_datalog", {"query": script})
    # The same refusal as /text-query's.
    assert text_query(http, script)["message"] in message
    assert "refused" in message
    assert storage.query_read_only(COUNT_ENTITIES) == before
    assert storage.relation_names() == relations


def test_named_writes_and_reindexing_are_not_offered_without_allow_writes(
    mcp: McpSession,
) -> None:
    assert "writes to the database" in mcp.error("run_named_query", {"name": "clear_derived"})
    assert "Unknown tool: reindex_files" in mcp.error("reindex_files", {"paths": ["a.py"]})


# -- writing, with --allow-writes ------------------------------------------------------------


def test_reindex_files_reports_what_the_http_reindex_reports(tmp_path: Path) -> None:
    copies = []
    for name in ("for_mcp", "for_http"):
        root = tmp_path / name
        shutil.copytree(HTTP_PROJECT, root)
        spec = f"sqlite:{tmp_path / name}.sqlite"
        with CozoDbStorage(spec) as storage:
            config = StreamerConfig(database=spec, parallel=False)
            CodebaseStreamer(config, storage).stream_directory(root)
        (root / "shop" / "pricing.py").write_text(EDITED_PRICING, encoding="utf-8")
        copies.append((root, spec))
    (mcp_root, mcp_database), (_, http_database) = copies
    outside = tmp_path / "outside.py"
    outside.write_text("def leaked():\n    return 1\n")
    (mcp_root / "shop" / "leak.py").symlink_to(outside)
    with stdio_session("--db", mcp_database, "--allow-writes") as writer:
        assert "reindex_files" in writer.tool_names()
        for path, reason in (("../elsewhere.py", "climbs with '..'"),
                             ("/etc/passwd.py", "outside the ingested folder"),
                             ("shop/leak.py", "symbolic link to a file outside"),
                             ("docs/README.md", "not a file in a supported language"),
                             ("shop/nothing.py", "none indexed")):
            message = writer.error("reindex_files", {"paths": ["shop/pricing.py", path]})
            assert reason in message and "nothing was re-indexed" in message
        assert not writer.call("search_entities", {"query": "add_shipping"})["rows"]
        answer = writer.call("reindex_files", {"paths": ["shop/pricing.py"]})
        found = writer.call("search_entities", {"query": "add_shipping"})
    with CozoDbStorage(http_database) as storage:
        response = client_for(storage).post("/incremental-reindex-file-update",
                                            params={"path": "shop/pricing.py"})
        expected = response.json()["data"]
    [report] = answer["reindexed"]
    for field in ("file_path", "outcome", "entities_added_keys", "entities_removed_keys",
                  "edges_added_count", "edges_removed_count", "entities_after_count"):
        assert report[field] == expected[field], field
    assert column(found, "key") == report["entities_added_keys"]


# -- other ways to run it --------------------------------------------------------------------


def test_the_streamable_http_transport_answers_the_same(
    database: str, mcp: McpSession, storage: CozoDbStorage
) -> None:
    place_order = key_of(storage, "place_order", "shop/orders.py")
    with http_server("--db", database, "--port", str(free_port())) as (_, url):
        assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
        with session(url) as remote:
            assert sorted(remote.tool_names()) == sorted(READ_TOOLS)
            for tool, arguments in (("search_entities", {"query": "order"}),
                                    ("callers", {"key": place_order}),
                                    ("blast_radius", {"key": place_order}),
                                    ("stats", {})):
                assert remote.call(tool, arguments) == mcp.call(tool, arguments), tool


def test_server_mode_asks_a_running_pt08(
    tmp_path: Path, mcp: McpSession, storage: CozoDbStorage
) -> None:
    served = ingested_rocksdb(tmp_path)
    process, url = start_server(served)
    try:
        place_order = key_of(storage, "place_order", "shop/orders.py")
        with stdio_session("--server", url) as remote:
            for tool, arguments in (("search_entities", {"query": "order"}),
                                    ("callers", {"key": place_order}),
                                    ("context_pack", {"key": place_order}),
                                    ("dead_code", {}), ("cycles", {}), ("stats", {}),
                                    ("run_datalog", {"query": COUNT_ENTITIES})):
                assert remote.call(tool, arguments) == mcp.call(tool, arguments), tool
            assert "read-only" in remote.error("run_datalog", {"query": WRITES[2]})
            assert "did you mean" in remote.error("entity", {"key": place_order[:-1]})
        refused = cli("mcp", "--server", url, "--allow-writes")
        assert refused.returncode == 1 and "--allow-writes needs --db" in refused.stderr
    finally:
        process.terminate()
        process.communicate(timeout=30)
    unreachable = cli("mcp", "--server", f"http://127.0.0.1:{free_port()}")
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stderr


def test_print_config_gives_absolute_paths_that_launch_the_server(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("mcp", "--db", "sqlite:relative/graph.sqlite", "--print-config")
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)["mcpServers"]["parseltongue"]
    assert Path(entry["command"]).is_absolute()
    expected = (tmp_path / "relative" / "graph.sqlite").resolve()
    assert entry["args"][-3:] == ["mcp", "--db", f"sqlite:{expected}"]
    mem = cli("mcp", "--db", "mem", "--print-config")
    assert mem.returncode == 1 and "keeps nothing on disk" in mem.stderr
    launched = cli("mcp", "--db", database, "--print-config")
    command = json.loads(launched.stdout)["mcpServers"]["parseltongue"]
    with session(StdioServerParameters(command=command["command"], args=command["args"])) as s:
        assert s.call("stats")["total_entities"] == 41


def test_a_missing_database_or_busy_port_fails_in_one_line(database: str) -> None:
    missing = cli("mcp", "--db", "rocksdb:/nonexistent/graph.db")
    assert missing.returncode == 1 and "no database at" in missing.stderr
    with http_server("--db", database, "--port", str(free_port())) as (_, url):
        port = url.rsplit(":", 1)[1].split("/")[0]
        busy = cli("mcp", "--db", database, "--transport", "http", "--port", port)
    assert busy.returncode == 1 and "give another --port" in busy.stderr
