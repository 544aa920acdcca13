"""What the codebase index says of whole files: a file's interface (what other files'
resolution reads of it), its module paths and top-level definitions, and the totals a
database holding the index would count. The layer over the rows (`index`); what a change
reaches (`changes`) compares these before and after.
"""

from __future__ import annotations

from collections.abc import Iterable

from parseltongue.resolve.index import IndexedRows


class FileFacts(IndexedRows):
    """The index's rows, with what they say of whole files."""

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
            (reference.from_key, reference.kind, reference.name, reference.receiver,
             reference.scope, reference.alias, reference.module_path,
             reference.receiver_type)  # a declared type may be a typed chain
            for reference in self.binding_references.get(file_path, ())
        )
        module_rows = sorted(self._module_rows_of_file.get(file_path, ()))
        return (file_path in self.keys_of_file, entities, containment, bindings, module_rows)

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

    def top_level_definitions(self, file_paths: Iterable[str]) -> dict[str, tuple[str, str]]:
        """key -> (language, name) of the files' top-level definitions."""
        return {
            key: (self.entity[key].language, self.entity[key].name)
            for file_path in file_paths
            for key in self._top_level_keys(file_path)
        }
