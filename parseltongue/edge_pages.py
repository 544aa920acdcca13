"""The facade's page of every dependency edge, in (from_key, to_key, edge_type) order:
stored edges and containment (code_entities' parent_key, read as contains edges) merged.

Each kind is read in that order from its own index and stops after the rows the page can
need (offset + limit), so a page near the start costs what it returns, not the graph; the
two runs are merged here. A page far in is cut from the whole union, sorted, in one query.
`Codebase` has `edges_page` as a method (it derives from EdgePages).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from itertools import groupby, islice
from typing import Any, Protocol

from parseltongue.answers import ListedEdge, Table
from parseltongue.parameters import at_least_one, folder_prefix

# Past this many rows (offset + limit) the two early-stopping reads cost more than one sorted
# read of the whole union: each row they return crosses into Python, the union's stay in
# Cozo but for the page. Measured on the rust corpus (97k edges): BENCHMARKS.md,
# "Containment as a column".
MERGED_READS_UP_TO = 20_000


class _Asks(Protocol):
    """What the page uses of the Codebase it is a method of."""

    def named_table(self, name: str, /, **params: Any) -> Table: ...


class EdgePages:
    """The page of every edge, as a Codebase method."""

    def edges_page(
        self: _Asks, edge_type: str = "", scope: str = "", limit: int = 100, offset: int = 0
    ) -> list[ListedEdge]:
        """Dependency edges `offset` to `offset + limit` in (from_key, to_key, edge_type)
        order, of one `edge_type` ("" for every type) out of files under the folder `scope`
        ("" for all); [] past the end.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     [edge.edge_type for edge in codebase.edges_page(limit=3)]
            ...     [edge.source_line for edge in codebase.edges_page("extends")]
            ['extends', 'contains', 'contains']
            [24, 16]
        """
        at_least_one("limit", limit)
        if offset < 0:
            raise ValueError(f"offset must be at least 0, not {offset}")
        params = {"edge_type": edge_type, "prefix": folder_prefix(scope)}
        first = offset + limit
        if first > MERGED_READS_UP_TO:
            rows = self.named_table("edges_page", **params, limit=limit, offset=offset).rows
            return [ListedEdge(*row) for row in rows]
        stored = self.named_table("edges_page_stored", **params, limit=first).rows
        contained = self.named_table("edges_page_contained", **params, limit=first).rows
        return [ListedEdge(*row) for row in islice(merged_rows(stored, contained), offset, first)]


def merged_rows(*runs: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows of sorted runs in one sorted run, each distinct row once (a union of rules
    holds a row once, so a stored contains edge equal to a containment row is one row)."""
    return (row for row, _ in groupby(heapq.merge(*runs)))
