"""Parse one source file and turn its query captures into entities and raw references.

One generic extractor serves every language: it runs the language's combined tree-sitter query
(`parseltongue/languages/<name>.scm`) once per file and interprets the capture names documented
in `parseltongue/languages/README.md`. Results are named tuples of plain values, so parse
workers can pickle them cheaply back to the process that writes the database.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, cast

from tree_sitter import Language, Node, Parser, Query, QueryCursor
from tree_sitter_language_pack import get_language

from parseltongue.languages import LanguageSpec, path_test_reason
from parseltongue.model import (
    CodeEntity,
    EntityClass,
    content_hash_of,
    sanitize_key_component,
    semantic_path_for_file,
    stable_entity_hash,
)

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
# Minified or generated files: big, with lines far longer than anyone writes by hand.
DEFAULT_MAX_AVERAGE_LINE_LENGTH = 500
MINIFIED_CHECK_MIN_BYTES = 32 * 1024
# Receivers and qualifiers are names or short expressions; a long one is a chained call.
MAX_CONTEXT_TEXT = 200
MAX_SIGNATURE_TEXT = 1000

STATUS_INGESTED = "ingested"
STATUS_SKIPPED = "skipped"

# `@definition.<kind>` -> the short entity type of ARCHITECTURE.md
ENTITY_TYPE_FOR_KIND = {
    "function": "fn",
    "method": "method",
    "class": "class",
    "struct": "struct",
    "interface": "interface",
    "protocol": "interface",
    "enum": "enum",
    "trait": "trait",
    "module": "module",
    "namespace": "module",
    "impl": "impl",
    "macro": "macro",
    "const": "const",
    "constant": "const",
    "type": "type",
    "table": "table",
    "view": "view",
}
# A function defined directly inside one of these is a method.
METHOD_CONTAINER_TYPES = frozenset({"class", "struct", "interface", "enum", "trait", "impl"})

_ROLE_DEFINITION = 0
_ROLE_REFERENCE = 1
_ROLE_BINDING = 2
_ROLE_MARKER = 3
_ROLE_PREFIXES = (
    ("definition.", _ROLE_DEFINITION),
    ("reference.", _ROLE_REFERENCE),
    ("binding", _ROLE_BINDING),
    ("marker.", _ROLE_MARKER),
)


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds that keep one file from costing too much (size, minified content)."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_average_line_length: int = DEFAULT_MAX_AVERAGE_LINE_LENGTH
    minified_check_min_bytes: int = MINIFIED_CHECK_MIN_BYTES


DEFAULT_LIMITS = ExtractionLimits()


class EntityRecord(NamedTuple):
    """One definition. The first 12 fields are a `code_entities` row in column order."""

    key: str
    file_path: str
    entity_type: str
    entity_class: str
    language: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    signature: str
    code: str
    content_hash: str
    parent_key: str
    """The enclosing entity (the file's module entity for top-level ones; "" for that one)."""
    test_reason: str
    """Why the entity is TEST ("" when it is CODE)."""

    def to_code_entity(self) -> CodeEntity:
        """The record as the model's `CodeEntity`."""
        return CodeEntity(
            self.key, self.file_path, self.entity_type, EntityClass(self.entity_class),
            self.language, self.name, self.qualified_name, self.start_line, self.end_line,
            self.signature, self.code, self.content_hash,
        )


class ReferenceRecord(NamedTuple):
    """One raw reference: a name used at a line, with what resolution needs to pin it.

    kind: call, macro, import, extends, implements, type (the `@reference.<kind>` capture).
    receiver: for method calls, the receiver expression (`self`, `g`, `nx`, `self.graph`).
    receiver_type: the receiver's type when a binding in the same entity gives it
      (`g = Graph()` or `g: Graph` -> `Graph`; `let x = Foo::new()` -> `Foo`).
    scope: the qualifier (`Type` in `Type::f()`, `mod` in `mod.Base`); for imports, the module
      path as written (`..a.b`, `std::fmt`), leading dots giving a Python import's level.
    alias: the local name an import binds with `as`.
    """

    from_key: str
    kind: str
    name: str
    line: int
    receiver: str
    receiver_type: str
    scope: str
    alias: str


class FileExtraction(NamedTuple):
    """Everything extracted from one file, or why it was skipped."""

    file_path: str
    language: str
    status: str
    reason: str
    syntax_error_count: int
    replaced_undecodable_bytes: bool
    content_hash: str
    size_bytes: int
    line_count: int
    entities: tuple[EntityRecord, ...]
    references: tuple[ReferenceRecord, ...]

    def module_key(self) -> str:
        """The key of the file's module entity (the `from_key` of top-level references)."""
        return self.entities[0].key if self.entities else ""

    def containment_pairs(self) -> list[tuple[str, str]]:
        """(parent key, child key) for every entity inside another: module -> class -> method."""
        return [(entity.parent_key, entity.key) for entity in self.entities if entity.parent_key]


class _Definition(NamedTuple):
    start_byte: int
    end_byte: int
    header_end_byte: int
    kind: str
    name: str
    scope: str
    node: Node
    pattern_index: int
    overloads: tuple[tuple[int, int], ...] = ()
    """For overloads made one entity: (start byte, header end byte) of each declaration, in
    order (the signatures, then the implementation if there is one); () otherwise."""


@dataclass(frozen=True)
class CompiledLanguage:
    """A language's grammar and compiled query, made once per process."""

    spec: LanguageSpec
    language: Language
    query: Query
    overload_patterns: frozenset[int] = frozenset()
    """Definition patterns set `(#set! overload "signature")`: an overload signature is one
    entity with the same-named definitions right after it in the same scope."""
    # pattern index -> (role, main capture name), learnt from the first match of each pattern
    pattern_roles: dict[int, tuple[int, str, str]] = field(default_factory=dict, compare=False)

    def new_parser(self) -> Parser:
        """A parser for this grammar (cannot be pickled: make one per process and reuse it)."""
        return Parser(self.language)


@cache
def compile_language(spec: LanguageSpec) -> CompiledLanguage | None:
    """The compiled grammar and query of a language, or None while it has no query file."""
    query_text = spec.query_text()
    if query_text is None:
        return None
    return compile_query(spec, query_text)


def compile_query(spec: LanguageSpec, query_text: str) -> CompiledLanguage:
    """Compile query text for a language's grammar (to try a query before it has a file)."""
    # The pack types its argument as a literal of its grammar names; ours come from the registry.
    language = get_language(cast(Any, spec.grammar))
    query = Query(language, query_text)
    overload_patterns = frozenset(
        index for index in range(query.pattern_count)
        if query.pattern_settings(index).get("overload") == "signature"
    )
    return CompiledLanguage(spec, language, query, overload_patterns)


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
    spec: LanguageSpec,
    parser: Parser | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> FileExtraction:
    """Extract entities and raw references from one file's bytes; never raises on bad input.

    `relative_path` is the path under the ingested root (it goes into keys); pass a `parser`
    made by `CompiledLanguage.new_parser()` to reuse it across files.
    """
    compiled = compile_language(spec)
    if compiled is None:
        relative_path = relative_path.replace("\\", "/")
        reason = _skip_reason(source, spec, limits) or (
            f"no query file {spec.query_file!r} for language {spec.name} yet"
        )
        return _skipped(relative_path, spec, source, reason)
    # The path and the size/minified checks are done once, there.
    return extract_compiled(relative_path, source, compiled, parser, limits)


def extract_compiled(
    relative_path: str,
    source: bytes,
    compiled: CompiledLanguage,
    parser: Parser | None = None,
    limits: ExtractionLimits = DEFAULT_LIMITS,
) -> FileExtraction:
    """`extract_source` with an already compiled query (see `compile_query`)."""
    relative_path = relative_path.replace("\\", "/")
    skip_reason = _skip_reason(source, compiled.spec, limits)
    if skip_reason:
        return _skipped(relative_path, compiled.spec, source, skip_reason)
    source, replaced = _valid_utf8(source)
    tree = (parser or compiled.new_parser()).parse(source)
    with _COLLECTOR_PAUSE:
        return _FileExtractor(relative_path, source, compiled, tree.root_node).run(replaced)


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


def extraction_entities(extraction: FileExtraction) -> list[CodeEntity]:
    """The extraction's entities as the model's `CodeEntity` objects."""
    return [record.to_code_entity() for record in extraction.entities]


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


_SOURCE_ROOT = re.compile(r"(?:^|/)src/")


def module_qualified_name(relative_path: str, spec: LanguageSpec) -> str:
    """`networkx/algorithms/dag.py` -> `networkx.algorithms.dag` (index files name their folder)."""
    # A `src/` layout folder is not part of module names (`src/pkg/a.py` is `pkg.a`).
    path = _SOURCE_ROOT.split(relative_path)[-1]
    parts = [part for part in path.split("/") if part]
    if parts:
        stem = parts[-1]
        parts[-1] = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
        if len(parts) > 1 and parts[-1] in spec.module_index_stems:
            parts.pop()
    return spec.scope_separator.join(parts)


# Node texts are sliced from the file's bytes by offsets: `source[node.start_byte:node.end_byte]`
# is the same bytes as `node.text` (the tree was parsed from `source`) at a third of the cost,
# and the hot loops take tens of thousands of texts per MB.


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _short_text(source: bytes, node: Node) -> str:
    """A node's text on one line, cut at MAX_CONTEXT_TEXT (receivers can be whole call chains)."""
    raw = source[node.start_byte:node.end_byte]
    if len(raw) > MAX_CONTEXT_TEXT or b"\n" in raw:
        return " ".join(raw.decode("utf-8", "replace").split())[:MAX_CONTEXT_TEXT]
    return raw.decode("utf-8", "replace")


# What ends a header before its body: `def f():`, `fn f() {`, `class A:`.
_BODY_OPENERS = " \t\r\n:{="


class _FileExtractor:
    """Turns one file's query matches into records (one instance per file)."""

    def __init__(self, path: str, source: bytes, compiled: CompiledLanguage, root: Node) -> None:
        self.path = path
        self.source = source
        self.compiled = compiled
        self.spec = compiled.spec
        self.root = root
        self.keys = _KeyBuilder(compiled.spec.name, path)
        self.definitions: dict[tuple[int, int], _Definition] = {}
        # (start byte, kind, name, line, receiver, scope, alias, import node or None)
        self.references: list[tuple[int, str, str, int, str, str, str, Node | None]] = []
        self.bindings: list[tuple[int, str, int, str]] = []
        self.markers: list[Node] = []

    def run(self, replaced: bool) -> FileExtraction:
        self._collect_matches()
        ordered = sorted(self.definitions.values(), key=lambda d: (d.start_byte, -d.end_byte))
        parents = _parent_indexes(ordered)
        if self.compiled.overload_patterns:
            ordered, parents = self._merge_overloads(ordered, parents)
        module_record = self._module_record()
        records = self._entity_records(ordered, parents, module_record)
        references = self._reference_records(ordered, parents, records, module_record.key)
        return FileExtraction(
            self.path,
            self.spec.name,
            STATUS_INGESTED,
            "",
            _syntax_error_count(self.root),
            replaced,
            hashlib.blake2b(self.source, digest_size=16).hexdigest(),
            len(self.source),
            module_record.end_line,
            (module_record, *records),
            tuple(references),
        )

    # ---- matches ------------------------------------------------------------------------

    def _collect_matches(self) -> None:
        """Sort every match of the one combined query pass by the role of its main capture.

        This loop runs once per match (tens of thousands per MB), so it stays flat and lean.
        """
        roles = self.compiled.pattern_roles
        add_reference = self.references.append
        separator = self.spec.scope_separator
        source = self.source
        for pattern_index, captures in QueryCursor(self.compiled.query).matches(self.root):
            pattern_role = roles.get(pattern_index)
            if pattern_role is None:
                pattern_role = roles[pattern_index] = _main_capture(captures)
            role, main_name, kind = pattern_role
            main_node = captures[main_name][0]
            if role == _ROLE_REFERENCE:
                name_nodes = captures.get("name")
                if kind == "import":
                    add_reference(_raw_import(source, main_node, name_nodes, captures, separator))
                    continue
                # `_unquoted` and `_short_text`'s common case are inlined: this branch runs for
                # most matches, and a Python call costs as much as the rest of a line here.
                if name_nodes:
                    name_node = name_nodes[0]
                    name = source[name_node.start_byte:name_node.end_byte].decode()
                    if len(name) > 1 and name[0] in _QUOTES and name[-1] == name[0]:
                        name = name[1:-1]
                else:
                    name_node = main_node
                    name = ""
                receiver = captures.get("receiver")
                if receiver:
                    node = receiver[0]
                    raw = source[node.start_byte:node.end_byte]
                    receiver_text = (
                        raw.decode("utf-8", "replace")
                        if len(raw) <= MAX_CONTEXT_TEXT and b"\n" not in raw
                        else _short_text(source, node)
                    )
                else:
                    receiver_text = ""
                scope = captures.get("scope")
                add_reference((
                    main_node.start_byte, kind, name, name_node.start_point[0] + 1, receiver_text,
                    _unquoted(_short_text(source, scope[0])) if scope else "", "", None,
                ))
            elif role == _ROLE_DEFINITION:
                self._add_definition(pattern_index, kind, main_node, captures)
            elif role == _ROLE_BINDING:
                name_node = captures["name"][0]
                # Without `@type`, the name is declared again with a type not known here.
                type_nodes = captures.get("type")
                self.bindings.append((
                    main_node.start_byte,
                    source[name_node.start_byte:name_node.end_byte].decode(),
                    name_node.start_point[0] + 1,
                    _short_text(source, type_nodes[0]) if type_nodes else "",
                ))
            else:
                self.markers.append(main_node)

    def _add_definition(
        self, pattern_index: int, kind: str, node: Node, captures: dict[str, list[Node]]
    ) -> None:
        span = (node.start_byte, node.end_byte)
        known = self.definitions.get(span)
        # For one node, the earliest pattern of the query file wins (specific before fallback).
        if known is not None and known.pattern_index <= pattern_index:
            return
        body = captures.get("body")
        name_nodes = captures.get("name")
        if name_nodes:
            name = _unquoted(" ".join(_text(self.source, name_nodes[0]).split()))
        else:
            # A pattern may name what has no name node: `(#set! name "Companion")`.
            name = self.compiled.query.pattern_settings(pattern_index).get("name") or ""
        header_end = body[0].start_byte if body else node.end_byte
        end_byte = node.end_byte
        if not body and self.compiled.query.pattern_settings(pattern_index).get(
            "extent"
        ) == "following":
            # `namespace A\B;` (PHP, C#) holds what follows it, up to the next one of its kind.
            sibling = node.next_sibling
            while sibling is not None and sibling.type != node.type:
                end_byte = sibling.end_byte
                sibling = sibling.next_sibling
        scope = captures.get("scope")
        self.definitions[span] = _Definition(
            node.start_byte, end_byte, header_end, kind, name,
            _unquoted(_short_text(self.source, scope[0])) if scope else "", node, pattern_index,
        )

    def _merge_overloads(
        self, ordered: list[_Definition], parents: list[int]
    ) -> tuple[list[_Definition], list[int]]:
        """Overloads of one callable made one definition, and the parents recomputed.

        An overload signature (a definition of an `overload` pattern: bodiless, so it holds no
        other definition) joins the next definition when that one is its next sibling (the
        next in order, with the same parent) of the same kind and name; a run of signatures
        joins its implementation, or stays one definition when there is none (a declaration
        file's `declare function f(a): X; declare function f(b): Y;`). The merged definition
        spans from the first signature to the end of the last declaration, so its key is the
        one the first signature had, and the references in the signatures belong to it.
        Bindings inside a signature are dropped: a parameter's type there is one overload's,
        not the implementation's.
        """
        overload_patterns = self.compiled.overload_patterns
        merged: list[_Definition] = []
        signature_spans: list[tuple[int, int]] = []
        index = 0
        count = len(ordered)
        while index < count:
            first = ordered[index]
            last_index = index
            while (
                ordered[last_index].pattern_index in overload_patterns
                and last_index + 1 < count
                and parents[last_index + 1] == parents[index]
                and ordered[last_index + 1].name == first.name
                and ordered[last_index + 1].kind == first.kind
            ):
                signature_spans.append((ordered[last_index].start_byte,
                                        ordered[last_index].end_byte))
                last_index += 1
            if last_index == index:
                merged.append(first)
            else:
                members = ordered[index:last_index + 1]
                last = members[-1]
                merged.append(last._replace(
                    start_byte=first.start_byte, node=first.node,
                    overloads=tuple((d.start_byte, d.header_end_byte) for d in members),
                ))
            index = last_index + 1
        if len(merged) == count:
            return ordered, parents
        if self.bindings:
            starts = [start for start, _ in signature_spans]
            self.bindings = [
                binding for binding in self.bindings
                if (at := bisect_right(starts, binding[0]) - 1) < 0
                or binding[0] >= signature_spans[at][1]
            ]
        return merged, _parent_indexes(merged)

    # ---- entities -----------------------------------------------------------------------

    def _module_record(self) -> EntityRecord:
        """The file's own module entity: the `from_key` of top-level references."""
        qualified = module_qualified_name(self.path, self.spec)
        name = qualified.rsplit(self.spec.scope_separator, 1)[-1]
        line_count = self.root.end_point[0] + (1 if self.root.end_point[1] else 0)
        # An empty qualified name in the key hash cannot collide with any definition's.
        key = self.keys.key("module", name, "", 0)
        reason = path_test_reason(self.spec, self.path) or ""
        return EntityRecord(
            key, self.path, "module", _entity_class(reason), self.spec.name, name, qualified,
            1, max(line_count, 1), self.path, "", _EMPTY_CONTENT_HASH, "", reason,
        )

    def _entity_records(
        self, ordered: list[_Definition], parents: list[int], module: EntityRecord
    ) -> list[EntityRecord]:
        """One record per definition, in (start, -end) order, parents before children.

        One flat loop with everything in locals: a file has hundreds of definitions, and
        method calls, NamedTuple constructors and attribute lookups were most of their cost.
        """
        marker_reasons = self._marker_reasons(ordered, parents)
        separator = self.spec.scope_separator
        source = self.source
        path = self.path
        language = self.spec.name
        key_of = self.keys.key
        blake2b = hashlib.blake2b
        make_record = tuple.__new__  # a NamedTuple's own constructor is Python code, 3x slower
        module_reason = module.test_reason
        module_key = module.key
        ordinals: dict[tuple[str, str], int] = {}
        records: list[EntityRecord] = []
        for index, definition in enumerate(ordered):
            _, end_byte, header_end, kind, name, scope, node, _, overloads = definition
            parent = records[parents[index]] if parents[index] >= 0 else None
            entity_type = ENTITY_TYPE_FOR_KIND.get(kind, kind)
            if entity_type == "fn" and (scope or (
                parent and parent.entity_type in METHOD_CONTAINER_TYPES
            )):
                entity_type = "method"
            # `@scope` names the container of an out-of-line definition (Go `func (t *T) M()`,
            # C++ `void Foo::bar()`): it comes between the enclosing names and the name.
            local_name = f"{scope}{separator}{name}" if scope else name
            qualified = (
                f"{parent.qualified_name}{separator}{local_name}" if parent else local_name
            )
            ordinal_key = (entity_type, qualified)
            ordinal = ordinals.get(ordinal_key, 0)
            ordinals[ordinal_key] = ordinal + 1
            reason = module_reason or marker_reasons.get(index, "")
            if not reason and parent and parent.test_reason:
                reason = f"inside test {parent.qualified_name}"
            start_byte, start_row = _declaration_start(node)
            code_bytes = source[start_byte:end_byte]
            code = code_bytes.decode("utf-8")
            # The signature: the declaration up to its body, or its first line when bodiless;
            # for overloads, each declaration's on a line of its own.
            if overloads:
                signature = "\n".join(
                    " ".join(source[start:end].decode("utf-8").split()).rstrip(_BODY_OPENERS + ";")
                    for start, end in overloads
                )
            elif header_end < end_byte:
                signature = source[start_byte:header_end].decode("utf-8").rstrip(_BODY_OPENERS)
            else:
                first_newline = code.find("\n")
                signature = (code if first_newline < 0 else code[:first_newline]).rstrip()
            records.append(make_record(EntityRecord, (
                key_of(entity_type, name, qualified, ordinal),
                path, entity_type, _TEST_CLASS if reason else _CODE_CLASS, language, name,
                qualified, start_row + 1,
                _end_line(node) if end_byte == node.end_byte
                else source.count(b"\n", 0, end_byte - 1) + 1,
                signature[:MAX_SIGNATURE_TEXT],
                code,
                # The same digest as `content_hash_of(code)`: the bytes are already valid UTF-8.
                blake2b(code_bytes, digest_size=16).hexdigest(),
                parent.key if parent else module_key, reason,
            )))
        return records

    def _marker_reasons(self, ordered: list[_Definition], parents: list[int]) -> dict[int, str]:
        """Which definitions a test marker marks, with the marker text as the reason.

        A marker marks the definition it is attached to (the next sibling after attributes,
        decorators and comments), else the innermost definition whose header holds it.
        """
        if not self.markers:
            return {}
        index_by_span = {(d.start_byte, d.end_byte): i for i, d in enumerate(ordered)}
        starts = [d.start_byte for d in ordered]
        reasons: dict[int, str] = {}
        for marker in self.markers:
            index = _attached_definition(marker, index_by_span)
            if index < 0:
                index = _innermost(starts, ordered, parents, marker.start_byte)
                if index >= 0 and marker.start_byte >= ordered[index].header_end_byte:
                    index = -1
            if index >= 0:
                reasons.setdefault(index, f"test marker {_short_text(self.source, marker)}")
        return reasons

    # ---- references ---------------------------------------------------------------------

    def _reference_records(
        self, ordered: list[_Definition], parents: list[int], records: list[EntityRecord],
        module_key: str,
    ) -> list[ReferenceRecord]:
        starts = [d.start_byte for d in ordered]
        ends = [d.end_byte for d in ordered]
        binding_types = self._binding_types(starts, ordered, parents)
        # Index -1 (no containing definition) is the file's module entity.
        owner_keys = [record.key for record in records]
        owner_keys.append(module_key)
        make_record = tuple.__new__  # a NamedTuple's own constructor is Python code, 3x slower
        results: list[ReferenceRecord] = []
        for start_byte, kind, name, line, receiver, scope, alias, node in self.references:
            owner = bisect_right(starts, start_byte) - 1
            while owner >= 0 and ends[owner] <= start_byte:
                owner = parents[owner]
            receiver_type = ""
            if receiver and binding_types:
                bindings = binding_types.get((owner, receiver))
                if bindings:
                    receiver_type = _type_at(bindings, line)
            if node is not None:
                scope = self._import_module(node, scope)
            results.append(make_record(ReferenceRecord, (
                owner_keys[owner], kind, name, line, receiver, receiver_type, scope, alias,
            )))
        # Matches arrive roughly in document order; a stable sort by line makes it exact.
        results.sort(key=_LINE_OF)
        return results

    def _import_module(self, node: Node, module: str) -> str:
        """The full module path of an import, prefixed by enclosing nested-import paths."""
        nesting = self.spec.import_nesting_types
        if not nesting:
            return module
        parts = [module] if module else []
        ancestor = node.parent
        while ancestor is not None and ancestor.type in nesting:
            prefix = ancestor.child_by_field_name("path")
            if prefix is not None:
                parts.insert(0, _short_text(self.source, prefix))
            ancestor = ancestor.parent
        return self.spec.scope_separator.join(parts)

    def _binding_types(
        self, starts: list[int], ordered: list[_Definition], parents: list[int]
    ) -> dict[tuple[int, str], list[tuple[int, str]]]:
        """(owning definition, local name) -> [(line, type text)] in line order."""
        table: dict[tuple[int, str], list[tuple[int, str]]] = {}
        for start_byte, name, line, type_text in sorted(self.bindings):
            owner = _innermost(starts, ordered, parents, start_byte)
            table.setdefault((owner, name), []).append((line, type_text))
        return table


class _KeyBuilder:
    """`model.build_entity_key` for one file, with the file's semantic path computed once."""

    def __init__(self, language: str, file_path: str) -> None:
        self.prefix = language
        self.file_path = file_path
        self.semantic_path = semantic_path_for_file(file_path)

    def key(self, entity_type: str, name: str, qualified_name: str, ordinal: int) -> str:
        safe_name = name if name.isidentifier() else sanitize_key_component(name)
        hash_value = stable_entity_hash(self.file_path, qualified_name, ordinal)
        return (
            f"{self.prefix}:{entity_type}:{safe_name or '_anonymous'}:"
            f"{self.semantic_path}:T{hash_value}"
        )


def _raw_import(
    source: bytes, main_node: Node, name_nodes: list[Node] | None,
    captures: dict[str, list[Node]], separator: str,
) -> tuple[int, str, str, int, str, str, str, Node | None]:
    """An import's plain values: the module path goes where other references keep a scope."""
    name_node = name_nodes[0] if name_nodes else main_node
    module = captures.get("module")
    scope = captures.get("scope")
    alias = captures.get("alias")
    parts = [_short_text(source, nodes[0]) for nodes in (module, scope) if nodes]
    if module and name_nodes and module[0].start_byte < name_node.start_byte < module[0].end_byte:
        # `@module` spans the whole path and `@name` ends it (Kotlin `a.b.C`, whose grammar has
        # no node for `a.b`): the module is the text before the name.
        head = source[module[0].start_byte:name_node.start_byte]
        parts[0] = "".join(head.decode("utf-8", "replace").split()).rstrip(".:\\/")
    module_path = separator.join(part for part in parts if part)
    return (
        main_node.start_byte, "import",
        source[name_node.start_byte:name_node.end_byte].decode() if name_nodes else "",
        name_node.start_point[0] + 1, "", module_path,
        _short_text(source, alias[0]) if alias else "",
        main_node,
    )


def _main_capture(captures: dict[str, list[Node]]) -> tuple[int, str, str]:
    """(role, main capture name, kind) of a pattern: `reference.call` -> reference, call."""
    for capture_name in captures:
        for prefix, role in _ROLE_PREFIXES:
            if capture_name.startswith(prefix):
                return role, capture_name, capture_name[len(prefix):]
    raise ValueError(f"a query pattern has no role capture among {sorted(captures)}")


# A C key function: the sort calls it once per reference.
_LINE_OF = itemgetter(3)


def _type_at(bindings: list[tuple[int, str]] | None, line: int) -> str:
    """The type of the last binding before `line` (in `g = Graph(g.copy())` the call on the
    right still sees the old `g`)."""
    found = ""
    for binding_line, type_text in bindings or ():
        if binding_line >= line:
            break
        found = type_text
    return found


_QUOTES = "\"`"


def _unquoted(name: str) -> str:
    """A quoted identifier's name without its quotes (SQL `"users"`, MySQL/Kotlin backticks)."""
    if len(name) > 1 and name[0] in _QUOTES and name[-1] == name[0]:
        return name[1:-1]
    return name


def _end_line(node: Node) -> int:
    """The 1-based last line of a node; one that ends with its newline (a C `#define`)
    ends on the line before."""
    row, column = node.end_point
    return row if column == 0 and row > node.start_point[0] else row + 1


def _entity_class(test_reason: str) -> str:
    return EntityClass.TEST.value if test_reason else EntityClass.CODE.value


# The module entity's code is not stored again: its hash is that of "".
_EMPTY_CONTENT_HASH = content_hash_of("")
_TEST_CLASS = EntityClass.TEST.value
_CODE_CLASS = EntityClass.CODE.value


def _parent_indexes(ordered: list[_Definition]) -> list[int]:
    """For definitions sorted by (start, -end), the index of each one's innermost container."""
    parents: list[int] = []
    stack: list[int] = []
    for index, definition in enumerate(ordered):
        while stack and ordered[stack[-1]].end_byte <= definition.start_byte:
            stack.pop()
        parents.append(stack[-1] if stack else -1)
        stack.append(index)
    return parents


def _innermost(
    starts: list[int], ordered: list[_Definition], parents: list[int], position: int
) -> int:
    """The innermost definition containing a byte position, or -1.

    Definitions nest, so it is the last one starting at or before the position, or the first
    of that one's ancestors still open there.
    """
    index = bisect_right(starts, position) - 1
    while index >= 0 and ordered[index].end_byte <= position:
        index = parents[index]
    return index


def _attached_definition(marker: Node, index_by_span: dict[tuple[int, int], int]) -> int:
    """The definition a marker (attribute, decorator) is attached to, or -1."""
    sibling = marker.next_named_sibling
    while sibling is not None and (sibling.type == marker.type or "comment" in sibling.type):
        sibling = sibling.next_named_sibling
    if sibling is None:
        return -1
    return index_by_span.get((sibling.start_byte, sibling.end_byte), -1)


# Annotations, attributes and decorators that a grammar puts inside the definition's own node
# (Java/Kotlin `@Test` in `modifiers`, C# `[Fact]`, TypeScript `@Component`): an entity starts
# after them, at its own keyword line, like those whose decorators are siblings (Rust, Python).
_LEADING_ANNOTATION_TYPES = frozenset({
    "annotation", "marker_annotation", "attribute_list", "decorator",
})
_LEADING_MODIFIER_LISTS = frozenset({"modifiers"})


def _declaration_start(node: Node) -> tuple[int, int]:
    """(start byte, start row) of a definition, past its leading annotations and comments."""
    child = node.child(0) if node.child_count else None
    if child is None or (
        child.type not in _LEADING_ANNOTATION_TYPES and child.type not in _LEADING_MODIFIER_LISTS
    ):
        return node.start_byte, node.start_point[0]
    while child is not None and (
        child.type in _LEADING_ANNOTATION_TYPES or child.type in _LEADING_MODIFIER_LISTS
        or "comment" in child.type
    ):
        if child.type in _LEADING_MODIFIER_LISTS:
            for part in child.children:
                if part.type not in _LEADING_ANNOTATION_TYPES and "comment" not in part.type:
                    return part.start_byte, part.start_point[0]
        child = child.next_sibling
    start = child or node
    return start.start_byte, start.start_point[0]


def _syntax_error_count(root: Node) -> int:
    """How many ERROR and MISSING nodes the parse produced (0 without walking a clean tree)."""
    if not root.has_error:
        return 0
    count = 0
    cursor = root.walk()
    reached_root = False
    while not reached_root:
        node = cursor.node
        if node is not None and (node.is_error or node.is_missing):
            count += 1
        # Only descend into subtrees that contain an error.
        if node is not None and node.has_error and not node.is_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                reached_root = True
                break
    return count
