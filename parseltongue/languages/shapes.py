"""Shapes in query files: a pattern piece written once and used where it is named.

A tree-sitter query cannot say "these node types, each with this child", so a query file
would spell the child again for every parent. Instead a line starting `$name = ` defines a
shape as the one parenthesised or bracketed group that follows, and `$name` later in the
file stands for that group (`$name{@other}` for it with its one capture name, `@x`, as
`@other`: the same piece read under another role); and a node written with several types,
`(a|b child)`, stands for the alternation `[(a child) (b child)]`. Expansion happens before
tree-sitter sees the text and gives the query as it would have been written out in full, so
it matches what that query matches at what that query costs. A definition's lines become
blank and a use stays on its line, so tree-sitter's error positions still point into the
file as written. Inside an alternation, a `[...]` shape or a node of several types adds its
alternatives to it: tree-sitter matches nothing through a field whose alternation nests
another (`name: [[a b] c]`).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""(?P<comment>;[^\n]*)
      | (?P<string>"(?:[^"\\\n]|\\.)*")
      | (?P<shape>\$[A-Za-z_][A-Za-z0-9_]*(?:\{@[A-Za-z_][A-Za-z0-9_.]*\})?)
      | (?P<open>[(\[])
      | (?P<close>[)\]])
      | (?P<newline>\n)
      | (?P<other>[^;"$()\[\]\n]+|\$)""",
    re.VERBOSE,
)
_EQUALS = re.compile(r"[ \t]*=[ \t]*")
_CAPTURE_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|@[A-Za-z_][A-Za-z0-9_.]*')
# `(a|b|c rest)`: the node types of a node written with several
_NODE_TYPES = re.compile(r"\s*([A-Za-z_]\w*(?:\|[A-Za-z_]\w*)+)(?=\s|$)")


class QueryShapeError(ValueError):
    """A query file's shape that cannot be expanded: what is wrong, and on which line."""


def expand_shapes(text: str) -> str:
    """The query text with each `$name = (...)` definition blanked, each `$name` use replaced
    by its group on one line, and each node of several types `(a|b ...)` written out as an
    alternation on one line; text without shapes comes back unchanged."""
    return _expand_node_types(_expand_named(text) if "$" in text else text)


def _expand_named(text: str) -> str:
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
            if "{" in name:
                raise QueryShapeError(
                    f"line {line}: a shape is defined as ${name.split('{')[0]}; "
                    "a use names its capture otherwise"
                )
            if brackets:
                raise QueryShapeError(f"line {line}: the shape ${name} is defined inside a pattern")
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
    name, _, renamed = token[1:].partition("{")
    if name not in shapes:
        raise QueryShapeError(f"line {line}: no shape ${name} is defined above this use")
    body = shapes[name]
    if renamed:
        body = _captures_named(body, renamed.rstrip("}"), f"line {line}: {token}")
    in_alternation = bool(brackets) and brackets[-1] == "["
    return body[1:-1] if in_alternation and body.startswith("[") else body


def _captures_named(body: str, capture: str, where: str) -> str:
    """`body` with its captures called `capture`; a shape capturing under several names
    cannot say which one to rename."""
    captures = {
        found.group() for found in _CAPTURE_OR_STRING.finditer(body)
        if found.group().startswith("@")
    }
    if len(captures) != 1:
        raise QueryShapeError(
            f"{where} renames the capture of a shape of one capture name, not of "
            f"{' '.join(sorted(captures)) or 'none'}"
        )
    return _CAPTURE_OR_STRING.sub(
        lambda found: capture if found.group().startswith("@") else found.group(), body
    )


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
            _append_spaced(pieces, value)
            continue
        if kind == "shape":
            pieces.append(_use(value, shapes, line, brackets))
            continue
        pieces.append(value)
        _track(kind, value, brackets)
        if not brackets:
            return index, "".join(pieces).strip()
    raise QueryShapeError(f"line {line}: the shape's group is not closed")


def _expand_node_types(text: str) -> str:
    if "|" not in text:
        return text
    tokens = list(_TOKEN.finditer(text))
    output: list[str] = []
    brackets: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind, value = token.lastgroup, token.group()
        node_types = None
        if value == "(" and index + 1 < len(tokens) and tokens[index + 1].lastgroup == "other":
            node_types = _NODE_TYPES.match(tokens[index + 1].group())
        if node_types is None:
            output.append(value)
            _track(kind, value, brackets)
            index += 1
            continue
        close = _closing(tokens, index, text)
        rest_start = tokens[index + 1].start() + node_types.end()
        pieces: list[str] = []
        _append_spaced(pieces, text[rest_start : tokens[index + 1].end()])
        for part in tokens[index + 2 : close]:
            if part.lastgroup in ("newline", "other"):
                _append_spaced(pieces, part.group())
            elif part.lastgroup != "comment":
                pieces.append(part.group())
        rest = _expand_node_types("".join(pieces))
        alternatives = " ".join(f"({name}{rest})" for name in node_types.group(1).split("|"))
        in_alternation = bool(brackets) and brackets[-1] == "["
        output.append(alternatives if in_alternation else f"[{alternatives}]")
        output.append("\n" * text.count("\n", token.start(), tokens[close].end()))
        index = close + 1
    return "".join(output)


def _append_spaced(pieces: list[str], value: str) -> None:
    """Add white space or plain text to a group being put on one line, one space at a time."""
    piece = re.sub(r"\s+", " ", value)
    if pieces and pieces[-1].endswith(" ") and piece.startswith(" "):
        piece = piece[1:]
    if piece:
        pieces.append(piece)


def _closing(tokens: list[re.Match[str]], index: int, text: str) -> int:
    """The index of the token closing the group `tokens[index]` opens."""
    depth = 0
    for position in range(index, len(tokens)):
        kind = tokens[position].lastgroup
        depth += 1 if kind == "open" else -1 if kind == "close" else 0
        if depth == 0:
            return position
    line = text.count("\n", 0, tokens[index].start()) + 1
    raise QueryShapeError(f"line {line}: the node of several types is not closed")
