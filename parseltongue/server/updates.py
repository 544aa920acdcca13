"""Keeping a served graph live: updates of the served database, and the file watcher.

The server owns its database, so it is also the one writer: `GraphUpdater` runs the
Codebase's incremental updates on the server's own database, one update at a time, and drops
the cached answers after each. Queries go on meanwhile (Cozo releases the GIL while it works);
during an update they may see the graph part-way, and answers cached then are not kept.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

import watchfiles

from parseltongue.codebase import Codebase
from parseltongue.ingest import IngestionSummary
from parseltongue.ingest.walk import SKIPPED_FOLDER_REASONS, link_leads_outside
from parseltongue.languages import language_for_path
from parseltongue.server.cache import ResultCache

# Entity keys listed per side in a re-index report; the counts are always whole.
MAX_LISTED_KEYS = 100


@dataclass
class UpdateRecord:
    """One update of the served graph, as /file-watcher-status-check reports it."""

    trigger: str
    finished_at: str
    duration_seconds: float
    incremental: bool
    full_rebuild_reason: str
    files_unchanged: int
    files_changed: int
    files_added: int
    files_removed: int
    resolved: bool
    entities: int
    edges: int

    @classmethod
    def of(cls, trigger: str, summary: IngestionSummary, seconds: float) -> UpdateRecord:
        return cls(
            trigger=trigger,
            finished_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            duration_seconds=round(seconds, 4),
            incremental=summary.incremental,
            full_rebuild_reason=summary.full_rebuild_reason,
            files_unchanged=summary.files_unchanged,
            files_changed=summary.files_changed,
            files_added=summary.files_added,
            files_removed=summary.files_removed,
            resolved=summary.resolved,
            entities=summary.entities,
            edges=summary.edges,
        )


class GraphUpdater:
    """Applies incremental updates to the served database, one at a time."""

    def __init__(self, codebase: Codebase, cache: ResultCache) -> None:
        # The Codebase keeps the codebase index between updates: one file's update then
        # costs its own work.
        self.codebase = codebase
        self.cache = cache
        # Serialises the watcher's updates and on-demand re-indexing: two streamers writing
        # the same files' rows at once could leave either's rows. Re-entrant: a re-index
        # holds it around its before/after reads and the update between them.
        self._lock = threading.RLock()
        self.updates_done = 0
        self.last_update: UpdateRecord | None = None
        self.busy = False

    def ingested_root(self) -> Path | None:
        """The folder the database holds an ingestion of, if any."""
        return self.codebase.ingested_root()

    def _run(self, trigger: str, work: Callable[[], IngestionSummary]) -> IngestionSummary:
        with self._lock:
            self.busy = True
            started = time.perf_counter()
            try:
                summary = work()
            finally:
                self.busy = False
                # Cleared even after a failure: the rows may have changed part-way.
                self.cache.clear()
            self.updates_done += 1
            self.last_update = UpdateRecord.of(trigger, summary, time.perf_counter() - started)
            return summary

    def prepare(self) -> None:
        """Read the codebase index into memory ahead of the first change (see
        Codebase.prepare_updates)."""
        with self._lock:
            self.codebase.prepare_updates()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold off every other update (the watcher's, re-index requests) while a caller
        reads, updates and reads again (the change analysis)."""
        with self._lock:
            yield

    def update_files(self, root: Path, paths: list[str], trigger: str) -> IngestionSummary:
        """Re-index these files of `root` (relative paths, as stored)."""
        return self._run(trigger, lambda: self.codebase.update(root, paths))

    def update_tree(self, root: Path, trigger: str) -> IngestionSummary:
        """What `pt01 root` does: incremental when the database holds this root, else full."""
        return self._run(trigger, lambda: self.codebase.refresh(root))

    def reindex_file(self, root: Path, relative_path: str) -> dict[str, Any]:
        """Re-index one file of `root` and say what it changed (entities of the file, and
        edges into or out of them; resolution runs for the whole graph)."""
        started = time.perf_counter()
        with self._lock:  # before/after must bracket this update only
            entities_before = self._file_keys(relative_path)
            edges_before = self._file_edges(relative_path)
            summary = self._run(
                "re-index request",
                lambda: self.codebase.update(root, [relative_path]),
            )
            entities_after = self._file_keys(relative_path)
            edges_after = self._file_edges(relative_path)
        added = sorted(entities_after - entities_before)
        removed = sorted(entities_before - entities_after)
        problems = [p for p in summary.problems if p.file_path == relative_path]
        if problems and problems[0].status != "ingested":
            outcome = f"{problems[0].status}: {problems[0].reason}"
        elif (root / relative_path).is_file():
            outcome = "indexed"
        else:
            outcome = "removed (no such file)"
        return {
            "file_path": relative_path,
            "ingested_root": str(root),
            "outcome": outcome,
            "incremental": summary.incremental,
            "entities_before_count": len(entities_before),
            "entities_after_count": len(entities_after),
            "entities_added_count": len(added),
            "entities_removed_count": len(removed),
            "entities_added_keys": added[:MAX_LISTED_KEYS],
            "entities_removed_keys": removed[:MAX_LISTED_KEYS],
            "edges_added_count": len(edges_after - edges_before),
            "edges_removed_count": len(edges_before - edges_after),
            "parse_seconds": round(summary.parse_seconds, 4),
            "resolve_seconds": round(summary.resolve_seconds, 4),
            "duration_seconds": round(time.perf_counter() - started, 4),
        }

    def _file_keys(self, relative_path: str) -> set[str]:
        return {entity.key for entity in self.codebase.file_entities(relative_path)}

    def _file_edges(self, relative_path: str) -> set[tuple[str, str, str]]:
        return set(self.codebase.file_edges(relative_path))


class FileWatcher:
    """Watches a folder in a background thread and updates the graph when files change.

    Changes are debounced: an update starts once no event came for `quiet_ms` (or `most_ms`
    after the first of a burst), so saving ten files runs one update, not ten. Events that
    arrive while an update runs are kept by watchfiles and trigger the next one.
    """

    def __init__(
        self,
        updater: GraphUpdater,
        root: Path,
        quiet_ms: int = 200,
        most_ms: int = 2000,
    ) -> None:
        self.updater = updater
        self.root = root.resolve()
        self.quiet_ms = quiet_ms
        self.most_ms = most_ms
        self.events_processed = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        database_path = updater.codebase.database().specification.path
        # The database's own writes (a RocksDB folder or SQLite file inside the tree) must not
        # trigger updates, which would write again: a loop.
        self._database_prefix = (
            str(Path(database_path).expanduser().resolve()) if database_path else None
        )

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._watch, name="parseltongue-watcher", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop watching; waits for a running update to finish by default, because the
        caller closes the database next and an update cut off there would fail part-way."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def relevant(self, change: watchfiles.Change, path: str) -> bool:
        """Whether an event can change the graph: not the database, not a pruned folder."""
        if self._database_prefix and path.startswith(self._database_prefix):
            return False
        try:
            parts = Path(path).relative_to(self.root).parts
        except ValueError:
            return True
        return not any(part in SKIPPED_FOLDER_REASONS for part in parts)

    def _watch(self) -> None:
        caught_up = False
        try:
            # yield_on_timeout: the first (possibly empty) batch comes once the OS watch is
            # set up, and the first update runs then, so no edit falls between catching up
            # with the tree and watching it.
            for changes in watchfiles.watch(
                self.root,
                watch_filter=self.relevant,
                step=self.quiet_ms,
                debounce=self.most_ms,
                stop_event=self._stop,
                rust_timeout=self.quiet_ms,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self.events_processed += len(changes)
                if changes or not caught_up:
                    self._update("startup" if not caught_up else "file change")
                    if not caught_up:
                        self._prepare()
                    caught_up = True
        except Exception as error:  # noqa: BLE001 - reported by the status endpoint
            self.last_error = f"watcher stopped: {type(error).__name__}: {error}"

    def _prepare(self) -> None:
        try:
            self.updater.prepare()
        except Exception as error:  # noqa: BLE001 - updates then read the index themselves
            self.last_error = f"reading the codebase index failed: {type(error).__name__}: {error}"

    def _update(self, trigger: str) -> None:
        try:
            self.updater.update_tree(self.root, trigger)
            self.last_error = None
        except Exception as error:  # noqa: BLE001 - the next change tries again
            self.last_error = f"{trigger} update failed: {type(error).__name__}: {error}"

    def status(self) -> dict[str, Any]:
        last = self.updater.last_update
        return {
            "watcher_running": self.running,
            "watched_folder": str(self.root),
            "events_processed_count": self.events_processed,
            "updates_done_count": self.updater.updates_done,
            "update_in_progress": self.updater.busy,
            "last_update": asdict(last) if last else None,
            "last_error": self.last_error,
        }


def watcher_stopped_status(updater: GraphUpdater) -> dict[str, Any]:
    """The status when the server runs without --watch."""
    last = updater.last_update
    return {
        "watcher_running": False,
        "watched_folder": None,
        "events_processed_count": 0,
        "updates_done_count": updater.updates_done,
        "update_in_progress": updater.busy,
        "last_update": asdict(last) if last else None,
        "last_error": None,
    }


class ReindexRefused(ValueError):
    """A path re-indexing refuses; the message says why in one line."""


def reindex_path(root: Path, given: str) -> str:
    """`given` (relative to the ingested `root`, or absolute inside it) as the stored path to
    re-index; ReindexRefused when it climbs with '..', lies outside `root` or links there, or
    is not in a supported language. (The HTTP re-index route and the MCP server's
    reindex_files both check through here.)"""
    if ".." in PurePath(given).parts:
        raise ReindexRefused(f"{given!r} climbs with '..': give the path inside the folder")
    relative = relative_inside(root, given)
    if relative is None:
        raise ReindexRefused(f"{given!r} is outside the ingested folder {str(root)!r}")
    if link_leads_outside(root, root / relative):
        raise ReindexRefused(
            f"{relative!r} is a symbolic link to a file outside the ingested folder "
            f"{str(root)!r}"
        )
    if language_for_path(relative) is None:
        raise ReindexRefused(f"{relative!r} is not a file in a supported language")
    return relative


def relative_inside(root: Path, given: str) -> str | None:
    """`given` (relative to root, or absolute) as a stored path relative to `root`, or None
    when it lies outside it (`..` is resolved first, so it cannot climb out)."""
    candidate = Path(given)
    absolute = candidate if candidate.is_absolute() else root / candidate
    for attempt in (Path(os.path.normpath(absolute)), absolute.parent.resolve() / absolute.name):
        try:
            relative = attempt.relative_to(root)
        except ValueError:
            continue
        if relative.parts and ".." not in relative.parts:
            return relative.as_posix()
    return None

