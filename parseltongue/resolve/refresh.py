"""The derived lookups brought up to date after some files changed, recomputing only what
the change can touch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from parseltongue.resolve.rows import CLASS_TYPES, MEMBER_OWNER_TYPES, DerivedScope, EntityRow
from parseltongue.resolve.rules import Resolver


class DerivedRefresh(Resolver):
    """The index, with its derived lookups refreshed for the files a change touched."""

    def refresh_derived(
        self,
        before: DerivedRefresh,
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
            if self.entity[key].entity_type in MEMBER_OWNER_TYPES
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
        # Bases: those declared in files whose bindings were recomputed, and (a package's
        # types name bases across its files) in the changed files' packages.
        base_files = closure | package_files
        base_keys = {entity.key for entity in changed_entities}
        for file_path in base_files:
            base_keys.update(
                reference.from_key
                for reference in self.binding_references.get(file_path, ())
                if reference.kind in ("extends", "implements")
            )
        bases = {key: found for key, found in before.base.items() if key not in base_keys}
        for file_path in base_files:
            for reference in self.binding_references.get(file_path, ()):
                if reference.kind in ("extends", "implements"):
                    self._add_bases(bases, reference)
        self._base = bases
        self._member_of = {}
        self._in_method_order = {}
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
