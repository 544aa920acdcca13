"""Receiver types: the classes a reference's receiver type names, through the file's names,
its package and its module aliases, and through typed chains (model.py's CHAIN_STEP) step by
step: a function's result type, a field's declared type, a method's result type.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from parseltongue.model import ARGUMENT, CALLED, CHAIN_STEP, SELF_CLASS, VALUE
from parseltongue.resolve.members import ClassMembers
from parseltongue.resolve.referrers import is_chain
from parseltongue.resolve.rows import (
    MEMBER_OWNER_TYPES,
    MEMBER_TYPE,
    RETURNS,
    RawReference,
    head_and_rest,
)

_NONE: frozenset[str] = frozenset()


class TypedReceivers(ClassMembers):
    """The index, with the classes receiver types name."""

    def receiver_classes(
        self, receiver_type: str, file_path: str, language: str, from_key: str,
        seen: frozenset[tuple[str, str]] = frozenset(),
    ) -> AbstractSet[str]:
        """The classes (or defined types) whose members a call on a receiver of this type
        reaches: a type name as `file_path` sees it, or a typed chain followed from its base
        (a function's result as a call from `from_key` pins it; a module-level value's
        declared type) through its steps. `seen`: the values being typed (a cycle of
        values declared by each other types none of them)."""
        if not is_chain(receiver_type):
            if "." not in receiver_type:
                # A type declared in an enclosing function (`interface Manager {}` in a
                # function's body) hides the file's and the imported ones of its name.
                local = {
                    key for key in self.nested(from_key, receiver_type) if self._is_class(key)
                }
                if local:
                    return local
            return self.named_types(receiver_type, file_path, language)
        base, *steps = receiver_type.split(CHAIN_STEP)
        classes: AbstractSet[str]
        if ARGUMENT in base:
            function, _, position = base.partition(ARGUMENT)
            classes = self._callback_parameter(function, position, file_path, language, from_key)
        elif base.endswith(CALLED):
            classes = self._called_result(base[: -len(CALLED)], file_path, language, from_key)
        elif base.startswith(VALUE):
            classes = self._value_types(base[len(VALUE):], file_path, language, seen)
        elif base == SELF_CLASS:
            classes = self._own_class(from_key)
        else:
            classes = self.named_types(base, file_path, language)
        for step in steps:
            if not classes:
                break
            if step.endswith(CALLED):
                classes = self._results_of(
                    self._members_named(classes, step[: -len(CALLED)]), classes
                )
            else:
                classes = self._field_types(classes, step, seen)
        return classes

    def _own_class(self, key: str) -> set[str]:
        """The class an entity is, or the one it sits in (a `self` chain's start)."""
        if self._is_class(key):
            return {key}
        enclosing = self.enclosing_class(key)
        return {enclosing} if enclosing is not None else set()

    def _value_types(
        self, value: str, file_path: str, language: str, seen: frozenset[tuple[str, str]]
    ) -> set[str]:
        """The declared types of a module-level value (`std`) as a file sees it: its own, or
        (package-scoped languages) one of its package's files'; `pkg.CommandLine` through a
        module alias."""
        if "." in value:
            head, name = head_and_rest(value)
            modules = {
                module
                for aliased in self.module_alias.get(file_path, {}).get(head, ())
                for module in [self.file_module.get(aliased)] if module is not None
            }
        else:
            name = value
            package = self.package_of(file_path)
            modules = {
                module for module in self.value_declarers.get(name, ())
                if self.module_of[module] == file_path or (
                    language in self.package_scoped
                    and self.package_of(self.module_of[module]) == package
                )
            }
        found: set[str] = set()
        for module in modules:
            if (module, name) in seen:
                continue
            for reference in self.declared_types.get(module, ()):
                if reference.kind == MEMBER_TYPE and reference.receiver == name:
                    found |= self._declared_type(reference, seen | {(module, name)})
        return found

    def named_types(
        self, type_name: str, file_path: str, language: str
    ) -> AbstractSet[str]:
        """What a type name stands for in a file: its own or imported name, a type of its
        package (package-scoped languages), or `alias.Type` through a module alias. (May be
        the index's own set: not to be changed.)"""
        own = self.exported.get(file_path, {}).get(type_name, _NONE)
        if language not in self.package_scoped and "." not in type_name:
            return own  # the common case, without a copy
        found = set(own)
        if language in self.package_scoped:
            found.update(self.package_types(file_path, language, type_name))
        if "." in type_name:
            head, rest = head_and_rest(type_name)
            for aliased in self.module_alias.get(file_path, {}).get(head, ()):
                found.update(self.exported.get(aliased, {}).get(rest, ()))
        return found

    def _called_result(
        self, function: str, file_path: str, language: str, from_key: str
    ) -> set[str]:
        """The type a call of `function` (`NewX`, `pkg.NewX`) gives, when the call pins one
        target: its declared result type; a type's own (a conversion `Key(s)`)."""
        qualifier, _, name = function.rpartition(".")
        _, targets = self.candidates(from_key, "call", name, qualifier, file_path, "", language)
        if len(targets) != 1:
            return set()
        target = next(iter(targets))
        if self.entity[target].entity_type in MEMBER_OWNER_TYPES:
            return {target}
        return self._results_of((target,))

    def _callback_parameter(
        self, function: str, position: str, file_path: str, language: str, from_key: str
    ) -> set[str]:
        """The type the one function a call of `function` pins declares for a parameter of
        a callback it takes (`position`: the callback's argument and the parameter's index,
        `0.0`; extract/callbacks.py)."""
        qualifier, _, name = function.rpartition(".")
        _, targets = self.candidates(from_key, "call", name, qualifier, file_path, "", language)
        if len(targets) != 1:
            return set()
        return self._field_types(targets, f"{ARGUMENT}{position}")

    def _results_of(
        self, functions: Iterable[str], receivers: AbstractSet[str] = _NONE
    ) -> set[str]:
        """The types the functions' (first) results are declared with; a function returning
        the object it is called on (`-> Self`) gives the classes of its `receivers`."""
        found: set[str] = set()
        for function in functions:
            declared = [
                reference for reference in self.declared_types.get(function, ())
                if reference.kind == RETURNS
            ] or self._inherited_results(function)
            for reference in declared:
                if reference.receiver_type == SELF_CLASS and receivers:
                    found |= receivers
                else:
                    found |= self._declared_type(reference)
        return found

    def _inherited_results(self, method: str) -> list[RawReference]:
        """A method declaring no result type has those of the methods it overrides: the
        declared results of its name's methods in every class above its own."""
        entity = self.entity.get(method)
        owner = self.parent.get(method)
        if entity is None or owner is None or not self._is_class(owner):
            return []
        found: list[RawReference] = []
        seen = {owner}
        level = list(self.base.get(owner, ()))
        while level:
            seen.update(level)
            for ancestor in level:
                for overridden in self.member.get(ancestor, {}).get(entity.name, ()):
                    found.extend(
                        reference for reference in self.declared_types.get(overridden, ())
                        if reference.kind == RETURNS
                    )
            level = [
                base for key in level for base in self.base.get(key, ()) if base not in seen
            ]
        return found

    def _field_types(
        self, classes: Iterable[str], field: str,
        typing: frozenset[tuple[str, str]] = frozenset(),
    ) -> set[str]:
        """The declared types of a field of these classes: their own, else one an embedded
        (base) type declares, nearest first. `typing`: the (class, field) pairs being typed
        (a field typed through itself, `self.x = self.x.copy()`, or a cycle of them, gives
        none)."""
        found: set[str] = set()
        for class_key in classes:
            if (class_key, field) in typing:
                continue
            seen = {class_key}
            level = [class_key]
            while level:
                declared = [
                    reference
                    for key in level
                    for reference in self.declared_types.get(key, ())
                    if reference.kind == MEMBER_TYPE and reference.receiver == field
                ]
                if declared:
                    for reference in declared:
                        found |= self._declared_type(reference, typing | {(class_key, field)})
                    break
                level = [
                    base for key in level for base in self.base.get(key, ()) if base not in seen
                ]
                seen.update(level)
        return found

    def _declared_type(
        self, reference: RawReference, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> AbstractSet[str]:
        """What a `member_type` or `returns` reference's type names, where it is written: a
        type name, or (a module-level value bound to a call) a typed chain."""
        entity = self.entity.get(reference.from_key)
        if entity is None:
            return set()
        if reference.receiver_type:
            return self.receiver_classes(
                reference.receiver_type, reference.file_path, entity.language,
                reference.from_key, seen,
            )
        type_name = f"{reference.scope}.{reference.name}" if reference.scope else reference.name
        return self.named_types(type_name, reference.file_path, entity.language)

    def candidates(
        self, from_key: str, kind: str, name: str, qualifier: str, file_path: str,
        receiver_type: str, language: str,
    ) -> tuple[int, set[str]]:
        """The evidence tier and targets of a reference: the rules' (rules.py `Resolver`)."""
        raise NotImplementedError
