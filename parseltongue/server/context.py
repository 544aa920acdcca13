"""What every handler reads: the database and the Codebase over it, its label, the start
time, a result cache, and what updates the graph (the updater, and the watcher under --watch)."""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from parseltongue.answers import Stats
from parseltongue.codebase import Codebase
from parseltongue.server.cache import ResultCache
from parseltongue.server.updates import FileWatcher, GraphUpdater
from parseltongue.storage import CozoDbStorage

# The edge types that make the dependency graph; `contains` (structure) and `imports` (an
# import line) are not dependencies between behaviours, as in derived.py's coupling.
DEPENDENCY_EDGE_TYPES = ["calls", "uses", "implements", "extends"]


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
        self.cached_named("file_inventory")


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def server_context(request: Request) -> ServerContext:
    """The ServerContext of the app serving `request` (a FastAPI dependency)."""
    return request.app.state.context
