"""Receivers written as chains (`c.parent.Flags()`, `c.Flags().Set()`, `NewX().M()`) turned
into typed chains, for the languages whose file sets `receiver_chains`.

A typed chain is the receiver type resolution follows step by step: a base, the type of the
chain's head (a type name; `F()` / `pkg.F()`, the result of calling a function; `=name` /
`=pkg.name`, the declared type of a module-level value, as a Go package variable), then one
step per element after it, each a field (`parent`) or a method's result (`Flags()`), joined
by CHAIN_STEP (parseltongue/model.py): `Command/parent/Flags()`. Resolution looks up each
field's and value's declared type (`member_type` references) and each function's result type
(`returns`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from parseltongue.extract.bindings import BindingTypes, Scopes
from parseltongue.extract.records import ReferenceRecord
from parseltongue.model import CALLED, CHAIN_STEP, SELF_CLASS, VALUE

MEMBER_TYPE_KIND = "member_type"
_MAJOR_VERSION = re.compile(r"v[0-9]+")
_NOT_IDENTIFIER = re.compile(r"[^\w]")

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
    if text.isidentifier():
        return [text]  # most receivers are a name
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


class ChainContext(NamedTuple):
    """What a file tells about the heads of its chains that no local binding types."""

    imported: frozenset[str] = frozenset()
    """The names its imports bind: packages, not values."""
    self_words: frozenset[str] = frozenset()
    """The receivers naming the object a method runs on (`self`): a chain from one starts
    at the method's class (SELF_CLASS)."""


NO_CONTEXT = ChainContext()


def chain_type(
    elements: list[str], type_of: Callable[[str], str | None],
    context: ChainContext = NO_CONTEXT,
) -> str:
    """The typed chain of a receiver's elements, given the type of a name at the receiver
    (`type_of`: None when no binding in scope has the name, "" when one has but gives no
    type); "" when the chain has no type to start from."""
    head, rest = elements[0], elements[1:]
    if head.endswith(CALLED) and head.removesuffix(CALLED) in context.self_words:
        base = SELF_CLASS  # `cls()` in a class method makes one of its class
    elif head.endswith(CALLED):
        base = head
    elif head in context.self_words:
        if not rest:
            return ""  # `self.m()` itself: the self tier resolves it
        base = SELF_CLASS
    else:
        bound = type_of(head)
        if bound:
            base = bound
        elif bound is not None:
            return ""  # a local name of a type not known here
        elif head in context.imported:
            if not rest:
                return ""  # a package, not a value
            # `pkg.NewX().M()`: a function of the package; `pkg.CommandLine.Parse()`: a value.
            called = rest[0].endswith(CALLED)
            base = f"{'' if called else VALUE}{head}.{rest[0]}"
            rest = rest[1:]
        else:
            base = f"{VALUE}{head}"  # a module-level value (`std.Info()`), as resolution finds
    return CHAIN_STEP.join([base, *rest])


def chain_context(
    references: Iterable[tuple], import_style: str = "path", self_words: Iterable[str] = ()
) -> ChainContext:
    """The names a file's imports bind: an alias, else the name a package of that path is
    most likely declared with (Go's convention: the last segment, a major version `v2` is
    skipped, a `go-` prefix dropped, cut at the first character no identifier has:
    `gopkg.in/yaml.v3` -> `yaml`, `github.com/mattn/go-isatty` -> `isatty`); with Python's
    imports, the name imported (`from a import b`) or the path's first segment (`import a.b`)."""
    imported = set()
    for _, kind, name, _, _, module, alias, _ in references:
        if kind != "import":
            continue
        if alias:
            imported.add(alias)
        elif import_style == "python":
            imported.add(name if name and name != "*" else module.lstrip(".").split(".")[0])
        else:
            imported.add(assumed_package_name(module))
    return ChainContext(frozenset(imported), frozenset(self_words))


def assumed_package_name(import_path: str) -> str:
    """The name a package of this import path is most likely declared with."""
    segments = [segment for segment in import_path.split("/") if segment]
    if len(segments) > 1 and _MAJOR_VERSION.fullmatch(segments[-1]):
        segments.pop()
    last = segments[-1] if segments else ""
    last = last.removeprefix("go-")
    return _NOT_IDENTIFIER.split(last, 1)[0]


def typed_receiver(
    receiver: str, scopes: Scopes, binding_types: BindingTypes, owner: int, line: int,
    at_byte: int, context: ChainContext,
) -> str:
    """The typed chain of a receiver: `c.parent.Flags()` with `c` bound to a `Command` gives
    `Command/parent/Flags()`; "" when its head has no type here."""
    elements = split_chain(receiver)
    if elements is None:
        return ""

    def type_of(name: str, line: int, at_byte: int, depth: int) -> str | None:
        binding = scopes.local_binding(binding_types, owner, name, line, at_byte)
        if binding is None:
            return None
        binding_line, start_byte, _end_byte, type_text = binding
        if "(" not in type_text and not type_text.startswith(VALUE):
            return type_text  # a type name, or "" (bound again, type not known)
        # Bound to a call's result (`x := y.M()`) or to another value (`x = self.y`, a
        # VALUE and the expression): its chain, read where the binding is.
        bound = split_chain(type_text.removeprefix(VALUE))
        if bound is None or depth >= MAX_BINDING_DEPTH:
            return ""
        return chain_type(bound, lambda head: type_of(
            head, binding_line, start_byte, depth + 1
        ), context)

    return chain_type(elements, lambda head: type_of(head, line, at_byte, 0), context)


def module_value_types(
    binding_types: BindingTypes, scopes: Scopes, module_key: str, context: ChainContext
) -> list[ReferenceRecord]:
    """A `member_type` reference from the module for each module-level name bound to a
    type (Go `var std = New()`, `var CommandLine = NewFlagSet(...)`): a type name in its
    name and scope, a call's typed chain in its receiver type."""
    records = []
    for (owner, name), bindings in binding_types.items():
        if owner != -1:
            continue
        typed = [binding for binding in bindings if binding[3]]
        if not typed:
            continue
        line, start_byte, _end, type_text = typed[-1]
        scope, chain = "", ""
        if "(" in type_text or type_text.startswith(VALUE):
            chain = typed_receiver(
                type_text.removeprefix(VALUE), scopes, binding_types, -1, line, start_byte,
                context,
            )
            if not chain or chain == f"{VALUE}{name}":
                continue
            if not is_typed_chain(chain):
                scope, _, type_name = chain.rpartition(".")
                chain = ""
            else:
                type_name = ""
        else:
            scope, _, type_name = type_text.rpartition(".")
        records.append(ReferenceRecord(
            module_key, MEMBER_TYPE_KIND, type_name, line, name, chain, scope, ""
        ))
    return records


def class_member_types(
    member_bindings: list[tuple[int, int, str, int, str]], scopes: Scopes,
    binding_types: BindingTypes, owner_keys: list[str], context: ChainContext,
) -> list[ReferenceRecord]:
    """A `member_type` reference from each class for each member its bindings give one type:
    the class body's (`preparer: IdentifierPreparer`, `x = Foo()`) and its methods'
    `@binding.member`s (`self.preparer = IdentifierPreparer()`, `self.dialect = dialect`
    with `dialect: Dialect`), each read where it is written (a call's result, another
    value's type, as typed chains). A member its bindings give several types, or only
    types from itself (`self.x = self.x.copy()`), gets none. `member_bindings`: (owner
    index, start byte, name, line, type text) of each binding."""
    # A call of a named callable (`self.map = identity.WeakInstanceDict()`: most often a
    # construction) says what the member holds most exactly; else an annotation
    # (`preparer: IdentifierPreparer`, `self.x: Foo = ...`) declares it; what other values
    # are assigned (`self.preparer = self.dialect.preparer`) counts only without either.
    constructed: dict[tuple[int, str], set[tuple[str, str, str]]] = defaultdict(set)
    declared: dict[tuple[int, str], set[tuple[str, str, str]]] = defaultdict(set)
    inferred: dict[tuple[int, str], set[tuple[str, str, str]]] = defaultdict(set)
    first_line: dict[tuple[int, str], int] = {}
    for owner, name, line, start_byte, type_text in _class_bindings(
        member_bindings, scopes, binding_types
    ):
        cls = owner if scopes.is_class(owner) else scopes.enclosing_class(owner)
        if cls < 0:
            continue
        if "(" in type_text or type_text.startswith(VALUE):
            typed = typed_receiver(
                type_text.removeprefix(VALUE), scopes, binding_types, owner, line,
                start_byte, context,
            )
            if not typed or typed.startswith(f"{SELF_CLASS}{CHAIN_STEP}{name}"):
                continue
            callee = type_text.removesuffix(CALLED)
            found = constructed if type_text.endswith(CALLED) and "(" not in callee and not (
                typed.startswith(SELF_CLASS)
            ) else inferred
        else:
            typed, found = type_text, declared
        if is_typed_chain(typed):
            found[(cls, name)].add(("", "", typed))
        else:
            scope, _, type_name = typed.rpartition(".")
            found[(cls, name)].add((type_name, scope, ""))
        first_line.setdefault((cls, name), line)
    records = []
    for member in first_line:
        types = constructed.get(member) or declared.get(member) or inferred[member]
        if len(types) == 1:
            [(type_name, scope, chain)] = types
            records.append(ReferenceRecord(
                owner_keys[member[0]], MEMBER_TYPE_KIND, type_name, first_line[member],
                member[1], chain, scope, "",
            ))
    return records


def is_typed_chain(typed: str) -> bool:
    """Whether a receiver type is a typed chain rather than a type name (as the resolver's
    `is_chain` tells)."""
    return (
        CHAIN_STEP in typed or typed.endswith(CALLED) or typed.startswith((VALUE, SELF_CLASS))
    )


def _class_bindings(
    member_bindings: list[tuple[int, int, str, int, str]], scopes: Scopes,
    binding_types: BindingTypes,
) -> Iterable[tuple[int, str, int, int, str]]:
    """(owner, name, line, start byte, type text) of the typed bindings of class bodies and
    of methods' members."""
    for (owner, name), bindings in binding_types.items():
        if scopes.is_class(owner):
            for line, start_byte, _end, type_text in bindings:
                if type_text:
                    yield owner, name, line, start_byte, type_text
    for owner, start_byte, name, line, type_text in member_bindings:
        if type_text:
            yield owner, name, line, start_byte, type_text
