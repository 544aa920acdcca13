"""The extractor: one file's query matches turned into entity and reference records, with
keys, nesting, test reasons and the receiver types bindings give.
"""

from __future__ import annotations

import hashlib
import re

from tree_sitter import Node, QueryCursor

from parseltongue.extract.callbacks import (
    CallbackExtent,
    callback_parameter_type,
    declared_position,
    unwrapped_type,
)
from parseltongue.extract.compiled import (
    ROLE_BINDING,
    ROLE_DEFINITION,
    ROLE_REFERENCE,
    CompiledLanguage,
    main_capture,
)
from parseltongue.extract.definitions import (
    Definition,
    declaration_start,
    merge_overloads,
    parent_indexes,
)
from parseltongue.extract.definitions import marker_reasons as find_marker_reasons
from parseltongue.extract.imports import raw_import
from parseltongue.extract.records import (
    ENTITY_TYPE_FOR_KIND,
    MAX_CONTEXT_TEXT,
    MAX_SIGNATURE_TEXT,
    METHOD_CONTAINER_TYPES,
    STATUS_INGESTED,
    EntityRecord,
    FileExtraction,
    short_text,
)
from parseltongue.extract.recovery import inside_error
from parseltongue.extract.references import reference_records
from parseltongue.languages import LanguageSpec, path_test_reason
from parseltongue.model import (
    CALLED,
    VALUE,
    EntityClass,
    content_hash_of,
    sanitize_key_component,
    semantic_path_for_file,
    stable_entity_hash,
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


# What ends a header before its body: `def f():`, `fn f() {`, `class A:`.
_BODY_OPENERS = " \t\r\n:{="


class FileExtractor:
    """Turns one file's query matches into records (one instance per file)."""

    def __init__(self, path: str, source: bytes, compiled: CompiledLanguage, root: Node) -> None:
        self.path = path
        self.source = source
        self.compiled = compiled
        self.spec = compiled.spec
        self.root = root
        self.keys = _KeyBuilder(compiled.spec.name, path)
        self.definitions: dict[tuple[int, int], Definition] = {}
        # (start byte, kind, name, line, receiver, scope, alias, import node or None)
        self.references: list[tuple[int, str, str, int, str, str, str, Node | None]] = []
        # (start byte, name, line, type text, end byte) of each `@binding`.
        self.bindings: list[tuple[int, str, int, str, int]] = []
        # `@binding.member`: the same, of a member (`self.x = Foo()`).
        self.member_bindings: list[tuple[int, str, int, str, int]] = []
        # Where each callback parameter's binding ends: the callback's end.
        self.callback_extents: list[CallbackExtent] = []
        self.markers: list[Node] = []
        # The definitions in (start, -end) order and each one's container (`collect`).
        self.ordered: list[Definition] = []
        self.parents: list[int] = []

    def run(self, replaced: bool) -> FileExtraction:
        """The file's extraction."""
        self.collect()
        return self.finish(replaced)

    def collect(self) -> int:
        """Collect the matches and order the definitions; how many entities the file has
        (its definitions and its module), known before any record is made."""
        self._collect_matches()
        ordered = sorted(self.definitions.values(), key=lambda d: (d.start_byte, -d.end_byte))
        parents = parent_indexes(ordered)
        if self.compiled.overload_patterns:
            ordered, parents, self.bindings = merge_overloads(
                ordered, parents, self.compiled.overload_patterns, self.bindings
            )
        self.ordered, self.parents = ordered, parents
        return len(ordered) + 1

    def finish(self, replaced: bool) -> FileExtraction:
        """The extraction of what `collect` collected."""
        ordered, parents = self.ordered, self.parents
        module_record = self._module_record()
        records = self._entity_records(ordered, parents, module_record)
        references = reference_records(
            self.spec, self.source, self.references, self.bindings, self.member_bindings,
            self.callback_extents, ordered, parents, records, module_record.key,
        )
        # A NamedTuple's own constructor is Python code: the tuple is made directly.
        return tuple.__new__(FileExtraction, (
            self.path,
            self.spec.name,
            STATUS_INGESTED,
            "",
            syntax_error_count(self.root),
            replaced,
            hashlib.blake2b(self.source, digest_size=16).hexdigest(),
            len(self.source),
            module_record.end_line,
            (module_record, *records),
            tuple(references),
            (),
        ))

    # ---- matches ------------------------------------------------------------------------

    def _collect_matches(self) -> None:
        """Sort every match of the one combined query pass by the role of its main capture.

        This loop runs once per match (tens of thousands per MB), so it stays flat and lean.
        """
        roles = self.compiled.pattern_roles
        add_reference = self.references.append
        separator = self.spec.scope_separator
        source = self.source
        transparent_types = self.spec.transparent_types
        set_receivers = self.compiled.set_receivers
        position_lists = self.compiled.position_lists
        add_definition = self._add_definition
        add_binding = self.bindings.append
        add_member_binding = self.member_bindings.append
        for pattern_index, captures in QueryCursor(self.compiled.query).matches(self.root):
            pattern_role = roles.get(pattern_index)
            if pattern_role is None:
                pattern_role = roles[pattern_index] = main_capture(captures)
            role, main_name, kind = pattern_role
            main_node = captures[main_name][0]
            if role == ROLE_REFERENCE:
                name_nodes = captures.get("name")
                if kind == "import" or kind == _EXPORT:
                    add_reference(
                        raw_import(source, main_node, name_nodes, captures, separator, kind)
                    )
                    continue
                # `_unquoted` and `short_text`'s common case are inlined: this branch runs for
                # most matches, and a Python call costs as much as the rest of a line here.
                if name_nodes:
                    name_node = name_nodes[0]
                    name = source[name_node.start_byte:name_node.end_byte].decode()
                    # Only a wrapper's name is unwrapped: the name is checked first.
                    if transparent_types and name in transparent_types and (
                        kind in _DECLARED_TYPES
                    ):
                        name_node = unwrapped_type(name_node, transparent_types)
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
                        else short_text(source, node)
                    )
                elif "callback" in captures:
                    # A type a function declares for a parameter of a callback it takes.
                    receiver_text = declared_position(name_node, main_node, position_lists)
                else:
                    receiver_text = set_receivers.get(pattern_index, "")
                scope = captures.get("scope")
                add_reference((
                    main_node.start_byte, kind, name, name_node.start_point[0] + 1, receiver_text,
                    _unquoted(short_text(source, scope[0])) if scope else "", "", None,
                ))
            elif role == ROLE_DEFINITION:
                add_definition(pattern_index, kind, main_node, captures)
            elif role == ROLE_BINDING:
                name_node = captures["name"][0]
                # Without `@type`, the name is declared again with a type not known here;
                # `@result` is a call's callee: the type is what calling it returns.
                type_nodes = captures.get("type")
                if type_nodes:
                    type_node = type_nodes[0]
                    if transparent_types and source[
                        type_node.start_byte:type_node.end_byte
                    ].decode() in transparent_types:
                        type_node = unwrapped_type(type_node, transparent_types)
                    type_text = short_text(source, type_node)
                elif "callback" in captures:
                    # A callback's parameter: what the callee declares at its position.
                    callee = captures["result"][0]
                    type_text = callback_parameter_type(
                        short_text(source, callee), name_node, callee.parent, position_lists,
                    ) if callee.parent is not None else ""
                    callback = captures["callback"][0]
                    self.callback_extents.append((
                        main_node.start_byte, _text(source, name_node), callback.end_byte,
                        callback.end_point[0] + 1,
                    ))
                elif "result" in captures:
                    type_text = short_text(source, captures["result"][0]) + CALLED
                elif "value" in captures:
                    # Another value's type, read as a chain where the binding is.
                    type_text = VALUE + short_text(source, captures["value"][0])
                else:
                    type_text = ""
                (add_member_binding if kind == _MEMBER_BINDING else add_binding)((
                    main_node.start_byte,
                    source[name_node.start_byte:name_node.end_byte].decode(),
                    name_node.start_point[0] + 1,
                    type_text,
                    main_node.end_byte,
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
            name_node = name_nodes[0]
            name = self.source[name_node.start_byte:name_node.end_byte].decode("utf-8", "replace")
            if not name.isidentifier():
                name = _unquoted(" ".join(name.split()))
            if name in self.compiled.keywords and inside_error(node):
                return  # a confused parse's junk: `switch (x) {` read as a method `switch`
        else:
            # A pattern may name what has no name node: `(#set! name "Companion")`.
            name = self.compiled.set_names.get(pattern_index, "")
        end_byte = node.end_byte
        header_end = body[0].start_byte if body else end_byte
        if not body and pattern_index in self.compiled.following_extents:
            # `namespace A\B;` (PHP, C#) holds what follows it, up to the next one of its kind.
            sibling = node.next_sibling
            while sibling is not None and sibling.type != node.type:
                end_byte = sibling.end_byte
                sibling = sibling.next_sibling
        scope = captures.get("scope")
        # A NamedTuple's own constructor is Python code: the tuple is made directly.
        self.definitions[span] = tuple.__new__(Definition, (
            span[0], end_byte, header_end, kind, name,
            _unquoted(short_text(self.source, scope[0])) if scope else "", node, pattern_index, (),
        ))

    def _module_record(self) -> EntityRecord:
        """The file's own module entity: the `from_key` of top-level references."""
        qualified = module_qualified_name(self.path, self.spec)
        name = qualified.rsplit(self.spec.scope_separator, 1)[-1]
        line_count = self.root.end_point[0] + (1 if self.root.end_point[1] else 0)
        # An empty qualified name in the key hash cannot collide with any definition's.
        key = self.keys.key("module", name, "", 0)
        test_paths = self.compiled.test_paths
        reason = (
            path_test_reason(self.spec, self.path) or ""
            if test_paths is None or test_paths.search(self.path) else ""
        )
        return tuple.__new__(EntityRecord, (
            key, self.path, "module", _TEST_CLASS if reason else _CODE_CLASS, self.spec.name,
            name, qualified, 1, max(line_count, 1), self.path, "", _EMPTY_CONTENT_HASH, "",
            reason,
        ))

    def _entity_records(
        self, ordered: list[Definition], parents: list[int], module: EntityRecord
    ) -> list[EntityRecord]:
        """One record per definition, in (start, -end) order, parents before children.

        One flat loop with everything in locals: a file has hundreds of definitions, and
        method calls, NamedTuple constructors and attribute lookups were most of their cost.
        """
        marker_reasons = find_marker_reasons(self.markers, self.source, ordered, parents)
        separator = self.spec.scope_separator
        source = self.source
        path = self.path
        language = self.spec.name
        key_of = self.keys.key
        annotation_types = self.compiled.annotation_types
        modifier_lists = self.compiled.modifier_lists
        blake2b = hashlib.blake2b
        make_record = tuple.__new__  # a NamedTuple's own constructor is Python code, 3x slower
        module_reason = module.test_reason
        module_key = module.key
        ordinals: dict[tuple[str, str], int] = {}
        records: list[EntityRecord] = []
        for index, definition in enumerate(ordered):
            _, end_byte, header_end, kind, name, scope, node, _, overloads = definition
            parent_index = parents[index]
            parent = records[parent_index] if parent_index >= 0 else None
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
            start_byte, start_row = declaration_start(node, annotation_types, modifier_lists)
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
            if end_byte == node.end_byte:
                # A node that ends with its newline (a C `#define`) ends on the line before.
                end_row, end_column = node.end_point
                end_line = end_row if end_column == 0 and end_row > node.start_point[0] else (
                    end_row + 1
                )
            else:
                end_line = source.count(b"\n", 0, end_byte - 1) + 1
            records.append(make_record(EntityRecord, (
                key_of(entity_type, name, qualified, ordinal),
                path, entity_type, _TEST_CLASS if reason else _CODE_CLASS, language, name,
                qualified, start_row + 1, end_line,
                signature[:MAX_SIGNATURE_TEXT],
                code,
                # The same digest as `content_hash_of(code)`: the bytes are already valid UTF-8.
                blake2b(code_bytes, digest_size=16).hexdigest(),
                parent.key if parent else module_key, reason,
            )))
        return records

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


_QUOTES = "\"`"
# `@reference.export`: a file binds one of its names again under another (`export { a as b }`).
_EXPORT = "export"
# `@reference.member_type` and `@reference.returns`: a declared type of a member (or of a
# callback's parameter) and of a function's result.
_DECLARED_TYPES = frozenset({"member_type", "returns"})
# The `@binding.member` role's kind (what follows `binding` in the capture name).
_MEMBER_BINDING = ".member"


def _unquoted(name: str) -> str:
    """A quoted identifier's name without its quotes (SQL `"users"`, MySQL/Kotlin backticks)."""
    if len(name) > 1 and name[0] in _QUOTES and name[-1] == name[0]:
        return name[1:-1]
    return name


# The module entity's code is not stored again: its hash is that of "".
_EMPTY_CONTENT_HASH = content_hash_of("")
_TEST_CLASS = EntityClass.TEST.value
_CODE_CLASS = EntityClass.CODE.value


def syntax_error_count(root: Node) -> int:
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
