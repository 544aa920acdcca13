"""Compare two Parseltongue databases row for row, relation by relation.

The PRD's integrity check: a sequential and a parallel ingestion of one tree must leave the
same rows. Each relation is read whole with its named query (`queries/rows_<relation>.cozo`),
rows are split into key and value columns as the schema declares them, and the report says,
per relation, how many rows each side has and which keys are missing on one side or hold
different values (a bounded sample of each, so a report on a broken run stays readable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parseltongue.queries import named_query
from parseltongue.storage import CozoDbStorage

# relation -> how many of its leading columns form the key (as in queries/schema.cozo; a test
# checks these against the database's own `::columns`).
INTEGRITY_KEY_COLUMNS: dict[str, int] = {
    "code_entities": 1,
    "dependency_edges": 3,
    # Packed one row per file: the packs are sorted, so equal rows make equal text.
    "file_unresolved_references": 1,
    "source_files": 1,
    "file_references": 1,
    "file_outlines": 1,
    "entity_test_reasons": 1,
    "module_paths": 2,
}
# The relations derived from those (search tokens and coupling degrees), same convention:
# compared only when asked for (`include_derived`), so the default stays the ingested rows.
DERIVED_KEY_COLUMNS: dict[str, int] = {
    "entity_name_tokens": 3,
    "name_vocabulary": 2,
    "entity_coupling": 2,
    "file_coupling": 2,
}
_COMPARABLE_KEY_COLUMNS: dict[str, int] = {**INTEGRITY_KEY_COLUMNS, **DERIVED_KEY_COLUMNS}
DEFAULT_SAMPLE_ROWS = 10
# Values longer than this (an entity's code) are cut in samples: enough to recognise the row.
SAMPLE_VALUE_CHARACTERS = 120

Row = tuple[Any, ...]


@dataclass
class RelationComparison:
    """How one relation differs between database A and database B."""

    relation: str
    columns: tuple[str, ...]
    key_columns: int
    rows_a: int
    rows_b: int
    only_in_a_count: int
    only_in_b_count: int
    changed_count: int
    only_in_a: list[Row]
    """Sample of rows whose key is in A only."""
    only_in_b: list[Row]
    """Sample of rows whose key is in B only."""
    changed: list[tuple[Row, Row]]
    """Sample of (row in A, row in B) pairs with the same key and different values."""

    @property
    def identical(self) -> bool:
        """True when both sides hold exactly the same rows."""
        return not (self.only_in_a_count or self.only_in_b_count or self.changed_count)

    @property
    def differing_rows(self) -> int:
        """Keys missing on one side or holding different values."""
        return self.only_in_a_count + self.only_in_b_count + self.changed_count

    def describe(self) -> str:
        """One line per fact: counts, then the sampled differences."""
        if self.identical:
            return f"{self.relation}: identical ({self.rows_a:,} rows)"
        lines = [
            f"{self.relation}: A has {self.rows_a:,} rows, B has {self.rows_b:,}; "
            f"{self.only_in_a_count:,} only in A, {self.only_in_b_count:,} only in B, "
            f"{self.changed_count:,} changed"
        ]
        lines += [f"  only in A: {_shorten(row)}" for row in self.only_in_a]
        lines += [f"  only in B: {_shorten(row)}" for row in self.only_in_b]
        for row_a, row_b in self.changed:
            lines.append(f"  changed:   A {_shorten(row_a)}")
            lines.append(f"             B {_shorten(row_b)}")
        return "\n".join(lines)


@dataclass
class IntegrityReport:
    """The comparison of every compared relation; `.identical` when none differs."""

    database_a: str
    database_b: str
    relations: dict[str, RelationComparison] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        """True when every compared relation holds the same rows on both sides."""
        return all(comparison.identical for comparison in self.relations.values())

    @property
    def differing_relations(self) -> list[str]:
        """Names of the relations that differ."""
        return [name for name, comparison in self.relations.items() if not comparison.identical]

    def describe(self) -> str:
        """A readable report: a verdict line, then one block per relation."""
        verdict = "identical" if self.identical else "DIFFERENT"
        lines = [f"{self.database_a} vs {self.database_b}: {verdict}"]
        lines += [comparison.describe() for comparison in self.relations.values()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def _shorten(row: Row) -> str:
    shown = []
    for value in row:
        text = repr(value)
        if len(text) > SAMPLE_VALUE_CHARACTERS:
            text = text[: SAMPLE_VALUE_CHARACTERS - 3] + "..."
        shown.append(text)
    return "(" + ", ".join(shown) + ")"


def relation_rows(storage: CozoDbStorage, relation: str) -> tuple[tuple[str, ...], list[Row]]:
    """Every row of a compared relation, as tuples in schema column order, sorted by key."""
    if relation not in _COMPARABLE_KEY_COLUMNS:
        raise ValueError(
            f"cannot compare relation {relation!r}; the compared relations are: "
            f"{', '.join(_COMPARABLE_KEY_COLUMNS)}"
        )
    query_name = f"rows_{relation}"
    columns = named_query(query_name).columns
    rows = [tuple(row[column] for column in columns) for row in storage.run_named(query_name)]
    return columns, rows


def compare_relation(
    storage_a: CozoDbStorage,
    storage_b: CozoDbStorage,
    relation: str,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> RelationComparison:
    """Compare one relation of two databases by key, then by value."""
    columns, rows_a = relation_rows(storage_a, relation)
    _, rows_b = relation_rows(storage_b, relation)
    key_width = _COMPARABLE_KEY_COLUMNS[relation]
    by_key_a = {row[:key_width]: row for row in rows_a}
    by_key_b = {row[:key_width]: row for row in rows_b}
    only_in_a = [by_key_a[key] for key in sorted(by_key_a.keys() - by_key_b.keys())]
    only_in_b = [by_key_b[key] for key in sorted(by_key_b.keys() - by_key_a.keys())]
    changed = [
        (by_key_a[key], by_key_b[key])
        for key in sorted(by_key_a.keys() & by_key_b.keys())
        if by_key_a[key] != by_key_b[key]
    ]
    return RelationComparison(
        relation, columns, key_width, len(rows_a), len(rows_b),
        len(only_in_a), len(only_in_b), len(changed),
        only_in_a[:sample_rows], only_in_b[:sample_rows], changed[:sample_rows],
    )


def verify_parallel_data_integrity_check(
    storage_a: CozoDbStorage,
    storage_b: CozoDbStorage,
    relations: tuple[str, ...] | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    include_derived: bool = False,
) -> IntegrityReport:
    """Compare two databases row for row on every ingested relation (or those named); with
    `include_derived`, on the derived relations too (DERIVED_KEY_COLUMNS), after the others.
    Named `relations` may be any of both kinds.

    Example:
        report = verify_parallel_data_integrity_check(sequential.storage(), parallel.storage())
        assert report.identical, report.describe()
    """
    report = IntegrityReport(str(storage_a.specification), str(storage_b.specification))
    if not relations:
        relations = tuple(INTEGRITY_KEY_COLUMNS)
        if include_derived:
            relations += tuple(DERIVED_KEY_COLUMNS)
    for relation in relations:
        report.relations[relation] = compare_relation(storage_a, storage_b, relation, sample_rows)
    return report
