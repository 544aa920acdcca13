"""CodebaseStreamer: walk, parse in parallel, write as results stream in, then resolve edges.

One pipeline serves both modes: sequential is the parallel path with one job. Parse workers
are loky processes (tree-sitter holds the GIL while parsing, so threads would not help), each
with one parser per grammar made once and reused; they return each chunk's rows as tuples,
ready to write. The parent is the only writer — a RocksDB folder admits one process — and
hands batches to writer threads, so writing overlaps receiving results. Profiles show the
writer is the critical path (turning Python rows into Cozo values, then RocksDB), so
everything that can happen in the workers does.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Generator
from contextlib import nullcontext, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from joblib import Parallel, delayed
from joblib.externals.loky import get_reusable_executor

from parseltongue._version import __version__
from parseltongue.derived import refresh_search_tokens_for
from parseltongue.extract import (
    DEFAULT_LIMITS,
    STATUS_INGESTED,
    STATUS_SKIPPED,
    ExtractionLimits,
    FileExtraction,
    compile_language,
    extract_file,
)
from parseltongue.file_references import pack_file_references
from parseltongue.languages import LanguageSpec, language_for_path
from parseltongue.memory import SAMPLE_SECONDS, ProcessTreeMemorySampler
from parseltongue.modules import (
    module_path_rows_of,
    module_paths_for_file,
    normalise_import_module,
)
from parseltongue.resolve import (
    KeptIndex,
    ResolutionCache,
    ResolutionInputs,
    TargetedUpdate,
    collector_paused,
    keep_out_of_collections,
    resolve_everything,
)
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, BackgroundWriter, CozoDbStorage
from parseltongue.walk import (
    DEFAULT_MAX_FILE_BYTES,
    CollectedFile,
    FileCollection,
    collect_files_for_parallel_processing,
    collect_named_files,
)

STATUS_FAILED = "failed"
# Bytes read to tell a binary file from source: a NUL byte there means binary.
BINARY_SNIFF_BYTES = 8192

ProgressCallback = Callable[[int, int, int], None]
"""Called with (files done, files in all, bytes done) as results arrive."""
PhaseCallback = Callable[[str], None]
"""Called with the name of each phase as it starts."""
PHASE_COLLECTING = "collecting files"
PHASE_PARSING = "parsing"
PHASE_RESOLVING = "resolving references"
PHASE_DONE = "done"

# parseltongue_meta keys that say what the database holds an ingestion of: a run with another
# root or other walk settings cannot reuse its rows, and rebuilds from scratch.
META_INGESTION_STATUS = "ingestion_status"
META_INGESTION_ROOT = "ingestion_root"
META_INGESTION_SETTINGS = "ingestion_settings"
# A new token per completed ingestion: an index kept in memory is trusted only for its own.
META_INGESTION_GENERATION = "ingestion_generation"
# The totals of that generation (entities, edges, unresolved references), as JSON.
META_INGESTION_TOTALS = "ingestion_totals"
STATUS_COMPLETE = "complete"
# What the stored rows mean, beside the version (a checkout's version does not move): a
# database written under another format is rebuilt rather than updated file by file.
# 2: an unresolved reference no evidence reaches counts top-level definitions, not all.
# 3: raw references are packed, one file_references row per file.
# 4: unresolved references packed per file; search postings packed per token.
# 5: extraction changed (TypeScript overloads are one entity; Go methods name their receiver
#    type), so files an update would keep unparsed hold rows of the old kind: rebuild.
ROW_FORMAT = 5
# A file modified this close to the walk that stamped it may change again without its mtime
# moving (timestamps tick coarsely: ~4 ms on ext4, 1-2 s on HFS+ and FAT), so such a stamp is
# "racily clean" and not trusted: the file is read and hashed instead, as git does for its index.
RACY_STAMP_MARGIN_NS = 2_000_000_000


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
    """Rows gathered before one `:put`; 0 writes each task's rows as they arrive."""
    overlap_writes: bool = True
    """Write from a separate thread while parsing goes on."""
    writer_threads: int = 2
    """Writer threads when overlapping. With 2, raw references (two thirds of all rows) get
    their own: each relation still has one writer, so no key is written from two threads, and
    RocksDB work on one overlaps value conversion on the other (7.8 s against 9.3 s for the
    parse phase of the `rust` corpus, 2 jobs)."""
    memory_sample_seconds: float = SAMPLE_SECONDS
    """How often the peak memory of the run (this process and its parse workers) is sampled."""
    full_rebuild: bool = False
    """Clear the database and parse everything, even when it holds an ingestion of the same
    root (otherwise only new and changed files are parsed: `pt01 --full`)."""

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


def stored_ingestion_config(storage: CozoDbStorage) -> StreamerConfig:
    """A configuration for updating the ingestion `storage` holds, with the walk settings it
    was made with: an update made with other ones would be a full rebuild (see
    CodebaseStreamer), which is not what a user who ingested with --max-file-bytes asked for
    by updating a few files."""
    meta = {row["key"]: row["value"] for row in storage.run_named("meta_values")}
    settings: dict[str, Any] = {}
    with suppress(ValueError):  # unreadable settings: the defaults
        settings = json.loads(meta.get(META_INGESTION_SETTINGS, "{}"))
    return StreamerConfig(
        database=str(storage.specification),
        max_file_bytes=int(settings.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
        respect_gitignore=bool(settings.get("respect_gitignore", True)),
    )


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
    files_collected: int = 0
    """Files the walk handed to the parsers."""
    files_written: int = 0
    """Files whose rows reached the writer (all of them, unless interrupted)."""
    bytes_collected: int = 0
    bytes_parsed: int = 0
    entities: int = 0
    edges: int = 0
    unresolved_references: int = 0
    syntax_errors: int = 0
    parsers_created: int = 0
    elapsed_seconds: float = 0.0
    parse_seconds: float = 0.0
    """Collecting, parsing and writing rows: the wall time before resolution starts."""
    resolve_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    peak_memory_measure: str = ""
    """How peak_memory_mb was measured (whose memory, how often it was sampled)."""
    incremental: bool = False
    """True when the database's earlier ingestion of this root was updated in place."""
    full_rebuild_reason: str = ""
    """Why everything was parsed again (empty when incremental)."""
    files_unchanged: int = 0
    files_changed: int = 0
    files_added: int = 0
    files_removed: int = 0
    files_hashed: int = 0
    """Files read to compare content hashes because their stat differed from the stamp."""
    resolved: bool = True
    """False when nothing the graph depends on changed, so resolution was skipped."""
    entities_resolved: int = 0
    """Entities whose references were resolved: every one that makes any in a rebuild,
    those a change can reach in an incremental update."""
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def entities_per_second(self) -> float:
        """Entities written per second of wall time."""
        return self.entities / self.elapsed_seconds if self.elapsed_seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        """Source parsed per second of wall time, in MB (10^6 bytes)."""
        return self.bytes_parsed / 1e6 / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        summary = asdict(self)
        summary["entities_per_second"] = round(self.entities_per_second, 1)
        summary["megabytes_per_second"] = round(self.megabytes_per_second, 2)
        summary["elapsed_seconds"] = round(self.elapsed_seconds, 3)
        summary["parse_seconds"] = round(self.parse_seconds, 3)
        summary["resolve_seconds"] = round(self.resolve_seconds, 3)
        summary["peak_memory_mb"] = round(self.peak_memory_mb, 1)
        return summary


# -- the worker side: runs in each loky process -------------------------------------------

_PARSERS_BY_GRAMMAR: dict[str, Any] = {}
_INTERRUPTS_IGNORED = False


def create_thread_local_parser_instance(spec: LanguageSpec) -> Any:
    """This process's parser for a language's grammar, made on first use and reused.

    (Named as in the PRD; in Python the parser is per worker *process*, since parsing holds
    the GIL and parsers cannot be pickled.) None while the language has no query file.
    """
    if spec.grammar not in _PARSERS_BY_GRAMMAR:
        compiled = compile_language(spec)
        _PARSERS_BY_GRAMMAR[spec.grammar] = compiled.new_parser() if compiled else None
    return _PARSERS_BY_GRAMMAR[spec.grammar]


def _failed(collected: tuple[str, str, str, int], reason: str) -> FileExtraction:
    relative_path, _, language, size_bytes = collected
    return FileExtraction(
        relative_path, language, STATUS_FAILED, reason, 0, False, "", size_bytes, 0, (), ()
    )


def process_file_with_thread_parser(
    collected: tuple[str, str, str, int], limits: ExtractionLimits = DEFAULT_LIMITS
) -> FileExtraction:
    """Read, sniff and extract one file with this process's parser; never raises."""
    relative_path, absolute_path, _, _ = collected
    # By path, not by language name: `.ts` and `.tsx` are one language with two grammars.
    spec = language_for_path(relative_path)
    if spec is None:
        return _failed(collected, "not a supported source language")
    try:
        with open(absolute_path, "rb") as handle:
            head = handle.read(BINARY_SNIFF_BYTES)
    except OSError as error:
        return _failed(collected, f"cannot read: {error.strerror or error}")
    if b"\x00" in head:
        skipped = _failed(collected, "binary content (NUL bytes) in a source-named file")
        return skipped._replace(status=STATUS_SKIPPED)
    try:
        parser = create_thread_local_parser_instance(spec)
        return extract_file(relative_path, absolute_path, spec, parser, limits)
    except OSError as error:
        return _failed(collected, f"cannot read: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the run
        return _failed(collected, f"extraction failed: {type(error).__name__}: {error}")


def _ignore_interrupts_in_worker() -> None:
    """Leave Ctrl-C to the parent: a terminal sends SIGINT to every process of the group,
    and workers dying mid-task would only add tracebacks; the parent stops the pool."""
    global _INTERRUPTS_IGNORED
    if not _INTERRUPTS_IGNORED:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _INTERRUPTS_IGNORED = True


class FileOutcome(NamedTuple):
    """What happened to one file, for the summary (its rows travel separately)."""

    file_path: str
    status: str
    note: str
    size_bytes: int
    syntax_errors: int


class ChunkResult(NamedTuple):
    """A worker's answer for one task: who parsed it, how it went, and the rows to write."""

    worker_pid: int
    parsers_used: frozenset[tuple[int, str, int]]
    """(process id, grammar, parser identity) of each parser this task used: a parser made
    once per process and reused shows up once, however many tasks and files it served."""
    outcomes: list[FileOutcome]
    rows: dict[str, list[tuple]]
    """Write query name -> the rows of every file of the chunk, ready for one `:put`."""
    references: list[tuple]
    """The chunk's raw references one by one (RawReference order), for resolution; they are
    written packed, one row per file (`put_file_references`)."""


WRITE_QUERY_NAMES = (
    "put_source_files",
    "put_entities",
    "put_test_reasons",
    "put_file_references",
    "put_module_paths",
    "put_edges",
)


def process_file_chunk(
    chunk: list[tuple[str, str, str, int]], limits: ExtractionLimits, in_worker: bool = False
) -> ChunkResult:
    """A worker task: extract a chunk of files and turn them into database rows.

    Rows are built here, in the workers, not in the parent: the parent is the one writer and
    its time is the pipeline's bottleneck, so it should only concatenate and write.
    """
    if in_worker:
        _ignore_interrupts_in_worker()
    rows: dict[str, list[tuple]] = {name: [] for name in WRITE_QUERY_NAMES}
    references: list[tuple] = []
    outcomes = [
        extraction_rows(process_file_with_thread_parser(collected, limits), rows, references)
        for collected in chunk
    ]
    return ChunkResult(os.getpid(), _parsers_used_by(chunk), outcomes, rows, references)


def _parsers_used_by(chunk: list[tuple[str, str, str, int]]) -> frozenset[tuple[int, str, int]]:
    specs = (language_for_path(relative_path) for relative_path, *_ in chunk)
    grammars = {spec.grammar for spec in specs if spec is not None}
    return frozenset(
        (os.getpid(), grammar, id(_PARSERS_BY_GRAMMAR[grammar]))
        for grammar in grammars
        if _PARSERS_BY_GRAMMAR.get(grammar) is not None
    )


def extraction_rows(
    extraction: FileExtraction, rows: dict[str, list[tuple]], references: list[tuple]
) -> FileOutcome:
    """Append one file's rows to `rows` (by write query) and its raw references to
    `references`, and say how the file went."""
    status = extraction.status
    file_path = extraction.file_path
    note = extraction.reason
    if extraction.syntax_error_count:
        note = f"{extraction.syntax_error_count} syntax error(s); recovered what parsed"
    if extraction.replaced_undecodable_bytes:
        note = "; ".join(filter(None, (note, "undecodable bytes replaced")))
    rows["put_source_files"].append(
        (file_path, extraction.language, extraction.content_hash, extraction.size_bytes,
         extraction.line_count, status, note)
    )
    outcome = FileOutcome(
        file_path, status, note, extraction.size_bytes, extraction.syntax_error_count
    )
    if status != STATUS_INGESTED:
        return outcome
    entities = extraction.entities
    rows["put_entities"].extend(entity[:12] for entity in entities)
    rows["put_test_reasons"].extend(
        (entity.key, entity.test_reason) for entity in entities if entity.test_reason
    )
    rows["put_edges"].extend(
        (parent, child, "contains", file_path, 0, "syntax")
        for parent, child in extraction.containment_pairs()
    )
    language = language_for_path(file_path)
    file_references = _reference_rows(extraction, language)
    references.extend(file_references)
    if file_references:
        rows["put_file_references"].append(pack_file_references(file_path, file_references))
    rows["put_module_paths"].extend(
        (module, file_path, depth, unit)
        for module, depth, unit in module_paths_for_file(file_path, language)
    )
    return outcome


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


class IngestionInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped an ingestion. The database opens and holds whole files; its
    `ingestion_status` says it is incomplete. `phase` says where it stopped."""

    def __init__(self, summary: IngestionSummary, phase: str) -> None:
        super().__init__(f"interrupted while {phase}")
        self.summary = summary
        self.phase = phase


class CodebaseStreamer:
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
        self,
        path: str | Path,
        progress: ProgressCallback | None = None,
        phase: PhaseCallback | None = None,
    ) -> IngestionSummary:
        """Ingest `path` with as many jobs as the configuration says (one when sequential)."""
        return self._ingest(Path(path), self.config.effective_jobs(), progress, phase)

    def stream_directory_parallel(
        self,
        path: str | Path,
        progress: ProgressCallback | None = None,
        phase: PhaseCallback | None = None,
    ) -> IngestionSummary:
        """Ingest `path` with parallel parse workers, whatever the configuration's mode."""
        jobs = self.config.with_parallel(True).effective_jobs()
        return self._ingest(Path(path), jobs, progress, phase)

    def prepare_for_updates(self) -> None:
        """Read the codebase index into memory now (a few seconds on a large codebase), so
        that the next update of a few files needs only their own work."""
        meta = self._stored_meta()
        if meta.get(META_INGESTION_STATUS) == STATUS_COMPLETE:
            generation = meta.get(META_INGESTION_GENERATION)
            self._cache.kept_for(self._storage, generation, _stored_totals(meta, generation))

    def update_files(self, path: str | Path, relative_paths: list[str]) -> IngestionSummary:
        """Re-index only these files of the ingested folder `path` (paths relative to it, as
        stored): each is parsed again if the walk would collect it, its rows removed if it is
        gone, left-out rows rewritten if the walk would leave it out; then resolution runs.

        The result equals what `stream_directory` would leave for the same tree when only
        these files changed. When the database holds no complete ingestion of `path` (or
        another folder's, or other settings), everything is ingested instead.
        """
        root = Path(path)
        if self._full_rebuild_reason(root.resolve()):
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
        # One job parses in this process: no worker's memory to count.
        with ProcessTreeMemorySampler(
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
            summary = IngestionSummary(str(collection.root), str(self._storage.specification), jobs)
            summary.files_collected = len(collection.files)
            summary.bytes_collected = collection.total_bytes
            # Comparing with the database is part of collecting: mostly the walk's own stats.
            if only is None:
                plan = self._plan(collection, summary)
            else:
                plan = self._plan_named(collection, only, summary)
            # Set before any row changes: a run cut short leaves a status that is not
            # "complete", and the next run then rebuilds instead of trusting half an update.
            # Read before the status changes: the kept index is trusted only for the
            # ingestion it was made from.
            meta = self._stored_meta()
            generation = meta.get(META_INGESTION_GENERATION)
            self._set_status(f"running: ingesting {collection.root}")
            current_phase = PHASE_PARSING
            totals: dict[str, int] | None = None
            # Whether the kept index describes the database once this run completes.
            kept = self._cache.kept if self._cache.generation == generation else None
            cache_current = kept is not None
            known_totals = kept.totals if kept is not None else _stored_totals(meta, generation)
            try:
                targeted: TargetedUpdate | None = None
                if plan.incremental:
                    if plan.graph_changed:
                        kept = self._cache.kept_for(self._storage, generation, known_totals)
                        cache_current = True
                        targeted = TargetedUpdate(self._storage, kept, plan.to_remove)
                        kept.index.remove_files(plan.to_remove)
                    # Rows of changed and deleted files go; unchanged files keep theirs.
                    if plan.to_remove:
                        self._storage.run_named_write(
                            "remove_files",
                            files=plan.to_remove,
                            module_paths=module_path_rows_of(plan.to_remove),
                        )
                else:
                    # A rebuild replaces the database's rows: nothing of an earlier run survives.
                    self._cache.forget()
                    self._storage.run_named_write("clear_codebase")
                self._storage.run_named_write(
                    "put_meta_values", rows=self._ingestion_identity(collection.root)
                )
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
                with collector_paused() if targeted is None else nullcontext():
                    self._write_everything(
                        to_parse, 1 if few else jobs, summary, progress, inputs
                    )
                self._write_stamps(plan, summary, seen_at_ns)
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

    def _stored_meta(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._storage.run_named("meta_values")}

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
            with collector_paused():
                index = inputs.index()
                resolution = resolve_everything(self._storage, index, batch_rows)
            keep_out_of_collections()
            totals = index.totals(resolution.edges, resolution.unresolved)
            self._cache.kept = KeptIndex(index, resolution.coupling, totals)
            summary.entities_resolved = len(index.references)
            return totals
        index = targeted.index
        index.add_rows(inputs.entities, inputs.containment, inputs.module_paths, inputs.references)
        with collector_paused():
            effect = targeted.resolve_affected(batch_rows)
        keep_out_of_collections()
        summary.entities_resolved = effect.resolved_entities
        effect.coupling_changes.write(self._storage)
        old_names = [(row.key, row.name, row.file_path) for row in targeted.old_entities]
        new_names = [(row.key, row.name, row.file_path) for row in targeted.new_entities]
        if old_names != new_names:
            refresh_search_tokens_for(self._storage, old_names, new_names)
        return effect.totals

    def _ingestion_identity(self, root: Path) -> list[list[str]]:
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

    def _full_rebuild_reason(self, root: Path) -> str:
        """Why this run must rebuild from scratch, or "" when it may update in place."""
        if self.config.full_rebuild:
            return "a full rebuild was asked for (--full)"
        meta = self._stored_meta()
        identity = dict(self._ingestion_identity(root))
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

    def _plan(self, collection: FileCollection, summary: IngestionSummary) -> _IngestionPlan:
        """Decide what to parse and what to remove: everything after a clear, or only the
        files that are new or whose content changed since the stored ingestion."""
        reason = self._full_rebuild_reason(collection.root)
        if reason:
            summary.full_rebuild_reason = reason
            return _IngestionPlan(False, list(collection.files), [], [], True)
        summary.incremental = True
        stored = {row["file_path"]: row for row in self._storage.run_named("rows_source_files")}
        stamps = {row["file_path"]: row for row in self._storage.run_named("rows_file_stamps")}
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
        return _IngestionPlan(True, to_parse, sorted(to_remove), restamp, graph_changed)

    def _plan_named(
        self, collection: FileCollection, only: list[str], summary: IngestionSummary
    ) -> _IngestionPlan:
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
        rows = self._storage.run_named("stored_paths_among", files=sorted(named | folders))
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
        return _IngestionPlan(True, list(collection.files), to_remove, [], bool(to_remove))

    def _write_stamps(
        self, plan: _IngestionPlan, summary: IngestionSummary, seen_at_ns: int
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
            self._storage.write_rows("put_file_stamps", rows[start : start + batch])

    def _write_everything(
        self,
        collection: FileCollection,
        jobs: int,
        summary: IngestionSummary,
        progress: ProgressCallback | None,
        inputs: ResolutionInputs | None = None,
    ) -> None:
        writer_count = max(1, self.config.writer_threads) if self.config.overlap_writes else 0
        writers = [BackgroundWriter(self._storage) for _ in range(writer_count)]

        def flush(query_name: str, rows: list) -> None:
            if not writers:
                self._storage.write_rows(query_name, rows)
            elif query_name == "put_file_references":
                writers[-1].submit(query_name, rows)
            else:
                writers[0].submit(query_name, rows)

        batches = _RowBatches(flush, self.config.write_batch_rows)
        batches.add("put_source_files", _skipped_path_rows(collection, summary))
        parsers_used: set[tuple[int, str, int]] = set()
        files_done = bytes_done = 0
        tasks: Generator[ChunkResult, None, None] | None = None
        in_pool = jobs > 1
        if in_pool:
            _PARSE_WORKERS.acquire()
        try:
            tasks = self._parse(collection, jobs)
            for _, parsers, outcomes, rows, references in tasks:
                parsers_used |= parsers
                for outcome in outcomes:
                    _count_outcome(outcome, summary)
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
                _PARSE_WORKERS.release(stop_if_last=True)
            batches.flush_all()
        finally:
            if in_pool:
                _PARSE_WORKERS.release(stop_if_last=False)
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

    def _parse(
        self, collection: FileCollection, jobs: int
    ) -> Generator[ChunkResult, None, None]:
        limits = ExtractionLimits(max_file_bytes=self.config.max_file_bytes)
        chunks = _chunks(collection.files, self.config.files_per_task, jobs)
        if jobs == 1:
            # The same tasks in this process: the sequential baseline, no pool to start.
            return (process_file_chunk(chunk, limits) for chunk in chunks)
        pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
        return pool(delayed(process_file_chunk)(chunk, limits, True) for chunk in chunks)


class _ParseWorkerUsers:
    """The ingestions of this process parsing in loky's shared pool. The last one to have
    every result in stops the workers: resolution runs in this process, and two idle workers
    held ~140 MB through it (and through a served graph's life). Stopped explicitly, not by a
    short idle timeout (one of 2 s hung a run: a task waited for a worker that had timed
    out), and never under another ingestion, whose tasks would fail. The next parallel run
    starts new workers."""

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
                get_reusable_executor(reuse=True).shutdown(wait=True)


_PARSE_WORKERS = _ParseWorkerUsers()


class _IngestionPlan(NamedTuple):
    """What one run does: update in place or rebuild, which files to parse and remove."""

    incremental: bool
    to_parse: list[CollectedFile]
    to_remove: list[str]
    """Paths whose rows go before parsing: changed, deleted, and stale left-out paths."""
    restamp: list[CollectedFile]
    """Unchanged files whose stat had changed (their hash proved them the same)."""
    graph_changed: bool
    """Whether any file that feeds resolution was parsed or removed."""


def _stored_totals(meta: dict[str, str], generation: str | None) -> dict[str, int] | None:
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
    _count_outcome(outcome, summary)


def _count_outcome(outcome: FileOutcome, summary: IngestionSummary) -> None:
    if outcome.status == STATUS_INGESTED:
        summary.files_ingested += 1
        summary.bytes_parsed += outcome.size_bytes
        summary.syntax_errors += outcome.syntax_errors
    elif outcome.status == STATUS_FAILED:
        summary.files_failed += 1
    else:
        summary.files_skipped += 1
    if outcome.status != STATUS_INGESTED or outcome.note:
        summary.problems.append(FileProblem(outcome.file_path, outcome.status, outcome.note))


def _reference_rows(extraction: FileExtraction, language: Any) -> list[tuple]:
    rows = {}
    for reference in extraction.references:
        module_path = ""
        if reference.kind == "import":
            module_path = normalise_import_module(reference.scope, extraction.file_path, language)
        identity = (reference.from_key, reference.kind, reference.name, reference.line,
                    reference.receiver, reference.scope, reference.alias)
        rows[identity] = (*identity, extraction.file_path, reference.receiver_type, module_path)
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
