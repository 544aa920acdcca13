"""How the facade checks the parameters it is given and passes them to the named queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def at_least_one(name: str, value: int) -> None:
    """A ValueError naming `name` unless `value` is 1 or more."""
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")


def edge_types_parameter(edge_types: Sequence[str] | None) -> dict[str, Any]:
    """The `edge_types` parameter, or none: the query's declared default then applies (the
    dependency types), so the default lives in one place, the query's header."""
    if edge_types is None:
        return {}
    if isinstance(edge_types, str):
        # A bare string would be read as a list of its letters.
        raise ValueError(f"edge_types is a list of edge types, not the string {edge_types!r}")
    return {"edge_types": list(edge_types)}


def folder_prefix(scope: str) -> str:
    """A `scope` folder as the `$prefix` some queries take: "src/" for "src", "" for all."""
    return f"{scope.rstrip('/')}/" if scope else ""


def key_name(key: str) -> str:
    """The name in an entity key (`{language}:{type}:{name}:{path}:T{hash}`), or the text
    itself when it is not shaped like a key.

    Example:
        >>> key_name("rust:fn:main:__src_main:T1"), key_name("main")
        ('main', 'main')
    """
    parts = key.split(":")
    return ":".join(parts[2:-2]) if len(parts) >= 5 else key.strip()
