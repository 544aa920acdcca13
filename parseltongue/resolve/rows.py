"""What resolution reads and makes: the row shapes, the edge types and evidence tiers, and
small predicates over raw references."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from parseltongue.languages import (
    locals_shadow_language_rows,
    members_in_scope_language_rows,
    methods_need_receiver_languages,
    named_imports_take_names_only_languages,
    ordered_base_language_rows,
    receiver_words,
)

CLASS_TYPES = frozenset({"class", "struct", "interface", "trait", "enum", "impl", "protocol"})
# What a `member_of` link can make a method a member of: a class, or a defined type (Go
# `type Key []string` has methods too).
MEMBER_OWNER_TYPES = CLASS_TYPES | {"type"}
FUNCTION_TYPES = frozenset({"fn", "method"})
# Receivers naming the object a method runs on, and its base class (the languages' files).
SELF_WORDS, SUPER_WORDS = receiver_words()
# Languages whose methods only a receiver reaches: a method outside any class (an object
# literal's, a prototype's) is no top-level name of its file there.
METHODS_NEED_RECEIVER = methods_need_receiver_languages()
# Languages whose named imports take only what a module exports, never a submodule of that
# name (JavaScript, TypeScript).
NAMES_ONLY_IMPORTS = named_imports_take_names_only_languages()
# Languages whose bases are ordered (Python): `super` follows the method resolution order.
ORDERED_BASE_LANGUAGES = frozenset(row[0] for row in ordered_base_language_rows())
# Languages whose bound names hide outer definitions (Python): a name a file imports is
# never pinned by the unique-name fallback.
LOCALS_SHADOW_LANGUAGES = frozenset(row[0] for row in locals_shadow_language_rows())
# Languages whose methods see their class's members by bare name (C++'s implicit `this`).
MEMBERS_IN_SCOPE_LANGUAGES = frozenset(row[0] for row in members_in_scope_language_rows())
# Reference kinds that bind names for other references (what a file imports, what a class
# extends): part of a file's interface.
BINDING_KINDS = frozenset({
    "import", "extends", "implements", "member_of", "export", "member_type", "returns",
    "overload", "property",
})
# A definition is an overload signature (Python's `@overload def f(...)`): where its name
# also names the implementation, a reference goes to the implementation. Makes no edge.
OVERLOAD = "overload"
# A method is a property (Python's `@property def p(self)`): a call `x.p()` calls the value
# it gives, so it is never the call's target. Makes no edge.
PROPERTY = "property"
# A file binds one of its names again under another (`export { async_ as async }`): the name
# `alias` stands for what `name` stands for in that file. Makes no edge.
EXPORT = "export"
# A method defined outside its type's body names the type (Go `func (c *Command) Flags()`):
# it is a member of the type of that name in its own module unit (package).
MEMBER_OF = "member_of"
# What typed chains read (model.py's CHAIN_STEP): a class's field of a declared type
# (`parent *Command`: receiver `parent`, name `Command`, scope its qualifier), and a
# function's result type (name and scope). Make no edge.
MEMBER_TYPE = "member_type"
RETURNS = "returns"
# A function binds a name itself (`render = ...`, a parameter, a loop target): its bare
# references to that name, and its nested functions', name nothing outside it. Makes no edge.
LOCAL = "local"

EDGE_TYPE_OF_KIND = {
    "call": "calls",
    "macro": "calls",
    "type": "uses",
    "extends": "extends",
    "implements": "implements",
    "import": "imports",
}
# Evidence tiers, strongest first: the name each tier gives the edges it pins.
RESOLUTION_NAMES = {
    1: "local_scope",
    2: "self",
    3: "super",
    4: "receiver_type",
    5: "import",
    6: "type_member",
    7: "same_file",
    8: "same_package",
    9: "import",
    10: "unique_name",
}

# Both cut at the first '.' (Cozo's regex semantics: '.' stops at a line break, '$' is the
# end of the text only), so qualifiers with line breaks are cut as resolve.cozo cuts.
_AFTER_FIRST_DOT = re.compile(r"[.].*\Z")
_UP_TO_FIRST_DOT = re.compile(r"^[^.]*[.]")


class EntityRow(NamedTuple):
    """The entity columns resolution reads (no code text)."""

    key: str
    file_path: str
    entity_type: str
    name: str
    language: str


def names_its_file_binds(entity: EntityRow) -> bool:
    """Whether a top-level definition is a name of its file: not an `impl` block, nor a
    method in a language whose methods only a receiver reaches."""
    return entity.entity_type != "impl" and not (
        entity.entity_type == "method" and entity.language in METHODS_NEED_RECEIVER
    )


class RawReference(NamedTuple):
    """One raw_references row, in its column order."""

    from_key: str
    kind: str
    name: str
    line: int
    receiver: str
    scope: str
    alias: str
    file_path: str
    receiver_type: str
    module_path: str


class ModulePathRow(NamedTuple):
    module_path: str
    file_path: str
    depth: int
    unit: str


EdgeRow = tuple[str, str, str, str, int, str, tuple[int, ...]]
"""from_key, to_key, edge_type, source_file, source_line (the first site), resolution,
source_lines (every line of source_file the edge's references are on, ascending)."""
UnresolvedRow = tuple[str, str, str, int, int]
"""from_key, name (qualifier.name), edge_type, source_line, candidates."""


class DerivedScope(NamedTuple):
    """What a targeted refresh of the derived lookups recomputed: only there can they differ."""

    binding_files: set[str]
    member_keys: set[str]
    base_keys: set[str]
    package_files: set[str]
    """Files sharing a package with a changed file of a package-scoped language: their
    receiver types and `member_of` links may name the changed files' types."""


def base_position(reference: RawReference) -> int:
    """A base's position among its class's bases, where the language records it (an extends
    reference's alias), else 0."""
    return int(reference.alias) if reference.alias.isdigit() else 0


def imported_paths(reference: RawReference) -> tuple[str, ...]:
    """The module paths an import can bind a file to (its module, or a submodule named
    by what it takes)."""
    if reference.kind != "import" or reference.module_path == "":
        return ()
    if reference.name in ("", "*"):
        return (reference.module_path,)
    return (reference.module_path, f"{reference.module_path}/{reference.name}")


def dotted_head(qualifier: str) -> str:
    """The part of a dotted qualifier that must be a module alias (as resolution cuts it)."""
    if "\n" in qualifier:
        return head_and_rest(qualifier)[0]
    return qualifier.partition(".")[0]


def head_and_rest(qualifier: str) -> tuple[str, str]:
    return (
        _AFTER_FIRST_DOT.sub("", qualifier, count=1),
        _UP_TO_FIRST_DOT.sub("", qualifier, count=1),
    )


def closure(start: Iterable[str], following: Mapping[str, Iterable[str]]) -> set[str]:
    """`start` and everything reached from it by following the map."""
    reached = set(start)
    pending = list(reached)
    while pending:
        for key in following.get(pending.pop(), ()):
            if key not in reached:
                reached.add(key)
                pending.append(key)
    return reached


def is_unqualified(reference: RawReference) -> bool:
    """Whether the last resort (a top-level definition of the name) can pin it."""
    return reference.kind != "import" and not (reference.receiver or reference.scope)


def reads_other_files_bindings(reference: RawReference) -> bool:
    """Whether a reference can look its name up in another file's bindings, but for the
    files its own file aliases: an import, or a dotted qualifier or receiver type (through
    a module alias to a submodule or a module it binds)."""
    return (
        reference.kind == "import"
        or "." in (reference.receiver or reference.scope)
        or "." in reference.receiver_type
    )


