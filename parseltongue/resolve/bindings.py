"""What each file binds at its top level: its own definitions and what its imports take,
followed through re-exports and `*` imports to a fixpoint; and which of those names
stand for modules (module aliases).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from parseltongue.resolve.rows import (
    EXPORT,
    NAMES_ONLY_IMPORTS,
    RawReference,
    names_its_file_binds,
)
from parseltongue.resolve.scopes import LexicalScopes


class FileBindings(LexicalScopes):
    """The index, with what each file binds."""

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
                    local = self._package_name(reference) or reference.scope
                yield reference.file_path, local, reference.module_path, taken

    def _named_import_binds_modules(self, file_path: str) -> bool:
        """Whether a named import in this file may name a submodule (not in JavaScript or
        TypeScript, whose named imports take only what the module exports)."""
        module = self.entity.get(self.file_module.get(file_path, ""))
        return module is None or module.language not in NAMES_ONLY_IMPORTS

    def _package_name(self, reference: RawReference) -> str:
        """The name a package-scoped language's import of a whole package binds: the one
        its files declare (Go `import "gopkg.in/yaml.v3"` binds `yaml`), when they declare
        one (their `_test` packages aside); "" otherwise."""
        importer = self.entity.get(reference.from_key)
        if importer is None or importer.language not in self.package_scoped:
            return ""
        names = {
            self.entity[key].name
            for module_file in self.module_files.get(reference.module_path, ())
            for key in self.children.get(self.file_module.get(module_file, ""), ())
            if self.entity[key].entity_type == "module"
            and not self.entity[key].name.endswith("_test")
        }
        return next(iter(names)) if len(names) == 1 else ""

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
        # `export { a as b }`: what `a` stands for in the file, `b` stands for too.
        renames: dict[tuple[str, str], set[str]] = defaultdict(set)
        for file_path in files:
            for reference in self.binding_references.get(file_path, ()):
                if reference.kind == EXPORT and reference.alias not in ("", reference.name):
                    renames[(file_path, reference.name)].add(reference.alias)
        for file_path in files:
            module = self.file_module.get(file_path)
            for child in self.children.get(module, ()) if module is not None else ():
                entity = self.entity.get(child)
                if (
                    entity is not None
                    and names_its_file_binds(entity)
                    and child not in self.linked_methods
                ):
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
                    if module is not None and self._named_import_binds_modules(file_path):
                        add(file_path, local, module)
                for imported_file in self.module_files.get(module_path, ()):
                    if imported_file in settled:
                        for key in list(settled[imported_file].get(taken, ())):
                            add(file_path, local, key)
                    takers_of_name[(imported_file, taken)].add((file_path, local))
        while pending:
            file_path, name, key = pending.pop()
            for alias in renames.get((file_path, name), ()):
                add(file_path, alias, key)
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
