"""Rows packed into one stored value: JSON Lines, one JSON list (or string) per line.

Cozo's cost is per row and per value converted (the conversion runs with the GIL held), so
relations with hundreds of thousands of narrow rows (unresolved references, search postings)
are stored as one row per file or per chunk of a token whose packed column holds the many
small rows as JSON Lines. JSON escapes every newline inside a string, so a line break always
separates two rows. (Raw references, which only Python reads back, are one JSON list per
file: parseltongue/file_references.py.)

Datalog unpacks a packed value in time linear in its length:
`line in regex_extract(packed, '[^\\n]+'), row = parse_json(line)`, then
`json_to_scalar(get(row, i))` for each column. (Spreading a parsed JSON array is not
possible in Cozo 0.7, and `get(parse_json(packed), i)` for each i copies the whole value per
row: quadratic in a file's row count.) Python reads a packed value with one `json.loads`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def pack_lines(rows: Iterable[Any]) -> str:
    """Rows (lists, tuples or scalars) as JSON Lines, in the order given."""
    return "\n".join(map(_ENCODER.encode, rows))


def pack_line(row: Any) -> str:
    """One row's line of a packed value: a row packed into several values is encoded once,
    and its line joined into each (`"\\n".join` of lines is what pack_lines makes)."""
    return _ENCODER.encode(row)


def unpack_lines(packed: str) -> list[Any]:
    """The rows of a packed value (JSON arrays come back as lists)."""
    if not packed:
        return []
    # A raw newline never occurs inside a JSON value, so the lines are the array's items.
    return json.loads("[" + packed.replace("\n", ",") + "]")
