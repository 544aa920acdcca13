"""Resolution against a database: gather what resolution reads, resolve, write the rows.

`parseltongue.resolve` holds the rules; this module feeds them from an ingestion's rows (or
from the database) and writes the resolved edges and unresolved references back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from parseltongue.languages import provided_name_rows
from parseltongue.resolve import CodebaseIndex, EdgeRow, UnresolvedRow
from parseltongue.storage import CozoDbStorage

# put_entities column positions of what resolution reads: key, file, type, name, language.
_ENTITY_COLUMNS = (0, 1, 2, 5, 4)


@dataclass
class ResolutionInputs:
    """The narrow rows resolution reads, gathered from an ingestion's write batches."""

    entities: list[tuple] = field(default_factory=list)
    containment: list[tuple[str, str]] = field(default_factory=list)
    module_paths: list[Sequence] = field(default_factory=list)
    references: list[Sequence] = field(default_factory=list)

    def add_chunk(self, rows_by_query: dict[str, list]) -> None:
        """Keep what resolution needs of one chunk's rows (by write query name)."""
        self.entities.extend(
            tuple(row[column] for column in _ENTITY_COLUMNS)
            for row in rows_by_query.get("put_entities", ())
        )
        self.containment.extend(
            (row[0], row[1]) for row in rows_by_query.get("put_edges", ()) if row[2] == "contains"
        )
        self.module_paths.extend(rows_by_query.get("put_module_paths", ()))
        self.references.extend(rows_by_query.get("put_raw_references", ()))

    def index(self) -> CodebaseIndex:
        return CodebaseIndex(
            self.entities, self.containment, self.module_paths, self.references,
            provided_name_rows(),
        )


def load_codebase_index(storage: CozoDbStorage) -> CodebaseIndex:
    """The index of everything the database holds."""

    def rows(query_name: str) -> list[list]:
        return storage.run_named_table(query_name).rows

    return CodebaseIndex(
        rows("resolution_entities"),
        [(parent, child) for parent, child in rows("resolution_containment")],
        rows("rows_module_paths"),
        rows("resolution_references"),
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


def resolve_everything(
    storage: CozoDbStorage, index: CodebaseIndex, batch_rows: int = 20_000
) -> tuple[int, int]:
    """Resolve every reference of `index` and write the rows (after any earlier resolution
    was cleared); returns (edges, unresolved references) written."""
    edges, unresolved = index.resolve_all()
    write_resolution(storage, edges, unresolved, batch_rows)
    return len(edges), len(unresolved)
