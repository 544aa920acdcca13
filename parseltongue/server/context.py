"""What every handler reads: the database and the Codebase over it, its label, the start
time, a result cache, and what updates the graph (the updater, and the watcher under --watch)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request

from parseltongue.answers import Stats
from parseltongue.codebase import Codebase
from parseltongue.storage import CozoDbStorage

if TYPE_CHECKING:
    from parseltongue.server.updates import FileWatcher, GraphUpdater

T = TypeVar("T")

# The edge types that make the dependency graph; `contains` (structure) and `imports` (an
# import line) are not dependencies between behaviours, as in queries/build_coupling.cozo.
DEPENDENCY_EDGE_TYPES = ["calls", "uses", "implements", "extends"]


class ResultCache:
    """Least-recently-used answers of whole-graph computations, by (name, parameters).

    The server owns its database and only the watcher and the re-index endpoint write to it
    (`/text-query` is read-only), so an answer computed once stays true until the next update,
    which clears the cache: analytics scan the graph once per parameter set and update.
    """

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        # Bumped by clear(): an answer computed while an update ran may describe the graph
        # before it, so it is returned but not kept when the generation moved meanwhile.
        self._generation = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for `key`, computing (outside the lock) and keeping it if absent."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            generation = self._generation
        value = compute()
        with self._lock:
            if generation != self._generation:
                return value
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every answer: after the graph changed, and in tests that prove answers are
        recomputed identically."""
        with self._lock:
            self._entries.clear()
            self._generation += 1


@dataclass
class ServerContext:
    """The state one app serves from."""

    storage: CozoDbStorage
    database_label: str
    started_at: float = field(default_factory=time.monotonic)
    cache: ResultCache = field(default_factory=ResultCache)
    updater: GraphUpdater | None = None
    """Writes the served database: the watcher's updates and on-demand re-indexing."""
    watcher: FileWatcher | None = None
    """Set when the server runs with --watch."""
    codebase: Codebase = field(init=False)
    """The questions handlers ask, over `storage` (which the server's owner closes)."""

    def __post_init__(self) -> None:
        self.codebase = Codebase(self.storage)

    def cached_named(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named query once per parameter set and keep its rows."""
        key = (name, tuple(sorted((k, _hashable(v)) for k, v in params.items())))
        return self.cache.get_or_compute(key, lambda: self.codebase.named(name, **params))


    def statistics(self) -> Stats:
        """The database's totals and breakdowns, computed once (they scan every relation)."""
        return self.cache.get_or_compute(("statistics",), self.codebase.stats)

    def warm_up(self) -> None:
        """Compute the answers that scan whole relations before the first request needs them."""
        self.statistics()
        self.cached_named("http_file_inventory")


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def server_context(request: Request) -> ServerContext:
    """The ServerContext of the app serving `request` (a FastAPI dependency)."""
    return request.app.state.context
