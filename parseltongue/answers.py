"""The typed answers `Codebase` returns: one NamedTuple per row of a named query, fields in
the order of the query's declared columns (so `row._asdict()` is the query's row as a dict),
and frozen dataclasses for the answers that are not a list of rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class UnknownEntityError(KeyError):
    """No entity has the key a question was asked about."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        # KeyError's own str() is the repr of its argument: a message reads better.
        return f"no entity with key {self.key!r}"


@dataclass(frozen=True)
class Stats:
    """Totals and breakdowns of what a database holds (stats_totals, stats_breakdown)."""

    total_entities: int
    test_entities: int
    total_edges: int
    unresolved_references: int
    total_files: int
    entities_by_language: Mapping[str, int] = field(default_factory=dict)
    entities_by_type: Mapping[str, int] = field(default_factory=dict)
    edges_by_type: Mapping[str, int] = field(default_factory=dict)
    files_by_status: Mapping[str, int] = field(default_factory=dict)


class SearchHit(NamedTuple):
    """An entity whose name matched a search (search_entities); rank 0 is the best match."""

    key: str
    name: str
    entity_type: str
    entity_class: str
    language: str
    file_path: str
    start_line: int
    match: str
    rank: int


class Entity(NamedTuple):
    """One entity with its code and how many entities depend on it and it on (entity_detail)."""

    key: str
    file_path: str
    entity_type: str
    entity_class: str
    language: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    signature: str
    code: str
    content_hash: str
    callers_count: int
    callees_count: int


class Edge(NamedTuple):
    """A dependency edge (reverse_callers, forward_callees): `source_line` is its first
    site, `sites` every one as `file:line`, in line order (none for containment)."""

    from_key: str
    to_key: str
    edge_type: str
    source_file: str
    source_line: int
    resolution: str
    sites: tuple[str, ...]


class ReferenceSite(NamedTuple):
    """One place an entity is referred to: a line of an edge into it (reference_sites)."""

    file_path: str
    line: int
    from_key: str
    edge_type: str
    resolution: str

    @property
    def site(self) -> str:
        """`file:line`."""
        return f"{self.file_path}:{self.line}"


class Affected(NamedTuple):
    """An entity in a blast radius, at its nearest hop (blast_radius)."""

    key: str
    hop: int
    file_path: str


class Hotspot(NamedTuple):
    """An entity ranked by coupling (hotspots)."""

    key: str
    inbound: int
    outbound: int
    total: int
    file_path: str


class FileHotspot(NamedTuple):
    """A file ranked by the coupling crossing its boundary (file_hotspots)."""

    file_path: str
    inbound: int
    outbound: int
    total: int
    entity_count: int


class CycleMember(NamedTuple):
    """One member of a dependency cycle (a row of cycles)."""

    cycle_id: str
    size: int
    key: str
    file_path: str


@dataclass(frozen=True)
class Cycle:
    """A dependency cycle: its id (the smallest member key), size and members."""

    cycle_id: str
    size: int
    members: tuple[CycleMember, ...]


class UnresolvedReference(NamedTuple):
    """A reference resolution could not pin to one target (unresolved_references)."""

    from_key: str
    name: str
    edge_type: str
    source_line: int
    candidates: int
    file_path: str


class FileEntity(NamedTuple):
    """An entity defined in a file, in source order (file_entities)."""

    key: str
    name: str
    entity_type: str
    entity_class: str
    language: str
    qualified_name: str
    start_line: int
    end_line: int
    signature: str


class FileEdge(NamedTuple):
    """A dependency edge out of or into one file's entities (file_edges)."""

    from_key: str
    to_key: str
    edge_type: str


class ListedEdge(NamedTuple):
    """One dependency edge of a page of every edge (Codebase.edges_page), in (from_key,
    to_key, edge_type) order; a contains edge is at line 0 of the child's file."""

    from_key: str
    to_key: str
    edge_type: str
    source_file: str
    source_line: int
    resolution: str


class Degree(NamedTuple):
    """How many edges come into an entity and go out of it (entity_edge_counts): the totals
    of its callers and callees lists before a limit."""

    key: str
    file_path: str
    inbound: int
    outbound: int


@dataclass(frozen=True)
class HopCount:
    """How many entities a blast radius reaches at one hop, nearest hop only
    (blast_radius_per_hop). A dataclass: a tuple's `count` is a method."""

    hop: int
    count: int


class DeadCodeCandidate(NamedTuple):
    """A function or method nothing in the codebase depends on (a row of dead_code, less its
    `total`)."""

    key: str
    name: str
    entity_type: str
    file_path: str
    start_line: int


@dataclass(frozen=True)
class DeadCode:
    """The dead-code candidates listed, and how many there are in all."""

    total: int
    candidates: tuple[DeadCodeCandidate, ...]


class ContextEntity(NamedTuple):
    """An entity in a context pack (context_pack): the focus entity (role "entity", with
    its code) or one of its direct callers or callees (code "")."""

    role: str
    key: str
    name: str
    entity_type: str
    file_path: str
    start_line: int
    end_line: int
    signature: str
    code: str


@dataclass(frozen=True)
class ContextPack:
    """An entity's context within a token budget: the entity (its code cut to fit when
    `code_truncated`), then as many of its callers' and callees' signatures as fit, taken in
    turn by key; the totals say how many there were."""

    entity: ContextEntity
    code_truncated: bool
    callers: tuple[ContextEntity, ...]
    callees: tuple[ContextEntity, ...]
    callers_total: int
    callees_total: int
    token_budget: int
    tokens_used: int


@dataclass(frozen=True)
class Table:
    """A read-only query's answer: its column headers and rows, and how long it took."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    # Left out of equality and repr: two runs of one query are the same answer.
    milliseconds: float = field(default=0.0, compare=False, repr=False)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column."""
        return [dict(zip(self.headers, row, strict=True)) for row in self.rows]
