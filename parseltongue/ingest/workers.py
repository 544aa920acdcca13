"""The worker side of ingestion, run in each loky process (or Dask worker): read, sniff and
extract a chunk of files with this process's parsers (one per grammar, made once and reused)
and build their rows, ready to write. Everything that can happen here does: the parent is the
bottleneck.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

from parseltongue.extract import (
    DEFAULT_LIMITS,
    STATUS_INGESTED,
    STATUS_SKIPPED,
    ExtractionLimits,
    FileExtraction,
    compile_language,
    extract_file,
    extract_source,
)
from parseltongue.file_outlines import pack_file_outline
from parseltongue.file_references import pack_file_references
from parseltongue.ingest.config import STATUS_FAILED, FileProblem, IngestionSummary
from parseltongue.ingest.package_roots import entities_named_from_roots
from parseltongue.languages import LanguageSpec, language_for_path
from parseltongue.languages.modules import (
    module_paths_for_file,
    normalise_import_module,
)
from parseltongue.languages.roots import NO_ROOTS, PackageRoots

BINARY_SNIFF_BYTES = 8192


class _ThreadParsers(threading.local):
    """Parsers by grammar, per thread: a tree-sitter parser is not safe to share between
    threads, and a Dask worker may run tasks on several. A loky worker, or a Dask worker run
    with one thread (as `--dask` advises), parses on one thread: one parser per grammar per
    process."""

    def __init__(self) -> None:
        self.by_grammar: dict[str, Any] = {}


_PARSERS = _ThreadParsers()
_INTERRUPTS_IGNORED = False


def create_thread_local_parser_instance(spec: LanguageSpec) -> Any:
    """This process's parser for a language's grammar, made on first use and reused.

    (Named as in the PRD; in Python the parser is per worker *process*, since parsing holds
    the GIL and parsers cannot be pickled.) None while the language has no query file.
    """
    parsers = _PARSERS.by_grammar
    if spec.grammar not in parsers:
        compiled = compile_language(spec)
        parsers[spec.grammar] = compiled.new_parser() if compiled else None
    return parsers[spec.grammar]


def _failed(collected: tuple[str, str, str, int], reason: str) -> FileExtraction:
    relative_path, _, language, size_bytes = collected
    return FileExtraction(
        relative_path, language, STATUS_FAILED, reason, 0, False, "", size_bytes, 0, (), ()
    )


def read_error(error: OSError) -> str:
    """Why a file could not be read, as `source_files` records it."""
    return f"cannot read: {error.strerror or error}"


def process_file_with_thread_parser(
    collected: tuple[str, str, str, int],
    limits: ExtractionLimits = DEFAULT_LIMITS,
    source: bytes | str | None = None,
) -> FileExtraction:
    """Read, sniff and extract one file with this process's parser; never raises.

    `source`, when given, is the file's bytes as another process read them (or why it could
    not): a worker that does not see the file's folder parses those instead.
    """
    relative_path, absolute_path, _, _ = collected
    # By path, not by language name: `.ts` and `.tsx` are one language with two grammars.
    spec = language_for_path(relative_path)
    if spec is None:
        return _failed(collected, "not a supported source language")
    if isinstance(source, str):
        return _failed(collected, source)
    if source is None:
        try:
            with open(absolute_path, "rb") as handle:
                head = handle.read(BINARY_SNIFF_BYTES)
        except OSError as error:
            return _failed(collected, read_error(error))
    else:
        head = source[:BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        skipped = _failed(collected, "binary content (NUL bytes) in a source-named file")
        return skipped._replace(status=STATUS_SKIPPED)
    try:
        parser = create_thread_local_parser_instance(spec)
        if source is not None:
            return extract_source(relative_path, source, spec, parser, limits)
        return extract_file(relative_path, absolute_path, spec, parser, limits)
    except OSError as error:
        return _failed(collected, read_error(error))
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
    "put_file_outlines",
    "put_module_paths",
    "put_edges",
)


def process_file_chunk(
    chunk: list[tuple[str, str, str, int]],
    limits: ExtractionLimits,
    in_worker: bool = False,
    sources: Sequence[bytes | str] | None = None,
    roots: PackageRoots = NO_ROOTS,
) -> ChunkResult:
    """A worker task: extract a chunk of files and turn them into database rows.

    Rows are built here, in the workers, not in the parent: the parent is the one writer and
    its time is the pipeline's bottleneck, so it should only concatenate and write.
    `sources`, when given, holds each file's bytes as the parent read them (or why it could
    not), for workers that do not share the parent's filesystem. `roots` begin the files'
    module paths (found by the parent, which sees the folders above the ingested one).
    """
    if in_worker:
        _ignore_interrupts_in_worker()
    rows: dict[str, list[tuple]] = {name: [] for name in WRITE_QUERY_NAMES}
    references: list[tuple] = []
    shipped = sources if sources is not None else [None] * len(chunk)
    outcomes = [
        extraction_rows(
            process_file_with_thread_parser(collected, limits, source), rows, references,
            roots,
        )
        for collected, source in zip(chunk, shipped, strict=True)
    ]
    return ChunkResult(os.getpid(), _parsers_used_by(chunk), outcomes, rows, references)


def failed_chunk_result(chunk: list[tuple[str, str, str, int]], reason: str) -> ChunkResult:
    """The result of a task no worker could finish: each of its files recorded as failed,
    with the reason, as a worker records a file it cannot read."""
    rows: dict[str, list[tuple]] = {name: [] for name in WRITE_QUERY_NAMES}
    references: list[tuple] = []
    outcomes = [extraction_rows(_failed(collected, reason), rows, references)
                for collected in chunk]
    return ChunkResult(os.getpid(), frozenset(), outcomes, rows, references)


def _parsers_used_by(chunk: list[tuple[str, str, str, int]]) -> frozenset[tuple[int, str, int]]:
    specs = (language_for_path(relative_path) for relative_path, *_ in chunk)
    grammars = {spec.grammar for spec in specs if spec is not None}
    parsers = _PARSERS.by_grammar
    return frozenset(
        (os.getpid(), grammar, id(parsers[grammar]))
        for grammar in grammars
        if parsers.get(grammar) is not None
    )


def extraction_rows(
    extraction: FileExtraction,
    rows: dict[str, list[tuple]],
    references: list[tuple],
    roots: PackageRoots = NO_ROOTS,
) -> FileOutcome:
    """Append one file's rows to `rows` (by write query) and its raw references to
    `references`, and say how the file went."""
    status = extraction.status
    file_path = extraction.file_path
    note = extraction.reason
    if extraction.syntax_error_count:
        at = ", ".join(
            str(first) if first == last else f"{first}-{last}"
            for first, last in extraction.syntax_error_lines
        )
        # In parentheses, as a file's own figures are (the ingest report groups notes
        # without them).
        where = f" (line{'s' if ',' in at or '-' in at else ''} {at})" if at else ""
        note = f"{extraction.syntax_error_count} syntax error(s){where}; recovered what parsed"
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
    language = language_for_path(file_path)
    entities = entities_named_from_roots(extraction.entities, language, roots)
    # A row ends with its parent_key: containment is read from it, not stored as edges.
    rows["put_entities"].extend(entity[:13] for entity in entities)
    rows["put_test_reasons"].extend(
        (entity.key, entity.test_reason) for entity in entities if entity.test_reason
    )
    if entities:
        rows["put_file_outlines"].append(pack_file_outline(file_path, (
            (entity.key, entity.entity_type, entity.name, entity.language, entity.parent_key)
            for entity in entities
        )))
    file_references = reference_rows(extraction, language, roots)
    references.extend(file_references)
    if file_references:
        rows["put_file_references"].append(pack_file_references(file_path, file_references))
    rows["put_module_paths"].extend(
        (module, file_path, depth, unit)
        for module, depth, unit in module_paths_for_file(file_path, language, roots)
    )
    return outcome


def count_outcome(outcome: FileOutcome, summary: IngestionSummary) -> None:
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


def reference_rows(
    extraction: FileExtraction, language: Any, roots: PackageRoots = NO_ROOTS
) -> list[tuple]:
    rows = {}
    for reference in extraction.references:
        module_path = ""
        if reference.kind == "import":
            module_path = normalise_import_module(
                reference.scope, extraction.file_path, language, roots
            )
        identity = (reference.from_key, reference.kind, reference.name, reference.line,
                    reference.receiver, reference.scope, reference.alias)
        rows[identity] = (*identity, extraction.file_path, reference.receiver_type, module_path)
    return list(rows.values())
