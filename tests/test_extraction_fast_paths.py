"""The extractor's fast paths give what the plain ways give: syntax-error recovery that parses
again incrementally and stops when a round would change nothing, against the plain rounds
(each a fresh parse, all of them); a long text folded from its head, against the whole text
folded."""

from __future__ import annotations

import pytest
from tree_sitter import Node, Parser, Tree

from parseltongue.extract import compile_language
from parseltongue.extract import recovery as recovery_module
from parseltongue.extract.records import MAX_CONTEXT_TEXT, short_text
from parseltongue.extract.recovery import recover
from parseltongue.languages import language_for_path

# A class header whose constructor starts a line at column 0: the first blanked stretch leaves
# the header open, and every round after it would blank the same stretch again.
KOTLIN_SPLIT_HEADER = b"""package demo

public abstract class Worker<Input, Output>
protected constructor(private val handler: Handler) :
    Base<Input, Output, Unit>() {
  protected constructor(context: Context) : this(context.handler)

  protected final override fun work(vararg inputs: Input): Unit? {
    return null
  }

  public companion object {
    @JvmField public val POOL: Pool = Base.POOL
  }
}
"""

# An unclosed parameter list: recovery blanks it and the definitions after it come back.
KOTLIN_UNCLOSED = b"""package a.b

class Holder(private val x: Int) {
    fun get(): Int = x
}

fun broken( {
    val y = when (x) { 1 -> 2
}

class After {
    fun run() = 1
}
"""

# Generic call signatures the grammar does not know, one with a comment after its `(`.
TYPESCRIPT_SIGNATURES = b"""export function a() { return 1 }
export interface I {
  <T>(x: T): T
  <T, U = V<T>>( // c
    y: U,
  ): T
}
export class K { m() { return 2 } }
"""

PYTHON_UNCLOSED = b"""def first():
    return [1, 2

def second():
    return 2

class Third:
    def method(self):
        return (3
"""


def plain_recovery(
    parser: Parser, source: bytes, tree: Tree
) -> tuple[Tree, tuple[tuple[int, int], ...]]:
    """Recovery as first written: every round a fresh parse, all rounds run."""
    if not tree.root_node.has_error:
        return tree, ()
    best, best_damage = tree, recovery_module._damage(tree.root_node, source)
    blanked: list[tuple[int, int]] = []
    text = bytearray(source)
    current = tree
    for _ in range(recovery_module.MAX_ROUNDS):
        stretch = recovery_module._damaged_stretch(current.root_node, text)
        if stretch is None:
            break
        start, end = stretch
        text[start:end] = bytes(b if b in b"\r\n" else 0x20 for b in text[start:end])
        blanked.append((start, end))
        current = parser.parse(bytes(text))
        damage = recovery_module._damage(current.root_node, text)
        if damage < best_damage:
            best, best_damage = current, damage
        if damage == 0:
            break
    kept = blanked if best is not tree else []
    spans = [
        (source.count(b"\n", 0, start) + 1, source.count(b"\n", 0, max(start, end - 1)) + 1)
        for start, end in kept
    ]
    spans.extend(
        (node.start_point[0] + 1, node.end_point[0] + 1)
        for node in recovery_module._error_nodes(best.root_node)
    )
    return best, recovery_module._merged(spans)


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("Worker.kt", KOTLIN_SPLIT_HEADER),
        ("Holder.kt", KOTLIN_UNCLOSED),
        ("signatures.ts", TYPESCRIPT_SIGNATURES),
        ("unclosed.py", PYTHON_UNCLOSED),
    ],
)
def test_recovery_gives_what_the_plain_rounds_give(path: str, source: bytes) -> None:
    compiled = compile_language(language_for_path(path))
    assert compiled is not None
    parser = compiled.new_parser()
    tree = parser.parse(source)
    assert tree.root_node.has_error
    expected_tree, expected_lines = plain_recovery(parser, source, tree)
    found = recover(parser, source, tree)
    assert (found.tree is tree) == (expected_tree is tree)
    assert str(found.tree.root_node) == str(expected_tree.root_node)
    assert found.error_lines == expected_lines


def test_the_split_header_stops_before_the_last_round() -> None:
    """The sample above does reach a round that would change nothing (else the test of it
    would not try the early stop)."""
    compiled = compile_language(language_for_path("Worker.kt"))
    assert compiled is not None
    parser = compiled.new_parser()
    parses = 0

    class CountingParser:
        def parse(self, text: bytes, old_tree: Tree | None = None) -> Tree:
            nonlocal parses
            parses += 1
            return parser.parse(text, old_tree) if old_tree else parser.parse(text)

    tree = parser.parse(KOTLIN_SPLIT_HEADER)
    recover(CountingParser(), KOTLIN_SPLIT_HEADER, tree)  # type: ignore[arg-type]
    assert 0 < parses < recovery_module.MAX_ROUNDS


def _receiver(source: bytes) -> Node:
    compiled = compile_language(language_for_path("a.js"))
    assert compiled is not None
    tree = compiled.new_parser().parse(source)
    call = tree.root_node.child(0).child(0)
    assert call is not None and call.type == "call_expression"
    member = call.child_by_field_name("function")
    assert member is not None
    receiver = member.child_by_field_name("object")
    assert receiver is not None
    return receiver


@pytest.mark.parametrize("padding", [*range(12), 150, 600, 799])
def test_a_long_text_folded_from_its_head_is_the_whole_text_folded(padding: int) -> None:
    # A callback written as a receiver: long, on many lines, with runs of spaces and
    # characters of several bytes, one of which the head's end may split.
    body = "".join(f"\n    const v{i} = 'é€𝄞'   +  {i};" for i in range(60))
    source = f"({' ' * padding}function () {{{body}\n}}).call(this)\n".encode()
    receiver = _receiver(source)
    whole = source[receiver.start_byte:receiver.end_byte].decode()
    assert len(whole.encode()) > 4 * MAX_CONTEXT_TEXT
    assert short_text(source, receiver) == " ".join(whole.split())[:MAX_CONTEXT_TEXT]


def test_a_long_text_mostly_spaces_is_folded_whole() -> None:
    # Its head folds to fewer characters than the cut: the whole text decides.
    source = ("(function () {" + " " * 2000 + "return 1 }).call(this)\n").encode()
    receiver = _receiver(source)
    whole = source[receiver.start_byte:receiver.end_byte].decode()
    assert short_text(source, receiver) == " ".join(whole.split())[:MAX_CONTEXT_TEXT]
    assert short_text(source, receiver).endswith("return 1 })")
