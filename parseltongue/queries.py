"""Named Datalog queries: the `.cozo` files under `queries/`, loaded by name.

Each file opens with comment lines that declare it:

    # NAME: what the query answers.
    # params: $a (what it is), $b (...; default 20)   -- or "none"
    # columns: x, y, z                                 -- or "none"
    # audience: user                                   -- optional; see below

`audience: user` marks a query a person asks (search, callers, blast radius, hotspots ...):
listings show those first and by default. Without it a query is internal (writes, row dumps,
the HTTP server's and resolution's helpers), still runnable by name.

A parameter whose description ends with `default VALUE` (VALUE in JSON: 20, "", ["calls"]) may
be left out; `run_named` then passes VALUE.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_PARAMETER_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# `$name (description)`: the description runs to the parenthesis that closes it.
_PARAMETER_DECLARATION = re.compile(
    r"\$([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(((?:[^()]|\([^()]*\))*)\))?"
)
AUDIENCE_USER = "user"
AUDIENCE_INTERNAL = "internal"
_DEFAULT_VALUE = re.compile(r"(?:^|;\s*)default\s+(.+?)\s*$")
# A write to a stored relation (an ephemeral one, `_name`, is gone after the transaction).
_STORED_WRITE = re.compile(
    r"^[ \t{]*:(?:put|rm|create|replace|insert|update|delete|ensure|ensure_not)\s+[A-Za-z]",
    re.MULTILINE,
)


@dataclass(frozen=True)
class NamedQuery:
    """A `.cozo` file: its name, description, declared parameters and columns, and its Datalog."""

    description: str
    parameters: tuple[str, ...]
    columns: tuple[str, ...]
    script: str
    path: Path
    parameter_descriptions: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    audience: str = AUDIENCE_INTERNAL

    @property
    def name(self) -> str:
        """The query's name: its file's, without `.cozo`."""
        return self.path.stem

    @property
    def user_facing(self) -> bool:
        """Whether the header marks it as a question a person asks (`# audience: user`)."""
        return self.audience == AUDIENCE_USER

    @property
    def writes(self) -> bool:
        """Whether the query changes the database: it returns no columns, or it also writes
        a stored relation (resolve.cozo writes edges and returns the unresolved rows)."""
        return not self.columns or _STORED_WRITE.search(_without_comments(self.script)) is not None

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters given, with declared defaults for those left out; a ValueError
        names the missing and unknown ones."""
        bound = {**self.defaults, **params}
        missing = [parameter for parameter in self.parameters if parameter not in bound]
        unknown = [parameter for parameter in bound if parameter not in self.parameters]
        if missing or unknown:
            problems = [f"missing: {', '.join(missing)}"] if missing else []
            problems += [f"unknown: {', '.join(unknown)}"] if unknown else []
            raise ValueError(
                f"query {self.name!r} takes parameters "
                f"({', '.join(self.parameters) or 'none'}); {'; '.join(problems)}"
            )
        return bound


def _without_comments(script: str) -> str:
    return "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))


def queries_directory() -> Path:
    """Where the `.cozo` files are: inside the installed package, else the source checkout."""
    packaged = Path(str(resources.files("parseltongue"))) / "queries"
    if packaged.is_dir():
        return packaged
    # An editable install or a plain checkout: queries/ sits beside the package folder.
    return Path(__file__).resolve().parent.parent / "queries"


def _header_value(header: dict[str, str], field: str) -> tuple[str, ...]:
    value = header.get(field, "none").strip()
    if value.lower().startswith("none") or not value:
        return ()
    if field == "params":
        return tuple(dict.fromkeys(_PARAMETER_NAME.findall(value)))
    return tuple(column.strip() for column in value.split(",") if column.strip())


def _parameter_declarations(value: str) -> tuple[dict[str, str], dict[str, Any]]:
    descriptions: dict[str, str] = {}
    defaults: dict[str, Any] = {}
    for name, description in _PARAMETER_DECLARATION.findall(value):
        descriptions[name] = description.strip()
        default = _DEFAULT_VALUE.search(description.strip())
        if default:
            defaults[name] = json.loads(default.group(1))
    return descriptions, defaults


def parse_named_query(path: Path) -> NamedQuery:
    """Read one `.cozo` file and its declaration header."""
    script = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    description = ""
    for line in script.splitlines():
        if not line.startswith("#"):
            break
        name, _, value = line.lstrip("# ").partition(":")
        name = name.strip()
        if name == path.stem:
            description = value.strip()
        elif name in ("params", "columns", "audience"):
            header[name] = value
    descriptions, defaults = _parameter_declarations(header.get("params", ""))
    return NamedQuery(
        description=description,
        parameters=_header_value(header, "params"),
        columns=_header_value(header, "columns"),
        script=script,
        path=path,
        parameter_descriptions=descriptions,
        defaults=defaults,
        audience=_audience(header.get("audience", AUDIENCE_INTERNAL).strip(), path),
    )


def _audience(value: str, path: Path) -> str:
    if value not in (AUDIENCE_USER, AUDIENCE_INTERNAL):
        raise ValueError(
            f"{path.name}: audience {value!r} is not {AUDIENCE_USER!r} or {AUDIENCE_INTERNAL!r}"
        )
    return value


@cache
def load_named_queries() -> dict[str, NamedQuery]:
    """Every named query, by name."""
    return {
        path.stem: parse_named_query(path)
        for path in sorted(queries_directory().glob("*.cozo"))
    }


def listed_named_queries(include_internal: bool = False) -> list[NamedQuery]:
    """The named queries a listing shows: the user-facing ones, by name, then (when asked
    for) the internal ones, by name."""
    queries = sorted(load_named_queries().values(), key=lambda query: query.name)
    user = [query for query in queries if query.user_facing]
    if not include_internal:
        return user
    return user + [query for query in queries if not query.user_facing]


def named_query(name: str) -> NamedQuery:
    """The named query `name`, or a KeyError listing the names there are."""
    queries = load_named_queries()
    if name not in queries:
        raise KeyError(
            f"no named query {name!r}; there are: {', '.join(sorted(queries)) or 'none'}"
        )
    return queries[name]
