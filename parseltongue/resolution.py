"""Resolution against a database: gather what resolution reads, resolve, write the rows.

`parseltongue.resolve` holds the rules; this module feeds them from an ingestion's rows (or
from the database), writes the resolved edges, unresolved references and derived rows back,
keeps the codebase index between updates (`ResolutionCache`), and re-resolves only what an
update can reach (`TargetedUpdate`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from parseltongue.derived import (
    CouplingChanges,
    CouplingDegrees,
    coupling_pairs,
    coupling_rows,
    search_token_rows,
)
from parseltongue.file_references import unpack_rows
from parseltongue.languages import provided_name_rows
from parseltongue.modules import module_path_rows_of
from parseltongue.resolve import CodebaseIndex, EdgeRow, EntityRow, UnresolvedRow
from parseltongue.storage import BackgroundWriter, CozoDbStorage

# put_entities column positions of what resolution reads: key, file, type, name, language.
_ENTITY_COLUMNS = (0, 1, 2, 5, 4)


@dataclass
class ResolutionInputs:
    """The narrow rows resolution reads, gathered from an ingestion's write batches."""

    entities: list[tuple] = field(default_factory=list)
    containment: list[tuple[str, str]] = field(default_factory=list)
    module_paths: list[Sequence] = field(default_factory=list)
    references: list[Sequence] = field(default_factory=list)

    def add_chunk(self, rows_by_query: dict[str, list], references: list[Sequence]) -> None:
        """Keep what resolution needs of one chunk's rows (by write query name) and its raw
        references."""
        self.entities.extend(
            tuple(row[column] for column in _ENTITY_COLUMNS)
            for row in rows_by_query.get("put_entities", ())
        )
        self.containment.extend(
            (row[0], row[1]) for row in rows_by_query.get("put_edges", ()) if row[2] == "contains"
        )
        self.module_paths.extend(rows_by_query.get("put_module_paths", ()))
        self.references.extend(references)

    def index(self) -> CodebaseIndex:
        """The index of these rows; the rows are let go as it takes them (a rebuild holds
        every reference of the codebase: not twice)."""
        index = CodebaseIndex(
            self.entities, self.containment, self.module_paths, (), provided_name_rows()
        )
        self.entities, self.containment, self.module_paths = [], [], []
        references, self.references = self.references, []
        while references:
            index.add_references(references[-100_000:])
            del references[-100_000:]
        return index


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a codebase index is built or resolved: millions
    of tuples, dicts and sets that hold no cycles would otherwise be traversed again and
    again as they are made."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def keep_out_of_collections() -> None:
    """Move every object alive now (a kept index above all) out of the collector's reach: a
    full collection traversed the whole index (~0.3 s on the rust corpus), and one started
    whenever an update allocated enough, inside the 200 ms an update may take. The index holds
    no cycles, so reference counting still frees what an update drops."""
    gc.freeze()


def load_codebase_index(storage: CozoDbStorage) -> CodebaseIndex:
    """The index of everything the database holds."""

    def rows(query_name: str) -> list[list]:
        return storage.run_named_table(query_name).rows

    return CodebaseIndex(
        rows("resolution_entities"),
        [(parent, child) for parent, child in rows("resolution_containment")],
        rows("rows_module_paths"),
        unpack_rows(rows("resolution_references")),
        provided_name_rows(),
    )


def write_resolution(
    storage: CozoDbStorage,
    edges: list[EdgeRow],
    unresolved: list[UnresolvedRow],
    batch_rows: int = 20_000,
) -> None:
    """Write resolved edges and unresolved references in transactions of `batch_rows`."""
    batch = max(1, batch_rows)
    for query_name, rows in (
        ("put_edges", edges),
        ("put_unresolved_references", unresolved),
    ):
        for start in range(0, len(rows), batch):
            storage.write_rows(query_name, rows[start : start + batch])


class FullResolution(NamedTuple):
    edges: int
    unresolved: int
    """How many resolved edges and unresolved references were written."""
    coupling: CouplingDegrees


def resolve_everything(
    storage: CozoDbStorage, index: CodebaseIndex, batch_rows: int = 20_000
) -> FullResolution:
    """Resolve every reference of `index`, derive the search tokens and coupling degrees, and
    write all of it (over no earlier resolution: cleared, or a new database); returns what
    was written, with the coupling degrees for later updates.

    Rows are written as they are made, a slice of entities at a time, by two writer threads
    (one relation each at a time): the run never holds every row at once, and Cozo converts
    and writes one batch while the next is resolved."""
    batch = max(1, batch_rows)
    storage.run_named_write("clear_derived")
    entities = list(index.entity.values())
    resolution_writer, derived_writer = BackgroundWriter(storage), BackgroundWriter(storage)
    all_edges: list[EdgeRow] = []
    unresolved_count = 0
    try:
        # A token's postings span the whole codebase, so they are grouped over every entity
        # first; the rows (one per token) are then written while references resolve.
        tokens, vocabulary = search_token_rows(
            (entity.key, entity.name, entity.file_path) for entity in entities
        )
        for query_name, rows in (
            ("put_entity_name_tokens", tokens),
            ("put_name_vocabulary", vocabulary),
        ):
            for start in range(0, len(rows), batch):
                derived_writer.submit(query_name, rows[start : start + batch])
        del tokens, vocabulary
        from_keys = list(index.references)
        # Slices of entities, not of rows: an entity's rows aggregate over its references.
        step = max(1, batch // 5)
        for start in range(0, len(from_keys), step):
            edges, unresolved = index.resolve_from(from_keys[start : start + step])
            all_edges.extend(edges)
            unresolved_count += len(unresolved)
            if edges:
                resolution_writer.submit("put_edges", edges)
            if unresolved:
                resolution_writer.submit("put_unresolved_references", unresolved)
        entity_coupling, file_coupling = coupling_rows(
            {entity.key: entity.file_path for entity in entities},
            (edge[:4] for edge in all_edges),
        )
        for query_name, rows in (
            ("put_entity_coupling", entity_coupling),
            ("put_file_coupling", file_coupling),
        ):
            for start in range(0, len(rows), batch):
                derived_writer.submit(query_name, rows[start : start + batch])
    finally:
        for writer in (resolution_writer, derived_writer):
            writer.finish()
    for writer in (resolution_writer, derived_writer):
        writer.raise_if_failed()
    return FullResolution(
        len(all_edges), unresolved_count, CouplingDegrees(entity_coupling, file_coupling)
    )


class KeptIndex(NamedTuple):
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
            with collector_paused():
                index = load_codebase_index(storage)
                coupling = CouplingDegrees(
                    storage.run_named_table("rows_entity_coupling").rows,
                    storage.run_named_table("rows_file_coupling").rows,
                )
            keep_out_of_collections()
            totals = totals or storage.run_named("ingestion_totals")[0]
            self.kept = KeptIndex(index, coupling, totals)
            self.generation = generation
        return self.kept

    def keep_totals(self, totals: dict[str, int]) -> None:
        """Record the totals of the ingestion that brought the kept index up to date."""
        if self.kept is not None:
            self.kept = self.kept._replace(totals=dict(totals))


class TargetedUpdate:
    """Re-resolving only what a change of some files can reach.

    Taken before the files' rows go: their interface (what other files' references read of
    them), a snapshot of the derived lookups, and the entities with edges into them (those
    edges go with the rows). After the new rows are in the index, the references to resolve
    again are the changed files' own and their callers'; when an interface changed, also
    every reference a changed lookup can reach (`CodebaseIndex.referrers_reached_by_change`).
    """

    def __init__(self, storage: CozoDbStorage, kept: KeptIndex, files: list[str]) -> None:
        self.storage = storage
        self.index = index = kept.index
        self.coupling = kept.coupling
        self.totals_before = kept.totals
        self.files = files
        self.interfaces_before = [index.file_interface(path) for path in files]
        self.before = index.snapshot()
        # The paths the files answer to now and will answer to (a path follows from a file's
        # name): a new file can make a path that named another file ambiguous.
        self.module_paths_before = index.module_paths_of_files(files) | {
            module_path for module_path, _file in module_path_rows_of(files)
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
        self.old_unresolved: set[UnresolvedRow] = set()
        self.new_entities: list[EntityRow] = []
        """The files' entities after the update (set by resolve_affected)."""
        self._read_old_resolution(self.resolved_before)

    def _read_old_resolution(self, keys: set[str]) -> None:
        ordered = sorted(keys)
        self.old_edges.update(
            tuple(row)
            for row in self.storage.run_named_table("resolved_edges_from", keys=ordered).rows
        )
        self.old_unresolved.update(
            tuple(row)
            for row in self.storage.run_named_table("unresolved_from", keys=ordered).rows
        )

    def _write_differences(
        self, edges: list[EdgeRow], unresolved: list[UnresolvedRow], batch_rows: int
    ) -> None:
        """Write only what changed for the re-resolved entities: most of their rows come
        out the same (renaming `new` re-resolves every reference to `new`, and moves few).
        Rows from or into the changed files' old entities went with those files' rows."""
        gone = self.old_keys

        def written_before(row: tuple, into_gone: bool) -> bool:
            return row[0] not in gone and not (into_gone and row[1] in gone)

        new_edges, new_unresolved = set(edges), set(unresolved)
        edge_keys = {edge[:3] for edge in new_edges}
        unresolved_keys = {row[:4] for row in new_unresolved}
        stale_edges = [
            list(edge[:3])
            for edge in self.old_edges
            if edge[:3] not in edge_keys and written_before(edge, True)
        ]
        stale_unresolved = [
            list(row[:4])
            for row in self.old_unresolved
            if row[:4] not in unresolved_keys and written_before(row, False)
        ]
        if stale_edges or stale_unresolved:
            self.storage.run_named_write(
                "remove_resolved_rows", edges=stale_edges, unresolved=stale_unresolved
            )
        write_resolution(
            self.storage,
            [
                edge
                for edge in edges
                if edge not in self.old_edges or not written_before(edge, True)
            ],
            [
                row
                for row in unresolved
                if row not in self.old_unresolved or not written_before(row, False)
            ],
            batch_rows,
        )

    def interfaces_unchanged(self) -> bool:
        return self.interfaces_before == [self.index.file_interface(path) for path in self.files]

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
            reached = index.referrers_reached_by_change(
                self.before, self.files, changed_paths, top_level_names, scope
            )
            # Entities still holding rows from before: read what they had, then drop it.
            extra = reached - affected - self.resolved_before
            extra = {key for key in extra if key in index.entity}
            self._read_old_resolution(extra)
            affected |= extra
        edges, unresolved = index.resolve_from(sorted(affected))
        self._write_differences(edges, unresolved, batch_rows)
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
                "unresolved_references": before["unresolved_references"]
                + len(unresolved) - len(self.old_unresolved),
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
