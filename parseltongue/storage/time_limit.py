"""A time limit on read queries: a watchdog that stops, with Cozo's `::kill`, every read query
of one storage that has run longer than the limit.

Cozo 0.7 lists running queries (`::running`: id and start time) and kills one by id between
the steps of its evaluation: a recursive rule (a transitive closure, a path search) stops
within a step. A single large join is one step, and runs on whatever is asked; callers that
answer someone (the HTTP API) also stop waiting at the limit. Writes are never killed: an
ingestion's scripts are not the user's to cut short.

Cozo's ids are its own, so a read is matched to its id by start time: Cozo stamps a query
when it starts executing, just after the read was handed to it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# How often the watchdog looks; a query stops at most this much after its limit.
CHECK_SECONDS = 0.2
# A read is handed to Cozo this long before Cozo stamps its start, at the most (converting
# large parameters comes first).
START_SLACK_SECONDS = 2.0


@dataclass
class _Script:
    started: float  # wall-clock time, as Cozo's ::running reports it
    read_only: bool
    killed: bool = False


@dataclass
class QueryWatchdog:
    """Kills the read queries of one engine that run past `seconds`.

    `running_queries()` answers `::running` as rows of [id, started_at]; `kill(id)` runs
    `::kill`. Scripts are registered while they run (`begin` / `end`)."""

    seconds: float
    running_queries: Callable[[], list[list[Any]]]
    kill: Callable[[int], object]  # what it returns is not read
    _scripts: dict[int, _Script] = field(default_factory=dict)
    _tokens: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def begin(self, read_only: bool) -> int:
        """Register a script about to run (`read_only`: it may be stopped); returns its
        token. Every script is registered: their start times tell Cozo's ids apart."""
        with self._lock:
            token = next(self._tokens)
            self._scripts[token] = _Script(time.time(), read_only)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="query-time-limit", daemon=True
                )
                self._thread.start()
        return token

    def end(self, token: int) -> bool:
        """Unregister a script; True when the watchdog killed it."""
        with self._lock:
            script = self._scripts.pop(token, None)
        return script is not None and script.killed

    def close(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(CHECK_SECONDS):
            now = time.time()
            with self._lock:
                overdue = any(
                    script.read_only and not script.killed and now - script.started > self.seconds
                    for script in self._scripts.values()
                )
            if overdue:
                self._kill_overdue(now)

    def _kill_overdue(self, now: float) -> None:
        try:
            running = sorted((float(started), int(query_id))
                             for query_id, started in self.running_queries())
        except Exception:  # noqa: BLE001 - the engine may be closing; look again later
            return
        with self._lock:
            # Each script claims the first query Cozo stamped at or after its hand-over.
            claimed: dict[int, _Script] = {}
            for script in sorted(self._scripts.values(), key=lambda script: script.started):
                for started, query_id in running:
                    if (query_id not in claimed and started >= script.started - 0.01
                            and started - script.started < START_SLACK_SECONDS):
                        claimed[query_id] = script
                        break
            targets = [
                query_id for query_id, script in claimed.items()
                if script.read_only and not script.killed and now - script.started > self.seconds
            ]
            for query_id in targets:
                claimed[query_id].killed = True
        for query_id in targets:
            try:
                self.kill(query_id)
            except Exception:  # noqa: BLE001 - it may have ended meanwhile
                continue
