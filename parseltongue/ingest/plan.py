"""What a run does: rebuild, or update in place only the files that changed, judged from
what the database says of the ingestion it holds (identity, status, file stamps).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

from parseltongue._version import __version__
from parseltongue.ingest.config import (
    META_INGESTION_ROOT,
    META_INGESTION_SETTINGS,
    META_INGESTION_STATUS,
    META_INGESTION_TOTALS,
    RACY_STAMP_MARGIN_NS,
    ROW_FORMAT,
    STATUS_COMPLETE,
    STATUS_FAILED,
    IngestionSummary,
    StreamerConfig,
)
from parseltongue.ingest.package_roots import ROOTS_CHANGED, roots_changed, stored_roots
from parseltongue.ingest.walk import (
    CollectedFile,
    FileCollection,
)
from parseltongue.ingest.workers import FileOutcome, count_outcome
from parseltongue.storage import CozoDbStorage


class IngestionPlan(NamedTuple):
    """What one run does: update in place or rebuild, which files to parse and remove."""

    incremental: bool
    to_parse: list[CollectedFile]
    to_remove: list[str]
    """Paths whose rows go before parsing: changed, deleted, and stale left-out paths."""
    restamp: list[CollectedFile]
    """Unchanged files whose stat had changed (their hash proved them the same)."""
    graph_changed: bool
    """Whether any file that feeds resolution was parsed or removed."""


def stored_totals(meta: dict[str, str], generation: str | None) -> dict[str, int] | None:
    """The totals the last completed ingestion recorded, if they are of this generation."""
    try:
        recorded = json.loads(meta.get(META_INGESTION_TOTALS, "{}"))
    except ValueError:
        return None
    if generation is None or recorded.pop("generation", None) != generation:
        return None
    return recorded


def _stamp_is_trusted(stamp: dict[str, Any], collected: CollectedFile) -> bool:
    """Whether the stored stamp proves the file unchanged without reading it."""
    return (
        stamp["size_bytes"] == collected.size_bytes
        and stamp["mtime_ns"] == collected.mtime_ns
        and collected.mtime_ns + RACY_STAMP_MARGIN_NS < stamp["seen_at_ns"]
    )


def _content_hash_of_file(path: str) -> str:
    """The hash extraction stores for a file's bytes; "" when unreadable (parse it again).

    A file whose undecodable bytes extraction replaced was stored with the hash of the
    replaced text, so it never matches here: it is parsed again, which is slower, not wrong.
    """
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
    except OSError:
        return ""


def _count_stored_file(row: dict[str, Any], summary: IngestionSummary) -> None:
    """Count an unchanged file from its stored row, so the status counts and problems
    describe the whole tree, as after a full run, not only the files parsed this time."""
    summary.files_unchanged += 1
    outcome = FileOutcome(row["file_path"], row["status"], row["error"], 0, 0)
    count_outcome(outcome, summary)


class StoredIngestion:
    """What the database says of the ingestion it holds (its identity, status and file
    stamps), and the plan of a run made from it: rebuild, or update which files."""

    def __init__(self, storage: CozoDbStorage, config: StreamerConfig) -> None:
        self.storage = storage
        self.config = config

    def meta(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self.storage.run_named("meta_values")}

    def identity(self, root: Path) -> list[list[str]]:
        """The meta rows that say which ingestion the database holds: rows made under other
        settings, or by another version's extractor, cannot be reused file by file."""
        settings = {
            "max_file_bytes": self.config.max_file_bytes,
            "respect_gitignore": self.config.respect_gitignore,
            "parseltongue": __version__,
            "row_format": ROW_FORMAT,
        }
        return [
            [META_INGESTION_ROOT, str(root)],
            [META_INGESTION_SETTINGS, json.dumps(settings, sort_keys=True)],
        ]

    def full_rebuild_reason(self, root: Path) -> str:
        """Why this run must rebuild from scratch, or "" when it may update in place."""
        if self.config.full_rebuild:
            return "a full rebuild was asked for (--full)"
        meta = self.meta()
        identity = dict(self.identity(root))
        stored_root = meta.get(META_INGESTION_ROOT)
        if stored_root is None:
            return "the database holds no earlier ingestion"
        if stored_root != identity[META_INGESTION_ROOT]:
            return f"the database holds an ingestion of another folder ({stored_root})"
        if meta.get(META_INGESTION_SETTINGS) != identity[META_INGESTION_SETTINGS]:
            return "the ingestion settings or the Parseltongue version changed"
        if meta.get(META_INGESTION_STATUS) != STATUS_COMPLETE:
            return "the last ingestion did not complete"
        return ""

    def plan(self, collection: FileCollection, summary: IngestionSummary) -> IngestionPlan:
        """Decide what to parse and what to remove: everything after a clear, or only the
        files that are new or whose content changed since the stored ingestion."""
        reason = self.full_rebuild_reason(collection.root)
        if not reason and roots_changed(
            stored_roots(self.meta()), collection.package_roots,
            (collected.relative_path for collected in collection.files),
        ):
            reason = ROOTS_CHANGED
        if reason:
            summary.full_rebuild_reason = reason
            return IngestionPlan(False, list(collection.files), [], [], True)
        summary.incremental = True
        stored = {row["file_path"]: row for row in self.storage.run_named("rows_source_files")}
        stamps = {row["file_path"]: row for row in self.storage.run_named("rows_file_stamps")}
        to_parse: list[CollectedFile] = []
        restamp: list[CollectedFile] = []
        for collected in collection.files:
            stamp = stamps.get(collected.relative_path)
            row = stored.get(collected.relative_path)
            if stamp is not None and row is not None:
                if _stamp_is_trusted(stamp, collected):
                    _count_stored_file(row, summary)
                    continue
                summary.files_hashed += 1
                if _content_hash_of_file(collected.absolute_path) == row["content_hash"]:
                    # Touched, not changed: keep its rows, and stamp it anew so the next run
                    # need not read it again.
                    _count_stored_file(row, summary)
                    restamp.append(collected)
                    continue
                summary.files_changed += 1
            elif row is not None and row["status"] == STATUS_FAILED:
                summary.files_changed += 1  # failed files carry no stamp: always try again
            else:
                summary.files_added += 1
            to_parse.append(collected)
        collected_paths = {collected.relative_path for collected in collection.files}
        parsed_before = set(stamps) | {
            path for path, row in stored.items() if row["status"] == STATUS_FAILED
        }
        removed = parsed_before - collected_paths
        summary.files_removed = len(removed)
        # Rows of paths the walk left out last time are written again from this walk; those it
        # no longer leaves out (deleted, or now collected) must go.
        walk_skipped = {skipped.relative_path for skipped in collection.skipped}
        stale = {path for path in stored if path not in stamps and path not in walk_skipped}
        to_remove = {collected.relative_path for collected in to_parse} | removed | stale
        graph_changed = bool(to_parse or removed)
        return IngestionPlan(True, to_parse, sorted(to_remove), restamp, graph_changed)

    def plan_named(
        self, collection: FileCollection, only: list[str], summary: IngestionSummary
    ) -> IngestionPlan:
        """The plan for `update_files`: every named file the walk collects is parsed (asked
        for by name, so stamps are not consulted), every named path with rows loses them."""
        summary.incremental = True
        named = set(only)
        # The folders on each path: a pruned one has a row of its own (`vendor/`), which the
        # walk writes or no longer writes as the folder comes and goes.
        folders = {
            "/".join(path.split("/")[:depth]) + "/"
            for path in named
            for depth in range(1, path.count("/") + 1)
        }
        rows = self.storage.run_named("stored_paths_among", files=sorted(named | folders))
        stored = {row["file_path"] for row in rows if row["has_source_row"]}
        stored_folders = stored & folders
        stored -= folders
        stamped = {row["file_path"] for row in rows if row["has_stamp"]}
        collected = {collected.relative_path for collected in collection.files}
        summary.files_changed = len(collected & stored)
        summary.files_added = len(collected - stored)
        left_out = {skipped.relative_path for skipped in collection.skipped}
        summary.files_removed = len((stored | stamped) - collected - left_out)
        to_remove = sorted(stored | stamped | collected | stored_folders)
        return IngestionPlan(True, list(collection.files), to_remove, [], bool(to_remove))

    def write_stamps(
        self, plan: IngestionPlan, summary: IngestionSummary, seen_at_ns: int
    ) -> None:
        """Stamp every file parsed (but failed ones, retried next run) and every file whose
        hash proved it unchanged, with the walk's stat and the time the walk began."""
        failed = {
            problem.file_path for problem in summary.problems if problem.status == STATUS_FAILED
        }
        rows = [
            [collected.relative_path, collected.size_bytes, collected.mtime_ns, seen_at_ns]
            for collected in (*plan.to_parse, *plan.restamp)
            if collected.relative_path not in failed
        ]
        batch = self.config.write_batch_rows or len(rows)
        for start in range(0, len(rows), max(1, batch)):
            self.storage.write_rows("put_file_stamps", rows[start : start + batch])
