"""Extracting one file: read it, skip what is too big or minified, make its bytes valid UTF-8,
parse, and run the extractor (with the cycle collector paused while it runs).
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading

from tree_sitter import Parser

from parseltongue.extract.compiled import CompiledLanguage, compiled_for
from parseltongue.extract.extractor import FileExtractor, syntax_error_count
from parseltongue.extract.records import (
    DEFAULT_LIMITS,
    STATUS_SKIPPED,
    ExtractionLimits,
    FileExtraction,
)
from parseltongue.extract.recovery import error_lines, recover
from parseltongue.languages import LanguageSpec


def extract_file(
    relative_path: str,
    absolute_path: str,
    spec: LanguageSpec,
    parser: Parser | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> FileExtraction:
    """Read a file and extract it; a file over the size limit is skipped without being read."""
    size = os.stat(absolute_path).st_size
    if size > limits.max_file_bytes:
        reason = f"file larger than the {limits.max_file_bytes}-byte limit"
        return FileExtraction(
            relative_path.replace("\\", "/"), spec.name, STATUS_SKIPPED, reason, 0, False, "",
            size, 0, (), (),
        )
    with open(absolute_path, "rb") as handle:
        source = handle.read()
    return extract_source(relative_path, source, spec, parser, limits)


def extract_source(
    relative_path: str,
    source: bytes,
    language: LanguageSpec | CompiledLanguage,
    parser: Parser | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> FileExtraction:
    """Extract entities and raw references from one file's bytes; never raises on bad input.

    `relative_path` is the path under the ingested root (it goes into keys); `language` is a
    language or its query compiled already (`compile_language`, `compile_query`); pass a
    `parser` made by `CompiledLanguage.new_parser()` to reuse it across files.
    """
    relative_path = relative_path.replace("\\", "/")
    compiled: CompiledLanguage | None
    if isinstance(language, CompiledLanguage):
        spec, compiled = language.spec, language
    else:
        spec, compiled = language, compiled_for(language)
    no_query = "" if compiled is not None else (
        f"no query file {spec.query_file!r} for language {spec.name} yet"
    )
    skip_reason = _skip_reason(source, spec, limits) or no_query
    if compiled is None or skip_reason:
        return _skipped(relative_path, spec, source, skip_reason)
    source, replaced = _valid_utf8(source)
    parser = parser or compiled.new_parser()
    tree = parser.parse(source)
    if not tree.root_node.has_error:
        with _COLLECTOR_PAUSE:
            return FileExtractor(relative_path, source, compiled, tree.root_node).run(replaced)
    # What a syntax error cost the top level is parsed again (recovery.py); the extractor
    # reads the new tree over the file's own bytes, since offsets are unchanged.
    # The recovered tree is kept only where it loses no definition; the definitions are
    # counted before any record is made, so only the tree kept gets its records.
    errors = syntax_error_count(tree.root_node)
    recovery = recover(parser, source, tree)
    with _COLLECTOR_PAUSE:
        extractor = FileExtractor(relative_path, source, compiled, tree.root_node)
        entity_count = extractor.collect()
        lines = None
        if recovery.tree is not tree:
            recovered = FileExtractor(relative_path, source, compiled, recovery.tree.root_node)
            if recovered.collect() >= entity_count:
                extractor, lines = recovered, recovery.error_lines
        extraction = extractor.finish(replaced)
        if lines is None:
            lines = error_lines(tree.root_node)
    return extraction._replace(syntax_error_count=errors, syntax_error_lines=lines)


# The name extraction from a compiled query had before `extract_source` took one (package API).
extract_compiled = extract_source


class _CollectorPause:
    """Keeps the cyclic garbage collector off while any thread of the process extracts a file.

    `QueryCursor.matches` returns every match of a file at once, each a dict of lists: tens of
    thousands of container objects alive together, so the collector runs over and over and
    promotes them through its generations for nothing (they hold no cycles and die by reference
    counting when the file is done). On the Rust benchmark corpus that was a tenth of all
    extraction CPU time. The pause is per file, counted across threads, and the collector is
    resumed (if it was on) as soon as no extraction is running: parse workers extract one file
    at a time, so it resumes between files.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._active == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._active += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._resume:
                gc.enable()


_COLLECTOR_PAUSE = _CollectorPause()


def _skip_reason(source: bytes, spec: LanguageSpec, limits: ExtractionLimits) -> str:
    size = len(source)
    if size > limits.max_file_bytes:
        return f"file larger than the {limits.max_file_bytes}-byte limit"
    if size >= limits.minified_check_min_bytes:
        average = size / (source.count(b"\n") + 1)
        if average > limits.max_average_line_length:
            return (
                f"looks minified or generated: average line length {average:.0f} characters "
                f"(limit {limits.max_average_line_length})"
            )
    return ""


def _valid_utf8(source: bytes) -> tuple[bytes, bool]:
    """The source as valid UTF-8 (undecodable bytes replaced) and whether any were replaced."""
    if source.isascii():  # most files: valid without building the decoded text
        return source, False
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return source.decode("utf-8", "replace").encode("utf-8"), True
    return source, False


def _skipped(relative_path: str, spec: LanguageSpec, source: bytes, reason: str) -> FileExtraction:
    return FileExtraction(
        relative_path,
        spec.name,
        STATUS_SKIPPED,
        reason,
        0,
        False,
        hashlib.blake2b(source, digest_size=16).hexdigest(),
        len(source),
        source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1),
        (),
        (),
    )
