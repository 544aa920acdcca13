"""Syntax-error recovery: what a parse lost at the top level of a file, parsed again.

Where a grammar does not know a construct, tree-sitter sometimes gives up on the rest of the
file: the root becomes an ERROR node of loose tokens, and every definition after the error
is lost (a TypeScript file with one unknown construct near its top kept 7 of its entities).
Recovery blanks the damaged top-level stretch (its bytes become spaces, its line breaks
stay, so every offset and line is unchanged) from the first loose token or top-level ERROR
node to the next line that starts a statement at column 0, and parses again; a few rounds
at most, the tree with the least damage kept. Each round parses incrementally (the blank is
an edit of the same length), and a round whose stretch is blank already ends them (the text
would not change). The extractor then reads the new tree over the file's own bytes. An
error inside a statement (a class body, a function) is tree-sitter's own local recovery,
kept as it is.

Definitions named after a keyword of the grammar (`function`, `case`, `switch`) inside an
error are junk of a confused parse (a `switch (x) {` read as a method): the extractor drops
them (`keywords_of`), outside errors they are real (`delete()`, `return()` methods in
JavaScript).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tree_sitter import Language, Node, Parser, Tree

MAX_ROUNDS = 8
# A line that starts at column 0; and one that starts a statement there, not with a closing
# bracket or a preprocessor `#` (C, C#: `#if` at column 0 inside a class).
_LINE_AT_COLUMN_0 = re.compile(rb"\n[^ \t\r\n]")
_STATEMENT_LINE = re.compile(rb"\n[^ \t\r\n)\]}>#]")
_WORD = re.compile(r"[A-Za-z_]\w*")
# Blanking keeps line breaks and makes every other byte a space (one C call per stretch).
_BLANKED = bytes(byte if byte in b"\r\n" else 0x20 for byte in range(256))


class Recovery(NamedTuple):
    """The tree to extract from, and where the file's syntax errors are."""

    tree: Tree
    error_lines: tuple[tuple[int, int], ...]
    """1-based (first, last) line of each stretch blanked or still in error, in order."""


def keywords_of(language: Language) -> frozenset[str]:
    """The grammar's keywords: its visible anonymous node kinds spelled like identifiers."""
    return frozenset(
        kind
        for kind_id in range(language.node_kind_count)
        if not language.node_kind_is_named(kind_id) and language.node_kind_is_visible(kind_id)
        and (kind := language.node_kind_for_id(kind_id)) and _WORD.fullmatch(kind)
    )


def inside_error(node: Node) -> bool:
    """Whether a node has an error in it or sits inside an ERROR node."""
    if node.has_error:
        return True
    parent = node.parent
    while parent is not None:
        if parent.is_error:
            return True
        parent = parent.parent
    return False


def recover(parser: Parser, source: bytes, tree: Tree) -> Recovery:
    """The tree to extract from (the first one when it has no top-level damage, or when
    parsing again does not lessen it) and the file's error lines."""
    if not tree.root_node.has_error:
        return Recovery(tree, ())
    best, best_damage = tree, _damage(tree.root_node, source)
    blanked: list[tuple[int, int]] = []
    text = bytearray(source)
    current = tree
    for _ in range(MAX_ROUNDS):
        stretch = _damaged_stretch(current.root_node, text)
        if stretch is None:
            break
        start, end = stretch
        before = text[start:end]
        blank = before.translate(_BLANKED)
        blanked.append((start, end))
        if blank == before:
            # Blank already: the text is unchanged, so parsing it again would give the same
            # tree, the same stretch and the same damage in every round left.
            break
        text[start:end] = blank
        # Parsed again incrementally: the blanked stretch is an edit of the same length, and
        # tree-sitter reuses what lies outside it (a copy is edited: the tree before is kept).
        edited = current.copy()
        start_point, end_point = _point(text, start), _point(text, end)
        edited.edit(start, end, end, start_point, end_point, end_point)
        current = parser.parse(bytes(text), edited)
        damage = _damage(current.root_node, text)
        if damage < best_damage:
            best, best_damage = current, damage
        if damage == 0:
            break
    kept_blanks = blanked if best is not tree else []
    spans = [(_line_of(source, start), _line_of(source, max(start, end - 1)))
             for start, end in kept_blanks]
    spans.extend(
        (node.start_point[0] + 1, node.end_point[0] + 1) for node in _error_nodes(best.root_node)
    )
    return Recovery(best, _merged(spans))


def error_lines(root: Node) -> tuple[tuple[int, int], ...]:
    """1-based (first, last) lines of the tree's ERROR and MISSING nodes, merged."""
    return _merged([
        (node.start_point[0] + 1, node.end_point[0] + 1) for node in _error_nodes(root)
    ])


def _damaged(root: Node, child: Node) -> bool:
    """A top-level child tree-sitter could not place: an ERROR or MISSING node, or a loose
    token of a root that is itself an ERROR."""
    return child.is_error or child.is_missing or (
        root.is_error and not child.is_named and not child.is_extra
    )


def _damage(root: Node, text: bytes | bytearray) -> int:
    """How many bytes of top-level children are damaged, or swallow what follows them (0
    when the root is clean)."""
    if not root.has_error:
        return 0
    return sum(
        max(1, child.end_byte - child.start_byte)
        for child in root.children
        if _damaged(root, child) or _swallowing_error(child, text) is not None
    )


def _swallowing_error(child: Node, text: bytes | bytearray) -> Node | None:
    """The first error inside a top-level statement that holds, after that error, a line
    starting a statement at column 0: the error left the statement open, and what follows
    nests in it (`export function g` read as a method of the interface above)."""
    if not child.has_error or child.is_error:
        return None
    errors = _error_nodes(child)
    if not errors:
        return None
    first = errors[0]
    following = _next_statement_line(text, first.start_byte)
    if following < child.end_byte and _line_start(text, child.end_byte) > following:
        return first
    return None


def _damaged_stretch(root: Node, text: bytearray) -> tuple[int, int] | None:
    """(start, end) bytes to blank: from the first damaged top-level child to the next line
    starting a statement at column 0, or to the next whole statement before that line (in
    an ERROR root, only one starting a line: its named fragments are no statements); or,
    in a statement an error left open, from that error to the next line at column 0 (a
    closing bracket there may close the statement)."""
    children = root.children
    for index, child in enumerate(children):
        if not _damaged(root, child):
            swallowing = _swallowing_error(child, text)
            if swallowing is None:
                continue
            start = swallowing.start_byte
            return start, _next_line_at_column_0(text, start)
        start = child.start_byte
        end = _next_line_at_column_0(text, start)
        for later in children[index + 1:]:
            if later.start_byte >= end:
                break
            whole = later.is_named and not later.has_error and not later.is_extra and not (
                _damaged(root, later)
            )
            if whole and (
                later.start_point[1] == 0 if root.is_error else later.start_byte >= child.end_byte
            ):
                end = later.start_byte
                break
        return start, end
    return None


def _line_start(text: bytes | bytearray, position: int) -> int:
    return text.rfind(b"\n", 0, position) + 1


def _next_line_at_column_0(text: bytes | bytearray, position: int) -> int:
    """The offset of the first line after `position` that starts with no space."""
    found = _LINE_AT_COLUMN_0.search(text, position)
    return found.start() + 1 if found else len(text)


def _next_statement_line(text: bytes | bytearray, position: int) -> int:
    """The offset of the first line after `position` that starts at column 0 with neither
    a space nor a closing bracket (the end of the text if none)."""
    found = _STATEMENT_LINE.search(text, position)
    return found.start() + 1 if found else len(text)


def _error_nodes(root: Node) -> list[Node]:
    """The ERROR and MISSING nodes, outermost only, in document order."""
    found: list[Node] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if node.is_error or node.is_missing:
            found.append(node)
            continue
        if node.has_error:
            pending.extend(reversed(node.children))
    return found


def _point(text: bytes | bytearray, offset: int) -> tuple[int, int]:
    """(row, byte column) of an offset."""
    line_start = text.rfind(b"\n", 0, offset) + 1
    return text.count(b"\n", 0, line_start), offset - line_start


def _line_of(source: bytes | bytearray, offset: int) -> int:
    return source.count(b"\n", 0, offset) + 1


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)
