"""Classes: their direct members (with Rust `impl` blocks' methods and Go methods linked
by `member_of`), their resolved bases, and the members seen through the hierarchy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from parseltongue.resolve.bindings import FileBindings
from parseltongue.resolve.rows import (
    CLASS_TYPES,
    MEMBER_OWNER_TYPES,
    RawReference,
    base_position,
)


class ClassMembers(FileBindings):
    """The index, with each class's members and bases."""

    def _is_class(self, key: str) -> bool:
        entity = self.entity.get(key)
        return entity is not None and entity.entity_type in CLASS_TYPES

    def _types_named_by_impl(self, impl_key: str) -> list[str]:
        """The types a Rust `impl T` block adds to: the non-impl type named T defined in the
        block's own file when there is one (a type beside the block is the T in its scope),
        else every non-impl type named T in its language. (Every T everywhere would add one
        crate's methods to another's same-named type, and N copies of a tree would give
        each type N times the methods.)"""
        found = self._impl_types_cache.get(impl_key)
        if found is None:
            impl = self.entity[impl_key]
            named, by_file = self._types_named(impl.name, impl.language)
            found = self._impl_types_cache[impl_key] = by_file.get(impl.file_path) or named
        return found

    def _types_named(
        self, name: str, language: str
    ) -> tuple[list[str], dict[str, list[str]]]:
        """The non-impl types named `name` in `language`, and the same by file, kept until the
        rows change: an impl block's name is shared by several blocks and asked for by every
        `self.m()` in them, and a name defined N times made each lookup (and each block's
        search for the type beside it) N times longer."""
        found = self._types_named_cache.get((name, language))
        if found is None:
            named = [
                key
                for key in self.by_name.get(name, ())
                if (entity := self.entity[key]).language == language
                and entity.entity_type in CLASS_TYPES
                and entity.entity_type != "impl"
            ]
            by_file: dict[str, list[str]] = {}
            for key in named:
                by_file.setdefault(self.entity[key].file_path, []).append(key)
            found = self._types_named_cache[(name, language)] = (named, by_file)
        return found

    @property
    def member(self) -> dict[str, dict[str, set[str]]]:
        """class -> name -> its direct members (an `impl T` block's methods count for T)."""
        if self._member is None:
            members: dict[str, dict[str, set[str]]] = {}
            for parent, children in self.children.items():
                entity = self.entity.get(parent)
                if entity is None or entity.entity_type not in CLASS_TYPES:
                    continue
                owners = [parent]
                if entity.entity_type == "impl":
                    owners.extend(self._types_named_by_impl(parent))
                for child in children:
                    child_entity = self.entity.get(child)
                    if child_entity is None:
                        continue
                    for owner in owners:
                        members.setdefault(owner, {}).setdefault(child_entity.name, set()).add(
                            child
                        )
            for type_name in self._member_links:
                for class_key in self.by_name.get(type_name, ()):
                    for method in self._linked_members(class_key):
                        members.setdefault(class_key, {}).setdefault(
                            self.entity[method].name, set()
                        ).add(method)
            self._member = members
        return self._member

    def _members_of_class(self, class_key: str) -> dict[str, set[str]]:
        """name -> direct members of one class (with its impl blocks' methods, for a type)."""
        entity = self.entity.get(class_key)
        found: dict[str, set[str]] = {}
        if entity is None or entity.entity_type not in MEMBER_OWNER_TYPES:
            return found
        # A defined type (no class) has only the methods linked to it.
        owners = [class_key] if entity.entity_type in CLASS_TYPES else []
        if entity.entity_type in CLASS_TYPES and entity.entity_type != "impl":
            owners.extend(
                key
                for key in self.by_name.get(entity.name, ())
                if self.entity[key].entity_type == "impl"
                and self.entity[key].language == entity.language
                and class_key in self._types_named_by_impl(key)
            )
        for owner in owners:
            for child in self.children.get(owner, ()):
                child_entity = self.entity.get(child)
                if child_entity is not None:
                    found.setdefault(child_entity.name, set()).add(child)
        for method in self._linked_members(class_key):
            found.setdefault(self.entity[method].name, set()).add(method)
        return found

    def package_of(self, file_path: str) -> str:
        """A file's module unit ("" for a file with no module path, at the root)."""
        return self.unit.get(file_path, "")

    def package_types(self, file_path: str, language: str, name: str) -> Iterable[str]:
        """The types named `name` in the module unit of `file_path`, in that language."""
        package = self.package_of(file_path)
        for key in self.by_name.get(name, ()):
            entity = self.entity[key]
            if (
                entity.entity_type in MEMBER_OWNER_TYPES
                and entity.language == language
                and entity.file_path in self.file_module
                and self.package_of(entity.file_path) == package
            ):
                yield key

    def _linked_members(self, class_key: str) -> Iterable[str]:
        """The methods whose `member_of` link names this type from its module unit."""
        entity = self.entity.get(class_key)
        if entity is None or entity.entity_type not in MEMBER_OWNER_TYPES:
            return
        if entity.file_path not in self.file_module:
            return
        package = self.package_of(entity.file_path)
        for method, file_path in self._member_links.get(entity.name, ()):
            method_entity = self.entity.get(method)
            if (
                method_entity is not None
                and method_entity.language == entity.language
                and file_path in self.file_module
                and self.package_of(file_path) == package
            ):
                yield method

    def _bases_named_by(self, reference: RawReference) -> Iterable[str]:
        """The classes an extends / implements reference names, through its file's names (in a
        package-scoped language, its package's types too: Go embeds a type of another file)."""
        if reference.scope == "":
            files: Iterable[str] = (reference.file_path,)
            entity = self.entity.get(reference.from_key)
            if entity is not None and entity.language in self.package_scoped:
                named = self.package_types(reference.file_path, entity.language, reference.name)
                yield from (key for key in named if self._is_class(key))
        else:
            files = self.module_alias.get(reference.file_path, {}).get(reference.scope, ())
        for file_path in files:
            for key in self.exported.get(file_path, {}).get(reference.name, ()):
                if self._is_class(key):
                    yield key

    @property
    def base(self) -> dict[str, dict[str, int]]:
        """class -> its resolved bases (extends / implements, through the file's names), each
        with the position it is written at (0 where the language does not order bases)."""
        if self._base is None:
            bases: dict[str, dict[str, int]] = defaultdict(dict)
            for references in self.binding_references.values():
                for reference in references:
                    if reference.kind in ("extends", "implements"):
                        self._add_bases(bases, reference)
            self._base = bases
        return self._base

    def _add_bases(self, bases: dict[str, dict[str, int]], reference: RawReference) -> None:
        position = base_position(reference)
        for key in self._bases_named_by(reference):
            found = bases.setdefault(reference.from_key, {})
            found[key] = min(position, found.get(key, position))

    def member_of(self, class_key: str) -> dict[str, set[str]]:
        """name -> members seen through the class hierarchy: a class's own member hides its
        bases'. A least fixpoint, so cycles of bases end."""
        cached = self._member_of.get(class_key)
        if cached is not None:
            return cached
        # Every class the hierarchy reaches, then facts propagated until nothing is new.
        reached = [class_key]
        seen = {class_key}
        for key in reached:
            for base in self.base.get(key, ()):
                if base not in seen and base not in self._member_of:
                    seen.add(base)
                    reached.append(base)
        heirs: dict[str, list[str]] = defaultdict(list)
        for key in reached:
            for base in self.base.get(key, ()):
                heirs[base].append(key)
        members: dict[str, dict[str, set[str]]] = {}
        pending: list[tuple[str, str, str]] = []
        for key in reached:
            own = self.member.get(key, {})
            members[key] = {name: set(keys) for name, keys in own.items()}
            pending.extend((key, name, member) for name, keys in own.items() for member in keys)
            for base in self.base.get(key, ()):
                if base not in seen:  # already known: its members flow in as facts
                    for name, keys in self._member_of[base].items():
                        if name not in own:
                            for member in keys:
                                if member not in members[key].setdefault(name, set()):
                                    members[key][name].add(member)
                                    pending.append((key, name, member))
        while pending:
            key, name, member = pending.pop()
            for heir in heirs.get(key, ()):
                if name in self.member.get(heir, {}):
                    continue
                targets = members[heir].setdefault(name, set())
                if member not in targets:
                    targets.add(member)
                    pending.append((heir, name, member))
        self._member_of.update(members)
        return members[class_key]

    def ancestor_member_names(self, class_key: str) -> set[str]:
        """The names of the direct members of a class and of every class above it."""
        names: set[str] = set()
        seen = {class_key}
        reached = [class_key]
        for key in reached:
            names.update(self.member.get(key, ()))
            for base in self.base.get(key, ()):
                if base not in seen:
                    seen.add(base)
                    reached.append(base)
        return names

    def _members_named(self, classes: Iterable[str], name: str) -> set[str]:
        found: set[str] = set()
        for class_key in classes:
            found.update(self.member_of(class_key).get(name, ()))
        return found
