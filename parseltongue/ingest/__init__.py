"""Ingestion: walk, parse in parallel, write as results stream in, then resolve edges.

One pipeline serves every mode: sequential is the parallel path with one job. Parse workers
are loky processes, or a Dask cluster's (tree-sitter holds the GIL while parsing, so threads
would not help), each with one parser per grammar made once and reused; they return each
chunk's rows as tuples, ready to write. The parent is the only writer — a RocksDB folder
admits one process — and hands batches to writer threads, so writing overlaps receiving
results. Profiles show the writer is the critical path (turning Python rows into Cozo
values, then RocksDB), so everything that can happen in the workers does.

The stage's modules: `walk` (which files, and why others are left out), `workers` (the
parse side), `writing` (tasks, batches, writer threads), `plan` (rebuild or update),
`pipeline` (`CodebaseStreamer`, the run), `config` (settings and summary), `memory` (peak
memory of the run), `integrity` (comparing two databases row for row), `cluster` (the parse
tasks on a Dask cluster instead of loky's pool: `pt01 --dask`).
"""

from parseltongue.ingest.cluster import ClusterError
from parseltongue.ingest.config import (
    META_INGESTION_ROOT,
    PHASE_COLLECTING,
    PHASE_DONE,
    PHASE_PARSING,
    PHASE_RESOLVING,
    ROW_FORMAT,
    FileProblem,
    IngestionInterrupted,
    IngestionSummary,
    PhaseCallback,
    ProgressCallback,
    StreamerConfig,
    stored_ingestion_config,
)
from parseltongue.ingest.pipeline import CodebaseStreamer

__all__ = [
    "META_INGESTION_ROOT",
    "PHASE_COLLECTING",
    "PHASE_DONE",
    "PHASE_PARSING",
    "PHASE_RESOLVING",
    "ROW_FORMAT",
    "ClusterError",
    "CodebaseStreamer",
    "FileProblem",
    "IngestionInterrupted",
    "IngestionSummary",
    "PhaseCallback",
    "ProgressCallback",
    "StreamerConfig",
    "stored_ingestion_config",
]
