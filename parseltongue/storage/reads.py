"""Reading a database, held here or served: what a read answers (QueryResult, StorageStats)
and the reads both a CozoDbStorage and a served database's client make over one method that
runs read-only Datalog (`DatabaseReads`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from parseltongue.answers import Table
from parseltongue.closing import Closing
from parseltongue.queries import named_query


@dataclass
class StorageStats:
    """Totals and breakdowns of what a database holds."""

    total_entities: int = 0
    test_entities: int = 0
    total_edges: int = 0
    unresolved_references: int = 0
    total_files: int = 0
    entities_by_language: dict[str, int] = field(default_factory=dict)
    entities_by_type: dict[str, int] = field(default_factory=dict)
    edges_by_type: dict[str, int] = field(default_factory=dict)
    files_by_status: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The statistics as plain JSON-ready values."""
        return asdict(self)


@dataclass
class QueryResult:
    """A read-only query's answer: column headers, rows as lists, and how long it took."""

    headers: list[str]
    rows: list[list[Any]]
    milliseconds: float = 0.0

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column."""
        return [dict(zip(self.headers, row, strict=True)) for row in self.rows]

    def as_table(self) -> Table:
        """The answer as the facade gives it: a frozen Table."""
        return Table(tuple(self.headers), tuple(tuple(row) for row in self.rows), self.milliseconds)


_BREAKDOWN_FIELDS = {
    "language": "entities_by_language",
    "entity_type": "entities_by_type",
    "edge_type": "edges_by_type",
    "file_status": "files_by_status",
}


def collect_stats(run_named: Callable[..., list[dict[str, Any]]]) -> StorageStats:
    """Totals and breakdowns from the named queries stats_totals and stats_breakdown, run by
    `run_named` (a local database's, or a served one's through RemoteQueryClient)."""
    stats = StorageStats(**run_named("stats_totals")[0])
    for row in run_named("stats_breakdown"):
        getattr(stats, _BREAKDOWN_FIELDS[row["category"]])[row["value"]] = row["count"]
    return stats


def rows_as_dicts(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A Cozo reply's rows as dicts keyed by its headers."""
    headers = result["headers"]
    return [dict(zip(headers, row, strict=True)) for row in result["rows"]]


class DatabaseReads(Closing):
    """The reads of a database, over `_read` (run Datalog read-only: Cozo's reply, a dict
    with `headers` and `rows`), which a subclass implements."""

    specification: object
    """What names the database (an engine and path, or a server's address)."""

    def _read(
        self, datalog: str, params: Mapping[str, Any] | None, time_limited: bool | None
    ) -> Mapping[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.specification)!r})"

    def query_read_only(
        self, datalog: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run Datalog that must not write (a write is refused with an error): rows as dicts
        keyed by column."""
        return rows_as_dicts(self._read(datalog, params, None))

    def query_table(
        self,
        datalog: str,
        params: Mapping[str, Any] | None = None,
        time_limited: bool | None = None,
    ) -> QueryResult:
        """Run read-only Datalog: its headers and rows (kept even when no row came).
        `time_limited` puts a local database's read under its time limit (see
        CozoDbStorage.set_query_time_limit) or not; None follows its setting. A server puts
        every script under its own limit."""
        started = time.perf_counter()
        result = self._read(datalog, params, time_limited)
        return QueryResult(
            list(result["headers"]), result["rows"], (time.perf_counter() - started) * 1000
        )

    def run_named_table(self, name: str, /, **params: Any) -> QueryResult:
        """Run the named read-only query `queries/NAME.cozo`: headers and rows."""
        query = named_query(name)
        return self.query_table(query.script, query.bind(params))

    def run_named(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run the named read-only query `queries/NAME.cozo` with its declared parameters.

        A parameter the query declares with a default may be left out. The rows are dicts
        with the columns the query's header declares, e.g.
        `storage.run_named("reverse_callers", entity=key, limit=10)`.
        """
        query = named_query(name)
        return self.query_read_only(query.script, query.bind(params))

    def relation_names(self) -> list[str]:
        """The names of the relations the database holds."""
        return [row[0] for row in self._read("::relations", None, None)["rows"]]

    def get_stats(self) -> StorageStats:
        """Totals, and counts by language, entity type, edge type and file status."""
        return collect_stats(self.run_named)
