"""`CodebaseStreamer`: one ingestion from walk to resolution (collect, plan, parse and write,
stamp, resolve), and updates of named files.
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import nullcontext
from dataclasses import replace
from functools import partialmethod
from pathlib import Path

from parseltongue.closing import Closing
from parseltongue.derived import refresh_search_tokens_for
from parseltongue.ingest.cluster import ParseCluster, parse_cluster_address
from parseltongue.ingest.config import (
    META_INGESTION_GENERATION,
    META_INGESTION_STATUS,
    META_INGESTION_TOTALS,
    PHASE_COLLECTING,
    PHASE_DONE,
    PHASE_PARSING,
    PHASE_RESOLVING,
    STATUS_COMPLETE,
    IngestionInterrupted,
    IngestionSummary,
    PhaseCallback,
    ProgressCallback,
    StreamerConfig,
)
from parseltongue.ingest.memory import ProcessTreeMemorySampler
from parseltongue.ingest.package_roots import (
    collection_roots,
    roots_changed,
    roots_meta_row,
    roots_of_paths,
    stored_roots,
)
from parseltongue.ingest.plan import StoredIngestion, stored_totals
from parseltongue.ingest.walk import (
    collect_files_for_parallel_processing,
    collect_named_files,
)
from parseltongue.ingest.writing import write_everything
from parseltongue.languages.modules import (
    module_path_rows_of,
)
from parseltongue.resolve import (
    KeptIndex,
    ResolutionCache,
    ResolutionInputs,
    TargetedUpdate,
    collector_paused,
    resolve_everything,
)
from parseltongue.storage import CozoDbStorage


class CodebaseStreamer(Closing):
    """Ingests a folder into a Parseltongue database.

    Example:
        streamer = CodebaseStreamer(StreamerConfig.new("rocksdb", "analysis.db"))
        summary = streamer.stream_directory_parallel(".")
    """

    def __init__(
        self,
        config: StreamerConfig,
        storage: CozoDbStorage | None = None,
        cache: ResolutionCache | None = None,
    ) -> None:
        self.config = config
        self._storage = storage if storage is not None else CozoDbStorage(config.database)
        self._cache = cache if cache is not None else ResolutionCache()
        self._stored = StoredIngestion(self._storage, config)

    def storage(self) -> CozoDbStorage:
        """The open database this streamer writes to."""
        return self._storage

    def close(self) -> None:
        """Close the database."""
        self._storage.close()

    def stream_directory(
        self,
        path: str | Path,
        progress: ProgressCallback | None = None,
        phase: PhaseCallback | None = None,
        *,
        parallel: bool | None = None,
    ) -> IngestionSummary:
        """Ingest `path` with as many jobs as the configuration says (one when sequential);
        `parallel` True (or False) runs parallel parse workers (or one) whatever it says."""
        config = self.config if parallel is None else self.config.with_parallel(parallel)
        return self._ingest(Path(path), config.effective_jobs(), progress, phase)

    stream_directory_parallel = partialmethod(stream_directory, parallel=True)
    """Ingest `path` with parallel parse workers, whatever the configuration's mode."""

    def prepare_for_updates(self) -> None:
        """Read the codebase index into memory now (a few seconds on a large codebase), so
        that the next update of a few files needs only their own work."""
        meta = self._stored.meta()
        if meta.get(META_INGESTION_STATUS) == STATUS_COMPLETE:
            generation = meta.get(META_INGESTION_GENERATION)
            self._cache.kept_for(self._storage, generation, stored_totals(meta, generation))

    def update_files(self, path: str | Path, relative_paths: list[str]) -> IngestionSummary:
        """Re-index only these files of the ingested folder `path` (paths relative to it, as
        stored): each is parsed again if the walk would collect it, its rows removed if it is
        gone, left-out rows rewritten if the walk would leave it out; then resolution runs.

        The result equals what `stream_directory` would leave for the same tree when only
        these files changed. When the database holds no complete ingestion of `path` (or
        another folder's, or other settings), everything is ingested instead.
        """
        root = Path(path)
        if self._stored.full_rebuild_reason(root.resolve()) or roots_changed(
            stored_roots(self._stored.meta()), roots_of_paths(root, relative_paths),
            relative_paths,
        ):
            return self.stream_directory(root)
        return self._ingest(root, 1, None, None, only=relative_paths)

    def _ingest(
        self,
        root: Path,
        jobs: int,
        progress: ProgressCallback | None,
        phase: PhaseCallback | None,
        only: list[str] | None = None,
    ) -> IngestionSummary:
        started = time.perf_counter()
        announce = phase or (lambda _name: None)
        # Reached (or found missing) before the database is touched: a scheduler that cannot
        # be used leaves the last ingestion as it was.
        cluster = (
            ParseCluster(parse_cluster_address(self.config.dask),
                         self.config.dask_connect_seconds)
            if self.config.dask and jobs > 1 else nullcontext()
        )
        # One job parses in this process: no worker's memory to count.
        with cluster as parse_cluster, ProcessTreeMemorySampler(
            self.config.memory_sample_seconds, include_children=jobs > 1
        ) as memory:
            announce(PHASE_COLLECTING)
            # Taken before the walk's stats, so no file stamped in this run can look older
            # than it is (see RACY_STAMP_MARGIN_NS).
            seen_at_ns = time.time_ns()
            database_path = self._storage.specification.path
            # A database inside the tree is not part of the codebase.
            excluded = (Path(database_path).expanduser(),) if database_path else ()
            if only is None:
                collection = collect_files_for_parallel_processing(
                    root,
                    self.config.max_file_bytes,
                    self.config.respect_gitignore,
                    excluded_paths=excluded,
                )
            else:
                collection = collect_named_files(
                    root,
                    only,
                    self.config.max_file_bytes,
                    self.config.respect_gitignore,
                    excluded_paths=excluded,
                )
            collection.package_roots = collection_roots(collection)
            summary = IngestionSummary(str(collection.root), str(self._storage.specification), jobs)
            summary.files_collected = len(collection.files)
            summary.bytes_collected = collection.total_bytes
            # Comparing with the database is part of collecting: mostly the walk's own stats.
            if only is None:
                plan = self._stored.plan(collection, summary)
            else:
                plan = self._stored.plan_named(collection, only, summary)
            # Set before any row changes: a run cut short leaves a status that is not
            # "complete", and the next run then rebuilds instead of trusting half an update.
            # Read before the status changes: the kept index is trusted only for the
            # ingestion it was made from.
            meta = self._stored.meta()
            generation = meta.get(META_INGESTION_GENERATION)
            self._set_status(f"running: ingesting {collection.root}")
            current_phase = PHASE_PARSING
            totals: dict[str, int] | None = None
            # Whether the kept index describes the database once this run completes.
            kept = self._cache.kept if self._cache.generation == generation else None
            cache_current = kept is not None
            known_totals = kept.totals if kept is not None else stored_totals(meta, generation)
            try:
                targeted: TargetedUpdate | None = None
                if plan.incremental:
                    if plan.graph_changed:
                        kept = self._cache.kept_for(self._storage, generation, known_totals)
                        cache_current = True
                        targeted = TargetedUpdate(
                            self._storage, kept, plan.to_remove, stored_roots(meta)
                        )
                        kept.index.remove_files(plan.to_remove)
                    # Rows of changed and deleted files go; unchanged files keep theirs.
                    if plan.to_remove:
                        self._storage.run_named_write(
                            "remove_files",
                            files=plan.to_remove,
                            module_paths=module_path_rows_of(
                                plan.to_remove, stored_roots(meta)
                            ),
                        )
                else:
                    # A rebuild replaces the database's rows: nothing of an earlier run survives.
                    self._cache.forget()
                    self._storage.run_named_write("clear_codebase")
                identity = self._stored.identity(collection.root)
                if only is None:  # an update keeps the roots its files were checked against
                    identity.append(roots_meta_row(collection.package_roots))
                self._storage.run_named_write("put_meta_values", rows=identity)
                announce(PHASE_PARSING)
                to_parse = replace(collection, files=plan.to_parse)
                if progress:
                    progress(0, len(to_parse.files), 0)
                # A few changed files parse faster in this process than a worker pool starts.
                few = plan.incremental and len(plan.to_parse) < self.config.files_per_task
                # Resolution reads the rows written, kept narrow in memory; a rebuild
                # indexes them as they arrive (the collector paused: the index is millions
                # of acyclic objects, traversed again at every collection otherwise).
                inputs = ResolutionInputs() if targeted else ResolutionInputs.indexing()
                with collector_paused(keep=True) if targeted is None else nullcontext():
                    write_everything(
                        self._storage, self.config, to_parse, 1 if few else jobs, summary,
                        progress, inputs, parse_cluster,
                    )
                self._stored.write_stamps(plan, summary, seen_at_ns)
                current_phase = PHASE_RESOLVING
                resolve_started = time.perf_counter()
                summary.parse_seconds = resolve_started - started
                if plan.graph_changed:
                    announce(PHASE_RESOLVING)
                    totals = self._resolve(inputs, targeted, summary)
                    cache_current = True
                else:
                    # No entity, reference, module path or containment edge changed, so the
                    # resolved and derived relations are already what resolution would write.
                    summary.resolved = False
                    totals = known_totals
                del inputs
                summary.resolve_seconds = time.perf_counter() - resolve_started
                # Not get_stats: its breakdowns read every wide entity row, which cost a
                # re-run with nothing changed most of its time.
                if totals is None:
                    totals = self._storage.run_named("ingestion_totals")[0]
                self._set_status(STATUS_COMPLETE, keep_cache=cache_current, totals=totals)
                if cache_current:
                    self._cache.keep_totals(totals)
            except KeyboardInterrupt:
                self._cache.forget()
                self._set_status(
                    f"interrupted: {summary.files_written} of {len(plan.to_parse)} files "
                    f"written, stopped while {current_phase}; run the ingestion again"
                )
                raise IngestionInterrupted(summary, current_phase) from None
            except BaseException:
                self._cache.forget()
                raise
        summary.entities = totals["entities"]
        summary.edges = totals["edges"]
        summary.unresolved_references = totals["unresolved_references"]
        summary.peak_memory_mb = memory.peak_megabytes
        summary.peak_memory_measure = memory.measure
        summary.elapsed_seconds = time.perf_counter() - started
        summary.problems.sort(key=lambda problem: problem.file_path)
        announce(PHASE_DONE)
        return summary

    def _set_status(
        self, status: str, keep_cache: bool = False, totals: dict[str, int] | None = None
    ) -> None:
        """Record the ingestion status with a new generation token, which a kept index
        follows only when the run completed and kept it up to date; a completed run also
        records its totals for that generation (a re-run with nothing changed reports them
        instead of counting ~300k rows)."""
        generation = uuid.uuid4().hex
        rows = [[META_INGESTION_STATUS, status], [META_INGESTION_GENERATION, generation]]
        if totals is not None:
            rows.append(
                [META_INGESTION_TOTALS, json.dumps({"generation": generation, **totals})]
            )
        self._storage.run_named_write("put_meta_values", rows=rows)
        if status == STATUS_COMPLETE and keep_cache:
            self._cache.generation = generation
        elif status == STATUS_COMPLETE:
            self._cache.forget()

    def _resolve(
        self,
        inputs: ResolutionInputs,
        targeted: TargetedUpdate | None,
        summary: IngestionSummary,
    ) -> dict[str, int]:
        """Resolve references and refresh the derived relations; returns the totals (of the
        rows written, or the kept ones adjusted by a targeted update)."""
        batch_rows = self.config.write_batch_rows or 20_000
        if targeted is None:
            with collector_paused(keep=True):
                index = inputs.index()
                resolution = resolve_everything(self._storage, index, batch_rows)
            totals = index.totals(resolution.edges, resolution.unresolved)
            self._cache.kept = KeptIndex(index, resolution.coupling, totals)
            summary.entities_resolved = len(index.references)
            return totals
        index = targeted.index
        index.add_rows(inputs.entities, inputs.containment, inputs.module_paths, inputs.references)
        with collector_paused(keep=True):
            effect = targeted.resolve_affected(batch_rows)
        summary.entities_resolved = effect.resolved_entities
        effect.coupling_changes.write(self._storage)
        old_names = [(row.key, row.name, row.file_path) for row in targeted.old_entities]
        new_names = [(row.key, row.name, row.file_path) for row in targeted.new_entities]
        if old_names != new_names:
            refresh_search_tokens_for(self._storage, old_names, new_names)
        return effect.totals
