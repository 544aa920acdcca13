"""`CozoDbStorage`: a Parseltongue database on a real Cozo engine (mem, sqlite, rocksdb, sled):
its schema, named queries and writes, statistics, and the query time limit.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from pycozo.client import QueryException

from parseltongue.derived import rebuild_derived_relations
from parseltongue.model import CodeEntity, DependencyEdge
from parseltongue.queries import named_query
from parseltongue.storage.engines import (
    DatabaseSpecification,
    create_database_instance_from_spec,
    parse_database_engine_specification,
)
from parseltongue.storage.errors import (
    CozoQueryError,
    QueryTimeLimitError,
    SchemaVersionError,
    StorageError,
)
from parseltongue.storage.reads import DatabaseReads, rows_as_dicts
from parseltongue.storage.schema import RETIRED_RELATIONS, SCHEMA_VERSION, schema_layouts
from parseltongue.storage.time_limit import QueryWatchdog

# answers any two writers with "database is locked". Both are retried after a pause.
_BUSY_ERROR_CODE = "rocksdb::kBusy::kNone"
_BUSY_MESSAGES = ("Resource busy", "database is locked")
_BUSY_RETRY_LIMIT = 200
# SQLite admits one writer at a time, so its writers queue on a lock instead of colliding.
_SINGLE_WRITER_ENGINES = ("sqlite",)


def _is_busy_conflict(error: QueryException) -> bool:
    response = error.resp if isinstance(error.resp, Mapping) else {}
    if response.get("code") == _BUSY_ERROR_CODE:
        return True
    texts = [str(response.get("message", "")), *map(str, response.get("causes", ()))]
    return any(busy in text for text in texts for busy in _BUSY_MESSAGES)


def _as_query_error(error: QueryException) -> CozoQueryError:
    response = error.resp if isinstance(error.resp, Mapping) else {"message": str(error.resp)}
    message = response.get("message") or str(response)
    causes = [str(cause) for cause in response.get("causes", ()) if cause]
    if causes:
        message = f"{message}: {'; '.join(causes)}"
    return CozoQueryError(message, response.get("code"), response.get("display") or message)


class CozoDbStorage(DatabaseReads):
    """A Parseltongue database: schema, batched writes, queries and statistics.

    Example:
        storage = CozoDbStorage("rocksdb:analysis.db")
        storage.run_named("reverse_callers", entity="rust:fn:main:__src_main:T1")
    """

    specification: DatabaseSpecification

    def __init__(self, specification: str | DatabaseSpecification) -> None:
        if not isinstance(specification, DatabaseSpecification):
            specification = parse_database_engine_specification(specification)
        self.specification = specification
        self._client = create_database_instance_from_spec(specification)
        self._closed = False
        self._close_lock = threading.Lock()
        # Scripts inside the engine now: one still running when the storage is closed cannot
        # be stopped (Cozo 0.7 checks for `::kill` only between steps of a query), and closing
        # the engine under it fails ("Already borrowed").
        self._running = 0
        self._watchdog: QueryWatchdog | None = None
        self._limit_every_read = True
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock()
            if specification.engine in _SINGLE_WRITER_ENGINES
            else contextlib.nullcontext()
        )
        try:
            self._ensure_schema()
        except BaseException:
            self.close()
            raise

    @classmethod
    def new_rocksdb(cls, path: str | Path) -> CozoDbStorage:
        """Open (or create) a RocksDB database in the folder `path`."""
        return cls(DatabaseSpecification("rocksdb", str(path)))

    @classmethod
    def new_sqlite(cls, path: str | Path) -> CozoDbStorage:
        """Open (or create) a SQLite database in the file `path`."""
        return cls(DatabaseSpecification("sqlite", str(path)))

    @classmethod
    def new_sled(cls, path: str | Path) -> CozoDbStorage:
        """Open (or create) a sled database in the folder `path`, through the native package
        native/cozo-sled; fails with how to install it where it is missing."""
        return cls(DatabaseSpecification("sled", str(path)))

    @classmethod
    def new_mem(cls) -> CozoDbStorage:
        """A database in memory, gone when closed."""
        return cls(DatabaseSpecification("mem", ""))

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Release the engine (and a RocksDB folder's lock); the storage is unusable after.

        While a script still runs in the engine (on another thread), the engine is released
        when the last one ends, or goes with the process: RocksDB reopens cleanly after it."""
        with self._close_lock:
            if not self._closed:
                self._closed = True
                if self._watchdog is not None:
                    self._watchdog.close()
                if not self._running:
                    self._client.close()

    def set_query_time_limit(
        self, seconds: float | None, applies_to_every_read: bool = True
    ) -> None:
        """Stop read queries that run longer than `seconds` (None or 0: no limit). They fail
        with QueryTimeLimitError; writes are never stopped (storage/time_limit.py).
        With `applies_to_every_read` False, only reads asked with `time_limited=True` are
        (a server's own reads, of a size it chose, run to the end)."""
        self._limit_every_read = applies_to_every_read
        if self._watchdog is not None:
            self._watchdog.close()
            self._watchdog = None
        if seconds:
            self._watchdog = QueryWatchdog(
                seconds,
                lambda: self._client.run("::running", {}, immutable=True)["rows"],
                lambda query_id: self._client.run(f"::kill {int(query_id)}", {}),
            )

    @property
    def query_time_limit(self) -> float | None:
        """The time limit on read queries, in seconds, or None."""
        return self._watchdog.seconds if self._watchdog is not None else None

    @property
    def scripts_running(self) -> int:
        """How many scripts are inside the engine now (on any thread)."""
        return self._running

    def _ensure_schema(self) -> None:
        names = self.relation_names()
        if not names:
            self._execute(named_query("schema").script, {"version": SCHEMA_VERSION})
            return
        if "parseltongue_meta" not in names:
            raise SchemaVersionError(
                f"database {self.specification} holds relations that are not Parseltongue's "
                f"({', '.join(sorted(names)[:5])}); give a new path for a Parseltongue database"
            )
        rows = self.query_read_only(
            "?[value] := *parseltongue_meta{key: 'schema_version', value}"
        )
        found = rows[0]["value"] if rows else "unknown"
        if found != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"database {self.specification} was made with schema version {found}, and this "
                f"Parseltongue reads version {SCHEMA_VERSION}; re-ingest into a new database "
                "(nothing was changed in this one)"
            )
        self._upgrade_layout(names)

    def _upgrade_layout(self, names: list[str]) -> None:
        """Bring a database of this schema version made by an earlier Parseltongue to the
        layout schema.cozo creates now: a relation missing, or with other columns, is made
        anew (empty, with its indexes), an index missing on a relation that kept its columns
        is built from its rows, and a relation an earlier layout had is removed.
        Every changed layout comes with a new row format, so the next pt01 rebuilds the rows.
        """
        existing = set(names)
        for retired in RETIRED_RELATIONS:
            if retired in existing:
                self._execute(f"::remove {retired}")
        for relation, layout in schema_layouts().items():
            if relation in existing:
                if self._columns(relation) == layout.columns:
                    # An index added since: built here from the rows the relation holds.
                    for index, script in zip(layout.indexes, layout.index_scripts, strict=True):
                        if index not in existing:
                            self._execute(script)
                    continue
                for index in layout.indexes:
                    if index in existing:
                        self._execute(f"::index drop {index}")
                self._execute(f"::remove {relation}")
            self._execute(layout.script)

    def _columns(self, relation: str) -> tuple[tuple[str, bool, str], ...]:
        return tuple(
            (row["column"], row["is_key"], row["type"])
            for row in self.query_read_only(f"::columns {relation}")
        )

    # -- running Datalog -----------------------------------------------------------------

    def _execute(
        self,
        script: str,
        params: Mapping[str, Any] | None = None,
        read_only: bool = False,
        time_limited: bool | None = None,
    ) -> dict[str, Any]:
        with self._close_lock:
            if self._closed:
                raise StorageError(f"database {self.specification} is closed")
            self._running += 1
        watchdog = self._watchdog
        if time_limited is None:
            time_limited = self._limit_every_read
        token = watchdog.begin(read_only and time_limited) if watchdog is not None else None
        try:
            return self._execute_open(script, params, read_only)
        except CozoQueryError:
            if watchdog is not None and token is not None and watchdog.end(token):
                raise QueryTimeLimitError(watchdog.seconds) from None
            raise
        finally:
            if watchdog is not None and token is not None:
                watchdog.end(token)
            with self._close_lock:
                self._running -= 1
                if self._closed and not self._running:
                    self._client.close()  # closed while this ran: released now

    def _execute_open(
        self, script: str, params: Mapping[str, Any] | None, read_only: bool
    ) -> dict[str, Any]:
        for attempt in range(_BUSY_RETRY_LIMIT):
            try:
                if read_only:
                    return self._client.run(script, dict(params or {}), immutable=True)
                with self._write_lock:
                    return self._client.run(script, dict(params or {}), immutable=False)
            except QueryException as error:
                if not _is_busy_conflict(error) or attempt == _BUSY_RETRY_LIMIT - 1:
                    raise _as_query_error(error) from None
            # Another transaction holds the same key: back off with jitter, then retry.
            time.sleep(random.uniform(0, min(0.05, 0.0005 * 2 ** min(attempt, 7))))
        raise AssertionError("unreachable")

    def _read(
        self, datalog: str, params: Mapping[str, Any] | None, time_limited: bool | None
    ) -> dict[str, Any]:
        return self._execute(datalog, params, read_only=True, time_limited=time_limited)

    def query(self, datalog: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run Datalog (which may write) and return the rows as dicts keyed by column."""
        return rows_as_dicts(self._execute(datalog, params))

    # -- writing -------------------------------------------------------------------------

    def _put_rows(self, query_name: str, rows_by_key: dict[tuple, list]) -> int:
        if not rows_by_key:
            return 0
        self._execute(named_query(query_name).script, {"rows": list(rows_by_key.values())})
        return len(rows_by_key)

    def write_rows(self, query_name: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run the named write query `queries/NAME.cozo` with `$rows` in one transaction.

        The caller keeps one key once per batch (RocksDB rejects a batch racing itself).
        """
        if not rows:
            return 0
        self._execute(named_query(query_name).script, {"rows": rows})
        return len(rows)

    def run_named_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named query that writes (schema changes, clearing, resolution)."""
        query = named_query(name)
        return self.query(query.script, query.bind(params))

    def insert_entities_batch(self, entities: Iterable[CodeEntity]) -> int:
        """Upsert entities with one `:put`; returns how many distinct keys were written."""
        # One key once per batch: the last occurrence wins, as a sequence of upserts would.
        # A model entity has no parent_key: an existing row's is kept, and containment given
        # as `contains` edges is stored as edge rows.
        rows = {(entity.key,): entity.as_row() for entity in entities}
        return self._put_rows("put_entities_keeping_parent", rows)

    def insert_edges_batch(self, edges: Iterable[DependencyEdge]) -> int:
        """Upsert dependency edges with one `:put`; returns how many distinct edges were written."""
        rows = {(edge.from_key, edge.to_key, edge.edge_type): edge.as_row() for edge in edges}
        return self._put_rows("put_edges", rows)

    def refresh_derived_relations(self) -> None:
        """Rebuild the search tokens and coupling degrees from the entities and edges.

        Run once after ingestion (and after any change to entities or edges): search_entities,
        hotspots and file_hotspots read these narrow relations instead of scanning the graph.
        """
        rebuild_derived_relations(self)
