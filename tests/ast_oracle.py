"""Python's own `ast` as the oracle for definitions and calls, with the extractor's conventions.

Conventions shared with the extractor, so both sides count the same thing:
- a definition starts on its `def`/`class` line (decorators are not part of it), as
  `ast.FunctionDef.lineno` says;
- a qualified name joins every enclosing function and class with `.` (`A.f.inner`);
- a call belongs to the innermost function or class whose text span holds it, so a decorator's
  call belongs to the enclosing scope and a default argument's call to the function.
"""

from __future__ import annotations

import ast
from bisect import bisect_right

DEFINITION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def ast_definitions(tree: ast.Module) -> list[tuple[str, int, tuple[int, int], tuple[int, int]]]:
    """(qualified name, start line, start, end) of every function and class, nested ones too."""
    found: list[tuple[str, int, tuple[int, int], tuple[int, int]]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, DEFINITION_NODES):
                qualified = f"{prefix}.{child.name}" if prefix else child.name
                start = (child.lineno, child.col_offset)
                end = (child.end_lineno or child.lineno, child.end_col_offset or 0)
                found.append((qualified, child.lineno, start, end))
                visit(child, qualified)
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def called_name(call: ast.Call) -> str | None:
    """The simple name a call uses: `f()` -> f, `x.y.f()` -> f; None for `f()()` and the like."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def ast_calls_by_definition(tree: ast.Module) -> dict[tuple[str, int], set[str]]:
    """(qualified name, start line) of each function or class -> the simple names it calls."""
    definitions = sorted(ast_definitions(tree), key=lambda d: (d[2], (-d[3][0], -d[3][1])))
    starts = [d[2] for d in definitions]
    calls: dict[tuple[str, int], set[str]] = {(d[0], d[1]): set() for d in definitions}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = called_name(node)
        if name is None:
            continue
        position = (node.lineno, node.col_offset)
        owner = _innermost(definitions, starts, position)
        if owner is not None:
            calls[owner].add(name)
    return calls


def _innermost(definitions, starts, position) -> tuple[str, int] | None:
    index = bisect_right(starts, position) - 1
    # Nested spans: walk back to the nearest earlier definition that still covers the position.
    while index >= 0:
        qualified, line, start, end = definitions[index]
        if start <= position < end:
            return qualified, line
        index -= 1
    return None
