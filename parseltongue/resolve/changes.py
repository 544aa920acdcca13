"""What a change of some files reaches: the entities whose references may resolve
differently (the derived lookups are brought up to date by `refresh.py`).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import partial

from parseltongue.resolve.referrers import chain_names, is_chain
from parseltongue.resolve.refresh import DerivedRefresh
from parseltongue.resolve.rows import (
    MEMBER_TYPE,
    MEMBERS_IN_SCOPE_LANGUAGES,
    RETURNS,
    SELF_WORDS,
    SUPER_WORDS,
    DerivedScope,
    RawReference,
    closure,
    dotted_head,
    is_unqualified,
    reads_other_files_bindings,
)


def _is_call(reference: RawReference) -> bool:
    return reference.kind == "call"


class CodebaseIndex(DerivedRefresh):
    """What resolution looks names up in, built from a codebase's entities, containment
    pairs, module paths and raw references, kept up to date as files change. Derived lookups
    (what a file binds, a class's members through its bases) are computed once on first use."""

    def snapshot(self) -> CodebaseIndex:
        """A view of the derived lookups as they are now, to compare with after a change:
        built first, then held by a shallow copy (a change replaces them, never edits them).
        Only the derived lookups and `member_of` may be read from it."""
        for _ in (self.exported, self.module_alias, self.member, self.base):
            pass
        return copy.copy(self)

    def referrers_reached_by_change(
        self,
        before: CodebaseIndex,
        changed_files: Iterable[str],
        changed_module_paths: Iterable[str],
        top_level_names: Iterable[str],
        scope: DerivedScope,
        declared_changed: bool = True,
        overload_names: Iterable[str] = (),
    ) -> set[str]:
        """The entities whose references may resolve differently now than in `before`
        (a snapshot taken before `changed_files` were replaced), besides the changed files'
        own. Every lookup resolution makes is keyed by the reference's own name, by its
        file's bindings, or by the bindings of a module its file aliases. So the references
        reached are: all references of files whose bindings (or aliased modules' bindings)
        changed; those to a name a file binds differently that can read another file's
        bindings (imports, dotted qualifiers); the unqualified ones to a name whose top-level
        definitions changed (`top_level_names`, the last tier's lookup); and, for a name
        whose members changed in some classes, those whose qualifier or receiver can name
        one of those classes or a class below them; and every reference whose receiver type
        is a typed chain that may read what changed: every one when a declared type
        (`declared_changed`: a field's, a result's, an overload's), a base, a name a
        declared type mentions or the module aliases of a file declaring types changed;
        else those whose base names a changed name and those whose steps or own name are a
        name whose members changed. References to
        the `overload_names` (their overload signatures changed) are all reached."""
        names: set[str] = set()
        binding_changed = set(changed_files)
        for file_path in scope.binding_files:
            old, new = before.exported.get(file_path, {}), self.exported.get(file_path, {})
            if old != new:
                binding_changed.add(file_path)
                names.update(
                    name for name in old.keys() | new.keys() if old.get(name) != new.get(name)
                )
        files_reached = set(binding_changed)
        aliases_changed: set[str] = set()
        for file_path in before.module_alias.keys() | self.module_alias.keys():
            old_aliases = before.module_alias.get(file_path, {})
            new_aliases = self.module_alias.get(file_path, {})
            if file_path in scope.binding_files and old_aliases != new_aliases:
                files_reached.add(file_path)
                aliases_changed.add(file_path)
            for aliased in (*old_aliases.values(), *new_aliases.values()):
                if not aliased.isdisjoint(binding_changed):
                    files_reached.add(file_path)
        # name -> classes whose members of that name (own or inherited) may have changed.
        member_changes: dict[str, set[str]] = defaultdict(set)
        for class_key in scope.member_keys:
            old, new = before.member.get(class_key, {}), self.member.get(class_key, {})
            if old != new:
                for name in old.keys() | new.keys():
                    if old.get(name) != new.get(name):
                        member_changes[name].add(class_key)
        bases_changed = False
        for class_key in scope.base_keys:
            if before.base.get(class_key) != self.base.get(class_key):
                bases_changed = True
                # What a class inherits can change for any name its old or new ancestors
                # define.
                for name in before.ancestor_member_names(class_key) | (
                    self.ancestor_member_names(class_key)
                ):
                    member_changes[name].add(class_key)
        reached: set[str] = set()
        for file_path in files_reached | scope.package_files:
            reached.update(self.keys_of_file.get(file_path, ()))
        for name in names:
            self._reach_referrers(reached, name, reads_other_files_bindings)
        top_level_names = set(top_level_names)
        for name in top_level_names:
            self._reach_referrers(reached, name, is_unqualified)
        for name in overload_names:
            self._reach_referrers(reached, name, _any_reference)
        classes_of_name: dict[str, set[str]] = {}
        if member_changes:
            below = self._classes_below(before)
            constructor_names = set().union(*self.constructor_names.values())
            for name, classes in member_changes.items():
                classes_reached = classes_of_name[name] = closure(classes, below)
                self._reach_referrers(
                    reached, name,
                    partial(self._may_look_up_members, classes=classes_reached),
                )
                if name in constructor_names:
                    # A call of one of these classes runs the constructor they have now.
                    for class_name in {
                        self.entity[key].name for key in classes_reached if key in self.entity
                    }:
                        self._reach_referrers(reached, class_name, _is_call)
        module_paths = set(changed_module_paths)
        if module_paths:
            reached.update(self._referrers_through_module_paths(before, module_paths))
        # A typed chain reads result types, field types, members and names of any file.
        if (
            declared_changed or bases_changed or not names.isdisjoint(self._declared_names)
            or any(
                reference.kind in (MEMBER_TYPE, RETURNS)
                for file_path in aliases_changed
                for reference in self.binding_references.get(file_path, ())
            )
        ):
            for chained in self._chain_referrers.values():
                reached.update(chained)
        else:
            for name in names | top_level_names:
                reached.update(self._chain_bases.get(name, ()))
            for name, classes_reached in classes_of_name.items():
                for key in self._chain_members.get(name, ()):
                    if key not in reached and any(
                        self._chain_may_reach(reference, name, classes_reached)
                        for reference in self.references.get(key, ())
                    ):
                        reached.add(key)
        return reached

    def _chain_may_reach(self, reference: RawReference, name: str, classes: set[str]) -> bool:
        """Whether a reference's typed chain may resolve differently now that the members
        named `name` of `classes` changed (and nothing else a chain reads): through a method
        of that name as a step, or as the member its last classes give."""
        if not is_chain(reference.receiver_type):
            return False
        _bases, members = chain_names(reference.name, reference.receiver_type)
        if name in members[1:]:
            return True
        entity = self.entity.get(reference.from_key)
        return reference.name == name and entity is not None and not classes.isdisjoint(
            self.receiver_classes(
                reference.receiver_type, reference.file_path, entity.language,
                reference.from_key,
            )
        )

    def names_with_other_top_level_definitions(
        self, before: Mapping[str, tuple[str, str]], after: Mapping[str, tuple[str, str]]
    ) -> set[str]:
        """The names whose top-level definitions (in a language) are others now, when some
        files' top-level definitions went from `before` to `after` (both key -> (language,
        name)): the last tier's lookup and the unresolved count of unqualified references."""
        names: set[str] = set()
        for language_name in set(before.values()) | set(after.values()):
            now = self._top_level.get(language_name, set())
            then = {key for key in now if key not in after} | {
                key for key, defined in before.items() if defined == language_name
            }
            if then != now:
                names.add(language_name[1])
        return names

    def _reach_referrers(
        self, reached: set[str], name: str, may_differ: Callable[[RawReference], bool]
    ) -> None:
        """Add the entities with a reference to `name` whose lookups may differ."""
        references_of = self.references.get
        # A loop, not any() over a generator: a common name has thousands of referrers.
        for key in self.referrers_of_name.get(name, ()):
            if key in reached:
                continue
            for reference in references_of(key, ()):
                if reference.name == name and may_differ(reference):
                    reached.add(key)
                    break

    def _may_look_up_members(self, reference: RawReference, classes: set[str]) -> bool:
        """Whether a reference can look members up in one of `classes` (the tiers by
        `self`/`super`, receiver type and class qualifier)."""
        if reference.kind == "import":
            return False
        qualifier = reference.receiver or reference.scope
        if qualifier in SELF_WORDS or qualifier in SUPER_WORDS:
            return True
        if qualifier == "" and reference.from_key in self.entity and (
            self.entity[reference.from_key].language in MEMBERS_IN_SCOPE_LANGUAGES
        ):
            return True  # a bare name reaches the members of its class
        bound = self.exported.get(reference.file_path, {})
        receiver_type = reference.receiver_type
        if receiver_type and (
            "." in receiver_type or not classes.isdisjoint(bound.get(receiver_type, ()))
        ):
            return True
        return qualifier != "" and not classes.isdisjoint(bound.get(qualifier, ()))

    def _classes_below(self, before: CodebaseIndex) -> dict[str, set[str]]:
        """class -> the classes naming it as a base, before or after a change."""
        below: dict[str, set[str]] = defaultdict(set)
        for bases_of in (before.base, self.base):
            for class_key, bases in bases_of.items():
                for base in bases:
                    below[base].add(class_key)
        return below

    def _referrers_through_module_paths(
        self, before: CodebaseIndex, module_paths: set[str]
    ) -> set[str]:
        """Entities with an import of one of these module paths, or a dotted qualifier
        headed by a module alias of their file (`nx.utils.f()` may name a submodule)."""
        reached: set[str] = set()
        importing = {
            file_path
            for module_path in module_paths
            for file_path in self._importers.get(module_path, ())
        }
        for file_path in importing:
            for reference in self.binding_references.get(file_path, ()):
                if reference.kind == "import" and (
                    reference.module_path in module_paths
                    or f"{reference.module_path}/{reference.name}" in module_paths
                ):
                    reached.add(reference.from_key)
        for file_path, dotted in self._dotted_referrers.items():
            heads = before.module_alias.get(file_path, {}).keys() | self.module_alias.get(
                file_path, {}
            ).keys()
            if not heads:
                continue
            for key in dotted:
                for reference in self.references.get(key, ()):
                    qualifier = reference.receiver or reference.scope
                    if "." in qualifier and dotted_head(qualifier) in heads:
                        reached.add(key)
                        break
        return reached


def _any_reference(_reference: RawReference) -> bool:
    return True
