"""How to ingest (`StreamerConfig`) and what an ingestion did (`IngestionSummary`), with the
names of its phases and of the meta rows that say which ingestion a database holds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from parseltongue.ingest.memory import SAMPLE_SECONDS
from parseltongue.ingest.walk import (
    DEFAULT_MAX_FILE_BYTES,
)
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, CozoDbStorage

STATUS_FAILED = "failed"

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
# 6: extraction changed (Python: `local` references for names a function binds; receiver
#    types from annotations through Optional/`| None`/quotes/generics, enclosing functions
#    and class members): files an update would keep unparsed hold rows of the old kind.
# 7: an edge keeps every line referring to its target (dependency_edges.source_lines), not
#    only the first.
# 8: each file's entities in outline (file_outlines), what reading the index back reads.
# 9: JavaScript/TypeScript object-literal functions are methods; a syntax error's top-level
#    damage is parsed again (more entities); TypeScript type aliases of object types are
#    interfaces, fields and parameter properties type `this.x`; `export {a as b}` binds b.
# 10: extraction and resolution changed (Go: typed-chain receiver types, `member_type` and
#    `returns` references; a parameter types calls on its own line; package-scoped names,
#    imports binding the package's declared name): an update would mix old and new rows.
# 11: module paths start at the package roots (`__init__.py` above the ingested folder,
#     `go.mod`), and a Python class's bases record their order (an extends reference's alias).
# 12: TypeScript callbacks' parameters typed by position (`callee@0.0` receiver types, the
#     callee's `member_type` references), `Partial<T>` bindings as T; package roots from
#     package.json and Cargo.toml (a Rust crate's `src/` files answer to the crate's name).
# 13: Python receivers are typed chains (`select()/where()`, `^/preparer`), with `returns`,
#     class `member_type` and `overload` references.
# 14: containment is code_entities' parent_key (and the by_file index's), no longer stored as
#     `contains` edge rows.
# 15: code_entities has the by_parent index (containment in edge order); opening an older
#     database builds it from the rows, and the next ingestion rebuilds as for any format.
ROW_FORMAT = 15
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
    dask: str = ""
    """Parse on a Dask cluster instead of loky's pool: a scheduler's address
    (`tcp://host:8786`) or `local:N` for a cluster of N worker processes started for the run
    (`pt01 --dask`). Needs `parseltongue[dask]`. Empty: loky."""
    shared_filesystem: bool = False
    """On Dask: every worker sees the files at the parent's paths and reads them itself.
    Otherwise the parent reads each file and ships its bytes with the task (`--shared-fs`)."""
    dask_connect_seconds: float = 5.0
    """How long to try reaching a Dask scheduler, or to wait for its first worker."""

    @classmethod
    def new(cls, engine: str, path: str | Path) -> StreamerConfig:
        """The PRD's `StreamerConfig::new("rocksdb", path)`."""
        return cls(database=f"{engine}:{path}" if str(path) else engine)

    def with_parallel(self, parallel: bool = True) -> StreamerConfig:
        """A copy in parallel (or sequential) mode."""
        return replace(self, parallel=parallel)

    def effective_jobs(self) -> int:
        """How many parse processes this configuration runs (on Dask, at least 2 here:
        the cluster's own worker threads decide how many run at once)."""
        if not self.parallel:
            return 1
        jobs = self.jobs if self.jobs > 0 else (os.cpu_count() or 1)
        return max(2, jobs) if self.dask else jobs


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
    parse_cluster: str = ""
    """The Dask cluster that parsed (its address and worker threads); empty for loky."""
    files_resent: int = 0
    """Files whose parse task was lost with its worker (Dask gave up retrying it) and that
    were sent again, a file to a task."""
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


class IngestionInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped an ingestion. The database opens and holds whole files; its
    `ingestion_status` says it is incomplete. `phase` says where it stopped."""

    def __init__(self, summary: IngestionSummary, phase: str) -> None:
        super().__init__(f"interrupted while {phase}")
        self.summary = summary
        self.phase = phase
