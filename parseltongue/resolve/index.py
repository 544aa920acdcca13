"""The codebase index's rows: entities, containment, module paths and raw references,
kept by name, file and parent so a file's rows can be added and taken out whole, and the
scope lookups over them (nested definitions, the enclosing class, top-level names).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from sys import intern

from parseltongue.file_references import reference_groups
from parseltongue.resolve.references import ReferenceLists
from parseltongue.resolve.referrers import Referrers
from parseltongue.resolve.rows import (
    BINDING_KINDS,
    MEMBER_OF,
    MEMBER_TYPE,
    OVERLOAD,
    PROPERTY,
    RETURNS,
    EntityRow,
    ModulePathRow,
    RawReference,
    imported_paths,
    names_its_file_binds,
)


class IndexedRows(Referrers):
    """The rows resolution reads, indexed; and slots for the lookups derived from them
    (computed by the layers above on first use)."""

    def __init__(
        self,
        entities: Iterable[Sequence],
        containment: Iterable[tuple[str, str]],
        module_paths: Iterable[Sequence],
        references: Iterable[Sequence],
        provided_names: Iterable[Sequence[str]] = (),
        package_scoped_languages: Iterable[Sequence[str]] = (),
        constructor_names: Iterable[Sequence[str]] = (),
    ) -> None:
        super().__init__()
        self.provided = {(language, name) for language, name in provided_names}
        # language -> the methods a construction of its classes runs (`__init__`).
        self.constructor_names: dict[str, set[str]] = defaultdict(set)
        for language, name in constructor_names:
            self.constructor_names[language].add(name)
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
        self.references = ReferenceLists()
        # (name, language) -> the non-impl types of that name, and impl block -> the types
        # it adds to (members.py): kept until the rows change.
        self._types_named_cache: dict[
            tuple[str, str], tuple[list[str], dict[str, list[str]]]
        ] = {}
        self._impl_types_cache: dict[str, list[str]] = {}
        # The imports, extends and implements of each file: what the derived lookups read,
        # without scanning every reference.
        self.binding_references: dict[str, list[RawReference]] = defaultdict(list)
        # (language, name) -> top-level definitions (children of a file's module that are
        # names of it: `names_its_file_binds`).
        self._top_level: dict[tuple[str, str], set[str]] = defaultdict(set)
        # module path -> files importing it (or a name of it as a submodule) -> how often.
        self._importers: dict[str, dict[str, int]] = defaultdict(dict)
        # type name -> (method, its file) of every `member_of` link naming it.
        self._member_links: dict[str, set[tuple[str, str]]] = defaultdict(set)
        # The methods with a `member_of` link: members of their type, not names of their file.
        self.linked_methods: set[str] = set()
        # entity -> its `member_type` and `returns` references (what typed chains read).
        self.declared_types: dict[str, list[RawReference]] = {}
        # The definitions that are overload signatures (their `overload` references).
        self.overload_signatures: set[str] = set()
        # The methods that are properties (their `property` references).
        self.properties: set[str] = set()
        # value name -> the module entities declaring a module-level value of that name.
        self.value_declarers: dict[str, set[str]] = defaultdict(set)
        self._member_of: dict[str, dict[str, set[str]]] = {}
        # (class, name) -> the members of that name `super` reaches from the class.
        self._in_method_order: dict[tuple[str, str], set[str]] = {}
        self.invalidate()
        self.add_rows(entities, containment, module_paths, references)

    def invalidate(self) -> None:
        """Forget what is derived from the rows (computed again on first use)."""
        self._exported: dict[str, dict[str, set[str]]] | None = None
        self._module_alias: dict[str, dict[str, set[str]]] | None = None
        self._member: dict[str, dict[str, set[str]]] | None = None
        # class -> its resolved bases -> the position each is written at.
        self._base: dict[str, dict[str, int]] | None = None
        self._member_of = {}
        self._in_method_order = {}

    def add_rows(
        self,
        entities: Iterable[Sequence],
        containment: Iterable[tuple[str, str]],
        module_paths: Iterable[Sequence],
        references: Iterable[Sequence],
    ) -> None:
        """Add the rows of files not in the index (a whole file's rows at once)."""
        # New dicts, not cleared: a snapshot taken before (a shallow copy) keeps its own.
        self._types_named_cache = {}
        self._impl_types_cache = {}
        added_files: set[str] = set()
        # Locals, not attributes: this loop runs once per entity of the codebase.
        entity_of, by_name, keys_of_file = self.entity, self.by_name, self.keys_of_file
        new_row = EntityRow.__new__
        for row in entities:
            key, file_path, entity_type, name, language = map(intern, row[:5])
            entity_of[key] = new_row(EntityRow, key, file_path, entity_type, name, language)
            by_name[name].add(key)
            keys_of_file[file_path].add(key)
            added_files.add(file_path)
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
            self.references.append(reference)
            self._count_reference(
                reference.from_key, reference.kind, reference.name, reference.receiver,
                reference.scope, reference.file_path, reference.receiver_type,
            )
            if reference.kind in BINDING_KINDS:
                self._add_binding(reference)

    def add_packed_references(self, rows: Iterable[Sequence[str]]) -> None:
        """Add stored `file_references` packs, (file_path, references) rows, of files whose
        other rows are in the index: counted now, each unpacked when first read (only its
        bindings are made now)."""
        new_reference = RawReference.__new__
        count_reference = self._count_reference
        for row_file_path, packed in rows:
            file_path = intern(row_file_path)
            from_keys = []
            for group_key, group in reference_groups(packed):
                from_key = intern(group_key)
                from_keys.append(from_key)
                for kind, name, line, receiver, scope, alias, receiver_type, module_path in group:
                    # Not interned here: only counted (a name is kept once, as a dict key).
                    count_reference(from_key, kind, name, receiver, scope, file_path, receiver_type)
                    if kind in BINDING_KINDS:
                        self._add_binding(new_reference(
                            RawReference, from_key, intern(kind), intern(name), line,
                            intern(receiver), intern(scope), intern(alias), file_path,
                            intern(receiver_type), intern(module_path),
                        ))
            self.references.add_packed(file_path, from_keys, packed)

    def _add_binding(self, reference: RawReference) -> None:
        self.binding_references[reference.file_path].append(reference)
        for module_path in imported_paths(reference):
            importers = self._importers[module_path]
            importers[reference.file_path] = importers.get(reference.file_path, 0) + 1
        if reference.kind == MEMBER_OF:
            self._member_links[reference.name].add((reference.from_key, reference.file_path))
            self._link_method(reference.from_key)
        elif reference.kind == OVERLOAD:
            self.overload_signatures.add(reference.from_key)
        elif reference.kind == PROPERTY:
            self.properties.add(reference.from_key)
        elif reference.kind in (MEMBER_TYPE, RETURNS):
            self.declared_types.setdefault(reference.from_key, []).append(reference)
            if reference.kind == MEMBER_TYPE and reference.from_key in self.module_of:
                self.value_declarers[reference.receiver].add(reference.from_key)

    def _link_method(self, key: str) -> None:
        """A method declared outside its type (Go `func (c *Command) Flags()`) is no
        top-level name of its file: a bare `Flags()` never calls it."""
        self.linked_methods.add(key)
        entity = self.entity.get(key)
        if entity is not None:
            same_name = self._top_level.get((entity.language, entity.name))
            if same_name is not None:
                same_name.discard(key)
                if not same_name:
                    del self._top_level[(entity.language, entity.name)]


    def _top_level_keys(self, file_path: str) -> list[str]:
        module = self.file_module.get(file_path)
        if module is None:
            return []
        return [
            key
            for key in self.children.get(module, ())
            if key in self.entity
            and names_its_file_binds(self.entity[key])
            and key not in self.linked_methods
        ]

    def _recount_module_paths(self, module_paths: Iterable[str]) -> None:
        # A module path counts only where it names one module unit (a file, or a Go/Java
        # folder), or where it is one unit's whole name: a crate's `rand` is its lib.rs,
        # whatever other files end in `rand` (tokio's `util/rand.rs`).
        for module_path in module_paths:
            units = self._units_of_path.get(module_path)
            named = set(units.values()) if units else set()
            if len(named) == 1:
                self.module_files[module_path] = set(units or ())
            elif module_path in named:
                self.module_files[module_path] = {
                    file_path for file_path, unit in (units or {}).items() if unit == module_path
                }
            else:
                self.module_files.pop(module_path, None)
                if not units:
                    self._units_of_path.pop(module_path, None)

    def remove_files(self, file_paths: Iterable[str]) -> None:
        """Take every row of these files out (their entities, containment, module paths and
        the references their entities make)."""
        self._types_named_cache = {}
        self._impl_types_cache = {}
        touched_paths: set[str] = set()
        for file_path in file_paths:
            for key in self._top_level_keys(file_path):
                entity = self.entity[key]
                same_name = self._top_level[(entity.language, entity.name)]
                same_name.discard(key)
                if not same_name:
                    del self._top_level[(entity.language, entity.name)]
            for reference in self.binding_references.get(file_path, ()):
                for module_path in imported_paths(reference):
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
                elif reference.kind == MEMBER_TYPE and reference.from_key in self.module_of:
                    declarers = self.value_declarers[reference.receiver]
                    declarers.discard(reference.from_key)
                    if not declarers:
                        del self.value_declarers[reference.receiver]
            for key in self.keys_of_file.pop(file_path, ()):
                entity = self.entity.pop(key)
                names = self.by_name[entity.name]
                names.discard(key)
                if not names:
                    del self.by_name[entity.name]
                # Containment never crosses files: a key's parent and children go with it.
                self.children.pop(key, None)
                self.parent.pop(key, None)
                self.local_names.pop(key, None)
                self.linked_methods.discard(key)
                self.declared_types.pop(key, None)
                self.overload_signatures.discard(key)
                self.properties.discard(key)
                self._uncount_references(key, self.references.pop(key))
            self.references.drop_packed(file_path)
            self.binding_references.pop(file_path, None)
            self._dotted_referrers.pop(file_path, None)
            self._chain_referrers.pop(file_path, None)
            module = self.file_module.pop(file_path, None)
            if module is not None:
                self.module_of.pop(module, None)
            for module_row in self._module_rows_of_file.pop(file_path, ()):
                self._units_of_path[module_row.module_path].pop(file_path, None)
                touched_paths.add(module_row.module_path)
            self.unit.pop(file_path, None)
        self._recount_module_paths(touched_paths)
