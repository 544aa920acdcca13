"""A file's entities in outline, as resolution reads them: one `file_outlines` row per file.

Reading the codebase index back (the first update in a new process, a server's start) needs
every entity's key, type, name and language and what contains it. Read from code_entities,
that is 46k wide rows (each with its code) and 44k containment edges on the rust corpus,
~0.7 s of Cozo alone; packed per file by the parse workers, it is one short row per file and
one `json.loads` each. The pack is written with the file's entities and removed with them,
so it always describes the file as last ingested.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

OutlineRow = tuple[str, int, str]
"""file_path, entity_count, entities (JSON: a [key, entity_type, name, language, parent]
list per entity, sorted by key; parent is the position of the containing entity in that
list, its key when it is not in the file, or -1)."""

ResolutionEntity = tuple[str, str, str, str, str]
"""key, file_path, entity_type, name, language: what resolution reads of an entity."""


def pack_file_outline(
    file_path: str, entities: Iterable[tuple[str, str, str, str, str]]
) -> OutlineRow:
    """The stored row of one file's entities, given as (key, entity_type, name, language,
    parent_key) with "" for no parent; a key given twice keeps its last row, as `:put` does."""
    by_key = {entity[0]: entity for entity in entities}
    ordered = sorted(by_key)
    position = {key: index for index, key in enumerate(ordered)}
    packed = [
        [key, entity_type, name, language, position.get(parent, parent) if parent else -1]
        for key, entity_type, name, language, parent in (by_key[key] for key in ordered)
    ]
    return (file_path, len(packed), json.dumps(packed, ensure_ascii=False,
                                               separators=(",", ":")))


def unpack_file_outlines(
    rows: Iterable[Sequence[str]],
) -> tuple[list[ResolutionEntity], list[tuple[str, str]]]:
    """The entities and (parent, child) containment pairs of stored (file_path, entities)
    rows."""
    entities: list[ResolutionEntity] = []
    containment: list[tuple[str, str]] = []
    for file_path, packed in rows:
        outline = json.loads(packed)
        for key, entity_type, name, language, parent in outline:
            entities.append((key, file_path, entity_type, name, language))
            if parent != -1:
                containment.append(
                    (outline[parent][0] if isinstance(parent, int) else parent, key)
                )
    return entities, containment
