"""Resolution against a database: feed the codebase index from an ingestion's rows or from
the database, resolve every reference, and write the edges, unresolved references (packed per
file) and derived rows back.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _encode_string
from typing import Any, NamedTuple

from parseltongue.derived import (
    CouplingDegrees,
    coupling_rows,
    search_token_rows,
)
from parseltongue.file_outlines import unpack_file_outlines
from parseltongue.languages import (
    constructor_name_rows,
    package_scoped_language_rows,
    provided_name_rows,
)
from parseltongue.packed import unpack_lines
from parseltongue.resolve.changes import CodebaseIndex
from parseltongue.resolve.rows import EdgeRow, EntityRow, UnresolvedRow
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
            (), (), (), (), provided_name_rows(), package_scoped_language_rows(),
            constructor_name_rows(),
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
        # (parent, child): an entity row's last column is its parent_key.
        containment = [
            (row[12], row[0]) for row in rows_by_query.get("put_entities", ()) if row[12]
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
            package_scoped_language_rows(), constructor_name_rows(),
        )
        self.entities, self.containment, self.module_paths = [], [], []
        references, self.references = self.references, []
        while references:
            index.add_references(references[-100_000:])
            del references[-100_000:]
        return index


@contextmanager
def collector_paused(keep: bool = False) -> Iterator[None]:
    """Pause Python's cycle collector while a codebase index is built or resolved: millions
    of tuples, dicts and sets that hold no cycles would otherwise be traversed again and
    again as they are made.

    With `keep`, what is alive at the end is moved out of the collector's reach
    (keep_out_of_collections) while it is still paused: re-enabled first, it collects at
    the next allocation and traverses everything made meanwhile (0.1 s after the rust
    corpus's parse phase)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            keep_out_of_collections()
        if was_enabled:
            gc.enable()


def keep_out_of_collections() -> None:
    """Move every object alive now (a kept index above all) out of the collector's reach: a
    full collection traversed the whole index (~0.3 s on the rust corpus), and one started
    whenever an update allocated enough, inside the 200 ms an update may take. The index holds
    no cycles, so reference counting still frees what an update drops."""
    gc.freeze()


def load_codebase_index(storage: CozoDbStorage) -> CodebaseIndex:
    """The index of everything the database holds.

    The three reads run on threads at once: Cozo releases the GIL while it executes a query,
    so the later reads overlap the decoding of the first (the first update in a new process
    waits for all of this)."""

    def rows(query_name: str) -> list[list]:
        return storage.run_named_table(query_name).rows

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="index-read") as pool:
        outlines, module_paths, references = (
            pool.submit(rows, name)
            for name in ("resolution_outlines", "rows_module_paths", "resolution_references")
        )
        entities, containment = unpack_file_outlines(outlines.result())
        index = CodebaseIndex(
            entities, containment, module_paths.result(), (), provided_name_rows(),
            package_scoped_language_rows(), constructor_name_rows(),
        )
        index.add_packed_references(references.result())
    return index


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
            f"{line_start(key)}{text(name)},{text(edge_type)},{line:d},{candidates:d}]"
            for key, name, edge_type, line, candidates in rows
        ]),
    )


def line_start(from_key: str) -> str:
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
