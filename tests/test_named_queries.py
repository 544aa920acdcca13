"""Every named query answers real questions about tests/fixtures/graph_project, ingested."""

from __future__ import annotations

from pathlib import Path

import pytest
from http_support import key_named

from parseltongue import CodeEntity, CozoDbStorage, DependencyEdge
from parseltongue.queries import (
    listed_named_queries,
    load_named_queries,
    named_query,
    parse_named_query,
)


def keys_of(storage: CozoDbStorage, *names: str) -> list[str]:
    return [key_named(storage, name) for name in names]


# -- the query files ----------------------------------------------------------------------


GRAPH_QUERIES = (
    "entity_detail",
    "file_entities",
    "search_entities",
    "reverse_callers",
    "forward_callees",
    "reference_sites",
    "blast_radius",
    "neighbourhood",
    "cycles",
    "hotspots",
    "file_hotspots",
    "stats_totals",
    "stats_breakdown",
    "unresolved_references",
)


# The questions a person asks; listings show these by default (`# audience: user`).
USER_FACING = {*GRAPH_QUERIES, "problem_files", "dead_code", "context_pack"}


@pytest.mark.parametrize("name", sorted(load_named_queries()))
def test_every_named_query_opens_with_its_declaration(name: str) -> None:
    query = named_query(name)
    header = []
    for line in query.script.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    assert header[0].startswith(f"# {name}: ") and query.description, header
    assert any(line.startswith("# params: ") for line in header), header
    assert any(line.startswith("# columns: ") for line in header), header
    assert set(query.parameter_descriptions) == set(query.parameters)
    assert query.audience in ("user", "internal")
    if query.user_facing:
        # A person must be told what to pass: every parameter is described.
        assert all(query.parameter_descriptions.values()), query.parameter_descriptions
        assert not query.writes


def test_the_user_facing_queries_are_the_questions_a_person_asks() -> None:
    assert {query.name for query in listed_named_queries()} == USER_FACING
    everything = listed_named_queries(include_internal=True)
    assert {query.name for query in everything} == set(load_named_queries())
    # The user-facing ones come first, then the rest.
    assert [query.user_facing for query in everything] == sorted(
        (query.user_facing for query in everything), reverse=True
    )


def test_an_audience_other_than_user_or_internal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.cozo"
    path.write_text("# odd: a query.\n# params: none\n# columns: x\n# audience: everyone\n"
                    "?[x] := x = 1\n")
    with pytest.raises(ValueError, match="odd.cozo: audience 'everyone' is not 'user'"):
        parse_named_query(path)


@pytest.mark.parametrize("name", GRAPH_QUERIES)
def test_each_graph_query_returns_the_columns_it_declares(code_graph_storage, name: str) -> None:
    process_order = key_named(code_graph_storage, "process_order")
    given = {
        "key": process_order,
        "entity": process_order,
        "file_path": "app/service.py",
        "query": "val",
    }
    query = named_query(name)
    params = {parameter: given[parameter] for parameter in query.parameters if parameter in given}
    result = code_graph_storage.run_named_table(name, **params)
    assert result.rows, name
    assert tuple(result.headers) == query.columns


def test_defaults_are_read_from_the_header() -> None:
    query = named_query("blast_radius")
    assert query.parameters == ("entity", "hops", "edge_types", "scope", "limit")
    assert query.defaults == {
        "hops": 3,
        "edge_types": ["calls", "uses", "implements", "extends"],
        "scope": "",
        "limit": 1000,
    }
    assert query.parameter_descriptions["entity"] == "the entity key"


def test_a_missing_or_unknown_parameter_is_named(code_graph_storage) -> None:
    with pytest.raises(ValueError, match="missing: entity; unknown: entty"):
        code_graph_storage.run_named("reverse_callers", entty="x")


# -- entity detail, file entities ---------------------------------------------------------


def test_entity_detail_counts_callers_and_callees(code_graph_storage) -> None:
    [row] = code_graph_storage.run_named(
        "entity_detail", key=key_named(code_graph_storage, "process_order")
    )
    assert (row["name"], row["file_path"], row["start_line"], row["end_line"]) == (
        "process_order",
        "app/service.py",
        6,
        8,
    )
    assert row["code"].startswith("def process_order(order):")
    # main and OrderProcessor.run call it; it calls validate and format_total.
    assert (row["callers_count"], row["callees_count"]) == (2, 2)


def test_entity_detail_of_an_unknown_key_is_empty(code_graph_storage) -> None:
    assert code_graph_storage.run_named("entity_detail", key="python:fn:nope:__x:T1") == []


def test_file_entities_lists_a_file_in_source_order(code_graph_storage) -> None:
    rows = code_graph_storage.run_named("file_entities", file_path="app/service.py")
    assert [(row["name"], row["entity_type"], row["start_line"]) for row in rows] == [
        ("service", "module", 1),
        ("process_order", "fn", 6),
        ("validate", "fn", 11),
        ("OrderProcessor", "class", 15),
        ("run", "method", 16),
    ]


# -- callers, callees ---------------------------------------------------------------------


def test_reverse_callers_are_exactly_the_calls_in_the_source(code_graph_storage) -> None:
    validate = key_named(code_graph_storage, "validate")
    rows = code_graph_storage.run_named("reverse_callers", entity=validate)
    assert [
        (row["from_key"], row["edge_type"], row["source_file"], row["source_line"]) for row in rows
    ] == [
        (key_named(code_graph_storage, "main"), "calls", "app/main.py", 8),
        (key_named(code_graph_storage, "process_order"), "calls", "app/service.py", 7),
    ]
    assert {row["to_key"] for row in rows} == {validate}


def test_reverse_callers_with_every_edge_type_include_imports_and_containment(
    code_graph_storage,
) -> None:
    rows = code_graph_storage.run_named(
        "reverse_callers", entity=key_named(code_graph_storage, "validate"), edge_types=[]
    )
    assert sorted(row["edge_type"] for row in rows) == ["calls", "calls", "contains", "imports"]


def test_reverse_callers_scope_and_limit(code_graph_storage) -> None:
    validate = key_named(code_graph_storage, "validate")
    scoped = code_graph_storage.run_named("reverse_callers", entity=validate, scope="app/")
    assert len(scoped) == 2
    assert code_graph_storage.run_named("reverse_callers", entity=validate, scope="src") == []
    limited = code_graph_storage.run_named("reverse_callers", entity=validate, limit=1)
    assert [row["from_key"] for row in limited] == [key_named(code_graph_storage, "main")]


def test_forward_callees_of_a_rust_function(code_graph_storage) -> None:
    rows = code_graph_storage.run_named(
        "forward_callees", entity=key_named(code_graph_storage, "parse_config")
    )
    assert [(row["to_key"], row["edge_type"], row["source_line"]) for row in rows] == sorted(
        [
            (key_named(code_graph_storage, "build_config"), "calls", 9),
            (key_named(code_graph_storage, "tokenize"), "calls", 8),
            (key_named(code_graph_storage, "Config"), "uses", 7),
        ]
    )


def test_forward_callees_scope_reads_the_callee_file(code_graph_storage) -> None:
    process_order = key_named(code_graph_storage, "process_order")
    rows = code_graph_storage.run_named("forward_callees", entity=process_order, scope="app")
    assert len(rows) == 2
    assert (
        code_graph_storage.run_named("forward_callees", entity=process_order, scope="app/util/")
        == []
    )


# -- blast radius -------------------------------------------------------------------------


def test_blast_radius_gives_each_entity_its_nearest_hop(code_graph_storage) -> None:
    rows = code_graph_storage.run_named(
        "blast_radius", entity=key_named(code_graph_storage, "format_total"), hops=3
    )
    assert [(row["key"], row["hop"], row["file_path"]) for row in rows] == [
        (key_named(code_graph_storage, "process_order"), 1, "app/service.py"),
        (key_named(code_graph_storage, "main"), 2, "app/main.py"),
        (key_named(code_graph_storage, "run"), 2, "app/service.py"),
    ]


def test_blast_radius_stops_at_the_hop_limit(code_graph_storage) -> None:
    rows = code_graph_storage.run_named(
        "blast_radius", entity=key_named(code_graph_storage, "format_total"), hops=1
    )
    assert [row["key"] for row in rows] == [key_named(code_graph_storage, "process_order")]


def test_blast_radius_through_a_cycle_leaves_out_the_entity_itself(code_graph_storage) -> None:
    ping, pong = key_named(code_graph_storage, "ping"), key_named(code_graph_storage, "pong")
    rows = code_graph_storage.run_named("blast_radius", entity=ping)
    assert [(row["key"], row["hop"]) for row in rows] == [(pong, 1)]


# -- cycles, hotspots ---------------------------------------------------------------------


def test_cycles_finds_the_planted_cycle_and_the_self_loop(code_graph_storage) -> None:
    ping, pong, countdown = keys_of(code_graph_storage, "ping", "pong", "countdown")
    rows = code_graph_storage.run_named("cycles")
    assert [(row["cycle_id"], row["size"], row["key"]) for row in rows] == [
        (min(ping, pong), 2, ping),
        (min(ping, pong), 2, pong),
        (countdown, 1, countdown),
    ]
    assert code_graph_storage.run_named("cycles", scope="src") == []


def test_hotspots_rank_by_total_coupling_with_ties_broken_by_key(code_graph_storage) -> None:
    rows = code_graph_storage.run_named("hotspots", limit=3)
    main, parse_config, process_order = keys_of(
        code_graph_storage, "main", "parse_config", "process_order"
    )
    assert [(row["key"], row["inbound"], row["outbound"], row["total"]) for row in rows] == [
        (process_order, 2, 2, 4),
        (main, 0, 3, 3),
        (parse_config, 0, 3, 3),
    ]


def test_hotspots_in_a_scope(code_graph_storage) -> None:
    rows = code_graph_storage.run_named("hotspots", scope="src", limit=2)
    assert [(row["key"], row["total"]) for row in rows] == [
        (key_named(code_graph_storage, "parse_config"), 3),
        (key_named(code_graph_storage, "build_config"), 2),
    ]


def test_file_hotspots_count_dependencies_across_files(code_graph_storage) -> None:
    rows = code_graph_storage.run_named("file_hotspots", limit=3)
    assert [
        (row["file_path"], row["inbound"], row["outbound"], row["entity_count"]) for row in rows
    ] == [("app/service.py", 2, 1, 5), ("app/main.py", 0, 2, 3), ("app/util.py", 1, 0, 2)]


# -- search -------------------------------------------------------------------------------


def search(storage: CozoDbStorage, text: str, **params: object) -> list[tuple[str, str]]:
    rows = storage.run_named("search_entities", query=text, **params)
    return [(row["name"], row["match"]) for row in rows]


def test_search_ranks_exact_then_prefix_then_word(code_graph_storage) -> None:
    assert search(code_graph_storage, "config") == [
        ("Config", "exact"),
        ("build_config", "word"),
        ("parse_config", "word"),
    ]
    assert search(code_graph_storage, "ORDER") == [
        ("OrderProcessor", "prefix"),
        ("load_order", "word"),
        ("process_order", "word"),
    ]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("valdate", "validate"),  # a character left out
        ("tokenzie", "tokenize"),  # two characters swapped
        ("procesx_order", "process_order"),  # one character wrong
        ("prse_config", "parse_config"),  # a typo in the first half
        ("formatt_total", "format_total"),  # one character too many
    ],
)
def test_search_tolerates_one_typo(code_graph_storage, typed: str, found: str) -> None:
    assert search(code_graph_storage, typed) == [(found, "typo")]


def test_search_scope_limit_and_nothing_found(code_graph_storage) -> None:
    assert search(code_graph_storage, "config", scope="app") == []
    assert search(code_graph_storage, "config", limit=1) == [("Config", "exact")]
    assert search(code_graph_storage, "zzzzzz") == []


def test_search_returns_the_entity_row_fields(code_graph_storage) -> None:
    [row] = code_graph_storage.run_named("search_entities", query="tokenize")
    assert row == {
        "key": key_named(code_graph_storage, "tokenize"),
        "name": "tokenize",
        "entity_type": "fn",
        "entity_class": "CODE",
        "language": "rust",
        "file_path": "src/lib.rs",
        "start_line": 12,
        "match": "exact",
        "rank": 0,
    }


# -- unresolved references ----------------------------------------------------------------


def unresolved(storage: CozoDbStorage, **params: object) -> list[tuple]:
    rows = storage.run_named("unresolved_references", **params)
    return [(row["file_path"], row["source_line"], row["name"], row["candidates"])
            for row in rows]


def test_unresolved_references_are_unpacked_one_per_row_in_file_and_line_order(
    code_graph_storage,
) -> None:
    rows = code_graph_storage.run_named("unresolved_references")
    # Every packed reference, once: the packs' counts add up, and the rows are theirs.
    packs = code_graph_storage.run_named("rows_file_unresolved_references")
    assert len(rows) == sum(pack["reference_count"] for pack in packs) == 11
    assert len(rows) == code_graph_storage.get_stats().unresolved_references
    assert unresolved(code_graph_storage)[:4] == [
        ("app/service.py", 12, "bool", 0),
        ("app/service.py", 12, "order.get", 0),
        ("app/util.py", 5, "sum", 0),
        ("src/lib.rs", 12, "String", 0),
    ]
    [sum_call] = [row for row in rows if row["name"] == "sum"]
    assert sum_call == {
        "from_key": key_named(code_graph_storage, "format_total"),
        "name": "sum",
        "edge_type": "calls",
        "source_line": 5,
        "candidates": 0,
        "file_path": "app/util.py",
    }


def test_unresolved_references_by_file_prefix_name_and_limit(code_graph_storage) -> None:
    assert {row[0] for row in unresolved(code_graph_storage, file_prefix="src/")} == {
        "src/lib.rs"
    }
    assert len(unresolved(code_graph_storage, file_prefix="src/")) == 8
    assert unresolved(code_graph_storage, name="Vec") == [
        ("src/lib.rs", 12, "Vec", 0),
        ("src/lib.rs", 16, "Vec", 0),
    ]
    assert unresolved(code_graph_storage, name="Vec", file_prefix="app/") == []
    assert unresolved(code_graph_storage, name="order") == []  # the whole name, not a part
    assert unresolved(code_graph_storage, limit=2) == unresolved(code_graph_storage)[:2]


def test_unresolved_references_find_a_name_json_escapes() -> None:
    """The name filter skips files whose packed text lacks the name as JSON writes it."""
    odd = 'nx.sub\n.deep."h"'
    with CozoDbStorage.new_mem() as storage:
        storage.write_rows("put_file_unresolved_references", [
            ["a.py", 2, '["python:fn:f:__a:T1","nx.sub\\n.deep.\\"h\\"","calls",3,0]\n'
                        '["python:fn:f:__a:T1","plain","calls",4,2]'],
        ])
        assert unresolved(storage, name=odd) == [("a.py", 3, odd, 0)]
        assert unresolved(storage, name="plain") == [("a.py", 4, "plain", 2)]


# -- statistics ---------------------------------------------------------------------------


def test_statistics_count_the_fixture_project(code_graph_storage) -> None:
    stats = code_graph_storage.get_stats()
    assert stats.total_entities == 20
    assert stats.entities_by_language == {"python": 15, "rust": 5}
    assert stats.total_files == 6


# -- the derived relations ----------------------------------------------------------------


def test_refreshing_the_derived_relations_drops_what_no_longer_exists() -> None:
    with CozoDbStorage.new_mem() as storage:
        storage.insert_entities_batch(
            [
                CodeEntity("rust:fn:load_cache:__a:T1", "src/a.rs", "fn", name="load_cache"),
                CodeEntity("rust:fn:main:__a:T2", "src/a.rs", "fn", name="main"),
            ]
        )
        storage.insert_edges_batch(
            [DependencyEdge("rust:fn:main:__a:T2", "rust:fn:load_cache:__a:T1", "calls")]
        )
        storage.refresh_derived_relations()
        assert search(storage, "cache") == [("load_cache", "word")]
        assert [row["total"] for row in storage.run_named("hotspots")] == [1, 1]
        # The function is renamed and its caller removed: nothing of the old name survives.
        storage.insert_entities_batch(
            [CodeEntity("rust:fn:load_cache:__a:T1", "src/a.rs", "fn", name="read_store")]
        )
        storage.query(
            "?[from_key, to_key, edge_type] <- [[$f, $t, 'calls']]"
            " :rm dependency_edges {from_key, to_key, edge_type}",
            {"f": "rust:fn:main:__a:T2", "t": "rust:fn:load_cache:__a:T1"},
        )
        storage.refresh_derived_relations()
        assert search(storage, "cache") == []
        assert search(storage, "store") == [("read_store", "word")]
        assert [row["total"] for row in storage.run_named("hotspots")] == [0, 0]


GRAPH_ALGORITHM_QUERIES = sorted(
    path.stem for path in Path(named_query("cycles").path).parent.glob("*.cozo")
    if "<~" in path.read_text()
)


@pytest.mark.parametrize("name", GRAPH_ALGORITHM_QUERIES)
def test_graph_algorithms_answer_nothing_on_a_graph_with_no_edge(name: str) -> None:
    # Cozo 0.7.6's StronglyConnectedComponents and BetweennessCentrality panic on an empty
    # graph (a PanicException, which `except Exception` does not catch).
    assert len(GRAPH_ALGORITHM_QUERIES) >= 5
    samples = {"edge_types": ["calls"], "prefix": "", "limit": 10, "scope": ""}
    query = named_query(name)
    with CozoDbStorage("mem") as empty:
        params = {parameter: samples[parameter] for parameter in query.parameters
                  if parameter not in query.defaults}
        assert empty.run_named(name, **params) == []
