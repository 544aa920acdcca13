"""Whole-graph analytics: communities, SCCs, k-core, centrality, entropy, CK metrics, debt.

Each answer is computed once per scope and cached until the graph is next updated, and
made deterministic: scores are rounded before sorting, ties go by key, communities are
renumbered by size and smallest member.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Query

from parseltongue import analytics
from parseltongue.server.context import DEPENDENCY_EDGE_TYPES, ServerContext
from parseltongue.server.envelope import ApiError, enveloped
from parseltongue.server.params import (
    MAX_TEXT_LENGTH,
    ContextDependency,
    ScopeParameter,
    folder_prefix,
    limit_parameter,
)

router = APIRouter(tags=["Graph Analysis"])

# Brandes betweenness costs O(nodes x edges); past this many nodes a request would hold a
# worker for minutes, so it asks for a scope instead.
MAX_BETWEENNESS_NODES = 20_000
LimitParameter = Annotated[int, limit_parameter("Most rows listed")]
# Communities are listed as a summary by default: their sizes and first members. Every
# member of every community was ~750 KB on a 46k-entity codebase, past what an agent reads.
DEFAULT_COMMUNITIES_LISTED = 20
DEFAULT_MEMBERS_LISTED = 10
MembersParameter = Annotated[
    int,
    Query(ge=0, le=analytics.MAX_MEMBERS_LISTED,
          description="Members listed per community, in key order (its size is always given; "
          f"0..{analytics.MAX_MEMBERS_LISTED})"),
]
EntityFilter = Annotated[
    str, Query(max_length=MAX_TEXT_LENGTH, description="Only keys containing this text.")
]


class MetricListing(NamedTuple):
    """What the per-entity metric lists are asked: keys containing which text (stripped), how
    many rows at most, in which folder."""

    entity: str
    limit: int
    scope: str


def _metric_listing(
    entity: EntityFilter = "", limit: LimitParameter = 100, scope: ScopeParameter = ""
) -> MetricListing:
    return MetricListing(entity.strip(), limit, scope)


MetricListingParameters = Annotated[MetricListing, Depends(_metric_listing)]


def _graph(context: ServerContext, prefix: str, with_structure: bool = False) -> list[dict]:
    edge_types = [*DEPENDENCY_EDGE_TYPES, "contains"] if with_structure else DEPENDENCY_EDGE_TYPES
    return context.cached_named("dependency_edges_under", edge_types=edge_types, prefix=prefix)


def _cut(rows: list[Any], limit: int) -> dict[str, Any]:
    return {"total_count": len(rows), "truncated": len(rows) > limit}


def _louvain(context: ServerContext, prefix: str) -> list[dict[str, Any]]:
    return context.cache.get_or_compute(
        ("louvain", prefix),
        lambda: analytics.relabel_communities(
            context.codebase.named("louvain_communities", edge_types=DEPENDENCY_EDGE_TYPES,
                                   prefix=prefix)
        ),
    )


def _label_propagation(context: ServerContext, prefix: str) -> list[dict[str, Any]]:
    return context.cache.get_or_compute(
        ("label_propagation", prefix),
        lambda: analytics.relabel_communities(analytics.label_propagation(_graph(context, prefix))),
    )


class CommunityListing(NamedTuple):
    """What both community lists are asked: how many communities and members of each are
    listed, in which folder."""

    limit: int
    members: int
    scope: str


def _community_listing(
    limit: LimitParameter = DEFAULT_COMMUNITIES_LISTED,
    members: MembersParameter = DEFAULT_MEMBERS_LISTED,
    scope: ScopeParameter = "",
) -> CommunityListing:
    return CommunityListing(limit, members, scope)


CommunityListingParameters = Annotated[CommunityListing, Depends(_community_listing)]


@enveloped(router, "/semantic-cluster-grouping-list")
def semantic_cluster_grouping_list(
    context: ContextDependency, asked: CommunityListingParameters
) -> dict[str, Any]:
    """Clusters of entities that depend on each other, by label propagation (undirected).

    Python, not Cozo's LabelPropagation: that one visits nodes in random order, and the same
    request must give the same answer.
    """
    limit, members, scope = asked
    clusters = _label_propagation(context, folder_prefix(context, scope))
    return {
        "algorithm": "label_propagation (deterministic, undirected, nodes in key order)",
        "total_entities": sum(cluster["size"] for cluster in clusters),
        "cluster_count": len(clusters),
        "truncated": len(clusters) > limit,
        "clusters": [
            {"cluster_id": c["id"], "entity_count": c["size"],
             "entities": c["members"][:members],
             "entities_truncated": c["size"] > members,
             "internal_edges": c["internal_edges"], "external_edges": c["external_edges"]}
            for c in clusters[:limit]
        ],
    }


@enveloped(router, "/leiden-community-detection-clusters")
def leiden_community_detection_clusters(
    context: ContextDependency, asked: CommunityListingParameters
) -> dict[str, Any]:
    """Modularity communities. Computed with Louvain (Cozo's CommunityDetectionLouvain), not
    Leiden: Cozo has no Leiden rule; `algorithm` in the answer says so."""
    limit, members, scope = asked
    communities = _louvain(context, folder_prefix(context, scope))
    return {
        "algorithm": "louvain (Cozo CommunityDetectionLouvain, undirected; Leiden not in Cozo)",
        "community_count": len(communities),
        "modularity": analytics.modularity(communities),
        "truncated": len(communities) > limit,
        "communities": [
            {**community, **analytics.capped_members(community["members"], members)}
            for community in communities[:limit]
        ],
    }


@enveloped(router, "/strongly-connected-components-analysis")
def strongly_connected_components_analysis(
    context: ContextDependency, limit: LimitParameter = 100, scope: ScopeParameter = ""
) -> dict[str, Any]:
    """Strongly connected components of 2+ entities (Cozo's StronglyConnectedComponents),
    largest first; single entities are only counted."""
    prefix = folder_prefix(context, scope)
    rows = context.cached_named(
        "cyclic_components", edge_types=DEPENDENCY_EDGE_TYPES, prefix=prefix
    )
    node_count = rows[0]["node_count"] if rows else 0
    sccs = [
        {"id": index, "size": row["size"], **analytics.capped_members(row["members"]),
         "risk_level": "HIGH" if row["size"] >= 3 else "MEDIUM"}
        for index, row in enumerate(rows)
    ]
    return {
        "scc_count": len(sccs),
        "singleton_count": node_count - sum(scc["size"] for scc in sccs) if rows else None,
        "truncated": len(sccs) > limit,
        "sccs": sccs[:limit],
    }


@enveloped(router, "/kcore-decomposition-layering-analysis")
def kcore_decomposition_layering_analysis(
    context: ContextDependency,
    k: Annotated[int, Query(ge=0, le=100_000, description="Only coreness >= k.")] = 0,
    limit: LimitParameter = 100,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Each entity's k-core (coreness) in the undirected dependency graph, deepest first.

    Python: Cozo has no k-core rule.
    """
    prefix = folder_prefix(context, scope)
    coreness = context.cache.get_or_compute(
        ("kcore", prefix), lambda: analytics.kcore_decomposition(_graph(context, prefix))
    )
    ranked = sorted(
        ((value, key) for key, value in coreness.items() if value >= k),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return {
        "max_coreness": max(coreness.values(), default=0),
        **_cut(ranked, limit),
        "entities": [{"entity": key, "coreness": value, "layer": analytics.kcore_layer(value)}
                     for value, key in ranked[:limit]],
    }


class CentralityMethod(StrEnum):
    """The centrality measures, each a Cozo fixed rule."""

    PAGERANK = "pagerank"
    BETWEENNESS = "betweenness"
    DEGREE = "degree"


@enveloped(router, "/centrality-measures-entity-ranking")
def centrality_measures_entity_ranking(
    context: ContextDependency,
    method: Annotated[
        CentralityMethod, Query(description="pagerank, betweenness or degree.")
    ] = CentralityMethod.PAGERANK,
    top: Annotated[int, limit_parameter("How many of the most central entities")] = 20,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Entities ranked by PageRank, betweenness or degree (Cozo's fixed rules), ties by key."""
    prefix = folder_prefix(context, scope)
    params = {"edge_types": DEPENDENCY_EDGE_TYPES, "prefix": prefix}
    if method is CentralityMethod.BETWEENNESS:
        degree_rows = context.cached_named("degree_ranking", **params, limit=1)
        node_count = degree_rows[0]["node_count"] if degree_rows else 0
        if node_count > MAX_BETWEENNESS_NODES:
            raise ApiError(
                400,
                f"betweenness over {node_count:,} entities would take minutes (it is "
                f"O(nodes x edges)); give a scope with at most {MAX_BETWEENNESS_NODES:,}, or "
                "use method=pagerank or degree",
                parameter="scope",
            )
    rows = context.cached_named(f"{method.value}_ranking", **params, limit=top)
    entities = [
        {"entity": row["key"], "score": row["score"], "rank": rank,
         **({"in_degree": row["in_degree"], "out_degree": row["out_degree"]}
            if method is CentralityMethod.DEGREE else {})}
        for rank, row in enumerate(rows, start=1)
    ]
    node_count = rows[0]["node_count"] if rows else 0
    return {"method": method.value, "total_count": node_count,
            "truncated": len(entities) < node_count, "entities": entities}


@enveloped(router, "/entropy-complexity-measurement-scores")
def entropy_complexity_measurement_scores(
    context: ContextDependency, asked: MetricListingParameters
) -> dict[str, Any]:
    """Shannon entropy (bits) of each entity's outgoing edge types, highest first (Datalog)."""
    entity, limit, scope = asked
    prefix = folder_prefix(context, scope)
    rows = context.cached_named(
        "edge_type_entropy", edge_types=DEPENDENCY_EDGE_TYPES, prefix=prefix, entity=entity
    )
    entities = [
        {"entity": row["key"], "entropy": row["entropy"],
         "complexity": "LOW" if row["entropy"] < 1.0
         else "MODERATE" if row["entropy"] < 1.4 else "HIGH",
         "out_edges": int(row["out_edges"]), "edge_type_count": row["type_count"]}
        for row in rows[:limit]
    ]
    return {**_cut(rows, limit), "entities": entities}


def _ck_rows(context: ServerContext, prefix: str) -> list[dict[str, Any]]:
    return context.cache.get_or_compute(
        ("ck", prefix),
        lambda: analytics.ck_metrics(
            context.cached_named("entities_under", prefix=prefix),
            _graph(context, prefix, with_structure=True),
        ),
    )


@enveloped(router, "/coupling-cohesion-metrics-suite")
def coupling_cohesion_metrics_suite(
    context: ContextDependency, asked: MetricListingParameters
) -> dict[str, Any]:
    """CBO, LCOM, RFC and WMC per class-like entity (class, struct, trait ...), by CBO.

    Python: Cozo has no rule for these; see parseltongue/server/analytics.py for definitions.
    """
    entity, limit, scope = asked
    rows = [row for row in _ck_rows(context, folder_prefix(context, scope))
            if entity in row["entity"]]
    return {**_cut(rows, limit), "entities": rows[:limit]}


@enveloped(router, "/technical-debt-sqale-scoring")
def technical_debt_sqale_scoring(
    context: ContextDependency,
    asked: MetricListingParameters,
    min_debt: Annotated[
        float, Query(ge=0, le=1_000_000, description="Only entities with at least this many "
                     "hours of debt; 0 lists only entities with some debt.")
    ] = 0.0,
) -> dict[str, Any]:
    """Remediation hours per class-like entity from its CK metrics (SQALE-style), most first.

    Python: Cozo has no rule for this.
    """
    entity, limit, scope = asked
    rows = [
        row for row in analytics.sqale_debt(_ck_rows(context, folder_prefix(context, scope)))
        if entity in row["entity"] and row["total_debt_hours"] > 0
        and row["total_debt_hours"] >= min_debt
    ]
    return {
        "codebase_total_debt_hours": sum(row["total_debt_hours"] for row in rows),
        **_cut(rows, limit),
        "entities": rows[:limit],
    }
