"""Small views of a FileExtraction that the per-language extraction tests compare exactly.

No name here starts with `test`, so importing one into a test module never makes pytest collect it.
"""

from __future__ import annotations

from parseltongue.extract import FileExtraction


def entity_rows(extraction: FileExtraction) -> list[tuple]:
    """Each entity as (entity_type, name, qualified_name, start_line, end_line), in order."""
    return [
        (e.entity_type, e.name, e.qualified_name, e.start_line, e.end_line)
        for e in extraction.entities
    ]


def entity_keys(extraction: FileExtraction) -> list[str]:
    """The key of every entity, in order."""
    return [e.key for e in extraction.entities]


def entity_names(
    extraction: FileExtraction, file_label: str | None = None, strip_prefix: str = ""
) -> dict[str, str]:
    """Entity key -> qualified name less `strip_prefix`; the module is `file_label` when given."""
    names = {e.key: e.qualified_name.removeprefix(strip_prefix) for e in extraction.entities}
    if file_label is not None:
        names[extraction.module_key()] = file_label
    return names


def reference_rows(
    extraction: FileExtraction, file_label: str | None = None, strip_prefix: str = ""
) -> list[tuple]:
    """Each reference as (kind, from name, name, line, receiver, receiver_type, scope, alias)."""
    names = entity_names(extraction, file_label, strip_prefix)
    return [
        (r.kind, names[r.from_key], r.name, r.line, r.receiver, r.receiver_type, r.scope, r.alias)
        for r in extraction.references
    ]


def classified_tests(extraction: FileExtraction) -> dict[str, str]:
    """Qualified name -> test reason of every entity classified TEST."""
    return {
        e.qualified_name: e.test_reason for e in extraction.entities if e.entity_class == "TEST"
    }


def signatures_by_name(extraction: FileExtraction) -> dict[str, str]:
    """Qualified name -> signature of every entity."""
    return {e.qualified_name: e.signature for e in extraction.entities}


def signatures_by_name_and_line(extraction: FileExtraction) -> dict[tuple[str, int], str]:
    """(qualified name, start line) -> signature of every entity."""
    return {(e.qualified_name, e.start_line): e.signature for e in extraction.entities}


def member_rows(extraction: FileExtraction, *fields: str) -> list[tuple]:
    """Each entity below the module as the tuple of its attributes named by `fields`."""
    return [tuple(getattr(e, field) for field in fields) for e in extraction.entities[1:]]


def class_rows(extraction: FileExtraction) -> list[tuple]:
    """Each entity below the module as (name, entity_class, test_reason)."""
    return member_rows(extraction, "name", "entity_class", "test_reason")


def classified_rows(extraction: FileExtraction) -> list[tuple]:
    """Each entity below the module as (entity_type, qualified_name, start_line, class, reason)."""
    return member_rows(
        extraction, "entity_type", "qualified_name", "start_line", "entity_class", "test_reason"
    )
