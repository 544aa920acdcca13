"""One file's reference records from its collected matches: each reference's owner and
receiver type, the bases' order, and the names bindings and members are given."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from functools import cache
from operator import itemgetter

from tree_sitter import Node

from parseltongue.extract.bindings import Scopes, local_names
from parseltongue.extract.bindings import binding_types as find_binding_types
from parseltongue.extract.bindings import member_types as find_member_types
from parseltongue.extract.callbacks import CallbackExtent, restore_after_callbacks
from parseltongue.extract.chains import (
    NO_CONTEXT,
    chain_context,
    class_member_types,
    module_value_types,
    typed_receiver,
)
from parseltongue.extract.definitions import Definition, innermost, number_bases
from parseltongue.extract.imports import nested_import_module
from parseltongue.extract.records import EntityRecord, ReferenceRecord
from parseltongue.languages import LanguageSpec
from parseltongue.model import SELF_CLASS

# A C key function: the sort calls it once per reference.
_LINE_OF = itemgetter(3)
# `@reference.returns`: a function's result type.
_RETURNS = "returns"


@cache
def _self_prefixes(self_words: Iterable[str]) -> tuple[str, ...]:
    """`self.`, `this.`: how a receiver naming a member of the object starts."""
    return tuple(f"{word}." for word in self_words)


def reference_records(
    spec: LanguageSpec,
    source: bytes,
    references: list[tuple[int, str, str, int, str, str, str, Node | None]],
    bindings: list[tuple[int, str, int, str, int]],
    member_bindings: list[tuple[int, str, int, str, int]],
    callback_extents: list[CallbackExtent],
    ordered: list[Definition],
    parents: list[int],
    records: list[EntityRecord],
    module_key: str,
) -> list[ReferenceRecord]:
    """The records of a file's references (`FileExtractor`'s collected matches), sorted by
    line, with those its bindings and members add."""
    starts = [d.start_byte for d in ordered]
    ends = [d.end_byte for d in ordered]
    binding_types = find_binding_types(bindings, starts, ordered, parents)
    scopes = Scopes(records, parents)
    if callback_extents:
        restore_after_callbacks(
            binding_types, callback_extents, scopes,
            lambda position: innermost(starts, ordered, parents, position),
        )
    member_types = find_member_types(
        member_bindings, starts, ordered, parents, scopes, binding_types
    ) if member_bindings or binding_types else {}
    self_prefixes = _self_prefixes(spec.self_words)
    # Index -1 (no containing definition) is the file's module entity.
    owner_keys = [record.key for record in records]
    owner_keys.append(module_key)
    make_record = tuple.__new__  # a NamedTuple's own constructor is Python code, 3x slower
    results: list[ReferenceRecord] = []
    chains = spec.receiver_chains
    context = chain_context(
        references, spec.import_style, spec.self_words
    ) if chains else NO_CONTEXT
    self_types = spec.self_types
    # Most receivers are no name a binding here gives (`System.out`, `this`): one set lookup
    # skips the walk through their scopes.
    bound_names = {name for _, name in binding_types}
    bound_names.discard("")
    base_starts: list[tuple[int, int]] = []  # (index in results, start byte) of bases
    for start_byte, kind, name, line, receiver, scope, alias, node in references:
        if kind == "extends":
            base_starts.append((len(results), start_byte))
        owner = bisect_right(starts, start_byte) - 1
        while owner >= 0 and ends[owner] <= start_byte:
            owner = parents[owner]
        receiver_type = ""
        if chains:
            # Only a call is made on its receiver (a `member_type`'s is the field).
            if receiver and kind == "call":
                receiver_type = typed_receiver(
                    receiver, scopes, binding_types, owner, line, start_byte, context
                )
        elif receiver in bound_names:
            receiver_type = scopes.local_type(
                binding_types, owner, receiver, line, start_byte
            )
        if (
            not receiver_type and member_types and receiver.startswith(self_prefixes)
        ):
            # `self.preparer.quote()`: the member's type, from the class's bindings.
            member = receiver.partition(".")[2]
            receiver_type = member_types.get((scopes.enclosing_class(owner), member), "")
        elif kind == _RETURNS and name in self_types and not scope:
            # `-> Self`: the function returns the object it is called on.
            name, receiver_type = "", SELF_CLASS
        if node is not None:
            scope = nested_import_module(node, scope, spec, source)
        results.append(make_record(ReferenceRecord, (
            owner_keys[owner], kind, name, line, receiver, receiver_type, scope, alias,
        )))
    if spec.ordered_bases and base_starts:
        number_bases(results, base_starts)
    if spec.locals_shadow and binding_types:
        results.extend(local_names(references, binding_types, scopes, owner_keys))
    if chains and binding_types:
        results.extend(module_value_types(binding_types, scopes, module_key, context))
    if chains and spec.self_words and (binding_types or member_bindings):
        # The types members are given, where `self.x` chains start (Python).
        results.extend(class_member_types(
            [
                (innermost(starts, ordered, parents, start), start, name, line, type_text)
                for start, name, line, type_text, _end in member_bindings
            ],
            scopes, binding_types, owner_keys, context,
        ))
    # Matches arrive roughly in document order; a stable sort by line makes it exact.
    results.sort(key=_LINE_OF)
    return results
