"""`parseltongue export`: the fixture project's graph written as JSON, GraphML and DOT, read back
with json, networkx and Graphviz, and checked against the database it came from."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import deque
from pathlib import Path

import networkx
import pytest
from http_support import key_named

from parseltongue import Codebase, CozoDbStorage
from parseltongue.export import (
    DEFAULT_EDGE_TYPES,
    ExportedGraph,
    UnknownEntityError,
    dot_text,
    parse_edge_types,
    select_graph,
)


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments], capture_output=True, text=True
    )




def stored_entities(storage: CozoDbStorage) -> dict[str, dict]:
    rows = storage.query_read_only(
        "?[key, name, entity_type, language, file_path, start_line] :="
        " *code_entities{key, name, entity_type, language, file_path, start_line}"
    )
    return {row["key"]: row for row in rows}


def stored_edges(storage: CozoDbStorage, edge_types: list[str]) -> set[tuple]:
    """Every edge of those types (all when []) between two stored entities, read directly."""
    rows = storage.query_read_only(
        "?[from_key, to_key, edge_type, source_line] :="
        " *dependency_edges{from_key, to_key, edge_type, source_line},"
        " *code_entities{key: from_key}, *code_entities{key: to_key}\n"
        # Containment is the child's parent_key, an edge at line 0.
        "?[from_key, to_key, edge_type, source_line] :="
        " *code_entities{key: to_key, parent_key: from_key}, from_key != '',"
        " *code_entities{key: from_key}, edge_type = 'contains', source_line = 0"
    )
    return {
        (row["from_key"], row["to_key"], row["edge_type"], row["source_line"])
        for row in rows if not edge_types or row["edge_type"] in edge_types
    }


def export_json(database: str, *arguments: str) -> dict:
    result = run_cli("export", "--db", database, "--format", "json", *arguments)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def edge_tuples(document: dict) -> set[tuple]:
    return {(edge["from"], edge["to"], edge["edge_type"], edge["source_line"])
            for edge in document["edges"]}


# -- JSON ---------------------------------------------------------------------------------


def test_json_export_is_every_entity_and_every_edge_of_the_default_types(
    code_graph_database: str, code_graph_storage: CozoDbStorage
) -> None:
    document = export_json(code_graph_database)
    entities = stored_entities(code_graph_storage)
    assert {node["key"]: node for node in document["nodes"]} == entities
    assert len(document["nodes"]) == len(entities)
    expected = stored_edges(code_graph_storage, list(DEFAULT_EDGE_TYPES))
    assert edge_tuples(document) == expected
    assert len(document["edges"]) == len(expected)
    assert document["truncated"] is False
    assert {edge["edge_type"] for edge in document["edges"]} == {"calls", "uses"}


def test_edge_types_all_exports_containment_and_imports_too(
    code_graph_database: str, code_graph_storage: CozoDbStorage
) -> None:
    document = export_json(code_graph_database, "--edge-types", "all")
    assert edge_tuples(document) == stored_edges(code_graph_storage, [])
    assert {"contains", "imports"} <= {edge["edge_type"] for edge in document["edges"]}
    only_calls = export_json(code_graph_database, "--edge-types", "calls")
    assert edge_tuples(only_calls) == stored_edges(code_graph_storage, ["calls"])


def test_an_unknown_edge_type_is_one_error_line(code_graph_database: str) -> None:
    result = run_cli("export", "--db", code_graph_database, "--edge-types", "calls,cals")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown edge type cals; give some of calls, uses, implements, extends, "
        "imports, contains (comma-separated), or all"
    ]
    assert parse_edge_types("all") == []
    assert parse_edge_types("Calls, uses,calls") == ["calls", "uses"]


# -- neighbourhoods -----------------------------------------------------------------------


def undirected_within(edges: set[tuple], start: str, hops: int) -> set[str]:
    """Breadth-first over the edges taken both ways: the oracle for --around."""
    neighbours: dict[str, set[str]] = {}
    for from_key, to_key, *_ in edges:
        neighbours.setdefault(from_key, set()).add(to_key)
        neighbours.setdefault(to_key, set()).add(from_key)
    distance = {start: 0}
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if distance[key] == hops:
            continue
        for neighbour in neighbours.get(key, ()):
            if neighbour not in distance:
                distance[neighbour] = distance[key] + 1
                queue.append(neighbour)
    return set(distance)


def test_one_hop_around_an_entity_is_its_blast_radius_and_callees(
    code_graph_database: str, code_graph_storage: CozoDbStorage
) -> None:
    process_order = key_named(code_graph_storage, "process_order")
    document = export_json(code_graph_database, "--around", process_order, "--hops", "1")
    dependents = {row["key"] for row in
                  code_graph_storage.run_named("blast_radius", entity=process_order, hops=1)}
    callees = {row["to_key"] for row in
               code_graph_storage.run_named("forward_callees", entity=process_order)}
    keys = {node["key"] for node in document["nodes"]}
    assert keys == {process_order} | dependents | callees
    assert keys == {process_order, *(key_named(code_graph_storage, name)
                                     for name in ("main", "run", "validate", "format_total"))}
    # The edges are exactly the stored ones among those nodes.
    among = {edge for edge in stored_edges(code_graph_storage, list(DEFAULT_EDGE_TYPES))
             if edge[0] in keys and edge[1] in keys}
    assert edge_tuples(document) == among
    assert (document["around"], document["hops"]) == (process_order, 1)


@pytest.mark.parametrize("hops", [0, 2, 3])
def test_the_neighbourhood_is_every_entity_within_n_hops_either_way(
    code_graph_storage: CozoDbStorage, hops: int
) -> None:
    validate = key_named(code_graph_storage, "validate")
    every_edge = stored_edges(code_graph_storage, [])
    graph = select_graph(Codebase(code_graph_storage), around=validate, hops=hops, edge_types=[])
    assert {node["key"] for node in graph.nodes} == undirected_within(every_edge, validate, hops)
    assert not graph.truncated
    # Without containment and imports the walk follows only calls, uses, ...
    narrow = select_graph(Codebase(code_graph_storage), around=validate, hops=hops)
    assert {node["key"] for node in narrow.nodes} == undirected_within(
        stored_edges(code_graph_storage, list(DEFAULT_EDGE_TYPES)), validate, hops
    )


def test_an_unknown_key_is_one_error_line(code_graph_database: str,
                                          code_graph_storage: CozoDbStorage) -> None:
    result = run_cli("export", "--db", code_graph_database, "--around", "python:fn:nope:__x:T1")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: no entity with key 'python:fn:nope:__x:T1'"), lines
    assert result.stdout == ""
    with pytest.raises(UnknownEntityError):
        select_graph(Codebase(code_graph_storage), around="python:fn:nope:__x:T1")


def test_hops_without_around_is_refused(code_graph_database: str) -> None:
    result = run_cli("export", "--db", code_graph_database, "--hops", "1")
    assert result.returncode == 1
    assert "--hops applies only with --around" in result.stderr


# -- bounds -------------------------------------------------------------------------------


def test_a_cut_neighbourhood_keeps_the_nearest_and_says_so(
    code_graph_database: str, code_graph_storage: CozoDbStorage
) -> None:
    process_order = key_named(code_graph_storage, "process_order")
    whole = select_graph(Codebase(code_graph_storage), around=process_order)
    result = run_cli("export", "--db", code_graph_database, "--format", "json",
                     "--around", process_order, "--limit", "3")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["truncated"] is True and document["node_total"] == len(whole.nodes) > 3
    hop_of = {row["key"]: row["hop"] for row in code_graph_storage.run_named(
        "neighbourhood", entity=process_order)}
    kept = [node["key"] for node in document["nodes"]]
    assert len(kept) == 3 and process_order in kept
    # No entity left out is nearer than one kept.
    assert max(hop_of[key] for key in kept) <= min(
        hop for key, hop in hop_of.items() if key not in kept)
    assert f"truncated: 3 of {len(whole.nodes)} nodes exported (nearest first)" in result.stderr
    assert f"--limit {len(whole.nodes)} exports them all" in result.stderr
    assert all(edge["from"] in kept and edge["to"] in kept for edge in document["edges"])


def test_a_cut_whole_graph_says_so_in_every_format(
    code_graph_database: str, code_graph_storage: CozoDbStorage, tmp_path: Path
) -> None:
    total = len(stored_entities(code_graph_storage))
    document = export_json(code_graph_database, "--limit", "4")
    assert len(document["nodes"]) == 4 and document["truncated"] is True
    assert document["node_total"] == total
    assert [node["key"] for node in document["nodes"]] == sorted(stored_entities(
        code_graph_storage))[:4]
    graphml = tmp_path / "cut.graphml"
    result = run_cli("export", "--db", code_graph_database, "--format", "graphml", "--limit", "4",
                     "--out", str(graphml))
    assert result.returncode == 0, result.stderr
    read = networkx.read_graphml(graphml)
    assert read.graph["truncated"] is True and read.number_of_nodes() == 4
    dot = run_cli("export", "--db", code_graph_database, "--limit", "4")
    assert dot.stdout.startswith(f"// truncated: 4 of {total} nodes exported (first by key)")
    assert 'truncated="true"' in dot.stdout


# -- GraphML and DOT ----------------------------------------------------------------------


def test_graphml_reads_back_in_networkx_with_typed_attributes(
    code_graph_database: str, code_graph_storage: CozoDbStorage, tmp_path: Path
) -> None:
    out = tmp_path / "graph.graphml"
    result = run_cli("export", "--db", code_graph_database, "--format", "graphml",
                     "--edge-types", "all", "--out", str(out))
    assert result.returncode == 0, result.stderr
    entities = stored_entities(code_graph_storage)
    edges = stored_edges(code_graph_storage, [])
    assert result.stderr.strip() == f"wrote {len(entities)} nodes and {len(edges)} edges to {out}"
    graph = networkx.read_graphml(out)
    assert graph.is_directed() and graph.graph["truncated"] is False
    assert graph.number_of_nodes() == len(entities)
    assert graph.number_of_edges() == len(edges)
    assert dict(graph.nodes(data=True)) == entities
    assert {(source, target, data["edge_type"], data["source_line"])
            for source, target, data in graph.edges(data=True)} == edges


def dot_statements(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The node IDs and edges of our DOT output, read by its line shapes."""
    quoted = r'"((?:[^"\\]|\\.)*)"'
    nodes = re.findall(rf"^  {quoted} \[", text, re.MULTILINE)
    edges = re.findall(rf"^  {quoted} -> {quoted} \[", text, re.MULTILINE)
    return nodes, edges


def test_dot_has_every_node_and_edge_and_renders_in_graphviz(
    code_graph_database: str, code_graph_storage: CozoDbStorage, tmp_path: Path
) -> None:
    result = run_cli("export", "--db", code_graph_database, "--format", "dot")
    assert result.returncode == 0, result.stderr
    nodes, edges = dot_statements(result.stdout)
    assert sorted(nodes) == sorted(stored_entities(code_graph_storage))
    assert sorted(edges) == sorted(
        (edge[0], edge[1]) for edge in stored_edges(code_graph_storage, list(DEFAULT_EDGE_TYPES)))
    assert result.stdout.startswith("digraph parseltongue {") and result.stdout.endswith("}\n")
    if shutil.which("dot") is None:
        return  # Graphviz is not installed: the structural check above is all there is.
    rendered = subprocess.run(["dot", "-Tsvg"], input=result.stdout, capture_output=True,
                              text=True)
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
    assert rendered.stdout.count('class="node"') == len(nodes)
    assert rendered.stdout.count('class="edge"') == len(edges)


def test_dot_quotes_identifiers_that_would_break_it() -> None:
    awkward = ['a"b\\', "digraph", "line\nbreak", "-> {x}; y"]
    graph = ExportedGraph(
        nodes=[{"key": key, "name": key, "entity_type": "fn", "language": "python",
                "file_path": "a.py", "start_line": 1} for key in awkward],
        edges=[{"from_key": awkward[0], "to_key": awkward[1], "edge_type": "calls",
                "source_line": 2}],
        node_total=len(awkward),
    )
    text = dot_text(graph)
    nodes, edges = dot_statements(text)
    assert len(nodes) == 4 and len(edges) == 1
    assert "\n" not in nodes[2]  # the line break is written as \n, inside the quotes
    if shutil.which("dot") is None:
        return
    plain = subprocess.run(["dot", "-Tplain"], input=text, capture_output=True, text=True)
    assert plain.returncode == 0 and plain.stderr == "", plain.stderr
    lines = plain.stdout.splitlines()
    assert sum(line.startswith("node ") for line in lines) == 4
    assert sum(line.startswith("edge ") for line in lines) == 1

