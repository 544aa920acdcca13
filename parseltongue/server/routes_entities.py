"""Entities and edges: paged lists, one entity's detail, and ranked fuzzy search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from parseltongue.answers import UnknownEntityError
from parseltongue.server.envelope import ApiError, bad_parameter, enveloped
from parseltongue.server.params import (
    MAX_KEY_LENGTH,
    MAX_TEXT_LENGTH,
    ContextDependency,
    EntityKeyParameter,
    ScopeParameter,
    folder_prefix,
    limit_parameter,
    required_text,
    scope_folder,
)

router = APIRouter(tags=["Entity"])

MAX_OFFSET = 10_000_000
MAX_SEARCH_LIMIT = 200
# The Rust tool stores long type names; ours are short. A client of either gets an answer.
ENTITY_TYPE_ALIASES = {"function": "fn", "constant": "const", "mod": "module", "typedef": "type"}

OffsetParameter = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description=f"Rows skipped first (0..{MAX_OFFSET}).")
]


def _stored_type(
    parameter: str, given: str, stored: Mapping[str, int], aliases: Mapping[str, str]
) -> str:
    """The type `given` names (lower case, through `aliases`), "" for any; a 400 listing the
    stored types when none is of that type."""
    wanted = given.strip().lower()
    wanted = aliases.get(wanted, wanted)
    if wanted and wanted not in stored:
        what = parameter.removesuffix("_type")
        raise bad_parameter(
            parameter,
            f"no {what} of type {given!r}; the types stored are: {', '.join(sorted(stored))}",
            allowed=sorted(stored),
        )
    return wanted


def _page(total: int, offset: int, returned: int) -> dict[str, Any]:
    return {"total_count": total, "returned_count": returned, "offset": offset,
            "truncated": offset + returned < total}


@enveloped(router, "/code-entities-list-all")
def code_entities_list_all(
    context: ContextDependency,
    entity_type: Annotated[
        str, Query(max_length=100, description="Only this type: fn, method, class, struct ...")
    ] = "",
    limit: Annotated[int, limit_parameter("Most entities returned")] = 100,
    offset: OffsetParameter = 0,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """One page of entities in key order, with the total and whether more remain."""
    stored_type = _stored_type(
        "entity_type", entity_type, context.statistics().entities_by_type, ENTITY_TYPE_ALIASES
    )
    prefix = folder_prefix(context, scope)
    rows = context.codebase.named(
        "entities_page", entity_type=stored_type, prefix=prefix, limit=limit, offset=offset
    )
    total = context.cached_named("entity_counts", entity_type=stored_type, prefix=prefix)
    return {**_page(total[0]["total"], offset, len(rows)), "limit": limit, "entities": rows}


def _detail(context: ContextDependency, key: str) -> dict[str, Any]:
    entity_key = required_text("key", key)
    try:
        entity = context.codebase.entity(entity_key)
    except UnknownEntityError as error:
        raise ApiError(404, str(error), key=entity_key) from None
    return entity._asdict()


@enveloped(router, "/code-entity-detail-view")
def code_entity_detail_view(
    context: ContextDependency,
    key: EntityKeyParameter,
) -> dict[str, Any]:
    """One entity: its code, signature, location, and how many callers and callees it has."""
    return _detail(context, key)


@enveloped(router, "/code-entity-detail-view/{key:path}")
def code_entity_detail_view_by_path(
    context: ContextDependency,
    key: Annotated[str, Path(max_length=MAX_KEY_LENGTH, description="The entity key.")],
) -> dict[str, Any]:
    """The same as /code-entity-detail-view?key=, with the key in the path."""
    return _detail(context, key)


@enveloped(router, "/code-entities-search-fuzzy")
def code_entities_search_fuzzy(
    context: ContextDependency,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_TEXT_LENGTH, description="Text to find in names."),
    ],
    limit: Annotated[int, limit_parameter("Most entities returned", MAX_SEARCH_LIMIT)] = 20,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Entities whose name matches `q`: exact, prefix, word, then one-typo matches, best first.

    Index-backed (entity_name_tokens), case-insensitive; ties are broken by name, then key.
    """
    text = required_text("q", q)
    prefix = folder_prefix(context, scope)
    hits = context.codebase.search(text, scope=scope_folder(prefix), limit=limit + 1)
    return {
        "query": text,
        "total_count": len(hits[:limit]),
        "truncated": len(hits) > limit,
        "entities": [hit._asdict() for hit in hits[:limit]],
    }


@enveloped(router, "/dependency-edges-list-all", tags=["Edge"])
def dependency_edges_list_all(
    context: ContextDependency,
    limit: Annotated[int, limit_parameter("Most edges returned")] = 100,
    offset: OffsetParameter = 0,
    edge_type: Annotated[
        str, Query(max_length=100, description="Only this type: calls, uses, contains ...")
    ] = "",
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """One page of dependency edges in (from_key, to_key, edge_type) order, with the total."""
    prefix = folder_prefix(context, scope)
    wanted = _stored_type("edge_type", edge_type, context.statistics().edges_by_type, {})
    rows = context.codebase.edges_page(
        edge_type=wanted, scope=scope_folder(prefix), limit=limit, offset=offset
    )
    total = context.cached_named("edge_counts", edge_type=wanted, prefix=prefix)
    edges = [{**row._asdict(), "source_location": f"{row.source_file}:{row.source_line}"}
             for row in rows]
    return {**_page(total[0]["total"], offset, len(rows)), "limit": limit, "edges": edges}
