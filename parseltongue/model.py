"""The rows Parseltongue stores: code entities, dependency edges, and how keys are built."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from enum import StrEnum


class EntityClass(StrEnum):
    """Whether an entity is production code or test code."""

    CODE = "CODE"
    TEST = "TEST"


@dataclass
class CodeEntity:
    """One definition in the code graph: a row of `code_entities`."""

    key: str
    file_path: str
    entity_type: str
    entity_class: EntityClass = EntityClass.CODE
    language: str = ""
    name: str = ""
    qualified_name: str = ""
    start_line: int = 0
    end_line: int = 0
    signature: str = ""
    code: str = ""
    content_hash: str = ""

    def as_row(self) -> list:
        """The entity as a row in `code_entities` column order (the fields' order)."""
        row = [getattr(self, column.name) for column in fields(self)]
        row[3] = EntityClass(self.entity_class).value
        return row


@dataclass
class DependencyEdge:
    """One resolved dependency between two entities: a row of `dependency_edges`.

    `edge_type` is one of calls, uses, implements, extends, imports, contains;
    `resolution` says how the target was found (same_file, import, unique_name, ...);
    `source_lines` every line of `source_file` referring to the target (its sites), of which
    `source_line` is the first. Left empty, the sites are `source_line` alone (none at 0).
    """

    from_key: str
    to_key: str
    edge_type: str
    source_file: str = ""
    source_line: int = 0
    resolution: str = ""
    source_lines: tuple[int, ...] = ()

    def as_row(self) -> list:
        """The edge as a row in `dependency_edges` column order (the fields' order)."""
        row = [getattr(self, column.name) for column in fields(self)]
        if not self.source_lines:
            row[-1] = [self.source_line] if self.source_line else []
        else:
            row[-1] = sorted(set(self.source_lines))
        return row


# A raw reference's receiver type may be a typed chain (languages with `receiver_chains`):
# a base, a type name, a function's result (`NewX()`, `pkg.NewX()`) or a module-level value
# (`=std`, `=pkg.CommandLine`), then steps, each a field (`parent`) or a method's result
# (`Flags()`), joined by CHAIN_STEP (`Command/parent/Flags()`). Resolution follows it
# (parseltongue/resolve/receivers.py). A base SELF_CLASS is the class the reference's entity
# is or sits in (`self.preparer` -> `^/preparer`); as a `returns` reference's receiver type,
# the function returns its receiver's own type (Python's `-> Self`).
CHAIN_STEP = "/"
CALLED = "()"
VALUE = "="
# A base that is a callback's parameter: `observable@0.0`, the type `observable` declares for
# the first parameter of the function its first argument takes (extract/callbacks.py).
ARGUMENT = "@"
SELF_CLASS = "^"

ENTITY_COLUMNS = (
    "key",
    "file_path",
    "entity_type",
    "entity_class",
    "language",
    "name",
    "qualified_name",
    "start_line",
    "end_line",
    "signature",
    "code",
    "content_hash",
)
EDGE_COLUMNS = (
    "from_key", "to_key", "edge_type", "source_file", "source_line", "resolution", "source_lines"
)

# Characters that would break a URL query string or need escaping in a Cozo string,
# each with a readable stand-in so sanitised keys stay legible (`Vec<T>` -> `Vec__lt__T__gt__`).
_KEY_CHARACTER_REPLACEMENTS = {
    "<": "__lt__",
    ">": "__gt__",
    ",": "__c__",
    " ": "_",
    "[": "__lb__",
    "]": "__rb__",
    "(": "__lp__",
    ")": "__rp__",
    "&": "__amp__",
    "*": "__star__",
    "?": "__q__",
    "#": "__hash__",
    "%": "__pct__",
    "+": "__plus__",
    "=": "__eq__",
    "/": "__sl__",
    "\\": "__bs__",
    "'": "__sq__",
    '"': "__dq__",
    ":": "__col__",
    "!": "__bang__",
    "~": "__tilde__",
    "|": "__pipe__",
    "^": "__caret__",
    "@": "__at__",
    "$": "__dollar__",
    ";": "__semi__",
    "{": "__lc__",
    "}": "__rc__",
}
_UNSAFE_KEY_CHARACTER = re.compile("[" + re.escape("".join(_KEY_CHARACTER_REPLACEMENTS)) + r"\s]")


def sanitize_key_component(text: str) -> str:
    """Replace characters that break URLs or Cozo strings with readable stand-ins."""
    if _UNSAFE_KEY_CHARACTER.search(text) is None:
        return text  # most names and paths: no substitution to set up
    return _UNSAFE_KEY_CHARACTER.sub(
        lambda match: _KEY_CHARACTER_REPLACEMENTS.get(match.group(0), "_"), text
    )


_PATH_SEPARATORS = re.compile(r"[/\-.\s]")


def semantic_path_for_file(relative_path: str) -> str:
    """`src/auth.rs` -> `__src_auth`: the file path without extension, separators as `_`."""
    path = relative_path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    directory, _, file_name = path.rpartition("/")
    stem = file_name.rsplit(".", 1)[0] if "." in file_name.lstrip(".") else file_name
    path = f"{directory}/{stem}" if directory else stem
    return "__" + sanitize_key_component(_PATH_SEPARATORS.sub("_", path))


def stable_entity_hash(file_path: str, qualified_name: str, ordinal: int) -> int:
    """A hash of (file, qualified name, ordinal) that survives edits moving lines."""
    digest = hashlib.blake2b(
        f"{file_path}\x00{qualified_name}\x00{ordinal}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") % 10_000_000_000


def build_entity_key(
    language: str,
    entity_type: str,
    name: str,
    file_path: str,
    qualified_name: str,
    ordinal: int = 0,
) -> str:
    """`{language}:{entity_type}:{name}:{semantic_path}:T{n}`, unique and URL-safe.

    `ordinal` tells apart same-named siblings (overloads, two `impl` blocks of one type
    in one file).
    """
    return ":".join(
        (
            language,
            entity_type,
            sanitize_key_component(name) or "_anonymous",
            semantic_path_for_file(file_path),
            f"T{stable_entity_hash(file_path, qualified_name, ordinal)}",
        )
    )


def content_hash_of(text: str) -> str:
    """The content hash stored with entities and files (hex blake2b, 16 bytes)."""
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()
