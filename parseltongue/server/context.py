"""What every handler reads: the database, its label, the start time, and a result cache."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request

from parseltongue.storage import CozoDbStorage, StorageStats

T = TypeVar("T")

# The edge types that make the dependency graph; `contains` (structure) and `imports` (an
# import line) are not dependencies between behaviours, as in queries/build_coupling.cozo.
DEPENDENCY_EDGE_TYPES = ["calls", "uses", "implements", "extends"]


class ResultCache:
    """Least-recently-used answers of whole-graph computations, by (name, parameters).

    The server owns its database and only reads it (`/text-query` is read-only too), so an
    answer computed once stays true while the server runs: analytics scan the graph once per
    parameter set, not once per request.
    """

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for `key`, computing (outside the lock) and keeping it if absent."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every answer (tests use it to prove answers are recomputed identically)."""
        with self._lock:
            self._entries.clear()


@dataclass
class ServerContext:
    """The state one app serves from."""

    storage: CozoDbStorage
    database_label: str
    started_at: float = field(default_factory=time.monotonic)
    cache: ResultCache = field(default_factory=ResultCache)

    def cached_named(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a named query once per parameter set and keep its rows."""
        key = (name, tuple(sorted((k, _hashable(v)) for k, v in params.items())))
        return self.cache.get_or_compute(key, lambda: self.storage.run_named(name, **params))


    def statistics(self) -> StorageStats:
        """The database's totals and breakdowns, computed once (they scan every relation)."""
        return self.cache.get_or_compute(("statistics",), self.storage.get_stats)

    def warm_up(self) -> None:
        """Compute the answers that scan whole relations before the first request needs them."""
        self.statistics()
        self.cached_named("http_file_inventory")


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def server_context(request: Request) -> ServerContext:
    """The ServerContext of the app serving `request` (a FastAPI dependency)."""
    return request.app.state.context
