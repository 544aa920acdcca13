"""Local names and their types: which definitions are functions and classes, the type a
binding gives a name at a line (through enclosing functions), the types of a class's members,
and the `local` references that let a name a function binds hide the module's."""

from __future__ import annotations

from collections import defaultdict

from parseltongue.extract.definitions import Definition, innermost
from parseltongue.extract.records import (
    CLASS_ENTITY_TYPES,
    FUNCTION_ENTITY_TYPES,
    LOCAL_KIND,
    EntityRecord,
    ReferenceRecord,
)

BindingTypes = dict[tuple[int, str], list[tuple[int, str]]]
"""(owning definition, local name) -> [(line, type text)] in line order."""


class Scopes:
    """Which definitions are functions and classes, for lookups through enclosing scopes."""

    def __init__(self, records: list[EntityRecord], parents: list[int]) -> None:
        self.parents = parents
        self.functions = [record.entity_type in FUNCTION_ENTITY_TYPES for record in records]
        self.classes = [record.entity_type in CLASS_ENTITY_TYPES for record in records]

    def is_function(self, index: int) -> bool:
        return index >= 0 and self.functions[index]

    def is_class(self, index: int) -> bool:
        return index >= 0 and self.classes[index]

    def enclosing_class(self, index: int) -> int:
        """The class a definition is (through enclosing functions), or -1."""
        while self.is_function(index):
            index = self.parents[index]
        return index if self.is_class(index) else -1

    def local_type(
        self, binding_types: BindingTypes, owner: int,
        name: str, line: int,
    ) -> str:
        """The type the bindings of a name give it at a line: the owner's own, else those of
        the nearest enclosing function that binds it (a closure sees its functions' names;
        a class body's names are not seen by its methods)."""
        bindings = binding_types.get((owner, name))
        if bindings:
            return type_at(bindings, line)
        scope = self.parents[owner] if owner >= 0 else -1
        while scope >= 0:
            if self.functions[scope]:
                bindings = binding_types.get((scope, name))
                if bindings:
                    return type_at(bindings, line)
            scope = self.parents[scope]
        return ""


def type_at(bindings: list[tuple[int, str]] | None, line: int) -> str:
    """The type of the last binding before `line` (in `g = Graph(g.copy())` the call on the
    right still sees the old `g`)."""
    found = ""
    for binding_line, type_text in bindings or ():
        if binding_line >= line:
            break
        found = type_text
    return found


def binding_types(
    bindings: list[tuple[int, str, int, str]], starts: list[int], ordered: list[Definition],
    parents: list[int],
) -> BindingTypes:
    """(owning definition, local name) -> [(line, type text)] in line order."""
    table: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for start_byte, name, line, type_text in sorted(bindings):
        owner = innermost(starts, ordered, parents, start_byte)
        table.setdefault((owner, name), []).append((line, type_text))
    return table


def member_types(
    member_bindings: list[tuple[int, str, int, str]], starts: list[int],
    ordered: list[Definition], parents: list[int], scopes: Scopes, binding_types: BindingTypes,
) -> dict[tuple[int, str], str]:
    """(class, member name) -> the member's type: what the class body's bindings
    (`preparer: IdentifierPreparer`) and its methods' `@binding.member` captures
    (`self.preparer = IdentifierPreparer()`) give it, when they all give one type."""
    types: dict[tuple[int, str], set[str]] = defaultdict(set)
    for (owner, name), bindings in binding_types.items():
        if scopes.is_class(owner):
            types[(owner, name)].update(type_text for _, type_text in bindings if type_text)
    for start_byte, name, _line, type_text in member_bindings:
        owner = scopes.enclosing_class(innermost(starts, ordered, parents, start_byte))
        if owner >= 0 and type_text:
            types[(owner, name)].add(type_text)
    return {key: next(iter(found)) for key, found in types.items() if len(found) == 1}


def local_names(
    references: list[tuple], binding_types: BindingTypes, scopes: Scopes, owner_keys: list[str]
) -> list[ReferenceRecord]:
    """A `local` reference for each name a function binds that the file calls bare: the
    function's bare references to that name (and its nested functions') name nothing
    outside it."""
    called = {
        name for _, kind, name, _, receiver, scope, _, _ in references
        if kind == "call" and not receiver and not scope
    }
    return [
        ReferenceRecord(owner_keys[owner], LOCAL_KIND, name, bindings[0][0], "", "", "", "")
        for (owner, name), bindings in binding_types.items()
        if name in called and scopes.is_function(owner)
    ]
