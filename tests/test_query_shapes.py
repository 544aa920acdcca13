"""Shapes in query files (`parseltongue/languages/shapes.py`): a group named once and written
out where it is used, before tree-sitter compiles the query."""

from __future__ import annotations

import re

import pytest
from tree_sitter import Parser, Query, QueryCursor
from tree_sitter_language_pack import get_language

from parseltongue.languages import LANGUAGES
from parseltongue.languages.shapes import QueryShapeError, expand_shapes

SHAPED = """; a comment naming $not_a_shape stays as it is
$type_name = [
  (type_identifier) @name ; why, dropped with the definition
  (qualified_type package: (_) @scope name: (type_identifier) @name)]
$pointed = [$type_name (pointer_type $type_name)]
(parameter_declaration type: $pointed) @reference.type
((type_spec name: (type_identifier) @name) @definition.type (#match? @name "^T$"))
"""


def test_a_use_is_its_group_on_the_use_line_and_definitions_leave_blank_lines() -> None:
    expanded = expand_shapes(SHAPED).splitlines()
    assert len(expanded) == len(SHAPED.splitlines())
    assert expanded[0] == "; a comment naming $not_a_shape stays as it is"
    assert expanded[1:5] == ["", "", "", ""]
    # the outer alternation takes $type_name's alternatives; inside pointer_type it is a group
    assert expanded[5] == (
        "(parameter_declaration type: [ (type_identifier) @name "
        "(qualified_type package: (_) @scope name: (type_identifier) @name) "
        "(pointer_type [ (type_identifier) @name "
        "(qualified_type package: (_) @scope name: (type_identifier) @name)])]) @reference.type"
    )
    assert expanded[6].endswith('(#match? @name "^T$"))')  # `$` in a string is no shape


def test_expanded_query_matches_as_written_out() -> None:
    language = get_language("go")
    source = b"package p\nfunc f(a T, b *pkg.U, c []V) {}\n"
    tree = Parser(language).parse(source)

    def names(query_text: str) -> list[str]:
        matches = QueryCursor(Query(language, query_text)).matches(tree.root_node)
        return [node.text.decode() for _, captures in matches for node in captures["name"]]

    written_out = """(parameter_declaration type: [
      (type_identifier) @name
      (qualified_type package: (_) @scope name: (type_identifier) @name)
      (pointer_type [(type_identifier) @name
        (qualified_type package: (_) @scope name: (type_identifier) @name)])]) @reference.type"""
    assert names(expand_shapes(SHAPED).split("((type_spec")[0]) == names(written_out) == ["T", "U"]


def test_a_node_of_several_types_is_their_alternation() -> None:
    text = """([
  (parameter|type_annotation ; a comment inside is dropped
    $user_type) ; one after stays
  (optional_type
    (user_type) @name)
] @reference.type)
((call|new_expression|tagged_template
   (identifier) @name) @reference.call (#match? @name "(a|b)"))
"""
    shaped = "$user_type = (user_type . (type_identifier) @name)\n" + text
    expanded = expand_shapes(shaped).splitlines()
    assert len(expanded) == len(shaped.splitlines())
    # inside an alternation: its alternatives join it
    assert expanded[2] == (
        "  (parameter (user_type . (type_identifier) @name)) "
        "(type_annotation (user_type . (type_identifier) @name))"
    )
    assert expanded[3] == " ; one after stays"
    # elsewhere: an alternation of its own, on the line it starts on; a string keeps its `|`
    assert expanded[7] == (
        "([(call (identifier) @name) (new_expression (identifier) @name) "
        "(tagged_template (identifier) @name)]"
    )
    assert expanded[8] == ' @reference.call (#match? @name "(a|b)"))'


def test_a_node_of_several_types_matches_as_written_out() -> None:
    language = get_language("go")
    source = b"package p\nvar a T\nfunc f(b U) {}\n"
    tree = Parser(language).parse(source)

    def names(query_text: str) -> list[str]:
        matches = QueryCursor(Query(language, query_text)).matches(tree.root_node)
        return [node.text.decode() for _, captures in matches for node in captures["name"]]

    several = "((var_spec|parameter_declaration type: (type_identifier) @name) @reference.type)"
    written_out = """([(var_spec type: (type_identifier) @name)
      (parameter_declaration type: (type_identifier) @name)] @reference.type)"""
    assert names(expand_shapes(several)) == names(written_out) == ["T", "U"]


def test_a_use_may_name_the_shapes_capture_otherwise() -> None:
    shaped = """$receiver = [(type_identifier) @name (pointer_type (type_identifier) @name)]
$checked = ((identifier) @name (#match? @name "@name"))
(method_declaration receiver: (parameter_list (parameter_declaration type: $receiver{@scope})))
(call_expression function: $checked{@callee.name}) @reference.call
(parameter_declaration type: $receiver) @reference.type
"""
    expanded = expand_shapes(shaped).splitlines()
    assert expanded[2] == (
        "(method_declaration receiver: (parameter_list (parameter_declaration type: "
        "[(type_identifier) @scope (pointer_type (type_identifier) @scope)])))"
    )
    # a predicate's capture is renamed with it; text in a string is not a capture
    assert expanded[3] == (
        '(call_expression function: ((identifier) @callee.name '
        '(#match? @callee.name "@name"))) @reference.call'
    )
    assert expanded[4] == (
        "(parameter_declaration type: "
        "[(type_identifier) @name (pointer_type (type_identifier) @name)]) @reference.type"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("(a $missing)", "line 1: no shape $missing is defined above this use"),
        ("(a)\n$x = [(b)]\n$x = [(c)]", "line 3: the shape $x is defined twice"),
        ("$x = [(b)\n(c)", "line 1: the shape's group is not closed"),
        ("$x = @name", "line 1: a shape is one (...) or [...] group after '='"),
        ("(a)\n(b|c (d)", "line 2: the node of several types is not closed"),
        ("(a\n  $x = [(b)])", "line 2: the shape $x is defined inside a pattern"),
        ("$x{@y} = [(b) @c]",
         "line 1: a shape is defined as $x; a use names its capture otherwise"),
        ("$x = [(b) @c (d) @e]\n(f $x{@y})",
         "line 2: $x{@y} renames the capture of a shape of one capture name, not of @c @e"),
    ],
)
def test_a_shape_that_cannot_be_expanded_says_what_and_where(text: str, error: str) -> None:
    with pytest.raises(QueryShapeError, match=f"^{re.escape(error)}$"):
        expand_shapes(text)


def test_text_without_shapes_is_unchanged() -> None:
    text = '((identifier) @name (#match? @name "^x$"))\n'
    assert expand_shapes(text) == text


def test_every_query_file_is_written_out_before_tree_sitter_reads_it() -> None:
    for spec in LANGUAGES:
        text = spec.query_text()
        if text is not None:
            assert expand_shapes(text) == text, spec.query_file
