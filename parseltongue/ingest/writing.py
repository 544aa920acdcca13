"""The parent side of parsing: deal files into tasks, run them (in this process, in loky's
pool, or on a Dask cluster), and hand their rows to writer threads in batches as results
arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator

from joblib import Parallel, delayed
from joblib.externals.loky import get_reusable_executor

from parseltongue.extract import (
    STATUS_SKIPPED,
    ExtractionLimits,
)
from parseltongue.ingest.cluster import ParseCluster, parse_on_cluster
from parseltongue.ingest.config import (
    FileProblem,
    IngestionSummary,
    ProgressCallback,
    StreamerConfig,
)
from parseltongue.ingest.walk import (
    CollectedFile,
    FileCollection,
)
from parseltongue.ingest.workers import (
    WRITE_QUERY_NAMES,
    ChunkResult,
    count_outcome,
    process_file_chunk,
)
from parseltongue.resolve import (
    ResolutionInputs,
)
from parseltongue.storage import BackgroundWriter, CozoDbStorage


def chunks_of(files: list[CollectedFile], files_per_task: int, jobs: int) -> list[list[tuple]]:
    """Coarse tasks, biggest first, so no worker is left with one huge file at the end."""
    ordered = sorted(files, key=lambda collected: -collected.size_bytes)
    task_count = max(1, min(len(ordered), -(-len(ordered) // max(1, files_per_task))))
    task_count = max(task_count, min(len(ordered), jobs * 4))
    chunks: list[list[tuple]] = [[] for _ in range(task_count)]
    # Deal files round-robin so every task gets a similar mix of sizes.
    for index, collected in enumerate(ordered):
        chunks[index % task_count].append(
            (collected.relative_path, collected.absolute_path, collected.language,
             collected.size_bytes)
        )
    return [chunk for chunk in chunks if chunk]


class RowBatches:
    """Rows per write query, flushed to the writer when a batch is full."""

    def __init__(self, flush: Callable[[str, list], None], batch_rows: int) -> None:
        self._flush = flush
        self._batch_rows = batch_rows
        self._rows: dict[str, list] = {name: [] for name in WRITE_QUERY_NAMES}
        self._pending = 0

    def add(self, query_name: str, rows: list) -> None:
        self._rows[query_name].extend(rows)
        if query_name == "put_file_references":
            # Counted by the references packed: a batch then holds as much of the codebase,
            # and is written as soon, as when each reference was a row.
            self._pending += sum(row[1] for row in rows)
        else:
            self._pending += len(rows)

    def add_chunk(self, rows_by_query: dict[str, list]) -> None:
        """Add a whole chunk's rows (whole files, so a flush never splits a file)."""
        for query_name, rows in rows_by_query.items():
            self.add(query_name, rows)

    def flush_if_full(self) -> bool:
        """Flush when the batch is full; True when it did."""
        if self._pending >= self._batch_rows:
            self.flush_all()
            return True
        return False

    def flush_all(self) -> None:
        for name in WRITE_QUERY_NAMES:
            if self._rows[name]:
                self._flush(name, self._rows[name])
                self._rows[name] = []
        self._pending = 0


class _ParseWorkerUsers:
    """The ingestions of this process parsing in loky's shared pool. The last one to have
    every result in stops the workers: resolution runs in this process, and two idle workers
    held ~140 MB through it (and through a served graph's life). Stopped explicitly, not by a
    short idle timeout (one of 2 s hung a run: a task waited for a worker that had timed
    out), and never under another ingestion, whose tasks would fail. The next parallel run
    starts new workers. Not waited for: the workers exit (freeing their memory) on the other
    core while resolution starts here; waiting took ~0.25 s of the run's wall time."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            self._count += 1

    def release(self, stop_if_last: bool) -> None:
        with self._lock:
            self._count -= 1
            if stop_if_last and self._count == 0:
                get_reusable_executor(reuse=True).shutdown(wait=False)


PARSE_WORKERS = _ParseWorkerUsers()


def skipped_path_rows(collection: FileCollection, summary: IngestionSummary) -> list[list]:
    rows = []
    for skipped in collection.skipped:
        summary.files_skipped += 1
        rows.append([skipped.relative_path, skipped.language, "", skipped.size_bytes, 0,
                     STATUS_SKIPPED, skipped.reason])
        if skipped.language:  # a source file left out is worth reporting; a README is not
            summary.problems.append(
                FileProblem(skipped.relative_path, STATUS_SKIPPED, skipped.reason)
            )
    return rows


def write_everything(
    storage: CozoDbStorage,
    config: StreamerConfig,
    collection: FileCollection,
    jobs: int,
    summary: IngestionSummary,
    progress: ProgressCallback | None,
    inputs: ResolutionInputs | None = None,
    cluster: ParseCluster | None = None,
) -> None:
    """Parse the collected files (`jobs` 1: in this process; else on `cluster` when given,
    else in loky's pool) and write their rows, and the skipped paths' rows, as they come."""
    on_cluster = cluster is not None and jobs > 1
    if cluster is not None and on_cluster:
        summary.parse_cluster = cluster.describe()
        summary.jobs = jobs = cluster.threads()
    writer_count = max(1, config.writer_threads) if config.overlap_writes else 0
    writers = [BackgroundWriter(storage) for _ in range(writer_count)]

    def flush(query_name: str, rows: list) -> None:
        if not writers:
            storage.write_rows(query_name, rows)
        elif query_name in ("put_file_references", "put_file_outlines"):
            # The packed rows: few, long and cheap; the other thread takes the many rows.
            writers[-1].submit(query_name, rows)
        else:
            writers[0].submit(query_name, rows)

    batches = RowBatches(flush, config.write_batch_rows)
    batches.add("put_source_files", skipped_path_rows(collection, summary))
    parsers_used: set[tuple[int, str, int]] = set()
    files_done = bytes_done = 0
    tasks: Generator[ChunkResult, None, None] | None = None
    in_pool = jobs > 1 and not on_cluster
    if in_pool:
        PARSE_WORKERS.acquire()
    try:
        tasks = parse_chunks(config, collection, jobs, cluster if on_cluster else None, summary)
        for _, parsers, outcomes, rows, references in tasks:
            parsers_used |= parsers
            for outcome in outcomes:
                count_outcome(outcome, summary)
                bytes_done += outcome.size_bytes
            files_done += len(outcomes)
            if inputs is not None:
                inputs.add_chunk(rows, references)
            batches.add_chunk(rows)
            if batches.flush_if_full():
                summary.files_written = files_done
            if progress:
                progress(files_done, len(collection.files), bytes_done)
        if in_pool:
            in_pool = False
            PARSE_WORKERS.release(stop_if_last=True)
        if cluster is not None:
            # Every result is in: the workers are not needed for resolution.
            cluster.close()
        batches.flush_all()
    finally:
        if in_pool:
            PARSE_WORKERS.release(stop_if_last=False)
        # Closing the generator stops the pool: no worker keeps parsing after an interrupt.
        if tasks is not None:
            tasks.close()
        # Rows already queued are written either way, so what is there is whole files.
        for writer in writers:
            writer.finish()
    for writer in writers:
        writer.raise_if_failed()
    summary.files_written = files_done
    summary.parsers_created = len(parsers_used)


def parse_chunks(
    config: StreamerConfig,
    collection: FileCollection,
    jobs: int,
    cluster: ParseCluster | None = None,
    summary: IngestionSummary | None = None,
) -> Generator[ChunkResult, None, None]:
    """Each task's result as it finishes, from this process (`jobs` 1), the cluster, or
    loky's pool."""
    limits = ExtractionLimits(max_file_bytes=config.max_file_bytes)
    roots = collection.package_roots
    chunks = chunks_of(collection.files, config.files_per_task, jobs)
    if cluster is not None:

        def count_resent(files: int) -> None:
            if summary is not None:
                summary.files_resent += files

        return parse_on_cluster(
            cluster, chunks, limits, not config.shared_filesystem, count_resent, roots
        )
    if jobs == 1:
        # The same tasks in this process: the sequential baseline, no pool to start.
        return (process_file_chunk(chunk, limits, roots=roots) for chunk in chunks)
    pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
    return pool(
        delayed(process_file_chunk)(chunk, limits, True, None, roots) for chunk in chunks
    )
