"""CodebaseStreamer: walk, parse in parallel, write as results stream in, then resolve edges.

One pipeline serves both modes: sequential is the parallel path with one job. Parse workers
are loky processes (tree-sitter holds the GIL while parsing, so threads would not help), each
with one parser per grammar made once and reused; they return compact tuples. The parent is
the only writer — a RocksDB folder admits one process — and hands batches to one writer
thread, so writing overlaps parsing (Cozo releases the GIL while it writes).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed

from parseltongue.extract import (
    DEFAULT_LIMITS,
    STATUS_INGESTED,
    STATUS_SKIPPED,
    ExtractionLimits,
    FileExtraction,
    compile_language,
    extract_file,
)
from parseltongue.languages import language_named
from parseltongue.memory import ProcessTreeMemorySampler
from parseltongue.modules import module_paths_for_file, normalise_import_module
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, CozoDbStorage
from parseltongue.walk import (
    DEFAULT_MAX_FILE_BYTES,
    CollectedFile,
    FileCollection,
    collect_files_for_parallel_processing,
)

STATUS_FAILED = "failed"
# Bytes read to tell a binary file from source: a NUL byte there means binary.
BINARY_SNIFF_BYTES = 8192

ProgressCallback = Callable[[int, int, int], None]
"""Called with (files done, files in all, bytes done) as results arrive."""


@dataclass
class StreamerConfig:
    """How to ingest: which database, how many parse jobs, and the limits per file."""

    database: str = DEFAULT_DATABASE_SPECIFICATION
    parallel: bool = True
    jobs: int = 0
    """Parse processes; 0 means one per core."""
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    respect_gitignore: bool = True
    files_per_task: int = 48
    """Files handed to a worker at once: coarse tasks keep scheduling cost low."""
    write_batch_rows: int = 20_000
    """Rows gathered before one `:put`; 0 writes every file's rows at once (the PRD's T1)."""
    overlap_writes: bool = True
    """Write from a separate thread while parsing goes on."""

    @classmethod
    def new(cls, engine: str, path: str | Path) -> StreamerConfig:
        """The PRD's `StreamerConfig::new("rocksdb", path)`."""
        return cls(database=f"{engine}:{path}" if str(path) else engine)

    def with_parallel(self, parallel: bool = True) -> StreamerConfig:
        """A copy in parallel (or sequential) mode."""
        return replace(self, parallel=parallel)

    def effective_jobs(self) -> int:
        """How many parse processes this configuration runs."""
        if not self.parallel:
            return 1
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


@dataclass
class FileProblem:
    """A file that was skipped or failed, and why."""

    file_path: str
    status: str
    reason: str


@dataclass
class IngestionSummary:
    """What one ingestion did, for the CLI summary and `--json`."""

    root: str
    database: str
    jobs: int
    files_ingested: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    bytes_parsed: int = 0
    entities: int = 0
    edges: int = 0
    unresolved_references: int = 0
    syntax_errors: int = 0
    parsers_created: int = 0
    elapsed_seconds: float = 0.0
    resolve_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def entities_per_second(self) -> float:
        """Entities written per second of wall time."""
        return self.entities / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        summary = asdict(self)
        summary["entities_per_second"] = round(self.entities_per_second, 1)
        summary["elapsed_seconds"] = round(self.elapsed_seconds, 3)
        summary["resolve_seconds"] = round(self.resolve_seconds, 3)
        summary["peak_memory_mb"] = round(self.peak_memory_mb, 1)
        return summary


# -- the worker side: runs in each loky process -------------------------------------------

_PARSERS_BY_GRAMMAR: dict[str, Any] = {}


def create_thread_local_parser_instance(language_name: str) -> Any:
    """This process's parser for a language's grammar, made on first use and reused.

    (Named as in the PRD; in Python the parser is per worker *process*, since parsing holds
    the GIL and parsers cannot be pickled.)
    """
    spec = language_named(language_name)
    parser = _PARSERS_BY_GRAMMAR.get(spec.grammar)
    if parser is None:
        compiled = compile_language(spec)
        parser = compiled.new_parser() if compiled else None
        _PARSERS_BY_GRAMMAR[spec.grammar] = parser
    return parser


def parsers_created_in_this_process() -> int:
    """How many parsers this process has made (the test of one parser per worker reads it)."""
    return len(_PARSERS_BY_GRAMMAR)


def _failed(collected: tuple[str, str, str, int], reason: str) -> FileExtraction:
    relative_path, _, language, size_bytes = collected
    return FileExtraction(
        relative_path, language, STATUS_FAILED, reason, 0, False, "", size_bytes, 0, (), ()
    )


def process_file_with_thread_parser(
    collected: tuple[str, str, str, int], limits: ExtractionLimits = DEFAULT_LIMITS
) -> FileExtraction:
    """Read, sniff and extract one file with this process's parser; never raises."""
    relative_path, absolute_path, language_name, _ = collected
    spec = language_named(language_name)
    try:
        with open(absolute_path, "rb") as handle:
            head = handle.read(BINARY_SNIFF_BYTES)
    except OSError as error:
        return _failed(collected, f"cannot read: {error.strerror or error}")
    if b"\x00" in head:
        skipped = _failed(collected, "binary content (NUL bytes) in a source-named file")
        return skipped._replace(status=STATUS_SKIPPED)
    try:
        parser = create_thread_local_parser_instance(language_name)
        return extract_file(relative_path, absolute_path, spec, parser, limits)
    except OSError as error:
        return _failed(collected, f"cannot read: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the run
        return _failed(collected, f"extraction failed: {type(error).__name__}: {error}")


def process_file_chunk(
    chunk: list[tuple[str, str, str, int]], limits: ExtractionLimits
) -> tuple[int, int, list[FileExtraction]]:
    """A worker task: extract a chunk of files; returns (pid, parsers made here, results)."""
    results = [process_file_with_thread_parser(collected, limits) for collected in chunk]
    return os.getpid(), parsers_created_in_this_process(), results


# -- the parent side ----------------------------------------------------------------------


def _chunks(files: list[CollectedFile], files_per_task: int, jobs: int) -> list[list[tuple]]:
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


class _RowBatches:
    """Rows per write query, flushed to the writer when a batch is full."""

    QUERY_NAMES = (
        "put_source_files",
        "put_entities",
        "put_test_reasons",
        "put_raw_references",
        "put_module_paths",
        "put_edges",
    )

    def __init__(self, flush: Callable[[str, list], None], batch_rows: int) -> None:
        self._flush = flush
        self._batch_rows = batch_rows
        self._rows: dict[str, list] = {name: [] for name in self.QUERY_NAMES}
        self._pending = 0

    def add(self, query_name: str, rows: list) -> None:
        self._rows[query_name].extend(rows)
        self._pending += len(rows)

    def file_done(self) -> None:
        if self._pending >= self._batch_rows:
            self.flush_all()

    def flush_all(self) -> None:
        for name in self.QUERY_NAMES:
            if self._rows[name]:
                self._flush(name, self._rows[name])
                self._rows[name] = []
        self._pending = 0


class _WriterThread:
    """The one thread that writes to the database, fed through a bounded queue."""

    def __init__(self, storage: CozoDbStorage) -> None:
        self._storage = storage
        self._queue: queue.Queue[tuple[str, list] | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="parseltongue-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._storage.write_rows(*item)
                except BaseException as error:  # noqa: BLE001 - re-raised in the parent
                    self._error = error

    def submit(self, query_name: str, rows: list) -> None:
        self.raise_if_failed()
        self._queue.put((query_name, rows))

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.raise_if_failed()


class CodebaseStreamer:
    """Ingests a folder into a Parseltongue database.

    Example:
        streamer = CodebaseStreamer(StreamerConfig.new("rocksdb", "analysis.db"))
        summary = streamer.stream_directory_parallel(".")
    """

    def __init__(self, config: StreamerConfig, storage: CozoDbStorage | None = None) -> None:
        self.config = config
        self._storage = storage if storage is not None else CozoDbStorage(config.database)

    def storage(self) -> CozoDbStorage:
        """The open database this streamer writes to."""
        return self._storage

    def close(self) -> None:
        """Close the database."""
        self._storage.close()

    def __enter__(self) -> CodebaseStreamer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stream_directory(
        self, path: str | Path, progress: ProgressCallback | None = None
    ) -> IngestionSummary:
        """Ingest `path` with as many jobs as the configuration says (one when sequential)."""
        return self._ingest(Path(path), self.config.effective_jobs(), progress)

    def stream_directory_parallel(
        self, path: str | Path, progress: ProgressCallback | None = None
    ) -> IngestionSummary:
        """Ingest `path` with parallel parse workers, whatever the configuration's mode."""
        return self._ingest(Path(path), self.config.with_parallel(True).effective_jobs(), progress)

    def _ingest(
        self, root: Path, jobs: int, progress: ProgressCallback | None
    ) -> IngestionSummary:
        started = time.perf_counter()
        with ProcessTreeMemorySampler() as memory:
            collection = collect_files_for_parallel_processing(
                root, self.config.max_file_bytes, self.config.respect_gitignore
            )
            summary = IngestionSummary(str(collection.root), str(self._storage.specification), jobs)
            self._storage.run_named_write("clear_codebase")
            self._write_everything(collection, jobs, summary, progress)
            resolve_started = time.perf_counter()
            self._storage.run_named_write("resolve")
            summary.resolve_seconds = time.perf_counter() - resolve_started
            totals = self._storage.get_stats()
        summary.entities = totals.total_entities
        summary.edges = totals.total_edges
        summary.unresolved_references = totals.unresolved_references
        summary.peak_memory_mb = memory.peak_megabytes
        summary.elapsed_seconds = time.perf_counter() - started
        summary.problems.sort(key=lambda problem: problem.file_path)
        return summary

    def _write_everything(
        self,
        collection: FileCollection,
        jobs: int,
        summary: IngestionSummary,
        progress: ProgressCallback | None,
    ) -> None:
        writer = _WriterThread(self._storage) if self.config.overlap_writes else None
        flush = writer.submit if writer else self._storage.write_rows
        batches = _RowBatches(flush, self.config.write_batch_rows)
        batches.add("put_source_files", _skipped_path_rows(collection, summary))
        parsers_by_worker: dict[int, int] = {}
        files_done = bytes_done = 0
        try:
            for worker, parsers, results in self._parse(collection, jobs):
                parsers_by_worker[worker] = max(parsers, parsers_by_worker.get(worker, 0))
                for extraction in results:
                    self._add_extraction(batches, extraction, summary)
                    files_done += 1
                    bytes_done += extraction.size_bytes
                    batches.file_done()
                if progress:
                    progress(files_done, len(collection.files), bytes_done)
            batches.flush_all()
        finally:
            if writer:
                writer.finish()
        summary.parsers_created = sum(parsers_by_worker.values())

    def _parse(
        self, collection: FileCollection, jobs: int
    ) -> Iterator[tuple[int, int, list[FileExtraction]]]:
        limits = ExtractionLimits(max_file_bytes=self.config.max_file_bytes)
        chunks = _chunks(collection.files, self.config.files_per_task, jobs)
        if jobs == 1:
            # The same tasks in this process: the sequential baseline, no pool to start.
            return (process_file_chunk(chunk, limits) for chunk in chunks)
        pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
        return pool(delayed(process_file_chunk)(chunk, limits) for chunk in chunks)

    def _add_extraction(
        self, batches: _RowBatches, extraction: FileExtraction, summary: IngestionSummary
    ) -> None:
        status = extraction.status
        if status == STATUS_INGESTED:
            summary.files_ingested += 1
            summary.bytes_parsed += extraction.size_bytes
            summary.syntax_errors += extraction.syntax_error_count
        elif status == STATUS_FAILED:
            summary.files_failed += 1
        else:
            summary.files_skipped += 1
        note = extraction.reason
        if extraction.syntax_error_count:
            note = f"{extraction.syntax_error_count} syntax error(s); recovered what parsed"
        if extraction.replaced_undecodable_bytes:
            note = "; ".join(filter(None, (note, "undecodable bytes replaced")))
        if status != STATUS_INGESTED or note:
            summary.problems.append(FileProblem(extraction.file_path, status, note))
        batches.add(
            "put_source_files",
            [[extraction.file_path, extraction.language, extraction.content_hash,
              extraction.size_bytes, extraction.line_count, status, note]],
        )
        if status != STATUS_INGESTED:
            return
        entities = extraction.entities
        batches.add("put_entities", [list(entity[:12]) for entity in entities])
        batches.add(
            "put_test_reasons",
            [[entity.key, entity.test_reason] for entity in entities if entity.test_reason],
        )
        batches.add(
            "put_edges",
            [[parent, child, "contains", extraction.file_path, 0, "syntax"]
             for parent, child in extraction.containment_pairs()],
        )
        language = language_named(extraction.language)
        batches.add(
            "put_raw_references",
            _reference_rows(extraction, language),
        )
        batches.add(
            "put_module_paths",
            [[module, extraction.file_path, depth, unit]
             for module, depth, unit in module_paths_for_file(extraction.file_path, language)],
        )


def _reference_rows(extraction: FileExtraction, language: Any) -> list[list]:
    rows = {}
    for reference in extraction.references:
        module_path = ""
        if reference.kind == "import":
            module_path = normalise_import_module(reference.scope, extraction.file_path, language)
        identity = (reference.from_key, reference.kind, reference.name, reference.line,
                    reference.receiver, reference.scope, reference.alias)
        rows[identity] = [*identity, extraction.file_path, reference.receiver_type, module_path]
    return list(rows.values())


def _skipped_path_rows(collection: FileCollection, summary: IngestionSummary) -> list[list]:
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
