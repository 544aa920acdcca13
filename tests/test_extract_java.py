"""Extraction from a realistic Java file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    classified_rows,
    classified_tests,
    entity_keys,
    entity_rows,
    reference_rows,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named, path_test_reason

FIXTURE = Path(__file__).parent / "fixtures" / "Shapes.java"
PATH = "src/main/java/com/example/shapes/Shapes.java"
JAVA = language_named("java")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), JAVA)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "java"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 75


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "Shapes", "main.java.com.example.shapes.Shapes", 1, 75),
        ("module", "com.example.shapes", "com.example.shapes", 1, 1),
        ("interface", "Shape", "Shape", 8, 14),
        ("method", "area", "Shape.area", 9, 9),
        ("method", "name", "Shape.name", 11, 13),
        # the annotated class starts at its keyword line, not at `@Deprecated`
        ("class", "Circle", "Circle", 17, 44),
        ("method", "Circle", "Circle.Circle", 21, 24),
        ("method", "Circle", "Circle.Circle", 26, 28),
        ("method", "area", "Circle.area", 31, 33),
        ("method", "square", "Circle.square", 35, 37),
        ("class", "Builder", "Circle.Builder", 39, 43),
        ("method", "build", "Circle.Builder.build", 40, 42),
        ("enum", "Kind", "Kind", 46, 52),
        ("method", "isRound", "Kind.isRound", 49, 51),
        ("class", "Pair", "Pair", 54, 58),
        ("method", "compareTo", "Pair.compareTo", 55, 57),
        ("class", "Registry", "Registry", 60, 68),
        ("method", "total", "Registry.total", 61, 67),
        ("class", "CircleTest", "CircleTest", 70, 75),
        ("method", "unitCircleHasAreaPi", "CircleTest.unitCircleHasAreaPi", 72, 74),
    ]


def test_keys_are_unique_for_overloaded_constructors(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    constructors = [e.key for e in extraction.entities if e.qualified_name == "Circle.Circle"]
    assert len(set(constructors)) == 2
    assert all(key.startswith("java:method:Circle:__src_main_java_com_example_shapes_Shapes:T")
               for key in constructors)


def test_signatures_and_code_start_after_annotations(extraction) -> None:
    by_line = {e.start_line: e for e in extraction.entities}
    assert by_line[17].signature == (
        "final class Circle extends Figure implements Shape, java.io.Serializable"
    )
    assert by_line[31].signature == "public double area()"
    assert by_line[31].code.startswith("public double area() {")
    assert by_line[9].signature == "double area();"
    assert by_line[61].signature == (
        "double total(List<Shape> shapes) throws IllegalStateException"
    )
    assert by_line[54].signature == (
        "record Pair(Shape left, Shape right) implements Comparable<Pair>"
    )


def test_test_annotation_marks_the_method(extraction) -> None:
    assert classified_tests(extraction) == {"CircleTest.unitCircleHasAreaPi": "test marker @Test"}


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction, "<file>") == [
        ("import", "<file>", "List", 3, "", "", "java.util", ""),
        ("import", "<file>", "*", 4, "", "", "java.util", ""),
        ("import", "<file>", "PI", 5, "", "", "java.lang.Math", ""),
        ("extends", "Shape", "Comparable", 8, "", "", "", ""),
        ("type", "Shape", "Shape", 8, "", "", "", ""),
        ("type", "Shape.name", "String", 11, "", "", "", ""),
        ("extends", "Circle", "Figure", 17, "", "", "", ""),
        ("implements", "Circle", "Shape", 17, "", "", "", ""),
        ("implements", "Circle", "Serializable", 17, "", "", "java.io", ""),
        ("type", "Circle", "Point", 18, "", "", "", ""),
        ("type", "Circle.Circle", "Point", 21, "", "", "", ""),
        ("call", "Circle.Circle", "origin", 27, "Point", "", "", ""),
        ("call", "Circle.area", "square", 32, "", "", "", ""),
        ("type", "Circle.Builder.build", "Circle", 40, "", "", "", ""),
        ("call", "Circle.Builder.build", "Circle", 41, "", "", "", ""),
        ("type", "Pair", "Shape", 54, "", "", "", ""),
        ("type", "Pair", "Shape", 54, "", "", "", ""),
        ("implements", "Pair", "Comparable", 54, "", "", "", ""),
        ("type", "Pair", "Pair", 54, "", "", "", ""),
        ("type", "Pair.compareTo", "Pair", 55, "", "", "", ""),
        ("call", "Pair.compareTo", "compare", 56, "Double", "", "", ""),
        ("call", "Pair.compareTo", "area", 56, "left", "", "", ""),
        ("call", "Pair.compareTo", "left", 56, "other", "Pair", "", ""),
        ("call", "Pair.compareTo", "area", 56, "other.left()", "", "", ""),
        ("type", "Registry.total", "List", 61, "", "", "", ""),
        ("type", "Registry.total", "Shape", 61, "", "", "", ""),
        ("type", "Registry.total", "IllegalStateException", 61, "", "", "", ""),
        ("call", "Registry.total", "Builder", 62, "", "", "Circle", ""),
        ("call", "Registry.total", "build", 63, "builder", "Circle.Builder", "", ""),
        ("type", "Registry.total", "String", 64, "", "", "", ""),
        ("type", "Registry.total", "Shape", 64, "", "", "", ""),
        ("call", "Registry.total", "HashMap", 64, "", "", "", ""),
        ("call", "Registry.total", "put", 65, "byName", "Map", "", ""),
        ("call", "Registry.total", "name", 65, "unit", "Circle", "", ""),
        ("call", "Registry.total", "area", 66, "unit", "Circle", "", ""),
        ("call", "Registry.total", "size", 66, "shapes", "List", "", ""),
        ("call", "CircleTest.unitCircleHasAreaPi", "assertEquals", 73, "", "", "", ""),
        ("call", "CircleTest.unitCircleHasAreaPi", "Circle", 73, "", "", "", ""),
        ("call", "CircleTest.unitCircleHasAreaPi", "area", 73, "new Circle(1.0)", "", "", ""),
    ]


def test_junit3_test_case_subclass_and_annotation_elements() -> None:
    source = (
        b"class GraphTest extends junit.framework.TestCase {\n"
        b"    public void testEmpty() { assertTrue(true); }\n"
        b"}\n"
        b"@interface Plugin {\n"
        b"    String name() default \"\";\n"
        b"}\n"
    )
    extraction = extract_source("lib/Graph.java", source, JAVA)
    assert classified_rows(extraction) == [
        ("class", "GraphTest", 1, "TEST", "test marker junit.framework.TestCase"),
        ("method", "GraphTest.testEmpty", 2, "TEST", "inside test GraphTest"),
        ("interface", "Plugin", 4, "CODE", ""),
        ("method", "Plugin.name", 5, "CODE", ""),
    ]
    assert [(r.kind, r.name, r.scope) for r in extraction.references][:1] == [
        ("extends", "TestCase", "junit.framework"),
    ]


def test_test_paths() -> None:
    assert path_test_reason(JAVA, "core/src/test/java/a/GraphTest.java") == (
        "path matches 'src/test/'"
    )
    assert path_test_reason(JAVA, "app/src/androidTest/java/a/GraphTest.java") == (
        "path matches 'src/androidTest/'"
    )
    assert path_test_reason(JAVA, "core/GraphTests.java") == "path matches 'GraphTests.java'"
    assert path_test_reason(JAVA, "core/src/main/java/a/Graph.java") is None
