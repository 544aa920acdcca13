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

Binding = tuple[int, int, int, str]
"""(line, start byte, end byte, type text) of one binding of a name."""
BindingTypes = dict[tuple[int, str], list[Binding]]
"""(owning definition, local name) -> its bindings in source order."""


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
        name: str, line: int, at_byte: int,
    ) -> str:
        """The type the bindings of a name give it at a place (line, byte)."""
        binding = self.local_binding(binding_types, owner, name, line, at_byte)
        return binding[3] if binding is not None else ""

    def local_binding(
        self, binding_types: BindingTypes, owner: int,
        name: str, line: int, at_byte: int,
    ) -> Binding | None:
        """The binding of a name in force at a place: the owner's own, else that of the
        nearest enclosing function that binds it (a closure sees its functions' names; a
        class body's names are not seen by its methods)."""
        bindings = binding_types.get((owner, name))
        if bindings:
            return binding_at(bindings, line, at_byte)
        scope = self.parents[owner] if owner >= 0 else -1
        while scope >= 0:
            if self.functions[scope]:
                bindings = binding_types.get((scope, name))
                if bindings:
                    return binding_at(bindings, line, at_byte)
            scope = self.parents[scope]
        return None


def binding_at(bindings: list[Binding], line: int, at_byte: int) -> Binding | None:
    """The last binding on a line before `line`, or ending before `at_byte` on it (in
    `g = Graph(g.copy())` the call on the right still sees the old `g`; in
    `func (k Key) S() string { return k.s() }` the call sees the parameter)."""
    found = None
    for binding in bindings:
        binding_line, start_byte, end_byte, _type_text = binding
        if binding_line < line or end_byte <= at_byte:
            found = binding
        elif start_byte >= at_byte:
            break
    return found


def binding_types(
    bindings: list[tuple[int, str, int, str, int]], starts: list[int],
    ordered: list[Definition], parents: list[int],
) -> BindingTypes:
    """(owning definition, local name) -> its bindings in source order, from the bindings'
    (start byte, name, line, type text, end byte)."""
    table: dict[tuple[int, str], list[Binding]] = {}
    for start_byte, name, line, type_text, end_byte in sorted(bindings):
        owner = innermost(starts, ordered, parents, start_byte)
        table.setdefault((owner, name), []).append((line, start_byte, end_byte, type_text))
    return table


def member_types(
    member_bindings: list[tuple[int, str, int, str, int]], starts: list[int],
    ordered: list[Definition], parents: list[int], scopes: Scopes, binding_types: BindingTypes,
) -> dict[tuple[int, str], str]:
    """(class, member name) -> the member's type: what the class body's bindings
    (`preparer: IdentifierPreparer`) and its methods' `@binding.member` captures
    (`self.preparer = IdentifierPreparer()`) give it, when they all give one type."""
    types: dict[tuple[int, str], set[str]] = defaultdict(set)
    for (owner, name), bindings in binding_types.items():
        if scopes.is_class(owner):
            types[(owner, name)].update(binding[3] for binding in bindings if binding[3])
    for start_byte, name, _line, type_text, _end_byte in member_bindings:
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

