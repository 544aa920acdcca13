"""Keeping the served graph live: the file watcher's status and on-demand re-indexing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from parseltongue.server.envelope import ApiError, bad_parameter, enveloped
from parseltongue.server.params import MAX_TEXT_LENGTH, ContextDependency
from parseltongue.server.updates import ReindexRefused, reindex_path, watcher_stopped_status

router = APIRouter(tags=["Updates"])


@enveloped(router, "/file-watcher-status-check")
def file_watcher_status_check(context: ContextDependency) -> dict[str, Any]:
    """Whether the file watcher runs, on which folder, events seen, updates done, the last
    update (when, files changed/added/removed, duration) and the last error."""
    assert context.updater is not None
    if context.watcher is None:
        return watcher_stopped_status(context.updater)
    return context.watcher.status()


@enveloped(router, "/incremental-reindex-file-update", method="POST")
def incremental_reindex_file_update(
    context: ContextDependency,
    path: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_TEXT_LENGTH,
            description="The file to re-index: relative to the ingested folder (src/auth.rs), "
            "or absolute inside it. A deleted file's rows are removed.",
        ),
    ],
) -> dict[str, Any]:
    """Re-index one file now: parse it again (or drop it if deleted), re-resolve references,
    and report its entities before/after/added/removed, edges added/removed, and the time."""
    updater = context.updater
    assert updater is not None
    # The watched folder when watching (the first update may not have stored it yet), else
    # the folder the database was ingested from.
    root = context.watcher.root if context.watcher is not None else updater.ingested_root()
    if root is None:
        raise ApiError(
            400,
            "the database holds no ingestion to update: ingest a folder with "
            "`parseltongue ingest DIR`, or serve with --watch DIR",
        )
    if not root.is_dir():
        raise ApiError(400, f"the ingested folder {str(root)!r} no longer exists", root=str(root))
    try:
        relative = reindex_path(root, path.strip())
    except ReindexRefused as error:
        raise bad_parameter("path", str(error)) from None
    if not (root / relative).exists() and not _has_row(context, relative):
        raise ApiError(
            404, f"no file {relative!r} in {str(root)!r}, and none indexed", path=relative
        )
    return updater.reindex_file(root, relative)


def _has_row(context: ContextDependency, relative: str) -> bool:
    """Whether the database holds a source_files row for the path (a file with no entities)."""
    rows = context.codebase.named("rows_source_files")
    return any(row["file_path"] == relative for row in rows)
