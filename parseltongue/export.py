"""Graph export: the code graph, or one entity's neighbourhood, as DOT, GraphML or JSON.

Selection is Datalog (queries/neighbourhood.cozo, export_entities.cozo, edges_among_entities.cozo);
this module bounds it and writes the formats, so the files open in Graphviz, Gephi or a script.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any

from parseltongue.codebase import Codebase

EDGE_TYPES = ("calls", "uses", "implements", "extends", "imports", "contains")
DEFAULT_EDGE_TYPES = ("calls", "uses", "implements", "extends")
DEFAULT_HOPS = 2
DEFAULT_NODE_LIMIT = 5_000
NODE_FIELDS = ("key", "name", "entity_type", "language", "file_path", "start_line")
EDGE_FIELDS = ("edge_type", "source_line")
_INTEGER_FIELDS = {"start_line", "source_line"}


class ExportFormat(StrEnum):
    """The formats `parseltongue export` writes."""

    DOT = "dot"
    GRAPHML = "graphml"
    JSON = "json"


class UnknownEntityError(LookupError):
    """The entity an export is centred on is not in the database."""


@dataclass
class ExportedGraph:
    """The nodes and edges selected, and whether (and from how many nodes) they were cut."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    node_total: int
    around: str | None = None
    hops: int | None = None
    edge_types: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        """Whether nodes were left out to stay within the limit."""
        return len(self.nodes) < self.node_total

    def truncation_note(self) -> str:
        """One line saying what was cut and how to get all of it ('' when nothing was)."""
        if not self.truncated:
            return ""
        which = "nearest first" if self.around is not None else "first by key"
        return (
            f"truncated: {len(self.nodes):,} of {self.node_total:,} nodes exported ({which}); "
            f"--limit {self.node_total} exports them all"
        )


def parse_edge_types(value: str) -> list[str]:
    """`calls,uses` as a list; `all` for every type ([], as the queries take it). A ValueError
    names an unknown type, which would otherwise select nothing without a word."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    if names == ["all"]:
        return []
    unknown = [name for name in names if name not in EDGE_TYPES]
    if unknown or not names:
        raise ValueError(
            f"unknown edge type {', '.join(unknown) or repr(value)}; "
            f"give some of {', '.join(EDGE_TYPES)} (comma-separated), or all"
        )
    return list(dict.fromkeys(names))


def select_graph(
    codebase: Codebase,
    around: str | None = None,
    hops: int = DEFAULT_HOPS,
    edge_types: list[str] | None = None,
    limit: int = DEFAULT_NODE_LIMIT,
) -> ExportedGraph:
    """The whole graph, or the entities within `hops` edges of `around` either way, cut to
    `limit` nodes (the nearest kept), with the edges among the nodes kept.

    `edge_types` ([] for every type) selects both the edges walked and those exported.
    """
    types = list(DEFAULT_EDGE_TYPES) if edge_types is None else edge_types
    if around is None:
        counted = codebase.named("entity_counts", entity_type="", prefix="")
        node_total = counted[0]["total"]
        nodes = codebase.named("export_entities", keys=[], limit=limit)
    else:
        reached = codebase.named("neighbourhood", entity=around, hops=hops, edge_types=types)
        if not reached:
            raise UnknownEntityError(f"no entity with key {around!r}")
        node_total = len(reached)
        # Rows come ordered by hop: a cut keeps the entities nearest the centre.
        kept = [row["key"] for row in reached[:limit]]
        nodes = codebase.named("export_entities", keys=kept, limit=len(kept))
    keys = [node["key"] for node in nodes]
    edges = codebase.named("edges_among_entities", keys=keys, edge_types=types) if keys else []
    return ExportedGraph(nodes, edges, node_total, around, hops if around else None, types)


# -- writing ------------------------------------------------------------------------------


def write_graph(graph: ExportedGraph, export_format: ExportFormat, stream: IO[bytes]) -> None:
    """Write `graph` in `export_format` to a binary stream, as UTF-8."""
    writers = {ExportFormat.DOT: dot_text, ExportFormat.JSON: json_text}
    if export_format is ExportFormat.GRAPHML:
        graphml_tree(graph).write(stream, encoding="utf-8", xml_declaration=True)
        stream.write(b"\n")
    else:
        stream.write(writers[export_format](graph).encode("utf-8"))


def json_text(graph: ExportedGraph) -> str:
    """`{"nodes": [...], "edges": [...], "truncated": bool, ...}`, edges keyed by from/to."""
    document = {
        "nodes": [{name: node[name] for name in NODE_FIELDS} for node in graph.nodes],
        "edges": [
            {"from": edge["from_key"], "to": edge["to_key"],
             **{name: edge[name] for name in EDGE_FIELDS}}
            for edge in graph.edges
        ],
        "truncated": graph.truncated,
        "node_total": graph.node_total,
        "around": graph.around,
        "hops": graph.hops,
        "edge_types": graph.edge_types or list(EDGE_TYPES),
    }
    return json.dumps(document, indent=1) + "\n"


def dot_quoted(value: object) -> str:
    """A DOT double-quoted string. Backslashes are doubled: a lone one before the closing
    quote would escape it, and in labels Graphviz reads `\\l`, `\\N` ... as commands."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def _dot_attributes(attributes: dict[str, Any]) -> str:
    return ", ".join(f"{name}={dot_quoted(value)}" for name, value in attributes.items())


def dot_text(graph: ExportedGraph) -> str:
    """A `digraph`: one node per entity (its key the ID, its name the label), one edge per
    dependency, each with its fields as attributes (Graphviz keeps attributes it does not use)."""
    lines = []
    note = graph.truncation_note()
    if note:
        lines.append(f"// {note}")
    lines.append("digraph parseltongue {")
    graph_attributes = {"truncated": str(graph.truncated).lower()}
    if note:
        graph_attributes["comment"] = note
    lines.append(f"  graph [{_dot_attributes(graph_attributes)}];")
    lines.append('  node [shape="box"];')
    for node in graph.nodes:
        attributes = {"label": node["name"] or node["key"], "tooltip": node["key"]}
        attributes.update((name, node[name]) for name in NODE_FIELDS)
        lines.append(f"  {dot_quoted(node['key'])} [{_dot_attributes(attributes)}];")
    for edge in graph.edges:
        attributes = {"label": edge["edge_type"], **{name: edge[name] for name in EDGE_FIELDS}}
        lines.append(
            f"  {dot_quoted(edge['from_key'])} -> {dot_quoted(edge['to_key'])} "
            f"[{_dot_attributes(attributes)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


GRAPHML_NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
# XML 1.0 cannot carry most control characters even escaped; a parser refuses the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def graphml_tree(graph: ExportedGraph) -> ElementTree.ElementTree:
    """A GraphML document: typed <key> declarations, then the nodes and edges with <data>."""
    ElementTree.register_namespace("", GRAPHML_NAMESPACE)

    def tag(name: str) -> str:
        return f"{{{GRAPHML_NAMESPACE}}}{name}"

    root = ElementTree.Element(tag("graphml"))
    declared = [("graph", "truncated", "boolean"), ("graph", "node_total", "int")]
    declared += [("node", name, "int" if name in _INTEGER_FIELDS else "string")
                 for name in NODE_FIELDS]
    declared += [("edge", name, "int" if name in _INTEGER_FIELDS else "string")
                 for name in EDGE_FIELDS]
    ids = {}
    for index, (scope, name, kind) in enumerate(declared):
        ids[scope, name] = f"d{index}"
        ElementTree.SubElement(root, tag("key"), {
            "id": f"d{index}", "for": scope, "attr.name": name, "attr.type": kind,
        })
    body = ElementTree.SubElement(root, tag("graph"), {"id": "G", "edgedefault": "directed"})

    def data(parent: ElementTree.Element, scope: str, name: str, value: object) -> None:
        ElementTree.SubElement(parent, tag("data"), {"key": ids[scope, name]}).text = (
            _xml_text(value)
        )

    data(body, "graph", "truncated", str(graph.truncated).lower())
    data(body, "graph", "node_total", graph.node_total)
    for node in graph.nodes:
        element = ElementTree.SubElement(body, tag("node"), {"id": _xml_text(node["key"])})
        for name in NODE_FIELDS:
            data(element, "node", name, node[name])
    for index, edge in enumerate(graph.edges):
        element = ElementTree.SubElement(body, tag("edge"), {
            "id": f"e{index}",
            "source": _xml_text(edge["from_key"]),
            "target": _xml_text(edge["to_key"]),
        })
        for name in EDGE_FIELDS:
            data(element, "edge", name, edge[name])
    ElementTree.indent(root, space=" ")
    return ElementTree.ElementTree(root)
