"""Codebase: the one object front ends ask about an ingested codebase.

Each question is one method that runs one named query (`queries/*.cozo`) and returns plain
typed values (parseltongue/answers.py); front ends parse their input, call one method, and
format the answer.

Example:
    >>> from parseltongue import Codebase
    >>> with Codebase.open("mem") as codebase:
    ...     summary = codebase.ingest("tests/fixtures/http_project", parallel=False)
    ...     [hit.name for hit in codebase.search("checkout", limit=1)]
    ['checkout']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from parseltongue.agent_questions import AgentQuestions
from parseltongue.answers import (
    Affected,
    Cycle,
    CycleMember,
    Edge,
    Entity,
    FileHotspot,
    Hotspot,
    SearchHit,
    Stats,
    Table,
    UnknownEntityError,
)
from parseltongue.closing import Closing
from parseltongue.codebase_updates import CodebaseUpdates
from parseltongue.edge_pages import EdgePages
from parseltongue.file_questions import FileQuestions
from parseltongue.parameters import at_least_one as _at_least_one
from parseltongue.parameters import edge_types_parameter as _edge_types
from parseltongue.resolve import ResolutionCache
from parseltongue.storage import (
    CozoDbStorage,
    DatabaseReads,
    DatabaseSpecification,
    StorageError,
)

Row = TypeVar("Row")


class Codebase(AgentQuestions, FileQuestions, EdgePages, CodebaseUpdates, Closing):
    """An ingested codebase: its questions as methods, over one Parseltongue database.

    `Codebase.open(spec)` opens (and `close()` closes) a database; `Codebase(storage)` asks an
    already open CozoDbStorage, whose owner keeps closing it, or a served database through a
    RemoteQueryClient (questions only: ingesting and updating need the database here). An
    unknown entity key raises UnknownEntityError (a KeyError) in every method that takes one.

    Example:
        >>> with Codebase.open("mem") as codebase:
        ...     codebase.stats().total_entities
        0
    """

    def __init__(self, storage: DatabaseReads, *, owns_storage: bool = False) -> None:
        self.storage = storage
        self._owns_storage = owns_storage
        # Kept between updates: the codebase index read once, then each update costs its own.
        self._resolution_cache = ResolutionCache()

    @classmethod
    def open(cls, specification: str | DatabaseSpecification) -> Codebase:
        """Open (or create) the database `engine:path` names, e.g. "rocksdb:analysis.db".

        Example:
            >>> codebase = Codebase.open("mem")
            >>> codebase.close()
        """
        return cls(CozoDbStorage(specification), owns_storage=True)

    def close(self) -> None:
        """Close the database if this Codebase opened it."""
        if self._owns_storage:
            self.storage.close()

    def __repr__(self) -> str:
        return f"Codebase({str(self.storage.specification)!r})"

    # -- generic ---------------------------------------------------------------------------

    def named(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """The rows of the read-only named query `queries/NAME.cozo`, as dicts by column.

        Declared defaults fill parameters left out; a missing or unknown parameter is a
        ValueError, an unknown name a KeyError.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.named("hotspots", limit=5)
            []
        """
        return self.storage.run_named(name, **params)

    def named_table(self, name: str, /, **params: Any) -> Table:
        """The read-only named query `queries/NAME.cozo` as headers and rows (its declared
        columns, even when no row came); parameters as in `named`.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.named_table("hotspots", limit=5).headers
            ('key', 'inbound', 'outbound', 'total', 'file_path')
        """
        return self.storage.run_named_table(name, **params).as_table()

    def query(
        self,
        datalog: str,
        params: Mapping[str, Any] | None = None,
        *,
        time_limited: bool | None = None,
    ) -> Table:
        """Run read-only Datalog (a write is refused with CozoQueryError): headers and rows.
        `time_limited` True puts it under the database's query time limit even when that
        limit covers only the reads asked so (a server's), False never; None follows the
        database's setting.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.query("?[x] := x = $n + 1", {"n": 1})
            Table(headers=('x',), rows=((2,),))
        """
        return self.storage.query_table(datalog, params, time_limited).as_table()

    def database(self) -> CozoDbStorage:
        """The database this Codebase reads and writes; StorageError when it asks a server,
        which holds its database (updates then go through the server).

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     str(codebase.database().specification)
            'mem'
        """
        if not isinstance(self.storage, CozoDbStorage):
            raise StorageError(
                f"{self.storage.specification} is a served database: this Codebase only asks "
                "it questions; the server updates it (pt08 --watch, or POST "
                "/incremental-reindex-file-update)"
            )
        return self.storage

    def _rows(self, row_type: Callable[..., Row], query: str, /, **params: Any) -> list[Row]:
        return [row_type(**row) for row in self.named(query, **params)]

    def _known(self, key: str, rows: list[Row]) -> list[Row]:
        """`rows`, unless they are empty because no entity has `key`: an empty answer must
        not pass for "nothing depends on it". Only an empty answer costs the look-up."""
        if not rows:
            self.entity(key)
        return rows

    # -- questions -------------------------------------------------------------------------

    def stats(self) -> Stats:
        """How many entities, test entities, edges, unresolved references and files, and
        counts by language, entity type, edge type and file status.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.stats().edges_by_type
            {}
        """
        # The storage's statistics have the same fields: the answer is their frozen copy.
        stats = self.storage.get_stats()
        return Stats(**{field.name: getattr(stats, field.name) for field in fields(Stats)})

    def search(self, text: str, scope: str = "", limit: int = 20) -> list[SearchHit]:
        """Entities whose name matches `text` (exact, prefix, word, then one typo), best
        first; `scope` keeps those in files under a folder ("src/auth"; "" for all).

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.search("parse_file")
            []
        """
        if not text.strip():
            raise ValueError("search text must not be empty or blank")
        _at_least_one("limit", limit)
        return self._rows(SearchHit, "search_entities", query=text, scope=scope, limit=limit)

    def entity(self, key: str) -> Entity:
        """One entity: where it is, its code, and how many entities depend on it (callers)
        and it depends on (callees); UnknownEntityError when no entity has `key`.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.entity("rust:fn:main:__src_main:T1")
            Traceback (most recent call last):
            parseltongue.answers.UnknownEntityError: no entity with key 'rust:fn:main:__src_main:T1'
        """
        rows = self._rows(Entity, "entity_detail", key=key)
        if not rows:
            raise UnknownEntityError(key)
        return rows[0]

    def callers(
        self,
        key: str,
        edge_types: Sequence[str] | None = None,
        scope: str = "",
        limit: int = 100,
    ) -> list[Edge]:
        """The edges into entity `key` (who calls or uses it), by caller key. `edge_types`
        None follows calls, uses, implements and extends; [] every type.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.callers("rust:fn:main:__src_main:T1")
            Traceback (most recent call last):
            parseltongue.answers.UnknownEntityError: no entity with key 'rust:fn:main:__src_main:T1'
        """
        return self._edges("reverse_callers", key, edge_types, scope, limit)

    def callees(
        self,
        key: str,
        edge_types: Sequence[str] | None = None,
        scope: str = "",
        limit: int = 100,
    ) -> list[Edge]:
        """The edges out of entity `key` (what it calls or uses), by callee key; `edge_types`
        as in `callers`.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.callees("rust:fn:main:__src_main:T1", limit=10)
            Traceback (most recent call last):
            parseltongue.answers.UnknownEntityError: no entity with key 'rust:fn:main:__src_main:T1'
        """
        return self._edges("forward_callees", key, edge_types, scope, limit)

    def _edges(
        self, query: str, key: str, edge_types: Sequence[str] | None, scope: str, limit: int
    ) -> list[Edge]:
        _at_least_one("limit", limit)
        rows = [
            edge._replace(sites=tuple(edge.sites))
            for edge in self._rows(
                Edge, query, entity=key, scope=scope, limit=limit, **_edge_types(edge_types)
            )
        ]
        return self._known(key, rows)

    def blast_radius(
        self,
        key: str,
        hops: int = 3,
        edge_types: Sequence[str] | None = None,
        scope: str = "",
        limit: int = 1000,
    ) -> list[Affected]:
        """The entities depending on `key` directly or through others, up to `hops` reverse
        edges away, each at its nearest hop.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.blast_radius("rust:fn:main:__src_main:T1", hops=0)
            Traceback (most recent call last):
            ValueError: hops must be at least 1, not 0
        """
        _at_least_one("hops", hops)
        _at_least_one("limit", limit)
        rows = self._rows(
            Affected, "blast_radius", entity=key, hops=hops, scope=scope, limit=limit,
            **_edge_types(edge_types),
        )
        return self._known(key, rows)

    def hotspots(self, scope: str = "", limit: int = 20) -> list[Hotspot]:
        """Entities ranked by coupling (distinct entities depending on each plus those it
        depends on), most coupled first.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.hotspots(limit=5)
            []
        """
        _at_least_one("limit", limit)
        return self._rows(Hotspot, "hotspots", scope=scope, limit=limit)

    def file_hotspots(self, scope: str = "", limit: int = 20) -> list[FileHotspot]:
        """Files ranked by the entity pairs crossing their boundary, most coupled first.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.file_hotspots(scope="src")
            []
        """
        _at_least_one("limit", limit)
        return self._rows(FileHotspot, "file_hotspots", scope=scope, limit=limit)

    def cycles(self, edge_types: Sequence[str] | None = None, scope: str = "") -> list[Cycle]:
        """Entities depending on each other in a loop (strongly connected components of two
        or more, and self-loops), largest first, then by cycle id (the smallest member key).
        `scope` keeps a cycle when one of its members is in a file under that folder.

        Example:
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     [cycle.size for cycle in codebase.cycles()]
            [2, 2, 1]
        """
        members: dict[str, list[CycleMember]] = {}
        # Grouped in the query's row order, which is the order of the answer.
        for row in self._rows(CycleMember, "cycles", scope=scope, **_edge_types(edge_types)):
            members.setdefault(row.cycle_id, []).append(row)
        return [Cycle(cycle_id, rows[0].size, tuple(rows)) for cycle_id, rows in members.items()]
