"""Definitions in the tree: which encloses which, which one a test marker is attached to,
where a declaration starts past its annotations, overloads made one definition, and the
order of a class's bases.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from tree_sitter import Node

from parseltongue.extract.records import ReferenceRecord, short_text


class Definition(NamedTuple):
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


def merge_overloads(
    ordered: list[Definition],
    parents: list[int],
    overload_patterns: frozenset[int],
    bindings: list[tuple[int, str, int, str, int]],
) -> tuple[list[Definition], list[int], list[tuple[int, str, int, str, int]]]:
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
    # What a signature's types define (`next` in `m(o: { next: () => void }): X;`) is no
    # definition of its own, and would part the signature from the overloads after it.
    inside_signature: list[bool] = []
    for parent in parents:
        inside_signature.append(parent >= 0 and (
            ordered[parent].pattern_index in overload_patterns or inside_signature[parent]
        ))
    if any(inside_signature):
        ordered = [d for d, inside in zip(ordered, inside_signature, strict=True) if not inside]
        parents = parent_indexes(ordered)
    merged: list[Definition] = []
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
        return ordered, parents, bindings
    if bindings:
        starts = [start for start, _ in signature_spans]
        bindings = [
            binding for binding in bindings
            if (at := bisect_right(starts, binding[0]) - 1) < 0
            or binding[0] >= signature_spans[at][1]
        ]
    return merged, parent_indexes(merged), bindings

# ---- entities -----------------------------------------------------------------------



def parent_indexes(ordered: list[Definition]) -> list[int]:
    """For definitions sorted by (start, -end), the index of each one's innermost container."""
    parents: list[int] = []
    stack: list[int] = []
    for index, definition in enumerate(ordered):
        while stack and ordered[stack[-1]].end_byte <= definition.start_byte:
            stack.pop()
        parents.append(stack[-1] if stack else -1)
        stack.append(index)
    return parents


def innermost(
    starts: list[int], ordered: list[Definition], parents: list[int], position: int
) -> int:
    """The innermost definition containing a byte position, or -1.

    Definitions nest, so it is the last one starting at or before the position, or the first
    of that one's ancestors still open there.
    """
    index = bisect_right(starts, position) - 1
    while index >= 0 and ordered[index].end_byte <= position:
        index = parents[index]
    return index


def attached_definition(marker: Node, index_by_span: dict[tuple[int, int], int]) -> int:
    """The definition a marker (attribute, decorator) is attached to, or -1."""
    sibling = marker.next_named_sibling
    while sibling is not None and (sibling.type == marker.type or "comment" in sibling.type):
        sibling = sibling.next_named_sibling
    if sibling is None:
        return -1
    return index_by_span.get((sibling.start_byte, sibling.end_byte), -1)



def declaration_start(
    node: Node, annotation_types: frozenset[str], modifier_lists: frozenset[str]
) -> tuple[int, int]:
    """(start byte, start row) of a definition, past the annotations its grammar puts inside
    the definition's own node (Java/Kotlin `@Test` in `modifiers`, C# `[Fact]`, TypeScript
    `@Component`; the language file's `leading_annotation_types` and `leading_modifier_lists`)
    and comments: an entity starts at its own keyword line, like those whose decorators are
    siblings (Rust, Python)."""
    if not annotation_types and not modifier_lists:
        return node.start_byte, node.start_point[0]
    child = node.child(0) if node.child_count else None
    child_type = child.type if child is not None else ""
    if child_type not in annotation_types and child_type not in modifier_lists:
        return node.start_byte, node.start_point[0]
    if child_type in modifier_lists and child is not None and child.child_count:
        # Most modifier lists start with a keyword (`public`), where the entity starts: read
        # that one child before listing them all.
        first = child.child(0)
        if first is not None and (
            first.type not in annotation_types and "comment" not in first.type
        ):
            return first.start_byte, first.start_point[0]
    while child is not None and (
        child.type in annotation_types or child.type in modifier_lists
        or "comment" in child.type
    ):
        if child.type in modifier_lists:
            for part in child.children:
                if part.type not in annotation_types and "comment" not in part.type:
                    return part.start_byte, part.start_point[0]
        child = child.next_sibling
    start = child or node
    return start.start_byte, start.start_point[0]


def number_bases(references: list[ReferenceRecord], base_starts: list[tuple[int, int]]) -> None:
    """Write each base's position among its class's bases (0, 1, ... as written) into its
    extends reference's alias, where the order of bases is the method resolution order.
    `base_starts` holds (index in `references`, start byte) of every extends reference."""
    by_class: dict[str, list[tuple[int, int]]] = {}
    for index, start_byte in base_starts:
        by_class.setdefault(references[index].from_key, []).append((start_byte, index))
    for bases in by_class.values():
        for position, (_start, index) in enumerate(sorted(bases)):
            references[index] = references[index]._replace(alias=str(position))


def marker_reasons(
    markers: list[Node], source: bytes, ordered: list[Definition], parents: list[int]
) -> dict[int, str]:
    """Which definitions a test marker marks, with the marker text as the reason.

    A marker marks the definition it is attached to (the next sibling after attributes,
    decorators and comments), else the innermost definition whose header holds it.
    """
    if not markers:
        return {}
    index_by_span = {(d.start_byte, d.end_byte): i for i, d in enumerate(ordered)}
    starts = [d.start_byte for d in ordered]
    reasons: dict[int, str] = {}
    for marker in markers:
        index = attached_definition(marker, index_by_span)
        if index < 0:
            index = innermost(starts, ordered, parents, marker.start_byte)
            if index >= 0 and marker.start_byte >= ordered[index].header_end_byte:
                index = -1
        if index >= 0:
            reasons.setdefault(index, f"test marker {short_text(source, marker)}")
    return reasons
