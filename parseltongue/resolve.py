"""Resolution: turn raw references into dependency edges (exactly one target) and unresolved
references, from in-memory indexes of the codebase.

A reference is pinned in order of evidence, and the first kind of evidence that finds a
target wins: the calling function's own nested definitions; `self`/`cls`/`this` members
through the class hierarchy; the receiver's type from a binding in scope; a module alias;
a class named as receiver; the file's own and imported names (following re-exports and
`*` imports through modules); last, a name defined once in the whole codebase. When the
winning evidence names more than one target, or none is found, the reference goes to
unresolved references with how many targets that evidence named (for an unqualified name,
the top-level definitions of it the last resort saw; else 0): never an edge to every
same-named entity. (Counting every same-named definition would tie each row to edits of
any method of that name anywhere.)

`queries/resolve.cozo` states the same rules in Datalog; the test suite holds the
two to the same rows. This one is what ingestion runs: Cozo evaluated the rules at 5-10 us
per row per join, 20-37 s on the `rust` benchmark corpus, where dictionaries take ~2 s, and
an index kept in memory lets one changed file re-resolve only the references it can reach.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from sys import intern
from typing import NamedTuple

CLASS_TYPES = frozenset({"class", "struct", "interface", "trait", "enum", "impl", "protocol"})
FUNCTION_TYPES = frozenset({"fn", "method"})
SELF_WORDS = frozenset({"self", "cls", "this", "Self", "@"})
SUPER_WORDS = frozenset({"super()", "super", "base", "parent"})
# Reference kinds that bind names for other references (what a file imports, what a class
# extends): part of a file's interface.
BINDING_KINDS = frozenset({"import", "extends", "implements", "member_of"})
# A method defined outside its type's body names the type (Go `func (c *Command) Flags()`):
# it is a member of the type of that name in its own module unit (package).
MEMBER_OF = "member_of"

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
    8: "import",
    9: "unique_name",
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


EdgeRow = tuple[str, str, str, str, int, str]
"""from_key, to_key, edge_type, source_file, source_line, resolution."""
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


def _imported_paths(reference: RawReference) -> tuple[str, ...]:
    """The module paths an import can bind a file to (its module, or a submodule named
    by what it takes)."""
    if reference.kind != "import" or reference.module_path == "":
        return ()
    if reference.name in ("", "*"):
        return (reference.module_path,)
    return (reference.module_path, f"{reference.module_path}/{reference.name}")


def _dotted_head(qualifier: str) -> str:
    """The part of a dotted qualifier that must be a module alias (as resolution cuts it)."""
    if "\n" in qualifier:
        return _head_and_rest(qualifier)[0]
    return qualifier.partition(".")[0]


def _head_and_rest(qualifier: str) -> tuple[str, str]:
    return (
        _AFTER_FIRST_DOT.sub("", qualifier, count=1),
        _UP_TO_FIRST_DOT.sub("", qualifier, count=1),
    )


def _closure(start: Iterable[str], following: Mapping[str, set[str]]) -> set[str]:
    """`start` and everything reached from it by following the map."""
    reached = set(start)
    pending = list(reached)
    while pending:
        for key in following.get(pending.pop(), ()):
            if key not in reached:
                reached.add(key)
                pending.append(key)
    return reached


def _is_unqualified(reference: RawReference) -> bool:
    """Whether the last resort (a top-level definition of the name) can pin it."""
    return reference.kind != "import" and not (reference.receiver or reference.scope)


def _reads_other_files_bindings(reference: RawReference) -> bool:
    """Whether a reference can look its name up in another file's bindings, but for the
    files its own file aliases: an import, or a dotted qualifier or receiver type (through
    a module alias to a submodule or a module it binds)."""
    return (
        reference.kind == "import"
        or "." in (reference.receiver or reference.scope)
        or "." in reference.receiver_type
    )


class CodebaseIndex:
    """What resolution looks names up in, built from a codebase's entities, containment
    pairs, module paths and raw references. Derived lookups (what a file binds, a class's
    members through its bases) are computed once on first use."""

    def __init__(
        self,
        entities: Iterable[Sequence],
        containment: Iterable[tuple[str, str]],
        module_paths: Iterable[Sequence],
        references: Iterable[Sequence],
        provided_names: Iterable[Sequence[str]] = (),
        package_scoped_languages: Iterable[Sequence[str]] = (),
    ) -> None:
        self.provided = {(language, name) for language, name in provided_names}
        # Languages whose files see the types of the other files of their module unit.
        self.package_scoped = frozenset(row[0] for row in package_scoped_languages)
        self.entity: dict[str, EntityRow] = {}
        self.by_name: dict[str, set[str]] = defaultdict(set)
        self.keys_of_file: dict[str, set[str]] = defaultdict(set)
        self.children: dict[str, list[str]] = defaultdict(list)
        self.parent: dict[str, str] = {}
        self.file_module: dict[str, str] = {}
        self.module_of: dict[str, str] = {}
        # module path -> file -> unit, and each file's rows, so one file's can be taken out.
        self._units_of_path: dict[str, dict[str, str]] = defaultdict(dict)
        self._module_rows_of_file: dict[str, list[ModulePathRow]] = defaultdict(list)
        self.module_files: dict[str, set[str]] = {}
        self.unit: dict[str, str] = {}
        self.references: dict[str, list[RawReference]] = defaultdict(list)
        # The imports, extends and implements of each file: what the derived lookups read,
        # without scanning every reference.
        self.binding_references: dict[str, list[RawReference]] = defaultdict(list)
        # name -> entities that make a reference to that name -> how many such references.
        self.referrers_of_name: dict[str, dict[str, int]] = defaultdict(dict)
        # (language, name) -> top-level definitions (children of a file's module, no impl).
        self._top_level: dict[tuple[str, str], set[str]] = defaultdict(set)
        # module path -> files importing it (or a name of it as a submodule) -> how often.
        self._importers: dict[str, dict[str, int]] = defaultdict(dict)
        # file -> entities with a dotted qualifier (`nx.utils.f()`) -> how many such references.
        self._dotted_referrers: dict[str, dict[str, int]] = defaultdict(dict)
        # type name -> (method, its file) of every `member_of` link naming it.
        self._member_links: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self._member_of: dict[str, dict[str, set[str]]] = {}
        self.invalidate()
        self.add_rows(entities, containment, module_paths, references)

    def invalidate(self) -> None:
        """Forget what is derived from the rows (computed again on first use)."""
        self._exported: dict[str, dict[str, set[str]]] | None = None
        self._module_alias: dict[str, dict[str, set[str]]] | None = None
        self._member: dict[str, dict[str, set[str]]] | None = None
        self._base: dict[str, set[str]] | None = None
        self._member_of = {}

    def add_rows(
        self,
        entities: Iterable[Sequence],
        containment: Iterable[tuple[str, str]],
        module_paths: Iterable[Sequence],
        references: Iterable[Sequence],
    ) -> None:
        """Add the rows of files not in the index (a whole file's rows at once)."""
        added_files: set[str] = set()
        for row in entities:
            key, file_path, entity_type, name, language = row[:5]
            entity = EntityRow(
                intern(key), intern(file_path), intern(entity_type), intern(name), intern(language)
            )
            self.entity[entity.key] = entity
            self.by_name[entity.name].add(entity.key)
            self.keys_of_file[entity.file_path].add(entity.key)
            added_files.add(entity.file_path)
        for parent, child in sorted(set(containment)):
            self.children[parent].append(child)
            # The last of several parents, as the Datalog's keyed relation keeps.
            self.parent[child] = max(parent, self.parent.get(child, parent))
        for file_path in added_files:
            modules = [
                key
                for key in self.keys_of_file[file_path]
                if self.entity[key].entity_type == "module" and key not in self.parent
            ]
            if modules:
                self.file_module[file_path] = max(modules)
                self.module_of[max(modules)] = file_path
            for key in self._top_level_keys(file_path):
                entity = self.entity[key]
                self._top_level[(entity.language, entity.name)].add(key)
        touched_paths: set[str] = set()
        for row in module_paths:
            module_row = ModulePathRow(*row[:4])
            self._module_rows_of_file[module_row.file_path].append(module_row)
            self._units_of_path[module_row.module_path][module_row.file_path] = module_row.unit
            touched_paths.add(module_row.module_path)
            self.unit[module_row.file_path] = max(
                module_row.unit, self.unit.get(module_row.file_path, module_row.unit)
            )
        self._recount_module_paths(touched_paths)
        self.add_references(references)

    def add_references(self, references: Iterable[Sequence]) -> None:
        """Add raw references (of files whose other rows are in the index)."""
        new_reference = RawReference.__new__
        for (from_key, kind, name, line, receiver, scope, alias, file_path, receiver_type,
             module_path) in references:
            # Interned: a codebase's references repeat few distinct strings (their entity,
            # file, kind, names), and rows read back from the database carry a copy each.
            # Field by field, not through a generator: this loop runs once per reference.
            reference = new_reference(
                RawReference, intern(from_key), intern(kind), intern(name), line,
                intern(receiver), intern(scope), intern(alias), intern(file_path),
                intern(receiver_type), intern(module_path),
            )
            self.references[reference.from_key].append(reference)
            referrers = self.referrers_of_name[reference.name]
            referrers[reference.from_key] = referrers.get(reference.from_key, 0) + 1
            if reference.kind in BINDING_KINDS:
                self.binding_references[reference.file_path].append(reference)
                for module_path in _imported_paths(reference):
                    importers = self._importers[module_path]
                    importers[reference.file_path] = importers.get(reference.file_path, 0) + 1
                if reference.kind == MEMBER_OF:
                    self._member_links[reference.name].add(
                        (reference.from_key, reference.file_path)
                    )
            if "." in (reference.receiver or reference.scope):
                dotted = self._dotted_referrers[reference.file_path]
                dotted[reference.from_key] = dotted.get(reference.from_key, 0) + 1

    def _top_level_keys(self, file_path: str) -> list[str]:
        module = self.file_module.get(file_path)
        if module is None:
            return []
        return [
            key
            for key in self.children.get(module, ())
            if key in self.entity and self.entity[key].entity_type != "impl"
        ]

    def _recount_module_paths(self, module_paths: Iterable[str]) -> None:
        # A module path counts only where it names one module unit (a file, or a Go/Java
        # folder).
        for module_path in module_paths:
            units = self._units_of_path.get(module_path)
            if units and len(set(units.values())) == 1:
                self.module_files[module_path] = set(units)
            else:
                self.module_files.pop(module_path, None)
                if not units:
                    self._units_of_path.pop(module_path, None)

    def remove_files(self, file_paths: Iterable[str]) -> None:
        """Take every row of these files out (their entities, containment, module paths and
        the references their entities make)."""
        touched_paths: set[str] = set()
        for file_path in file_paths:
            for key in self._top_level_keys(file_path):
                entity = self.entity[key]
                same_name = self._top_level[(entity.language, entity.name)]
                same_name.discard(key)
                if not same_name:
                    del self._top_level[(entity.language, entity.name)]
            for reference in self.binding_references.get(file_path, ()):
                for module_path in _imported_paths(reference):
                    importers = self._importers[module_path]
                    importers[file_path] -= 1
                    if not importers[file_path]:
                        del importers[file_path]
                        if not importers:
                            del self._importers[module_path]
                if reference.kind == MEMBER_OF:
                    links = self._member_links[reference.name]
                    links.discard((reference.from_key, file_path))
                    if not links:
                        del self._member_links[reference.name]
            for key in self.keys_of_file.pop(file_path, ()):
                entity = self.entity.pop(key)
                names = self.by_name[entity.name]
                names.discard(key)
                if not names:
                    del self.by_name[entity.name]
                # Containment never crosses files: a key's parent and children go with it.
                self.children.pop(key, None)
                self.parent.pop(key, None)
                for reference in self.references.pop(key, ()):
                    referrers = self.referrers_of_name[reference.name]
                    referrers[key] -= 1
                    if not referrers[key]:
                        del referrers[key]
                        if not referrers:
                            del self.referrers_of_name[reference.name]
            self.binding_references.pop(file_path, None)
            self._dotted_referrers.pop(file_path, None)
            module = self.file_module.pop(file_path, None)
            if module is not None:
                self.module_of.pop(module, None)
            for module_row in self._module_rows_of_file.pop(file_path, ()):
                self._units_of_path[module_row.module_path].pop(file_path, None)
                touched_paths.add(module_row.module_path)
            self.unit.pop(file_path, None)
        self._recount_module_paths(touched_paths)

    def totals(self, resolved_edges: int, unresolved: int) -> dict[str, int]:
        """What ingestion_totals counts, for a database holding exactly this index and a
        resolution of it with these many rows."""
        containment = sum(len(children) for children in self.children.values())
        return {
            "entities": len(self.entity),
            "edges": containment + resolved_edges,
            "unresolved_references": unresolved,
        }

    def file_interface(self, file_path: str) -> tuple:
        """Everything of a file that resolution reads when resolving other files'
        references (names, types, nesting, module paths, imports, bases), without lines:
        while it stays the same, no other file's reference can resolve differently."""
        keys = self.keys_of_file.get(file_path, set())
        entities = sorted(self.entity[key][2:] + (key,) for key in keys)
        containment = sorted(
            (key, child) for key in keys for child in self.children.get(key, ())
        )
        bindings = sorted(
            (reference.from_key, reference.kind, reference.name, reference.scope,
             reference.alias, reference.module_path)
            for reference in self.binding_references.get(file_path, ())
        )
        module_rows = sorted(self._module_rows_of_file.get(file_path, ()))
        return (file_path in self.keys_of_file, entities, containment, bindings, module_rows)

    def snapshot(self) -> CodebaseIndex:
        """A view of the derived lookups as they are now, to compare with after a change:
        built first, then held by a shallow copy (a change replaces them, never edits them).
        Only the derived lookups and `member_of` may be read from it."""
        for _ in (self.exported, self.module_alias, self.member, self.base):
            pass
        return copy.copy(self)

    def refresh_derived(
        self,
        before: CodebaseIndex,
        changed_files: Iterable[str],
        changed_entities: Iterable[EntityRow],
        module_paths: Mapping[str, frozenset[str]],
        changed_module_paths: Iterable[str] = (),
    ) -> DerivedScope:
        """Bring the derived lookups up to date after `changed_files` were replaced, from
        `before` (a snapshot of them), recomputing only what the change can touch: the
        bindings of the changed files and of every file importing from them (transitively),
        the members of classes defined in them or named by their `impl` blocks, the bases
        declared in the files whose bindings were recomputed. `changed_entities` are their
        entities before and after; `module_paths` every module path they had or have, with
        the files it named before the change; `changed_module_paths` those naming others now."""
        changed = set(changed_files)
        importers = self._importers
        closure = set(changed)
        pending = list(changed)
        # An import reaches a file only through a module path that names it (one unit), or
        # one whose meaning changed.
        reaching = set(changed_module_paths) | {
            path
            for path in module_paths
            if not changed.isdisjoint(module_paths[path])
            or not changed.isdisjoint(self.module_files.get(path, ()))
        }
        for module_path in reaching:
            for importer in importers.get(module_path, ()):
                if importer not in closure:
                    closure.add(importer)
                    pending.append(importer)
        while pending:
            file_path = pending.pop()
            for row in self._module_rows_of_file.get(file_path, ()):
                if file_path not in self.module_files.get(row.module_path, ()):
                    continue
                for importer in importers.get(row.module_path, ()):
                    if importer not in closure:
                        closure.add(importer)
                        pending.append(importer)
        self._exported = self._build_exported(only=closure, kept=before.exported)
        aliases = {
            path: names for path, names in before.module_alias.items() if path not in closure
        }
        for file_path in closure:
            for name, keys in self._exported.get(file_path, {}).items():
                for key in keys:
                    module_file = self.module_of.get(key)
                    if module_file is not None:
                        aliases.setdefault(file_path, {}).setdefault(name, set()).add(module_file)
        self._module_alias = aliases
        package_files = self._package_files_of(changed, changed_entities, module_paths)
        # Members: classes of the changed files, and the types their impl blocks add to; in a
        # package-scoped language, every type of the package (`member_of` links cross files).
        member_keys: set[str] = {
            key
            for file_path in package_files
            for key in self.keys_of_file.get(file_path, ())
            if self._is_class(key)
        }
        for entity in changed_entities:
            if entity.entity_type not in CLASS_TYPES:
                continue
            member_keys.add(entity.key)
            for key in self.by_name.get(entity.name, ()):
                if self._is_class(key):
                    member_keys.add(key)
        members = dict(before.member)
        for key in member_keys:
            members.pop(key, None)
            own = self._members_of_class(key)
            if own:
                members[key] = own
        self._member = members
        # Bases: those declared in files whose bindings were recomputed.
        base_keys = {entity.key for entity in changed_entities}
        for file_path in closure:
            base_keys.update(
                reference.from_key
                for reference in self.binding_references.get(file_path, ())
                if reference.kind in ("extends", "implements")
            )
        bases = {key: found for key, found in before.base.items() if key not in base_keys}
        for file_path in closure:
            for reference in self.binding_references.get(file_path, ()):
                if reference.kind in ("extends", "implements"):
                    for key in self._bases_named_by(reference):
                        bases.setdefault(reference.from_key, set()).add(key)
        self._base = bases
        self._member_of = {}
        return DerivedScope(closure, member_keys, base_keys, package_files)

    def _package_files_of(
        self,
        changed: set[str],
        changed_entities: Iterable[EntityRow],
        module_paths: Mapping[str, frozenset[str]],
    ) -> set[str]:
        """The changed files of package-scoped languages and every file sharing a module unit
        with one of them, before or after the change (a unit's paths name its files)."""
        scoped = {
            entity.file_path
            for entity in changed_entities
            if entity.language in self.package_scoped and entity.file_path in changed
        }
        if not scoped:
            return set()
        found = set(scoped)
        for module_path, files_before in module_paths.items():
            files = files_before | self.module_files.get(module_path, set())
            if not scoped.isdisjoint(files):
                found.update(files)
        if any("/" not in file_path for file_path in scoped):
            # Files at the root have no module path: their unit is "".
            found.update(path for path in self.file_module if path not in self.unit)
        return found

    def referrers_reached_by_change(
        self,
        before: CodebaseIndex,
        changed_files: Iterable[str],
        changed_module_paths: Iterable[str],
        top_level_names: Iterable[str],
        scope: DerivedScope,
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
        one of those classes or a class below them."""
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
        for file_path in before.module_alias.keys() | self.module_alias.keys():
            old_aliases = before.module_alias.get(file_path, {})
            new_aliases = self.module_alias.get(file_path, {})
            if file_path in scope.binding_files and old_aliases != new_aliases:
                files_reached.add(file_path)
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
        for class_key in scope.base_keys:
            if before.base.get(class_key) != self.base.get(class_key):
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
            self._reach_referrers(reached, name, _reads_other_files_bindings)
        for name in top_level_names:
            self._reach_referrers(reached, name, _is_unqualified)
        if member_changes:
            below = self._classes_below(before)
            for name, classes in member_changes.items():
                self._reach_referrers(
                    reached, name,
                    partial(self._may_look_up_members, classes=_closure(classes, below)),
                )
        module_paths = set(changed_module_paths)
        if module_paths:
            reached.update(self._referrers_through_module_paths(before, module_paths))
        return reached

    def top_level_definitions(self, file_paths: Iterable[str]) -> dict[str, tuple[str, str]]:
        """key -> (language, name) of the files' top-level definitions."""
        return {
            key: (self.entity[key].language, self.entity[key].name)
            for file_path in file_paths
            for key in self._top_level_keys(file_path)
        }

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
        for key in self.referrers_of_name.get(name, ()):
            if key not in reached and any(
                reference.name == name and may_differ(reference)
                for reference in self.references.get(key, ())
            ):
                reached.add(key)

    def _may_look_up_members(self, reference: RawReference, classes: set[str]) -> bool:
        """Whether a reference can look members up in one of `classes` (the tiers by
        `self`/`super`, receiver type and class qualifier)."""
        if reference.kind == "import":
            return False
        qualifier = reference.receiver or reference.scope
        if qualifier in SELF_WORDS or qualifier in SUPER_WORDS:
            return True
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
                    if "." in qualifier and _dotted_head(qualifier) in heads:
                        reached.add(key)
                        break
        return reached

    def module_files_of(self, module_paths: Iterable[str]) -> dict[str, frozenset[str]]:
        """The files each module path names now (none when it names no single unit)."""
        return {
            path: frozenset(self.module_files.get(path, ())) for path in module_paths
        }

    def module_paths_of_files(self, file_paths: Iterable[str]) -> set[str]:
        return {
            row.module_path
            for file_path in file_paths
            for row in self._module_rows_of_file.get(file_path, ())
        }

    # -- what each file binds ------------------------------------------------------------

    def _imports(self, files: Iterable[str] | None = None) -> Iterable[tuple[str, str, str, str]]:
        """(file, local name, module path, name taken) of every import with a module path
        (of the given files only, when given)."""
        if files is None:
            groups: Iterable[list[RawReference]] = self.binding_references.values()
        else:
            groups = (self.binding_references.get(path, []) for path in files)
        for references in groups:
            for reference in references:
                if reference.kind != "import" or reference.module_path == "":
                    continue
                taken = reference.name
                if reference.alias != "":
                    local = reference.alias
                elif taken not in ("", "*"):
                    local = taken
                else:
                    local = reference.scope
                yield reference.file_path, local, reference.module_path, taken

    @property
    def exported(self) -> dict[str, dict[str, set[str]]]:
        """file -> name -> entities the name stands for at the file's top level: its own
        definitions, the modules its imports name, and the names its imports take from
        other modules, following re-exports and `*` imports to a fixpoint."""
        if self._exported is None:
            self._exported = self._build_exported()
        return self._exported

    def _build_exported(
        self, only: set[str] | None = None, kept: dict[str, dict[str, set[str]]] | None = None
    ) -> dict[str, dict[str, set[str]]]:
        """Build what every file binds; or, given `only` (files that import nothing from
        outside it that changed) and `kept` (the last build), only those files' again."""
        exported: dict[str, dict[str, set[str]]] = {}
        if only is not None and kept is not None:
            exported = {path: names for path, names in kept.items() if path not in only}
        # Files outside `only` are final already: their facts are taken as they are.
        settled = dict(exported)
        pending: list[tuple[str, str, str]] = []

        def add(file_path: str, name: str, key: str) -> None:
            names = exported.get(file_path)
            if names is None:
                names = exported[file_path] = {}
            targets = names.get(name)
            if targets is None:
                names[name] = {key}
            elif key in targets:
                return
            else:
                targets.add(key)
            pending.append((file_path, name, key))

        files = self.file_module.keys() if only is None else only
        for file_path in files:
            module = self.file_module.get(file_path)
            for child in self.children.get(module, ()) if module is not None else ():
                entity = self.entity.get(child)
                if entity is not None and entity.entity_type != "impl":
                    add(file_path, entity.name, child)
        # Who takes a name (or every name) from a file, so new facts flow on to them.
        takers_of_name: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        takers_of_all: dict[str, set[str]] = defaultdict(set)
        for file_path, local, module_path, taken in set(self._imports(only)):
            if taken == "":
                for imported_file in self.module_files.get(module_path, ()):
                    module = self.file_module.get(imported_file)
                    if module is not None:
                        add(file_path, local, module)
            elif taken == "*":
                for imported_file in self.module_files.get(module_path, ()):
                    if imported_file in settled:
                        for name, keys in list(settled[imported_file].items()):
                            for key in list(keys):
                                add(file_path, name, key)
                    takers_of_all[imported_file].add(file_path)
            else:
                submodule = f"{module_path}/{taken}"
                for imported_file in self.module_files.get(submodule, ()):
                    module = self.file_module.get(imported_file)
                    if module is not None:
                        add(file_path, local, module)
                for imported_file in self.module_files.get(module_path, ()):
                    if imported_file in settled:
                        for key in list(settled[imported_file].get(taken, ())):
                            add(file_path, local, key)
                    takers_of_name[(imported_file, taken)].add((file_path, local))
        while pending:
            file_path, name, key = pending.pop()
            for taker, local in takers_of_name.get((file_path, name), ()):
                add(taker, local, key)
            for taker in takers_of_all.get(file_path, ()):
                add(taker, name, key)
        return exported

    @property
    def module_alias(self) -> dict[str, dict[str, set[str]]]:
        """file -> local name -> files of the modules the name stands for."""
        if self._module_alias is None:
            aliases: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for file_path, names in self.exported.items():
                for name, keys in names.items():
                    for key in keys:
                        module_file = self.module_of.get(key)
                        if module_file is not None:
                            aliases[file_path][name].add(module_file)
            self._module_alias = aliases
        return self._module_alias

    # -- classes -------------------------------------------------------------------------

    def _is_class(self, key: str) -> bool:
        entity = self.entity.get(key)
        return entity is not None and entity.entity_type in CLASS_TYPES

    def _types_named_by_impl(self, impl_key: str) -> Iterable[str]:
        """The types a Rust `impl T` block adds to: the non-impl types named T, same language."""
        impl = self.entity[impl_key]
        for key in self.by_name.get(impl.name, ()):
            entity = self.entity[key]
            if (
                entity.language == impl.language
                and entity.entity_type in CLASS_TYPES
                and entity.entity_type != "impl"
            ):
                yield key

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
        if entity is None or entity.entity_type not in CLASS_TYPES:
            return found
        owners = [class_key]
        if entity.entity_type != "impl":
            owners.extend(
                key
                for key in self.by_name.get(entity.name, ())
                if self.entity[key].entity_type == "impl"
                and self.entity[key].language == entity.language
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
                entity.entity_type in CLASS_TYPES
                and entity.language == language
                and entity.file_path in self.file_module
                and self.package_of(entity.file_path) == package
            ):
                yield key

    def _linked_members(self, class_key: str) -> Iterable[str]:
        """The methods whose `member_of` link names this type from its module unit."""
        entity = self.entity.get(class_key)
        if entity is None or entity.entity_type not in CLASS_TYPES:
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
        """The classes an extends / implements reference names, through its file's names."""
        if reference.scope == "":
            files: Iterable[str] = (reference.file_path,)
        else:
            files = self.module_alias.get(reference.file_path, {}).get(reference.scope, ())
        for file_path in files:
            for key in self.exported.get(file_path, {}).get(reference.name, ()):
                if self._is_class(key):
                    yield key

    @property
    def base(self) -> dict[str, set[str]]:
        """class -> its resolved bases (extends / implements, through the file's names)."""
        if self._base is None:
            bases: dict[str, set[str]] = defaultdict(set)
            for references in self.binding_references.values():
                for reference in references:
                    if reference.kind not in ("extends", "implements"):
                        continue
                    for key in self._bases_named_by(reference):
                        bases[reference.from_key].add(key)
            self._base = bases
        return self._base

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

    # -- scopes --------------------------------------------------------------------------

    def enclosing_class(self, key: str) -> str | None:
        """The class (or impl) a definition sits in, through enclosing functions."""
        parent = self.parent.get(key)
        while parent is not None:
            entity = self.entity.get(parent)
            if entity is None:
                return None
            if entity.entity_type in CLASS_TYPES:
                return parent
            if entity.entity_type not in FUNCTION_TYPES:
                return None
            parent = self.parent.get(parent)
        return None

    def nested(self, key: str, name: str) -> set[str]:
        """Definitions named `name` a function sees: its own nested ones, then those of the
        functions enclosing it."""
        found: set[str] = set()
        entity = self.entity.get(key)
        if entity is not None and entity.entity_type in FUNCTION_TYPES:
            found.update(self._children_named(key, name))
        parent = self.parent.get(key)
        while parent is not None:
            parent_entity = self.entity.get(parent)
            if parent_entity is None or parent_entity.entity_type not in FUNCTION_TYPES:
                break
            found.update(self._children_named(parent, name))
            parent = self.parent.get(parent)
        return found

    def _children_named(self, key: str, name: str) -> Iterable[str]:
        for child in self.children.get(key, ()):
            entity = self.entity.get(child)
            if entity is not None and entity.name == name:
                yield child

    def unique_top_level(self, language: str, name: str) -> str | None:
        """The one top-level definition of `name` in the language, if there is just one.
        (Which ones there are changes only with the entities named so: a change reaches the
        references to that name through their name.)"""
        keys = self._top_level.get((language, name))
        if keys is not None and len(keys) == 1:
            return next(iter(keys))
        return None

    def _top_level_count(self, language: str, name: str, qualifier: str) -> int:
        """What an unqualified reference no evidence pins counts: the top-level definitions
        of its name that the last resort looked at."""
        if qualifier != "" or (language, name) in self.provided:
            return 0
        return len(self._top_level.get((language, name), ()))

    # -- resolving -----------------------------------------------------------------------

    def _members_named(self, classes: Iterable[str], name: str) -> set[str]:
        found: set[str] = set()
        for class_key in classes:
            found.update(self.member_of(class_key).get(name, ()))
        return found

    def candidates(
        self, from_key: str, kind: str, name: str, qualifier: str, file_path: str,
        receiver_type: str, language: str,
    ) -> tuple[int, set[str]]:
        """The strongest evidence tier that names targets for a (non-import) reference, and
        those targets; (0, empty) when no evidence names any."""
        exported = self.exported.get(file_path, {})
        if qualifier == "":
            found = self.nested(from_key, name)
            if found:
                return 1, found
        if qualifier in SELF_WORDS:
            enclosing = self.enclosing_class(from_key)
            if enclosing is not None:
                classes = [enclosing]
                if self.entity[enclosing].entity_type == "impl":
                    # Rust: `self.m()` in one `impl T` block reaches every `impl T` block's.
                    classes.extend(self._types_named_by_impl(enclosing))
                found = self._members_named(classes, name)
                if found:
                    return 2, found
        if qualifier in SUPER_WORDS:
            enclosing = self.enclosing_class(from_key)
            if enclosing is not None:
                found = self._members_named(self.base.get(enclosing, ()), name)
                if found:
                    return 3, found
        if receiver_type != "":
            found = self._members_named(exported.get(receiver_type, ()), name)
            if language in self.package_scoped:
                # Go: a type of the same package, in any of its files.
                found |= self._members_named(
                    self.package_types(file_path, language, receiver_type), name
                )
            if "." in receiver_type:
                # `g = nx.Graph()` then `g.add_edge()`: the type through a module alias.
                head, rest = _head_and_rest(receiver_type)
                for aliased in self.module_alias.get(file_path, {}).get(head, ()):
                    found |= self._members_named(
                        self.exported.get(aliased, {}).get(rest, ()), name
                    )
            if found:
                return 4, found
        if qualifier != "":
            found = self._through_module_alias(name, qualifier, file_path)
            if found:
                return 5, found
            if qualifier not in SELF_WORDS:
                classes = [key for key in exported.get(qualifier, ()) if self._is_class(key)]
                found = self._members_named(classes, name)
                if found:
                    return 6, found
        else:
            targets = exported.get(name, ())
            same_file = {key for key in targets if self.entity[key].file_path == file_path}
            if same_file:
                return 7, same_file
            if targets:
                return 8, set(targets)
            if (language, name) not in self.provided:
                unique = self.unique_top_level(language, name)
                if unique is not None and unique != from_key and (
                    kind != "type" or self._is_class(unique)
                ):
                    return 9, {unique}
        return 0, set()

    def _through_module_alias(self, name: str, qualifier: str, file_path: str) -> set[str]:
        aliases = self.module_alias.get(file_path, {})
        found: set[str] = set()
        for aliased in aliases.get(qualifier, ()):
            found.update(self.exported.get(aliased, {}).get(name, ()))
        if "." not in qualifier:
            return found
        # `nx.utils.f()`: a module alias, then a module (or a name) inside it.
        if "\n" in qualifier:
            head, rest = _head_and_rest(qualifier)
            heads = [(head, rest)] if head in aliases else []
        else:
            head, _, rest = qualifier.partition(".")
            heads = [(head, rest)] if head in aliases else []
        for head, rest in heads:
            for aliased in aliases[head]:
                unit = self.unit.get(aliased)
                if unit is not None:
                    submodule = f"{unit}/{rest.replace('.', '/')}"
                    for module_file in self.module_files.get(submodule, ()):
                        found.update(self.exported.get(module_file, {}).get(name, ()))
                for module in self.exported.get(aliased, {}).get(rest, ()):
                    owner_file = self.module_of.get(module)
                    if owner_file is not None:
                        found.update(self.exported.get(owner_file, {}).get(name, ()))
        return found

    def _import_candidates(self, reference: RawReference) -> set[str]:
        """What an import pins: the definition it takes from the module, or the module."""
        found: set[str] = set()
        module_path, name = reference.module_path, reference.name
        if module_path == "" or name == "*":
            return found
        if name != "":
            for module_file in self.module_files.get(module_path, ()):
                if module_file != reference.file_path:
                    found.update(self.exported.get(module_file, {}).get(name, ()))
        module_name = module_path if name == "" else f"{module_path}/{name}"
        for module_file in self.module_files.get(module_name, ()):
            module = self.file_module.get(module_file)
            if module_file != reference.file_path and module is not None:
                found.add(module)
        return found

    def resolve_from(self, from_keys: Iterable[str]) -> tuple[list[EdgeRow], list[UnresolvedRow]]:
        """The resolved edges and unresolved references of every reference made by these
        entities (rows aggregate per entity, so an entity is always resolved whole)."""
        edges: list[EdgeRow] = []
        unresolved: list[UnresolvedRow] = []
        for from_key in from_keys:
            references = self.references.get(from_key)
            if references:
                self._resolve_entity(from_key, references, edges, unresolved)
        return edges, unresolved

    def resolve_all(self) -> tuple[list[EdgeRow], list[UnresolvedRow]]:
        return self.resolve_from(list(self.references))

    def _resolve_entity(
        self,
        from_key: str,
        references: list[RawReference],
        edges: list[EdgeRow],
        unresolved: list[UnresolvedRow],
    ) -> None:
        entity = self.entity.get(from_key)
        # One reference per (kind, name, line, qualifier); a duplicate written with another
        # receiver type counts once, with the greatest (as the Datalog's keyed relation keeps).
        plain: dict[tuple[str, str, int, str], RawReference] = {}
        imports: dict[tuple[str, int, str], set[str]] = defaultdict(set)
        for reference in references:
            if reference.kind == "import":
                imports[(reference.name, reference.line, reference.scope)].update(
                    self._import_candidates(reference)
                )
            elif entity is not None:
                qualifier = reference.receiver or reference.scope
                identity = (reference.kind, reference.name, reference.line, qualifier)
                kept = plain.get(identity)
                if kept is None or reference.receiver_type > kept.receiver_type:
                    plain[identity] = reference
        if entity is None:
            return  # an edge needs its source entity; imports of no entity pin nothing
        pinned: dict[tuple[str, str], list[int]] = {}
        open_references: dict[tuple[str, str, int], int] = {}

        def pin(to_key: str, edge_type: str, line: int, tier: int) -> None:
            best = pinned.get((to_key, edge_type))
            if best is None:
                pinned[(to_key, edge_type)] = [line, tier]
            else:
                best[0] = min(best[0], line)
                best[1] = min(best[1], tier)

        for (_name, line, _scope), targets in imports.items():
            if len(targets) == 1:
                pin(next(iter(targets)), "imports", line, 5)
        for (kind, name, line, qualifier), reference in plain.items():
            edge_type = EDGE_TYPE_OF_KIND.get(kind)
            if edge_type is None:
                continue
            tier, targets = self.candidates(
                from_key, kind, name, qualifier, reference.file_path,
                reference.receiver_type, entity.language,
            )
            if len(targets) == 1:
                pin(next(iter(targets)), edge_type, line, tier)
                continue
            count = len(targets) or self._top_level_count(entity.language, name, qualifier)
            shown = name if qualifier == "" else f"{qualifier}.{name}"
            shown_at = (shown, edge_type, line)
            open_references[shown_at] = max(open_references.get(shown_at, 0), count)
        for (to_key, edge_type), (line, tier) in pinned.items():
            edges.append(
                (from_key, to_key, edge_type, entity.file_path, line, RESOLUTION_NAMES[tier])
            )
        for (shown, edge_type, line), count in open_references.items():
            unresolved.append((from_key, shown, edge_type, line, count))
