"""Named Datalog queries: the `.cozo` files under `queries/`, loaded by name.

Each file opens with comment lines that declare it:

    # NAME: what the query answers.
    # params: $a (what it is), $b (...)      -- or "none"
    # columns: x, y, z                        -- or "none"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

_PARAMETER_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class NamedQuery:
    """A `.cozo` file: its name, description, declared parameters and columns, and its Datalog."""

    name: str
    description: str
    parameters: tuple[str, ...]
    columns: tuple[str, ...]
    script: str
    path: Path


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


def parse_named_query(path: Path) -> NamedQuery:
    """Read one `.cozo` file and its declaration header."""
    script = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    description = ""
    for line in script.splitlines():
        if not line.startswith("#"):
            break
        field, _, value = line.lstrip("# ").partition(":")
        field = field.strip()
        if field == path.stem:
            description = value.strip()
        elif field in ("params", "columns"):
            header[field] = value
    return NamedQuery(
        name=path.stem,
        description=description,
        parameters=_header_value(header, "params"),
        columns=_header_value(header, "columns"),
        script=script,
        path=path,
    )


@cache
def load_named_queries() -> dict[str, NamedQuery]:
    """Every named query, by name."""
    return {
        path.stem: parse_named_query(path)
        for path in sorted(queries_directory().glob("*.cozo"))
    }


def named_query(name: str) -> NamedQuery:
    """The named query `name`, or a KeyError listing the names there are."""
    queries = load_named_queries()
    if name not in queries:
        raise KeyError(
            f"no named query {name!r}; there are: {', '.join(sorted(queries)) or 'none'}"
        )
    return queries[name]
