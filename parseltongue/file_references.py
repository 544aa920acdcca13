"""A file's raw references as stored: one `file_references` row per file, the references
packed in one JSON text, grouped by the entity making them.

Cozo's cost is per row and per value converted (with the GIL held), so ~240k reference rows
of ten values each were the biggest single write of an ingestion. Packed, a file is one row of
three values; the parse workers pack (in parallel), the parent passes one string per file, and
reading the references back is one `json.loads` per file. Datalog can read them with
`parse_json` and `get`, but that copies the whole text per reference (quadratic in a file's
count): the resolve.cozo test oracle is given them unpacked instead.
(The relations packed later use JSON Lines, which Datalog unpacks in linear time:
parseltongue/packed.py.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

# The columns of one packed reference, in order, after its entity: a raw reference without
# its from_key (the group's) and file path (the row's key). parseltongue.resolve.RawReference
# holds from_key, these and file_path.
PACKED_COLUMNS = (
    "kind", "name", "line", "receiver", "scope", "alias", "receiver_type", "module_path",
)

FileReferencesRow = tuple[str, int, str]
"""file_path, reference_count, references (JSON: a [from_key, [PACKED_COLUMNS list, ...]]
list per entity making references, sorted)."""


def pack_file_references(file_path: str, references: Iterable[Sequence]) -> FileReferencesRow:
    """The stored row of one file's references, given as RawReference-ordered rows (with
    file_path at position 7); sorted, so one file's references always pack to one text.
    Grouped by entity: a key written once, not once per reference, halves the text."""
    packed: list[list] = []
    count = 0
    for row in sorted((row[0], *row[1:7], row[8], row[9]) for row in references):
        if not packed or packed[-1][0] != row[0]:
            packed.append([row[0], []])
        packed[-1][1].append(row[1:])
        count += 1
    return (file_path, count, json.dumps(packed, ensure_ascii=False, separators=(",", ":")))


def reference_groups(references: str) -> list[list]:
    """A stored row's references as [from_key, [PACKED_COLUMNS list, ...]] groups."""
    return json.loads(references)


def unpack_file_references(file_path: str, references: str) -> list[tuple]:
    """A stored row's references as RawReference-ordered tuples."""
    return [
        (from_key, kind, name, line, receiver, scope, alias, file_path, receiver_type,
         module_path)
        for from_key, group in reference_groups(references)
        for kind, name, line, receiver, scope, alias, receiver_type, module_path in group
    ]


def unpack_rows(rows: Iterable[Sequence]) -> list[tuple]:
    """Every reference of rows read back as (file_path, references)."""
    unpacked: list[tuple] = []
    for file_path, references in rows:
        unpacked.extend(unpack_file_references(file_path, references))
    return unpacked
