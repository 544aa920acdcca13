"""Updates: the codebase index kept between updates of one database (`ResolutionCache`), and
re-resolving only what a change of some files can reach (`TargetedUpdate`).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from parseltongue.derived import (
    CouplingChanges,
    CouplingDegrees,
    coupling_pairs,
)
from parseltongue.languages.modules import module_path_rows_of
from parseltongue.languages.roots import NO_ROOTS, PackageRoots
from parseltongue.resolve.changes import CodebaseIndex
from parseltongue.resolve.rows import (
    MEMBER_TYPE,
    OVERLOAD,
    PROPERTY,
    RETURNS,
    EdgeRow,
    EntityRow,
    UnresolvedRow,
)
from parseltongue.resolve.stored import (
    UnresolvedPack,
    collector_paused,
    line_start,
    load_codebase_index,
    pack_unresolved,
    unpack_unresolved,
    write_edges,
)
from parseltongue.storage import CozoDbStorage


@dataclass(frozen=True)
class KeptIndex:
    """What a ResolutionCache keeps of one ingestion."""

    index: CodebaseIndex
    coupling: CouplingDegrees
    """The coupling degrees of what the index holds."""
    totals: dict[str, int]
    """entities, edges and unresolved_references, as ingestion_totals counts them."""


@dataclass
class ResolutionCache:
    """A codebase index kept between updates of one database, so an update need not read
    the whole codebase back. It is trusted only while the database's ingestion generation
    (a token every completed ingestion writes) is the one it was made for."""

    kept: KeptIndex | None = None
    generation: str | None = None

    def forget(self) -> None:
        self.kept = self.generation = None

    def kept_for(
        self,
        storage: CozoDbStorage,
        generation: str | None,
        totals: dict[str, int] | None = None,
    ) -> KeptIndex:
        """What the database holds now: kept, or read back (with its totals, counted unless
        given)."""
        if self.kept is None or generation is None or generation != self.generation:
            with collector_paused(keep=True), ThreadPoolExecutor(max_workers=1) as pool:
                # Read while the index is built (Cozo runs without the GIL).
                coupling_rows = [
                    pool.submit(lambda name: storage.run_named_table(name).rows, name)
                    for name in ("rows_entity_coupling", "rows_file_coupling")
                ]
                index = load_codebase_index(storage)
                coupling = CouplingDegrees(*(rows.result() for rows in coupling_rows))
            totals = totals or storage.run_named("ingestion_totals")[0]
            self.kept = KeptIndex(index, coupling, totals)
            self.generation = generation
        return self.kept

    def keep_totals(self, totals: dict[str, int]) -> None:
        """Record the totals of the ingestion that brought the kept index up to date."""
        if self.kept is not None:
            self.kept = replace(self.kept, totals=dict(totals))


class TargetedUpdate:
    """Re-resolving only what a change of some files can reach.

    Taken before the files' rows go: their interface (what other files' references read of
    them), a snapshot of the derived lookups, and the entities with edges into them (those
    edges go with the rows). After the new rows are in the index, the references to resolve
    again are the changed files' own and their callers'; when an interface changed, also
    every reference a changed lookup can reach (`CodebaseIndex.referrers_reached_by_change`).
    """

    def __init__(
        self,
        storage: CozoDbStorage,
        kept: KeptIndex,
        files: list[str],
        roots: PackageRoots = NO_ROOTS,
    ) -> None:
        self.storage = storage
        self.index = index = kept.index
        self.coupling = kept.coupling
        self.totals_before = kept.totals
        self.files = files
        self.interfaces_before = [index.file_interface(path) for path in files]
        self.before = index.snapshot()
        # The paths the files answer to now and will answer to (a path follows from a file's
        # name and its package roots): a new file can make a path that named another file
        # ambiguous.
        self.module_paths_before = index.module_paths_of_files(files) | {
            module_path for module_path, _file in module_path_rows_of(files, roots)
        }
        self.module_files_before = index.module_files_of(self.module_paths_before)
        self.top_level_before = index.top_level_definitions(files)
        old_keys = {key for path in files for key in index.keys_of_file.get(path, ())}
        self.old_entities = [index.entity[key] for key in sorted(old_keys)]
        self.old_containment = sum(len(index.children.get(key, ())) for key in old_keys)
        callers = storage.run_named_table("callers_of", keys=sorted(old_keys)).rows
        self.callers = {row[0] for row in callers} - old_keys
        self.resolved_before = old_keys | self.callers
        self.old_keys = old_keys
        self.old_edges: set[EdgeRow] = set()
        self.new_entities: list[EntityRow] = []
        """The files' entities after the update (set by resolve_affected)."""
        self._read_old_resolution(self.resolved_before)
        # The files' packs go with their rows (remove_files), and hold every unresolved
        # reference their old entities made: counted now, for the totals.
        self.unresolved_gone = sum(
            row[1]
            for row in storage.run_named_table("unresolved_packs_of_files", files=files).rows
        )
        self.unresolved_replaced = 0
        """Rows of other files' packs the update replaced (set by resolve_affected)."""

    def _read_old_resolution(self, keys: set[str]) -> None:
        # As the resolver makes them: the sites a tuple, not the list Cozo gives back.
        self.old_edges.update(
            (*row[:6], tuple(row[6]))
            for row in self.storage.run_named_table(
                "resolved_edges_from", keys=sorted(keys)
            ).rows
        )

    def _write_differences(
        self,
        edges: list[EdgeRow],
        unresolved: list[UnresolvedRow],
        affected: set[str],
        batch_rows: int,
    ) -> None:
        """Write only what changed for the re-resolved entities: most of their rows come
        out the same (renaming `new` re-resolves every reference to `new`, and moves few).
        Rows from or into the changed files' old entities went with those files' rows."""
        gone = self.old_keys

        def written_before(row: tuple, into_gone: bool) -> bool:
            return row[0] not in gone and not (into_gone and row[1] in gone)

        edge_keys = {edge[:3] for edge in edges}
        stale_edges = [
            list(edge[:3])
            for edge in self.old_edges
            if edge[:3] not in edge_keys and written_before(edge, True)
        ]
        packs, emptied = self._unresolved_packs(unresolved, affected)
        if stale_edges or emptied:
            self.storage.run_named_write(
                "remove_resolved_rows", edges=stale_edges, unresolved_files=emptied
            )
        write_edges(
            self.storage,
            [
                edge
                for edge in edges
                if edge not in self.old_edges or not written_before(edge, True)
            ],
            batch_rows,
        )
        for start in range(0, len(packs), max(1, batch_rows)):
            self.storage.write_rows(
                "put_file_unresolved_references", packs[start : start + max(1, batch_rows)]
            )

    def _unresolved_packs(
        self, unresolved: list[UnresolvedRow], affected: set[str]
    ) -> tuple[list[UnresolvedPack], list[str]]:
        """The packs to write, and the files whose pack goes (emptied), for the files whose
        entities were re-resolved. A changed file's pack went with its rows, so it is the
        new rows alone (never the stale stored ones); another file's stored pack keeps the
        rows of entities not re-resolved. A pack that comes out as stored is not written."""
        entity = self.index.entity
        new_rows: dict[str, list[UnresolvedRow]] = defaultdict(list)
        for row in unresolved:
            new_rows[entity[row[0]].file_path].append(row)
        changed = set(self.files)
        affected_in: dict[str, list[str]] = defaultdict(list)
        for key in affected:
            if key in entity and entity[key].file_path not in changed:
                affected_in[entity[key].file_path].append(key)
        other_files = sorted(affected_in)
        stored = {
            file_path: references
            for file_path, _count, references in self.storage.run_named_table(
                "unresolved_packs_of_files", files=other_files
            ).rows
        } if other_files else {}
        packs = [pack_unresolved(path, new_rows[path]) for path in sorted(changed & set(new_rows))]
        emptied: list[str] = []
        for path in other_files:
            old = stored.get(path, "")
            # Mostly the re-resolved entities (callers) come out as they were: their lines,
            # found by how they start, then equal the new ones and the pack stands, unparsed.
            starts = tuple(line_start(key) for key in affected_in[path])
            old_lines = [line for line in old.split("\n") if line.startswith(starts)]
            self.unresolved_replaced += len(old_lines)
            new_pack = pack_unresolved(path, new_rows.get(path, []))
            if "\n".join(old_lines) == new_pack[2]:
                continue
            kept = [row for row in unpack_unresolved(old) if row[0] not in affected]
            pack = pack_unresolved(path, kept + new_rows.get(path, []))
            if not pack[1]:
                if old:
                    emptied.append(path)
            elif pack[2] != old:
                packs.append(pack)
        return packs, emptied

    def _interfaces_now(self) -> list[tuple]:
        return [self.index.file_interface(path) for path in self.files]

    def interfaces_unchanged(self) -> bool:
        return self.interfaces_before == self._interfaces_now()

    def resolve_affected(self, batch_rows: int) -> UpdateEffect:
        """Resolve again what the change can reach, replacing those entities' rows."""
        index = self.index
        self.new_entities = [
            index.entity[key]
            for path in self.files
            for key in sorted(index.keys_of_file.get(path, ()))
        ]
        new_keys = {entity.key for entity in self.new_entities}
        affected = new_keys | self.callers
        new_containment = sum(len(index.children.get(key, ())) for key in new_keys)
        if not self.interfaces_unchanged():
            module_paths = self.module_paths_before | index.module_paths_of_files(self.files)
            named_before = {
                path: self.module_files_before.get(path, frozenset()) for path in module_paths
            }
            changed_paths = [
                path
                for path, files in index.module_files_of(module_paths).items()
                if files != named_before[path]
            ]
            scope = index.refresh_derived(
                self.before,
                self.files,
                [*self.old_entities, *self.new_entities],
                named_before,
                changed_paths,
            )
            top_level_names = index.names_with_other_top_level_definitions(
                self.top_level_before, index.top_level_definitions(self.files)
            )
            declared_before, declared_after = (
                _declared_types(interfaces)
                for interfaces in (self.interfaces_before, self._interfaces_now())
            )
            reached = index.referrers_reached_by_change(
                self.before, self.files, changed_paths, top_level_names, scope,
                declared_changed=declared_before != declared_after,
                overload_names={
                    row[2] for row in declared_before ^ declared_after
                    if row[1] in (OVERLOAD, PROPERTY)
                },
            )
            # Entities still holding rows from before: read what they had, then drop it.
            extra = reached - affected - self.resolved_before
            extra = {key for key in extra if key in index.entity}
            self._read_old_resolution(extra)
            affected |= extra
        edges, unresolved = index.resolve_from(sorted(affected))
        self._write_differences(edges, unresolved, affected, batch_rows)
        # Coupling moves with the pairs that came or went (every edge from the re-resolved
        # and removed entities is in old_edges and edges), and with entities.
        old_pairs, new_pairs = coupling_pairs(self.old_edges), coupling_pairs(edges)
        pairs_gone, pairs_new = old_pairs - new_pairs, new_pairs - old_pairs
        file_of = {entity.key: entity.file_path for entity in self.old_entities}
        for pair in (*pairs_gone, *pairs_new):
            for key in pair:
                entity = index.entity.get(key)
                if entity is not None:
                    file_of[key] = entity.file_path
        coupling_changes = self.coupling.change(
            pairs_gone,
            pairs_new,
            file_of,
            self.old_keys,
            {entity.key: entity.file_path for entity in self.new_entities},
        )
        before = self.totals_before
        edges_delta = len(edges) - len(self.old_edges) + new_containment - self.old_containment
        return UpdateEffect(
            resolved_entities=sum(1 for key in affected if index.references.get(key)),
            totals={
                "entities": len(index.entity),
                "edges": before["edges"] + edges_delta,
                "unresolved_references": before["unresolved_references"] + len(unresolved)
                - self.unresolved_gone - self.unresolved_replaced,
            },
            coupling_changes=coupling_changes,
        )


@dataclass
class UpdateEffect:
    """What a targeted update changed, for the totals and the derived relations."""

    resolved_entities: int
    totals: dict[str, int]
    """The database's totals after the update, as ingestion_totals counts them."""
    coupling_changes: CouplingChanges


def _declared_types(interfaces: list[tuple]) -> set[tuple]:
    """The declared types (`member_type`, `returns`) and overload signatures of files'
    interfaces (`file_interface`), as (from_key, kind, name, receiver, scope, alias, module
    path, receiver type) rows."""
    return {
        row
        for interface in interfaces
        for row in interface[3]
        if row[1] in (MEMBER_TYPE, RETURNS, OVERLOAD, PROPERTY)
    }
