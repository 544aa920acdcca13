"""Who calls what: callers, callees, blast radius, cycles, hotspots and smart context."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Query

from parseltongue import analytics
from parseltongue.server.context import DEPENDENCY_EDGE_TYPES, ServerContext
from parseltongue.server.envelope import ApiError, enveloped
from parseltongue.server.params import (
    ContextDependency,
    EntityKeyParameter,
    ScopeParameter,
    folder_prefix,
    key_parameter,
    limit_parameter,
    required_text,
    scope_folder,
)

router = APIRouter(tags=["Graph"])

MAX_HOPS = 10
MAX_BLAST_LIMIT = 10_000
MAX_TOKEN_BUDGET = 1_000_000


def _existing_entity(context: ServerContext, entity: str, prefix: str) -> dict[str, Any]:
    """The entity's degree row (one point lookup), or a 404."""
    key = required_text("entity", entity)
    rows = context.codebase.named(
        "entity_edge_counts", key=key, edge_types=DEPENDENCY_EDGE_TYPES, prefix=prefix
    )
    if not rows:
        raise ApiError(404, f"no entity with key {key!r}", entity=key)
    return rows[0]


EDGE_FIELDS = ("from_key", "to_key", "edge_type", "source_file", "source_line", "resolution")
# Sites listed per edge: one edge of the rust corpus has 1,036 (a test macro), ~40 KB alone.
MAX_SITES_PER_EDGE = 20


def _edge_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Edges as the endpoints give them: with their first site (`source_location`), their
    sites as file:line (the first MAX_SITES_PER_EDGE) and how many there are."""
    edges = []
    for row in rows:
        sites = list(row["sites"]) if "sites" in row else [
            f"{row['source_file']}:{line}" for line in row["source_lines"]
        ]
        edges.append({
            **{name: row[name] for name in EDGE_FIELDS},
            "source_location": f"{row['source_file']}:{row['source_line']}",
            "sites": sites[:MAX_SITES_PER_EDGE],
            "site_count": len(sites),
        })
    return edges


class EdgeListing(NamedTuple):
    """What both edge lists are asked: whose edges, how many at most, in which folder."""

    entity: str
    limit: int
    scope: str


def _edge_listing(
    entity: EntityKeyParameter,
    limit: Annotated[int, limit_parameter("Most edges returned")] = 100,
    scope: ScopeParameter = "",
) -> EdgeListing:
    return EdgeListing(entity, limit, scope)


EdgeListingParameters = Annotated[EdgeListing, Depends(_edge_listing)]


def _neighbours(context: ServerContext, asked: EdgeListing, direction: str) -> dict[str, Any]:
    entity, limit, scope = asked
    prefix = folder_prefix(context, scope)
    degree = _existing_entity(context, entity, prefix)
    if direction == "in":
        field, total = "callers", degree["inbound"]
        rows = context.codebase.named(
            "first_callers", entity=degree["key"], edge_types=DEPENDENCY_EDGE_TYPES,
            prefix=prefix, limit=limit,
        )
    else:
        field, total = "callees", degree["outbound"]
        callees = context.codebase.callees(
            degree["key"], scope=scope_folder(prefix), limit=limit
        )
        rows = [edge._asdict() for edge in callees]
    return {
        "entity": degree["key"],
        "total_count": total,
        "returned_count": len(rows),
        "truncated": len(rows) < total,
        field: _edge_rows(rows),
    }


@enveloped(router, "/reverse-callers-query-graph")
def reverse_callers_query_graph(
    context: ContextDependency, asked: EdgeListingParameters
) -> dict[str, Any]:
    """The edges into an entity (calls, uses, implements, extends), by caller key.

    An entity nobody calls gives an empty list; an unknown key gives a 404.
    """
    return _neighbours(context, asked, "in")


@enveloped(router, "/forward-callees-query-graph")
def forward_callees_query_graph(
    context: ContextDependency, asked: EdgeListingParameters
) -> dict[str, Any]:
    """The edges out of an entity (what it calls, uses, implements, extends), by callee key."""
    return _neighbours(context, asked, "out")


@enveloped(router, "/blast-radius-impact-analysis")
def blast_radius_impact_analysis(
    context: ContextDependency,
    entity: EntityKeyParameter,
    hops: Annotated[
        int, Query(ge=1, le=MAX_HOPS, description=f"Reverse edges followed (1..{MAX_HOPS}).")
    ] = 3,
    limit: Annotated[int, limit_parameter("Most entities listed", MAX_BLAST_LIMIT)] = 1000,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """What depends on an entity, directly or through others, grouped by nearest hop.

    One recursive Datalog query over the reverse-edge index (no query per frontier node).
    """
    prefix = folder_prefix(context, scope)
    degree = _existing_entity(context, entity, prefix)
    key = degree["key"]
    common = {"entity": key, "hops": hops, "edge_types": DEPENDENCY_EDGE_TYPES}
    counts = context.codebase.named("blast_radius_per_hop", **common, prefix=prefix)
    rows = context.codebase.blast_radius(
        key, hops, edge_types=DEPENDENCY_EDGE_TYPES, scope=scope_folder(prefix), limit=limit
    )
    listed: dict[int, list[str]] = {}
    for row in rows:
        listed.setdefault(row.hop, []).append(row.key)
    total = sum(row["count"] for row in counts)
    by_hop = [
        {"hop": row["hop"], "count": row["count"], "entities": listed.get(row["hop"], []),
         "truncated": len(listed.get(row["hop"], [])) < row["count"]}
        for row in counts
    ]
    return {
        "source_entity": key,
        "hops_requested": hops,
        "total_affected": total,
        "returned_count": len(rows),
        "truncated": len(rows) < total,
        "by_hop": by_hop,
    }


@enveloped(router, "/circular-dependency-detection-scan")
def circular_dependency_detection_scan(
    context: ContextDependency,
    limit: Annotated[int, limit_parameter("Most cycles listed")] = 100,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Dependency cycles: each strongly connected component of 2+ entities, and self-loops.

    Each cycle lists its members and one shortest loop through its smallest key (`path`, the
    start repeated at the end); `length` counts the loop's edges. Ordered by size, then key.
    Cozo's StronglyConnectedComponents finds the components.
    """
    prefix = folder_prefix(context, scope)

    def compute() -> list[dict[str, Any]]:
        params = {"edge_types": DEPENDENCY_EDGE_TYPES, "prefix": prefix}
        # cyclic_components + self_loops answer what cycles.cozo does, 5x faster
        # on 46k entities.
        components = context.cached_named("cyclic_components", **params)
        members = {row["members"][0]: row["members"] for row in components}
        in_component = {key for keys in members.values() for key in keys}
        for row in context.codebase.named("self_loops", **params):
            if row["key"] not in in_component:
                members[row["key"]] = [row["key"]]
        every_key = sorted({key for keys in members.values() for key in keys})
        edges = context.codebase.named(
            "edges_among_entities", keys=every_key, edge_types=DEPENDENCY_EDGE_TYPES
        )
        return analytics.cycles_with_paths(members, edges)

    cycles = context.cache.get_or_compute(("cycles", prefix), compute)
    return {
        "has_cycles": bool(cycles),
        "cycle_count": len(cycles),
        "truncated": len(cycles) > limit,
        "cycles": [{**cycle, **analytics.capped_members(cycle["members"])}
                   for cycle in cycles[:limit]],
    }


@enveloped(router, "/complexity-hotspots-ranking-view")
def complexity_hotspots_ranking_view(
    context: ContextDependency,
    top: Annotated[int, limit_parameter("How many of the most coupled entities")] = 10,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Entities ranked by coupling: distinct entities depending on it plus those it depends on.

    Reads the precomputed entity_coupling relation, most coupled first; ties by key.
    """
    prefix = folder_prefix(context, scope)
    rows = context.codebase.hotspots(scope=scope_folder(prefix), limit=top)
    analyzed = context.cached_named(
        "entity_counts", entity_type="", prefix=prefix
    )[0]["total"]
    hotspots = [
        {
            "rank": rank,
            "entity_key": row.key,
            "file_path": row.file_path,
            "inbound_count": row.inbound,
            "outbound_count": row.outbound,
            "total_coupling": row.total,
        }
        for rank, row in enumerate(rows, start=1)
    ]
    return {
        "total_entities_analyzed": analyzed,
        "top_requested": top,
        "truncated": len(hotspots) < analyzed,
        "hotspots": hotspots,
    }


@enveloped(router, "/smart-context-token-budget")
def smart_context_token_budget(
    context: ContextDependency,
    focus: Annotated[str, key_parameter("The focus entity key")],
    tokens: Annotated[
        int,
        Query(ge=1, le=MAX_TOKEN_BUDGET, description=f"Token budget (1..{MAX_TOKEN_BUDGET})."),
    ] = 4000,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """The entities most relevant to a focus entity that fit a token budget, nearest first.

    Direct callers (1.0), direct callees (0.95), then callees 2, 3 and 4 hops away (0.6, 0.5,
    0.4); each costs its code's size in tokens (characters / 4) plus a line of metadata.
    """
    prefix = folder_prefix(context, scope)
    degree = _existing_entity(context, focus, prefix)
    rows = context.codebase.named(
        "context_entities", focus=degree["key"], depth=analytics.CONTEXT_DEPTH,
        edge_types=DEPENDENCY_EDGE_TYPES, prefix=prefix,
    )
    return analytics.fill_token_budget(degree["key"], rows, tokens)
