"""The facade's writes: ingest a folder, bring its ingestion up to date, re-index named files.
`Codebase` has them as methods (it derives from CodebaseUpdates); each drives the ingestion
pipeline over the Codebase's own database, keeping the resolution index between updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from parseltongue.ingest import (
    META_INGESTION_ROOT,
    CodebaseStreamer,
    IngestionSummary,
    PhaseCallback,
    ProgressCallback,
    StreamerConfig,
    stored_ingestion_config,
)
from parseltongue.resolve import ResolutionCache
from parseltongue.storage import CozoDbStorage


class _Updates(Protocol):
    """What these writes use of the Codebase they are methods of."""

    _resolution_cache: ResolutionCache

    def named(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...

    def database(self) -> CozoDbStorage: ...

    def _updating_streamer(self) -> CodebaseStreamer: ...


class CodebaseUpdates:
    """Writes of a Codebase: ingestion, refresh and targeted updates."""

    def ingested_root(self: _Updates) -> Path | None:
        """The folder this database holds an ingestion of (as given to `ingest`), or None.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.ingested_root() is None
            True
        """
        meta = {row["key"]: row["value"] for row in self.named("meta_values")}
        root = meta.get(META_INGESTION_ROOT)
        return Path(root) if root else None

    def ingest(
        self: _Updates,
        folder: str | Path,
        *,
        progress: ProgressCallback | None = None,
        phase: PhaseCallback | None = None,
        **config: Any,
    ) -> IngestionSummary:
        """Ingest `folder` into this database: only new and changed files are parsed when it
        holds an earlier ingestion of the same folder. `config` takes StreamerConfig's fields
        (parallel, jobs, max_file_bytes, respect_gitignore, full_rebuild, dask,
        shared_filesystem ...); `progress` is
        called with (files done, files in all, bytes done) as results arrive, `phase` with
        each phase's name as it starts. Ctrl-C raises IngestionInterrupted (a
        KeyboardInterrupt) after closing the run cleanly.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.ingest("tests/fixtures/http_project", parallel=False).files_ingested
            8
        """
        database = self.database()
        settings = StreamerConfig(database=str(database.specification), **config)
        # The streamer is not closed: closing it would close this Codebase's database.
        streamer = CodebaseStreamer(settings, database, self._resolution_cache)
        return streamer.stream_directory(folder, progress, phase)

    def refresh(self: _Updates, folder: str | Path) -> IngestionSummary:
        """Bring the ingestion of `folder` up to date with its tree (new, changed and deleted
        files), with the walk settings it was ingested with; everything is ingested when the
        database holds no complete ingestion of `folder`.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     codebase.refresh("tests/fixtures/http_project").files_unchanged
            8
        """
        return self._updating_streamer().stream_directory(folder)

    def update(self: _Updates, folder: str | Path, paths: Sequence[str]) -> IngestionSummary:
        """Re-index only `paths` (relative to `folder`, as stored) of the ingested `folder`,
        with the walk settings it was ingested with; everything is ingested when the database
        holds no complete ingestion of `folder`.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     codebase.update("tests/fixtures/http_project", ["shop/orders.py"]).incremental
            True
        """
        if isinstance(paths, str):
            raise ValueError(f"paths is a list of paths, not the string {paths!r}")
        return self._updating_streamer().update_files(folder, list(paths))

    def prepare_updates(self: _Updates) -> None:
        """Read the codebase index into memory now (seconds on a large codebase), so that the
        next `update` or `refresh` of a few files costs only their own work.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.prepare_updates()
        """
        self._updating_streamer().prepare_for_updates()

    def _updating_streamer(self: _Updates) -> CodebaseStreamer:
        # Settings other than the stored ones would make an update a full rebuild.
        database = self.database()
        return CodebaseStreamer(
            stored_ingestion_config(database), database, self._resolution_cache
        )
