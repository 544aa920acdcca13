"""Named shapes in query files: a pattern piece written once and used where it is named.

A tree-sitter query cannot say "these node types, each with this child", so a query file
would spell the child again for every parent. Instead a line starting `$name = ` defines a
shape as the one parenthesised or bracketed group that follows, and `$name` later in the
file stands for that group. Expansion happens before tree-sitter sees the text and gives
the query it would have been written out in full: the same patterns in the same order, so
the same matches at the same cost. A definition's lines become blank and a use stays on its
line, so tree-sitter's error positions still point into the file as written. A `[...]` shape
used as one alternative of an alternation adds its alternatives to it: tree-sitter matches
nothing through a field whose alternation nests another (`name: [[a b] c]`).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""(?P<comment>;[^\n]*)
      | (?P<string>"(?:[^"\\\n]|\\.)*")
      | (?P<shape>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<open>[(\[])
      | (?P<close>[)\]])
      | (?P<newline>\n)
      | (?P<other>[^;"$()\[\]\n]+|\$)""",
    re.VERBOSE,
)
_EQUALS = re.compile(r"[ \t]*=[ \t]*")


class QueryShapeError(ValueError):
    """A query file's shape that cannot be expanded: what is wrong, and on which line."""


def expand_shapes(text: str) -> str:
    """The query text with each `$name = (...)` definition blanked and each `$name` use
    replaced by its group on one line; text without shapes comes back unchanged."""
    if "$" not in text:
        return text
    shapes: dict[str, str] = {}
    output: list[str] = []
    tokens = list(_TOKEN.finditer(text))
    index = 0
    line = 1
    at_line_start = True
    brackets: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        kind, value = token.lastgroup, token.group()
        if kind == "shape" and at_line_start and _EQUALS.match(text, token.end()):
            name = value[1:]
            if name in shapes:
                raise QueryShapeError(f"line {line}: the shape ${name} is defined twice")
            index, body = _group(tokens, index + 1, line, shapes)
            shapes[name] = body
            spanned = text.count("\n", token.start(), tokens[index - 1].end())
            output.append("\n" * spanned)
            line += spanned
            at_line_start = False
            continue
        if kind == "shape":
            output.append(_use(value, shapes, line, brackets))
        else:
            output.append(value)
            _track(kind, value, brackets)
        if kind == "newline":
            line += 1
            at_line_start = True
        elif kind != "other" or value.strip():
            at_line_start = False
        index += 1
    return "".join(output)


def _track(kind: str | None, value: str, brackets: list[str]) -> None:
    if kind == "open":
        brackets.append(value)
    elif kind == "close" and brackets:
        brackets.pop()


def _use(token: str, shapes: dict[str, str], line: int, brackets: list[str]) -> str:
    name = token[1:]
    if name not in shapes:
        raise QueryShapeError(f"line {line}: no shape ${name} is defined above this use")
    body = shapes[name]
    in_alternation = bool(brackets) and brackets[-1] == "["
    return body[1:-1] if in_alternation and body.startswith("[") else body


def _group(
    tokens: list[re.Match[str]], index: int, line: int, shapes: dict[str, str]
) -> tuple[int, str]:
    """(index after the group, its text on one line: comments dropped, shapes expanded) of
    a definition whose `=` is `tokens[index]`."""
    equals = _EQUALS.fullmatch(tokens[index].group())
    index += 1
    if equals is None or index == len(tokens) or tokens[index].lastgroup != "open":
        raise QueryShapeError(f"line {line}: a shape is one (...) or [...] group after '='")
    brackets: list[str] = []
    pieces: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        kind, value = token.lastgroup, token.group()
        index += 1
        if kind == "comment":
            continue
        if kind in ("newline", "other"):
            piece = re.sub(r"\s+", " ", value)
            if pieces and pieces[-1].endswith(" ") and piece.startswith(" "):
                piece = piece[1:]
            if piece:
                pieces.append(piece)
            continue
        if kind == "shape":
            pieces.append(_use(value, shapes, line, brackets))
            continue
        pieces.append(value)
        _track(kind, value, brackets)
        if not brackets:
            return index, "".join(pieces).strip()
    raise QueryShapeError(f"line {line}: the shape's group is not closed")
