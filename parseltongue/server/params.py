"""Parameters shared by the endpoints: bounded limits, scope, keys, and unknown-key rejection."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant

from parseltongue.server.context import ServerContext, server_context
from parseltongue.server.envelope import bad_parameter

MAX_LIMIT = 1000
MAX_TEXT_LENGTH = 500
# A key is `{language}:{type}:{name}:{semantic_path}:T{n}`; real ones stay far below this.
MAX_KEY_LENGTH = 2000
SCOPE_SUGGESTIONS = 10

ScopeParameter = Annotated[
    str,
    Query(
        max_length=MAX_TEXT_LENGTH,
        description="Folder prefix: only entities in files under this folder (e.g. src/auth); "
        "empty for the whole codebase.",
    ),
]


def limit_parameter(description: str, maximum: int = MAX_LIMIT) -> Any:
    """A Query for a bounded count: 1..maximum, else a 400."""
    return Query(ge=1, le=maximum, description=f"{description} (1..{maximum})")


def key_parameter(description: str) -> Any:
    """A Query for a required entity key."""
    return Query(min_length=1, max_length=MAX_KEY_LENGTH, description=description)


EntityKeyParameter = Annotated[
    str, key_parameter("The entity key, e.g. rust:fn:main:__src_main:T1")
]
"""A required entity key, the query parameter of every question about one entity."""


def required_text(parameter: str, value: str) -> str:
    """`value` stripped; a 400 when nothing is left."""
    text = value.strip()
    if not text:
        raise bad_parameter(parameter, "must not be empty or blank")
    return text


def _declared_query_names(dependant: Dependant) -> set[str]:
    names = {parameter.alias for parameter in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _declared_query_names(dependency)
    return names


def reject_unknown_parameters(request: Request) -> None:
    """A 400 for a query parameter the endpoint does not take, or one given twice.

    A typo (`?limt=5`) silently ignored would answer a different question than was asked.
    """
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    declared = _declared_query_names(dependant)
    for name in request.query_params:
        if name not in declared:
            accepted = ", ".join(sorted(declared)) or "no parameters"
            raise bad_parameter(name, f"unknown parameter; this endpoint takes: {accepted}")
        if len(request.query_params.getlist(name)) > 1:
            raise bad_parameter(name, "given more than once; give it once")


def _folders_of(context: ServerContext) -> frozenset[str]:
    def compute() -> frozenset[str]:
        folders: set[str] = set()
        for row in context.codebase.named("file_inventory"):
            parts = row["file_path"].split("/")[:-1]
            folders.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
        return frozenset(folders)

    return context.cache.get_or_compute(("folders",), compute)


def folder_prefix(context: ServerContext, scope: str) -> str:
    """The `scope` folder as a stored-path prefix ("src/auth/"), or "" for everything.

    A folder that holds no ingested file is a 400 listing the nearest folders there are,
    instead of an empty answer that looks like "nothing depends on this".
    """
    folder = scope.strip().replace("\\", "/")
    while folder.startswith("./"):
        folder = folder[2:]
    folder = folder.strip("/")
    if not folder or folder == ".":
        return ""
    if ".." in folder.split("/"):
        raise bad_parameter("scope", f"{scope!r} leaves the ingested root; give a folder inside it")
    folders = _folders_of(context)
    if folder not in folders:
        starting = sorted(name for name in folders if name.startswith(folder))
        close = difflib.get_close_matches(folder, sorted(folders), n=SCOPE_SUGGESTIONS, cutoff=0.6)
        near = list(dict.fromkeys(starting + close))
        suggestions = near or sorted(name for name in folders if "/" not in name)
        raise bad_parameter(
            "scope",
            f"no ingested file under folder {folder!r}",
            suggestions=suggestions[:SCOPE_SUGGESTIONS],
        )
    return folder + "/"


def scope_folder(prefix: str) -> str:
    """The named queries' `$scope` form of a prefix (they add the slash themselves)."""
    return prefix.rstrip("/")


ContextDependency = Annotated[ServerContext, Depends(server_context)]
