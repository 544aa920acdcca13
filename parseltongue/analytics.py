"""Graph measures Cozo has no fixed rule for, as pure functions over rows the queries return.

Cozo 0.7 has PageRank, StronglyConnectedComponents, CommunityDetectionLouvain, DegreeCentrality
and BetweennessCentrality (used from queries/pagerank_ranking.cozo and its kin); it has no
k-core, CK metrics (CBO, LCOM, RFC, WMC), SQALE debt, budget fill or path tree, so those are
here. Its LabelPropagation
visits nodes in random order (two runs, two answers), so label propagation is here too. Every
function sorts with the key as the last tie-breaker: same input, same output.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from parseltongue.tokens import CHARACTERS_PER_TOKEN

CONTEXT_DEPTH = 4
# Relevance of an entity by how it relates to the focus; hop n callees score 0.8 - 0.1 n.
CALLER_SCORE = 1.0
DIRECT_CALLEE_SCORE = 0.95
METADATA_TOKENS = 20
CLASS_LIKE_TYPES = ("class", "struct", "interface", "trait", "enum", "impl")
# A giant community or component lists this many members, and says it was cut.
MAX_MEMBERS_LISTED = 200


def capped_members(members: list[str], most: int = MAX_MEMBERS_LISTED) -> dict[str, Any]:
    """A member list cut to `most` (at most MAX_MEMBERS_LISTED), saying whether it was cut."""
    most = min(most, MAX_MEMBERS_LISTED)
    return {"members": members[:most], "members_truncated": len(members) > most}


def _adjacency(edges: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    forward: dict[str, set[str]] = {}
    for edge in edges:
        forward.setdefault(edge["from_key"], set()).add(edge["to_key"])
    return forward


def _shortest_loop(start: str, members: set[str], forward: dict[str, set[str]]) -> list[str]:
    """The shortest path start -> ... -> start inside `members` (BFS, neighbours in key order)."""
    if start in forward.get(start, set()):
        return [start, start]
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(forward.get(node, set()) & members):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if target not in previous and target != start:
                previous[target] = node
                queue.append(target)
    return [start]


def cycles_with_paths(
    members_by_cycle: dict[str, list[str]], edges: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each cycle (an SCC, or a self-loop) with its members and one shortest loop."""
    forward = _adjacency(edges)
    cycles: list[dict[str, Any]] = []
    for cycle_id, keys in members_by_cycle.items():
        members = sorted(keys)
        path = _shortest_loop(cycle_id, set(members), forward)
        cycles.append({
            "cycle_id": cycle_id,
            "size": len(members),
            "length": len(path) - 1,
            "path": path,
            "members": members,
        })
    cycles.sort(key=lambda cycle: (-cycle["size"], cycle["cycle_id"]))
    return cycles


def fill_token_budget(focus: str, rows: list[dict[str, Any]], budget: int) -> dict[str, Any]:
    """Greedy fill of a token budget with the entities around `focus`, most relevant first."""
    candidates = []
    for row in rows:
        if row["direction"] == "caller":
            score, kind = CALLER_SCORE, "direct_caller"
        elif row["hop"] == 1:
            score, kind = DIRECT_CALLEE_SCORE, "direct_callee"
        else:
            score, kind = round(0.8 - 0.1 * row["hop"], 2), f"transitive_depth_{row['hop']}"
        cost = METADATA_TOKENS + -(-row["code_chars"] // CHARACTERS_PER_TOKEN)
        candidates.append((score, row["key"], kind, cost, row))
    candidates.sort(key=lambda candidate: (-candidate[0], candidate[1]))
    used, context, skipped = 0, [], 0
    for score, key, kind, cost, row in candidates:
        if used + cost > budget:
            skipped += 1
            continue
        used += cost
        context.append({
            "entity_key": key,
            "relevance_score": score,
            "relevance_type": kind,
            "estimated_tokens": cost,
            "entity_type": row["entity_type"],
            "file_path": row["file_path"],
        })
    return {
        "focus_entity": focus,
        "token_budget": budget,
        "tokens_used": used,
        "entities_included": len(context),
        "entities_considered": len(candidates),
        "entities_skipped_over_budget": skipped,
        "context": context,
    }


def kcore_decomposition(edges: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Each node's coreness in the undirected simple graph (Batagelj-Zaversnik peeling).

    Cozo has no k-core rule. Nodes of equal degree are peeled in key order.
    """
    neighbours: dict[str, set[str]] = {}
    for edge in edges:
        source, target = edge["from_key"], edge["to_key"]
        neighbours.setdefault(source, set())
        neighbours.setdefault(target, set())
        if source != target:
            neighbours[source].add(target)
            neighbours[target].add(source)
    degree = {node: len(adjacent) for node, adjacent in neighbours.items()}
    # A heap of (degree, key) with stale entries skipped: O(E log V), ties peeled in key order.
    heap = [(value, node) for node, value in degree.items()]
    heapq.heapify(heap)
    coreness: dict[str, int] = {}
    current = 0
    while heap:
        value, node = heapq.heappop(heap)
        if node in coreness or value != degree[node]:
            continue
        current = max(current, value)
        coreness[node] = current
        for other in neighbours[node]:
            if other not in coreness:
                degree[other] -= 1
                heapq.heappush(heap, (degree[other], other))
    return coreness


def kcore_layer(coreness: int) -> str:
    """CORE (8+), MID (3-7) or PERIPHERAL (under 3), as the Rust tool names them."""
    return "CORE" if coreness >= 8 else "MID" if coreness >= 3 else "PERIPHERAL"


def ck_metrics(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """CBO, LCOM, RFC and WMC of each class-like entity, from its `contains` members.

    Parseltongue has no attribute accesses, so LCOM uses each method's dependency targets as
    its "attributes": LCOM = pairs of methods sharing none / all pairs (0 with under 2 methods).
    CBO counts the distinct other classes and free entities coupled in either direction; RFC is
    the methods plus the distinct entities they call; WMC is the method count.
    """
    type_of = {node["key"]: node["entity_type"] for node in nodes}
    owner: dict[str, str] = {}
    methods: dict[str, list[str]] = {}
    depends: dict[str, set[str]] = {}
    for edge in edges:
        if edge["edge_type"] == "contains":
            if type_of.get(edge["from_key"]) in CLASS_LIKE_TYPES:
                owner.setdefault(edge["to_key"], edge["from_key"])
                methods.setdefault(edge["from_key"], []).append(edge["to_key"])
        else:
            depends.setdefault(edge["from_key"], set()).add(edge["to_key"])
    coupled: dict[str, set[str]] = {}
    for source, targets in depends.items():
        for target in targets:
            source_unit, target_unit = owner.get(source, source), owner.get(target, target)
            if source_unit != target_unit:
                coupled.setdefault(source_unit, set()).add(target_unit)
                coupled.setdefault(target_unit, set()).add(source_unit)
    rows = []
    for key in sorted(key for key, kind in type_of.items() if kind in CLASS_LIKE_TYPES):
        members = sorted(methods.get(key, []))
        member_targets = [depends.get(member, set()) for member in members]
        pairs = list(combinations(member_targets, 2))
        disjoint = sum(1 for first, second in pairs if not first & second)
        lcom = round(disjoint / len(pairs), 4) if pairs else 0.0
        called = set().union(*member_targets) - set(members) if member_targets else set()
        depends_of_class = depends.get(key, set())
        rows.append({
            "entity": key,
            "cbo": len(coupled.get(key, set())),
            "lcom": lcom,
            "rfc": len(members) + len(called | depends_of_class),
            "wmc": len(members),
        })
    for row in rows:
        row["health_grade"] = _health_grade(row)
    rows.sort(key=lambda row: (-row["cbo"], row["entity"]))
    return rows


def _health_grade(row: dict[str, Any]) -> str:
    failures = (row["cbo"] > 10) + (row["lcom"] > 0.8)
    warnings = (row["rfc"] > 50) + (row["wmc"] > 50)
    if failures:
        return "D" if failures == 1 else "F"
    return "ABC"[warnings]


SQALE_RULES = (
    # (violation, metric, threshold, remediation hours), the Rust tool's constants.
    ("HIGH_COUPLING", "cbo", 10, 4.0),
    ("LOW_COHESION", "lcom", 0.8, 8.0),
    ("HIGH_COMPLEXITY", "wmc", 15, 2.0),
)


def sqale_debt(ck_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SQALE-style remediation hours per class-like entity from its CK metrics, most first."""
    rows = []
    for ck in ck_rows:
        violations = [
            {"violation_type": name, "metric": metric.upper(), "value": ck[metric],
             "threshold": threshold, "remediation_hours": hours}
            for name, metric, threshold, hours in SQALE_RULES
            if ck[metric] > threshold
        ]
        debt = sum(violation["remediation_hours"] for violation in violations)
        severity = ("NONE" if debt == 0 else "LOW" if debt <= 4
                    else "MEDIUM" if debt <= 8 else "HIGH")
        rows.append({"entity": ck["entity"], "total_debt_hours": debt,
                     "violations": violations, "severity": severity})
    rows.sort(key=lambda row: (-row["total_debt_hours"], row["entity"]))
    return rows


def relabel_communities(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Communities from raw algorithm ids to a stable order: by size, then smallest key.

    Algorithms number communities as they meet them; the answer must not depend on that.
    """
    grouped: dict[Any, dict[str, Any]] = {}
    for row in rows:
        raw = tuple(row["community"]) if isinstance(row["community"], list) else row["community"]
        group = grouped.setdefault(raw, {"members": [], "internal_edges": row["internal_edges"],
                                         "external_edges": row["external_edges"]})
        group["members"].append(row["key"])
    communities = sorted(
        ({**group, "members": sorted(group["members"])} for group in grouped.values()),
        key=lambda group: (-len(group["members"]), group["members"][0]),
    )
    return [{"id": index, "size": len(group["members"]), **group}
            for index, group in enumerate(communities)]


def modularity(communities: list[dict[str, Any]]) -> float:
    """Newman modularity of an undirected partition from internal and external edge counts."""
    edge_count = sum(c["internal_edges"] for c in communities) + sum(
        c["external_edges"] for c in communities) / 2
    if not edge_count:
        return 0.0
    score = 0.0
    for community in communities:
        degree = 2 * community["internal_edges"] + community["external_edges"]
        score += community["internal_edges"] / edge_count - (degree / (2 * edge_count)) ** 2
    return round(score, 6)


def label_propagation(
    edges: Iterable[dict[str, Any]], max_sweeps: int = 10
) -> list[dict[str, Any]]:
    """Clusters by label propagation on the undirected graph, deterministically.

    Nodes are visited in key order and adopt their neighbours' most frequent label, keeping
    their own on a tie that includes it, else taking the smallest; at most `max_sweeps`
    sweeps. Rows as `relabel_communities` takes them.
    """
    pairs = {(e["from_key"], e["to_key"]) for e in edges if e["from_key"] != e["to_key"]}
    neighbours: dict[str, list[str]] = {}
    for source, target in pairs:
        neighbours.setdefault(source, []).append(target)
        neighbours.setdefault(target, []).append(source)
    label = {node: node for node in neighbours}
    for _ in range(max_sweeps):
        changed = False
        for node in sorted(neighbours):
            counts: dict[str, int] = {}
            for other in neighbours[node]:
                counts[label[other]] = counts.get(label[other], 0) + 1
            most = max(counts.values())
            tied = [name for name, count in counts.items() if count == most]
            best = label[node] if label[node] in tied else min(tied)
            if best != label[node]:
                label[node], changed = best, True
        if not changed:
            break
    internal: dict[str, int] = {}
    external: dict[str, int] = {}
    for source, target in pairs:
        if label[source] == label[target]:
            internal[label[source]] = internal.get(label[source], 0) + 1
        else:
            external[label[source]] = external.get(label[source], 0) + 1
            external[label[target]] = external.get(label[target], 0) + 1
    return [
        {"key": node, "community": label[node], "internal_edges": internal.get(label[node], 0),
         "external_edges": external.get(label[node], 0)}
        for node in sorted(label)
    ]
