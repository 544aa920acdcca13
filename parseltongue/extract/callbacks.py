"""Types by position, for what a language leaves untyped because the call site types it:
a callback's parameter (`observable((destination) => destination.next(v))` gives
`destination` the type `observable` declares for the first parameter of its first
argument), and type wrappers that stand for the type they wrap (TypeScript's
`Partial<Observer>` has Observer's members).

A callback parameter's type is written `callee@ARGUMENT.PARAMETER` (`observable@0.0`, model.py
ARGUMENT); the callee declares it as a `member_type` reference whose receiver is
`@ARGUMENT.PARAMETER` (`subscribe: (observer: Observer) => void` first in `observable`'s
parameters gives `@0.0`, type `Observer`). Resolution pins the callee and reads it there.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

from tree_sitter import Node

from parseltongue.extract.bindings import BindingTypes, Scopes
from parseltongue.model import ARGUMENT


def positions(node: Node, stop: Node, lists: AbstractSet[str]) -> list[int]:
    """The index of the child on the way from `node` up to `stop` in each argument or
    parameter list passed (`lists`: their node types), outermost first; `stop` counts when
    it is such a list itself."""
    found: list[int] = []
    child = node
    parent = node.parent
    while parent is not None:
        if parent.type in lists:
            found.append(_named_index(parent, child))
        if parent == stop:
            break
        child, parent = parent, parent.parent
    found.reverse()
    return found


def _named_index(parent: Node, child: Node) -> int:
    index = 0
    for sibling in parent.named_children:
        if sibling == child:
            return index
        if sibling.type != "comment":
            index += 1
    return index


def callback_parameter_type(
    callee: str, parameter: Node, call: Node, lists: AbstractSet[str]
) -> str:
    """`callee@A.P`: a parameter written in a callback given to a call, as the position of
    the callback among the call's arguments and of the parameter among its parameters (a
    lone parameter written without parentheses, `x => ...`, is the first); "" for a place
    not of that shape."""
    path = positions(parameter, call, lists)
    if len(path) == 1:
        path.append(0)
    if len(path) != 2:
        return ""
    return f"{callee}{ARGUMENT}{path[0]}.{path[1]}"


def declared_position(name: Node, parameters: Node, lists: AbstractSet[str]) -> str:
    """`@A.P`: where a type written in a function's parameter list (`parameters`) types a
    callback's parameter: the function's parameter A takes a function whose parameter P
    has the type; "" for a place not of that shape."""
    path = positions(name, parameters, lists)
    if len(path) != 2:
        return ""
    return f"{ARGUMENT}{path[0]}.{path[1]}"


def unwrapped_type(node: Node, wrappers: AbstractSet[str]) -> Node:
    """The type a wrapper's name stands for: `Partial<Observer<T>>`'s name node gives
    `Observer`'s (the first type argument's name), through nested wrappers; any other node
    as it is (and a wrapper of what is no named type, `Promise<Shape[]>`, too)."""
    written = node
    while node.parent is not None and node.parent.type == "generic_type":
        if node.parent.child_by_field_name("name") != node:
            break
        if node.text is None or node.text.decode() not in wrappers:
            break
        arguments = node.parent.child_by_field_name("type_arguments")
        first = arguments.named_children[0] if arguments and arguments.named_children else None
        if first is None:
            break
        if first.type == "generic_type":
            inner = first.child_by_field_name("name")
            if inner is None:
                break
            node = inner
        elif first.type in _TYPE_NAMES:
            return first
        else:
            return written
    return node


# What a wrapper's type argument may be to stand for a type (not an array, a union ...).
_TYPE_NAMES = frozenset({"type_identifier", "nested_type_identifier"})


CallbackExtent = tuple[int, str, int, int]
"""(start byte of a callback parameter's binding, its name, end byte and 1-based end line of
the callback)."""


def restore_after_callbacks(
    binding_types: BindingTypes, extents: list[CallbackExtent], scopes: Scopes,
    owner_of: Callable[[int], int],
) -> None:
    """A callback's parameter is bound only inside the callback: after it, the name has
    again the type it had before (`o.complete()` after `run((o) => ...)` is the outer `o`).
    Adds, at each callback's end, a binding with that type (`owner_of`: the definition a
    byte lies in)."""
    for start_byte, name, end_byte, end_line in extents:
        owner = owner_of(start_byte)
        bindings = binding_types.get((owner, name))
        if not bindings:
            continue
        line = next((b[0] for b in bindings if b[1] == start_byte), 0)
        before = scopes.local_type(binding_types, owner, name, line, start_byte)
        restored = (end_line, end_byte, end_byte, before)
        position = next(
            (index for index, binding in enumerate(bindings) if binding[1] > end_byte),
            len(bindings),
        )
        bindings.insert(position, restored)
