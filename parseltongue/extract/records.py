"""What extraction makes: an entity and a raw reference per record, a file's extraction (or
why it was skipped), and the limits that keep one file from costing too much.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from parseltongue.model import (
    CodeEntity,
    EntityClass,
)

if TYPE_CHECKING:
    from tree_sitter import Node

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
# Minified or generated files: big, with lines far longer than anyone writes by hand.
DEFAULT_MAX_AVERAGE_LINE_LENGTH = 500
MINIFIED_CHECK_MIN_BYTES = 32 * 1024
# Receivers and qualifiers are names or short expressions; a long one is a chained call.
MAX_CONTEXT_TEXT = 200
MAX_SIGNATURE_TEXT = 1000

STATUS_INGESTED = "ingested"
STATUS_SKIPPED = "skipped"

# `@definition.<kind>` -> the short entity type of ARCHITECTURE.md
ENTITY_TYPE_FOR_KIND = {
    "function": "fn",
    "method": "method",
    "class": "class",
    "struct": "struct",
    "interface": "interface",
    "protocol": "interface",
    "enum": "enum",
    "trait": "trait",
    "module": "module",
    "namespace": "module",
    "impl": "impl",
    "macro": "macro",
    "const": "const",
    "constant": "const",
    "type": "type",
    "table": "table",
    "view": "view",
}
FUNCTION_ENTITY_TYPES = frozenset({"fn", "method"})
CLASS_ENTITY_TYPES = frozenset(
    {"class", "struct", "interface", "enum", "trait", "impl", "protocol"}
)
# The kind of a reference saying a function binds a name itself (`render = ...`): made for
# languages whose local names hide outer definitions (`locals_shadow`); makes no edge.
LOCAL_KIND = "local"
# A function defined directly inside one of these is a method.
METHOD_CONTAINER_TYPES = frozenset({"class", "struct", "interface", "enum", "trait", "impl"})


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds that keep one file from costing too much (size, minified content)."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_average_line_length: int = DEFAULT_MAX_AVERAGE_LINE_LENGTH
    minified_check_min_bytes: int = MINIFIED_CHECK_MIN_BYTES


DEFAULT_LIMITS = ExtractionLimits()


class EntityRecord(NamedTuple):
    """One definition. The first 12 fields are a `code_entities` row in column order."""

    key: str
    file_path: str
    entity_type: str
    entity_class: str
    language: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    signature: str
    code: str
    content_hash: str
    parent_key: str
    """The enclosing entity (the file's module entity for top-level ones; "" for that one)."""
    test_reason: str
    """Why the entity is TEST ("" when it is CODE)."""

    def to_code_entity(self) -> CodeEntity:
        """The record as the model's `CodeEntity`."""
        return CodeEntity(
            self.key, self.file_path, self.entity_type, EntityClass(self.entity_class),
            self.language, self.name, self.qualified_name, self.start_line, self.end_line,
            self.signature, self.code, self.content_hash,
        )


class ReferenceRecord(NamedTuple):
    """One raw reference: a name used at a line, with what resolution needs to pin it.

    kind: call, macro, import, extends, implements, type (the `@reference.<kind>` capture).
    receiver: for method calls, the receiver expression (`self`, `g`, `nx`, `self.graph`).
    receiver_type: the receiver's type when a binding in the same entity gives it
      (`g = Graph()` or `g: Graph` -> `Graph`; `let x = Foo::new()` -> `Foo`).
    scope: the qualifier (`Type` in `Type::f()`, `mod` in `mod.Base`); for imports, the module
      path as written (`..a.b`, `std::fmt`), leading dots giving a Python import's level.
    alias: the local name an import binds with `as`; for a base (extends) where the language's
      bases are ordered (Python), its position among the class's bases (`0`, `1`, ...).
    """

    from_key: str
    kind: str
    name: str
    line: int
    receiver: str
    receiver_type: str
    scope: str
    alias: str


class FileExtraction(NamedTuple):
    """Everything extracted from one file, or why it was skipped."""

    file_path: str
    language: str
    status: str
    reason: str
    syntax_error_count: int
    replaced_undecodable_bytes: bool
    content_hash: str
    size_bytes: int
    line_count: int
    entities: tuple[EntityRecord, ...]
    references: tuple[ReferenceRecord, ...]
    syntax_error_lines: tuple[tuple[int, int], ...] = ()
    """1-based (first, last) lines of each stretch in syntax error (blanked by recovery, or
    left in error), in order; () when the file parsed clean."""

    def module_key(self) -> str:
        """The key of the file's module entity (the `from_key` of top-level references)."""
        return self.entities[0].key if self.entities else ""

    def containment_pairs(self) -> list[tuple[str, str]]:
        """(parent key, child key) for every entity inside another: module -> class -> method."""
        return [(entity.parent_key, entity.key) for entity in self.entities if entity.parent_key]


def extraction_entities(extraction: FileExtraction) -> list[CodeEntity]:
    """The extraction's entities as the model's `CodeEntity` objects."""
    return [record.to_code_entity() for record in extraction.entities]


def short_text(source: bytes, node: Node) -> str:
    """A node's text on one line, cut at MAX_CONTEXT_TEXT (receivers can be whole call chains)."""
    start, end = node.start_byte, node.end_byte
    if end - start > _LONG_TEXT:
        # A long text (a callback written as a receiver) is shortened from its head: the
        # spaces folded in a prefix are a prefix of those folded in the whole, so a prefix
        # folded long enough gives the same cut; a character the prefix's end splits
        # decodes as one replacement character past the cut.
        head = " ".join(source[start:start + _LONG_TEXT].decode("utf-8", "replace").split())
        if len(head) > MAX_CONTEXT_TEXT + 1:
            return head[:MAX_CONTEXT_TEXT]
    raw = source[start:end]
    if len(raw) > MAX_CONTEXT_TEXT or b"\n" in raw:
        return " ".join(raw.decode("utf-8", "replace").split())[:MAX_CONTEXT_TEXT]
    return raw.decode("utf-8", "replace")


# How many bytes of a long text are folded first to find its first MAX_CONTEXT_TEXT characters.
_LONG_TEXT = 4 * MAX_CONTEXT_TEXT
