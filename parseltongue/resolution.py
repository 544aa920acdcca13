"""Resolution against a database: gather what resolution reads, resolve, write the rows.

`parseltongue.resolve` holds the rules; this module feeds them from an ingestion's rows (or
from the database), writes the resolved edges, unresolved references and derived rows back,
keeps the codebase index between updates (`ResolutionCache`), and re-resolves only what an
update can reach (`TargetedUpdate`).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring as _encode_string
from typing import Any, NamedTuple

from parseltongue.derived import (
    CouplingChanges,
    CouplingDegrees,
    coupling_pairs,
    coupling_rows,
    search_token_rows,
)
from parseltongue.file_references import unpack_rows
from parseltongue.languages import package_scoped_language_rows, provided_name_rows
from parseltongue.modules import module_path_rows_of
from parseltongue.packed import unpack_lines
from parseltongue.resolve import CodebaseIndex, EdgeRow, EntityRow, UnresolvedRow
from parseltongue.storage import BackgroundWriter, CozoDbStorage

# put_entities column positions of what resolution reads: key, file, type, name, language.
_ENTITY_COLUMNS = (0, 1, 2, 5, 4)


@dataclass
class ResolutionInputs:
    """The narrow rows resolution reads, gathered from an ingestion's write batches.

    `indexing()` makes inputs that add each chunk straight to a new codebase index: a
    rebuild then builds its index while the parse workers and writers are busy, instead of
    after the last file. An update keeps the rows apart instead: they go into the kept index
    only once the files' old rows are out.
    """

    entities: list[tuple] = field(default_factory=list)
    containment: list[tuple[str, str]] = field(default_factory=list)
    module_paths: list[Sequence] = field(default_factory=list)
    references: list[Sequence] = field(default_factory=list)
    building: CodebaseIndex | None = None

    @classmethod
    def indexing(cls) -> ResolutionInputs:
        """Inputs that index each chunk as it is added."""
        return cls(building=CodebaseIndex(
            (), (), (), (), provided_name_rows(), package_scoped_language_rows()
        ))

    def add_chunk(
        self, rows_by_query: dict[str, list], references: Sequence[Sequence]
    ) -> None:
        """Keep what resolution needs of one chunk's rows (by write query name) and its raw
        references (whole files: a chunk never splits one)."""
        entities = [
            tuple(row[column] for column in _ENTITY_COLUMNS)
            for row in rows_by_query.get("put_entities", ())
        ]
        containment = [
            (row[0], row[1]) for row in rows_by_query.get("put_edges", ()) if row[2] == "contains"
        ]
        module_paths = rows_by_query.get("put_module_paths", ())
        if self.building is not None:
            self.building.add_rows(entities, containment, module_paths, references)
            return
        self.entities.extend(entities)
        self.containment.extend(containment)
        self.module_paths.extend(module_paths)
        self.references.extend(references)

    def index(self) -> CodebaseIndex:
        """The index of these rows; the rows are let go as it takes them (a rebuild holds
        every reference of the codebase: not twice)."""
        if self.building is not None:
            return self.building
        index = CodebaseIndex(
            self.entities, self.containment, self.module_paths, (), provided_name_rows(),
            package_scoped_language_rows(),
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
        package_scoped_language_rows(),
    )


UnresolvedPack = tuple[str, int, str]
"""A file_unresolved_references row: file_path, reference_count, references (JSON Lines)."""


def pack_unresolved(file_path: str, rows: list[UnresolvedRow]) -> UnresolvedPack:
    """The stored row of one file's unresolved references; sorted, so the same rows always
    pack to the same text (sequential and parallel ingestion, an update and a rebuild).

    The text is packed.pack_lines's, written out for this row shape: three strings and two
    ints need no encoder walking a list (0.1 s against 0.25 s for the rust corpus's 165k
    rows; tests/test_resolve_differential.py checks the texts are the same)."""
    rows.sort()
    text = _encode_string
    return (
        file_path,
        len(rows),
        "\n".join([
            f"{_line_start(key)}{text(name)},{text(edge_type)},{line:d},{candidates:d}]"
            for key, name, edge_type, line, candidates in rows
        ]),
    )


def _line_start(from_key: str) -> str:
    """How every packed line of this entity's references starts: no other key's line does
    (a quote inside a key is escaped, so the quote and comma end this key only)."""
    return f"[{_encode_string(from_key)},"


def unpack_unresolved(references: str) -> list[UnresolvedRow]:
    """A stored pack's rows, as the resolver makes them (tuples)."""
    return [tuple(row) for row in unpack_lines(references)]


def unresolved_packs(
    rows: Iterable[UnresolvedRow], entities: Mapping[str, EntityRow]
) -> list[UnresolvedPack]:
    """Rows grouped into one pack per file (the file of the entity making the reference),
    in file order."""
    by_file: dict[str, list[UnresolvedRow]] = defaultdict(list)
    for row in rows:
        by_file[entities[row[0]].file_path].append(row)
    return [pack_unresolved(path, by_file[path]) for path in sorted(by_file)]


def write_edges(storage: CozoDbStorage, edges: list[EdgeRow], batch_rows: int = 20_000) -> None:
    """Write resolved edges in transactions of `batch_rows`."""
    batch = max(1, batch_rows)
    for start in range(0, len(edges), batch):
        storage.write_rows("put_edges", edges[start : start + batch])


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

    Rows are written as they are made, a slice of whole files' entities at a time, by two
    writer threads (one relation each at a time): the run never holds every row at once, and
    Cozo converts and writes one batch while the next is resolved. A file's unresolved
    references are packed once all its entities are resolved, so a slice ends at a file's
    end."""
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
        # Slices of entities, not of rows: an entity's rows aggregate over its references.
        for from_keys in _slices_of_whole_files(index, max(1, batch // 5)):
            edges, unresolved = index.resolve_from(from_keys)
            all_edges.extend(edges)
            unresolved_count += len(unresolved)
            if edges:
                resolution_writer.submit("put_edges", edges)
            if unresolved:
                resolution_writer.submit(
                    "put_file_unresolved_references", unresolved_packs(unresolved, index.entity)
                )
        entity_coupling, file_coupling = coupling_rows(
            {entity.key: entity.file_path for entity in entities},
            (edge[:4] for edge in all_edges),
        )
        coupling: tuple[tuple[str, Sequence[Sequence[Any]]], ...] = (
            ("put_entity_coupling", entity_coupling),
            ("put_file_coupling", file_coupling),
        )
        for query_name, coupling_batch in coupling:
            for start in range(0, len(coupling_batch), batch):
                derived_writer.submit(query_name, list(coupling_batch[start : start + batch]))
    finally:
        for writer in (resolution_writer, derived_writer):
            writer.finish()
    for writer in (resolution_writer, derived_writer):
        writer.raise_if_failed()
    return FullResolution(
        len(all_edges), unresolved_count, CouplingDegrees(entity_coupling, file_coupling)
    )


def _slices_of_whole_files(index: CodebaseIndex, step: int) -> Iterator[list[str]]:
    """The entities making references, file by file, in slices of about `step` that never
    split a file. An entity no longer in the index makes no row (resolve_from skips it)."""
    keys_of_file: dict[str, list[str]] = defaultdict(list)
    for key in index.references:
        entity = index.entity.get(key)
        if entity is not None:
            keys_of_file[entity.file_path].append(key)
    current: list[str] = []
    for file_path in sorted(keys_of_file):
        current.extend(keys_of_file[file_path])
        if len(current) >= step:
            yield current
            current = []
    if current:
        yield current


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
            self.kept = replace(self.kept, totals=dict(totals))


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
        self.old_edges.update(
            tuple(row)
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
            starts = tuple(_line_start(key) for key in affected_in[path])
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
