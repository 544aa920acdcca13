"""Extraction from a realistic Go file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    classified_tests,
    entity_keys,
    entity_rows,
    reference_rows,
    signatures_by_name,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_for_path, language_named, path_test_reason

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.go"
PATH = "shapes/shapes.go"
GO = language_named("go")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), GO)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "go"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 62


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "shapes.shapes", 1, 62),
        ("module", "shapes", "shapes", 2, 2),
        ("const", "Unit", "Unit", 12, 12),
        ("interface", "Shape", "Shape", 15, 18),
        ("method", "Area", "Shape.Area", 17, 17),
        ("type", "Registry", "Registry", 20, 20),
        ("struct", "Circle", "Circle", 22, 26),
        ("struct", "Named", "Named", 29, 29),
        ("type", "Kind", "Kind", 30, 30),
        ("fn", "NewCircle", "NewCircle", 33, 35),
        ("method", "Area", "Circle.Area", 37, 39),
        ("method", "String", "Circle.String", 41, 43),
        ("fn", "TotalArea", "TotalArea", 45, 53),
        ("fn", "square", "square", 55, 55),
        ("fn", "TestUnitCircle", "TestUnitCircle", 57, 62),
    ]


def test_keys_are_unique_and_methods_of_two_types_apart(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    area_keys = [e.key for e in extraction.entities if e.name == "Area"]
    assert len(area_keys) == 2
    assert all(key.startswith("go:method:Area:__shapes_shapes:T") for key in area_keys)


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name(extraction)
    assert signatures["shapes"] == "package shapes"
    assert signatures["Shape"] == "type Shape interface"
    assert signatures["Circle"] == "type Circle struct"
    assert signatures["Named"] == "Named struct"
    assert signatures["Registry"] == "type Registry = map[string]Shape"
    assert signatures["Circle.Area"] == "func (c *Circle) Area() float64"
    assert signatures["Shape.Area"] == "Area() float64"
    assert signatures["NewCircle"] == "func NewCircle(center *geo.Point, radius float64) *Circle"


def test_methods_belong_to_the_file_and_interface_methods_to_their_interface(extraction) -> None:
    by_name = {e.qualified_name: e for e in extraction.entities}
    module_key = extraction.module_key()
    assert by_name["Circle.Area"].parent_key == module_key
    assert by_name["Shape.Area"].parent_key == by_name["Shape"].key


def test_test_functions_are_marked_by_their_testing_parameter(extraction) -> None:
    assert classified_tests(extraction) == {"TestUnitCircle": "test marker t *testing.T"}


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction, "<file>") == [
        ("import", "<file>", "", 5, "", "", "fmt", ""),
        ("import", "<file>", "", 6, "", "", "strings", "str"),
        ("import", "<file>", "", 7, "", "", "testing", ""),
        ("import", "<file>", "", 9, "", "", "example.com/geometry/point", "geo"),
        ("extends", "Shape", "Stringer", 16, "", "", "fmt", ""),
        ("type", "Registry", "Shape", 20, "", "", "", ""),
        ("extends", "Circle", "Named", 23, "", "", "", ""),
        ("member_type", "Circle", "Named", 23, "Named", "", "", ""),  # an embedded field
        ("extends", "Circle", "Point", 24, "", "", "geo", ""),
        ("member_type", "Circle", "Point", 24, "Point", "", "geo", ""),
        ("type", "NewCircle", "Point", 33, "", "", "geo", ""),
        ("returns", "NewCircle", "Circle", 33, "", "", "", ""),  # `*Circle`
        ("type", "NewCircle", "Circle", 33, "", "", "", ""),
        ("call", "NewCircle", "Circle", 34, "", "", "", ""),
        ("member_of", "Circle.Area", "Circle", 37, "", "", "", ""),  # its receiver's type
        ("type", "Circle.Area", "Circle", 37, "", "", "", ""),
        ("call", "Circle.Area", "square", 38, "", "", "", ""),
        ("member_of", "Circle.String", "Circle", 41, "", "", "", ""),  # its receiver's type
        ("type", "Circle.String", "Circle", 41, "", "", "", ""),
        ("call", "Circle.String", "Sprintf", 42, "fmt", "", "", ""),
        ("call", "Circle.String", "ToUpper", 42, "str", "", "", ""),
        ("type", "TotalArea", "Shape", 45, "", "", "", ""),
        ("type", "TotalArea", "Registry", 45, "", "", "", ""),
        ("type", "TotalArea", "Circle", 46, "", "", "", ""),
        ("call", "TotalArea", "NewCircle", 47, "", "", "", ""),
        ("call", "TotalArea", "Origin", 47, "geo", "", "", ""),
        ("call", "TotalArea", "Area", 48, "unit", "Circle", "", ""),
        # `circle := NewCircle(...)`: what NewCircle returns (a typed chain's base).
        ("call", "TotalArea", "Area", 48, "circle", "NewCircle()", "", ""),
        ("call", "TotalArea", "Area", 50, "shape", "", "", ""),
        ("call", "TotalArea", "float64", 52, "", "", "", ""),
        ("call", "TotalArea", "len", 52, "", "", "", ""),
        ("type", "TestUnitCircle", "T", 57, "", "", "testing", ""),
        ("call", "TestUnitCircle", "Circle", 58, "", "", "", ""),
        ("call", "TestUnitCircle", "Area", 59, "c", "Circle", "", ""),
        ("call", "TestUnitCircle", "Fatal", 60, "t", "testing.T", "", ""),
    ]


def test_generic_receivers_calls_and_dot_and_blank_imports() -> None:
    source = (
        b'package list\n\nimport (\n\t. "math"\n\t_ "embed"\n)\n\n'
        b"type List[T any] struct{ items []T }\n\n"
        b"func (l *List[T]) Push(x T) { l.items = append(l.items, x) }\n\n"
        b"func Of[T any](x T) *List[T] { return Wrap[T](x) }\n"
    )
    extraction = extract_source("list/list.go", source, GO)
    assert [(e.entity_type, e.qualified_name) for e in extraction.entities[2:]] == [
        ("struct", "List"),
        ("method", "List.Push"),
        ("fn", "Of"),
    ]
    assert [(r.kind, r.name, r.scope, r.alias) for r in extraction.references
            if r.kind in ("import", "call")] == [
        ("import", "", "math", "."),
        ("import", "", "embed", "_"),
        ("call", "append", "", ""),
        ("call", "Wrap", "", ""),
    ]


def test_test_paths() -> None:
    assert path_test_reason(GO, "server/server_test.go") == "path matches '_test.go'"
    assert path_test_reason(GO, "server/testdata/input.go") == "path matches 'testdata/'"
    assert path_test_reason(GO, "server/server.go") is None
    assert language_for_path("cmd/main.go") == GO
