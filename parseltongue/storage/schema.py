"""The schema's layout: each relation schema.cozo creates, its columns and indexes, read off the
schema itself, and the relations earlier layouts had. CozoDbStorage brings an older database
to this layout when it opens one (a changed layout comes with a new row format, so the next
ingestion rebuilds the rows)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from pycozo.client import Client

from parseltongue.queries import named_query

# The version recorded in parseltongue_meta: a database of another version is refused.
SCHEMA_VERSION = "1"

# Relations of earlier layouts, removed when such a database is opened (their rows are rebuilt
# in the current layout by the next pt01).
RETIRED_RELATIONS = ("raw_references", "unresolved_references")
_SCHEMA_CREATE = re.compile(r"^\{\s*:create\s+(\w+)\s", re.MULTILINE)
_SCHEMA_INDEX = re.compile(r"^\{\s*::index\s+create\s+(\w+):(\w+)\s", re.MULTILINE)


class RelationLayout(NamedTuple):
    """One relation as schema.cozo makes it: its columns (name, is key, type), the names of
    its indexes, the Datalog that creates it with them, and each index's own (in the order
    of `indexes`: an index added to a relation whose columns did not change is made alone)."""

    columns: tuple[tuple[str, bool, str], ...]
    indexes: tuple[str, ...]
    script: str
    index_scripts: tuple[str, ...] = ()


@cache
def schema_layouts() -> dict[str, RelationLayout]:
    """Every relation schema.cozo creates (parseltongue_meta aside), read off a throwaway
    in-memory database made by the schema itself: the columns as Cozo reports them."""
    blocks = _schema_blocks(named_query("schema").script)
    scratch = Client("mem", "", dataframe=False)
    try:
        scratch.run(named_query("schema").script, {"version": SCHEMA_VERSION})
        layouts = {}
        for relation, create in blocks["create"].items():
            if relation == "parseltongue_meta":
                continue
            indexes = blocks["index"].get(relation, [])
            columns = tuple(
                (row[0], row[1], row[3]) for row in scratch.run(f"::columns {relation}")["rows"]
            )
            layouts[relation] = RelationLayout(
                columns,
                tuple(name for name, _ in indexes),
                "\n".join([create, *(script for _, script in indexes)]),
                tuple(script for _, script in indexes),
            )
        return layouts
    finally:
        scratch.close()


def _schema_blocks(script: str) -> dict[str, dict[str, Any]]:
    """schema.cozo's top-level `{...}` blocks: relation -> its :create block, and relation
    -> [(index name, its ::index create block)]."""
    # Comment lines go first: their text may hold braces.
    script = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    blocks: list[str] = []
    depth = start = 0
    for position, character in enumerate(script):
        if character == "{":
            if depth == 0:
                start = position
            depth += 1
        elif character == "}":
            depth -= 1
            if depth == 0:
                blocks.append(script[start : position + 1])
    creates: dict[str, str] = {}
    indexes: dict[str, list[tuple[str, str]]] = {}
    for block in blocks:
        if match := _SCHEMA_CREATE.match(block):
            creates[match.group(1)] = block
        elif match := _SCHEMA_INDEX.match(block):
            relation = match.group(1)
            indexes.setdefault(relation, []).append((f"{relation}:{match.group(2)}", block))
    return {"create": creates, "index": indexes}
