"""Answers of whole-graph computations kept between requests, until the graph changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


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
