"""Receivers written as chains (`c.parent.Flags()`, `c.Flags().Set()`, `NewX().M()`) turned
into typed chains, for the languages whose file sets `receiver_chains`.

A typed chain is the receiver type resolution follows step by step: a base, the type of the
chain's head (a type name, or `F()` / `pkg.F()`, the result of calling a function), then one
step per element after it, each a field (`parent`) or a method's result (`Flags()`), joined
by CHAIN_STEP (parseltongue/model.py): `Command/parent/Flags()`. Resolution looks up each
field's declared type (`@reference.member_type`) and each function's result type
(`@reference.returns`).
"""

from __future__ import annotations

from collections.abc import Callable

from parseltongue.model import CALLED, CHAIN_STEP

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_QUOTES = "\"'`"
# How many bindings a chain may go back through (`x := y.M()`, `y := z.N()` ...).
MAX_BINDING_DEPTH = 8


def _closing(text: str, start: int) -> int:
    """The index of the bracket closing the one at `start` (strings skipped), or -1."""
    expected = [_OPENERS[text[start]]]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char in _QUOTES:
            index = _string_end(text, index)
            if index < 0:
                return -1
        elif char in _OPENERS:
            expected.append(_OPENERS[char])
        elif char in ")]}":
            if char != expected.pop():
                return -1
            if not expected:
                return index
        index += 1
    return -1


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == "\\" and quote != "`":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return -1


def split_chain(text: str) -> list[str] | None:
    """The elements of a dotted chain of names and calls, each call's arguments (and type
    arguments) left out: `c.Flags().Lookup("x")` -> [c, Flags(), Lookup()]. None for any
    other expression (an index, an operator, a literal, a type assertion)."""
    elements: list[str] = []
    current = ""
    index = 0
    while index < len(text):
        char = text[index]
        if char.isalnum() or char == "_":
            if current.endswith(CALLED):
                return None
            current += char
        elif char == ".":
            if not current:
                return None
            elements.append(current)
            current = ""
        elif char in "([":
            end = _closing(text, index)
            if end < 0 or not current or current.endswith(CALLED):
                return None
            if char == "[":
                # Type arguments, when a call follows (`F[T](x)`); else an index.
                if not text.startswith("(", end + 1):
                    return None
            else:
                current += CALLED
            index = end
        elif not char.isspace():
            return None
        index += 1
    if not current:
        return None
    elements.append(current)
    return elements


def chain_type(elements: list[str], type_of: Callable[[str], str]) -> str:
    """The typed chain of a receiver's elements, given the type of a name at the receiver
    (`type_of`, "" when not known); "" when the chain's head has no type."""
    head, rest = elements[0], elements[1:]
    if head.endswith(CALLED):
        base = head
    else:
        base = type_of(head)
        if not base:
            # `pkg.NewX().M()`: a function of a package (or nothing, as resolution finds).
            if not rest or not rest[0].endswith(CALLED):
                return ""
            base, rest = f"{head}.{rest[0]}", rest[1:]
    return CHAIN_STEP.join([base, *rest])
