"""Extraction from a realistic Kotlin file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    classified_tests,
    entity_keys,
    entity_rows,
    member_rows,
    reference_rows,
    signatures_by_name_and_line,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named, path_test_reason

FIXTURE = Path(__file__).parent / "fixtures" / "Shapes.kt"
PATH = "src/main/kotlin/com/example/shapes/Shapes.kt"
KOTLIN = language_named("kotlin")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), KOTLIN)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "kotlin"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 54


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "Shapes", "main.kotlin.com.example.shapes.Shapes", 1, 54),
        ("module", "com.example.shapes", "com.example.shapes", 2, 2),
        ("type", "Registry", "Registry", 8, 8),
        ("interface", "Shape", "Shape", 10, 14),
        ("method", "area", "Shape.area", 11, 11),
        ("method", "compareTo", "Shape.compareTo", 13, 13),
        # the class starts at its keyword line, not at `@Suppress`
        ("class", "Circle", "Circle", 17, 27),
        ("method", "area", "Circle.area", 18, 18),
        ("method", "scaled", "Circle.scaled", 20, 22),
        ("class", "Companion", "Circle.Companion", 24, 26),
        ("method", "unit", "Circle.Companion.unit", 25, 25),
        ("enum", "Kind", "Kind", 29, 34),
        ("method", "isRound", "Kind.isRound", 33, 33),
        ("class", "Shapes", "Shapes", 36, 43),
        ("method", "total", "Shapes.total", 37, 42),
        # an extension function is a method of its receiver type
        ("method", "diameter", "Circle.diameter", 45, 45),
        ("fn", "square", "square", 47, 47),
        ("class", "CircleTest", "CircleTest", 49, 54),
        ("method", "unitCircleHasAreaPi", "CircleTest.unitCircleHasAreaPi", 51, 53),
    ]


def test_keys_are_unique(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    area_keys = [e.key for e in extraction.entities if e.name == "area"]
    assert len(area_keys) == 2
    assert all(key.startswith("kotlin:method:area:__src_main_kotlin_com_example_shapes_Shapes:T")
               for key in area_keys)


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name_and_line(extraction)
    assert signatures[("Circle", 17)] == (
        "open class Circle(val center: GeoPoint, val radius: Double) : Figure(radius), Shape"
    )
    assert signatures[("Circle.area", 18)] == "override fun area(): Double"
    assert signatures[("Shape.area", 11)] == "fun area(): Double"
    assert signatures[("Circle.Companion", 24)] == "companion object"
    assert signatures[("Circle.diameter", 45)] == "fun Circle.diameter(): Double"
    assert signatures[("Registry", 8)] == "typealias Registry = Map<String, Shape>"


def test_test_annotation_marks_the_function(extraction) -> None:
    assert classified_tests(extraction) == {"CircleTest.unitCircleHasAreaPi": "test marker @Test"}


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction, "<file>") == [
        ("import", "<file>", "PI", 4, "", "", "kotlin.math", ""),
        ("import", "<file>", "Point", 5, "", "", "com.example.geometry", "GeoPoint"),
        ("import", "<file>", "*", 6, "", "", "com.example.util", ""),
        ("type", "Registry", "Map", 8, "", "", "", ""),
        ("type", "Registry", "String", 8, "", "", "", ""),
        ("type", "Registry", "Shape", 8, "", "", "", ""),
        ("extends", "Shape", "Comparable", 10, "", "", "", ""),
        ("type", "Shape", "Shape", 10, "", "", "", ""),
        ("type", "Shape.area", "Double", 11, "", "", "", ""),
        ("type", "Shape.compareTo", "Shape", 13, "", "", "", ""),
        ("type", "Shape.compareTo", "Int", 13, "", "", "", ""),
        ("call", "Shape.compareTo", "area", 13, "", "", "", ""),
        ("call", "Shape.compareTo", "compareTo", 13, "area()", "", "", ""),
        ("call", "Shape.compareTo", "area", 13, "other", "Shape", "", ""),  # same line
        ("type", "Circle", "GeoPoint", 17, "", "", "", ""),
        ("type", "Circle", "Double", 17, "", "", "", ""),
        ("extends", "Circle", "Figure", 17, "", "", "", ""),
        ("implements", "Circle", "Shape", 17, "", "", "", ""),
        ("type", "Circle.area", "Double", 18, "", "", "", ""),
        ("call", "Circle.area", "square", 18, "", "", "", ""),
        ("type", "Circle.scaled", "Double", 20, "", "", "", ""),
        ("type", "Circle.scaled", "Circle", 20, "", "", "", ""),
        ("call", "Circle.scaled", "Circle", 21, "", "", "", ""),
        ("type", "Circle.Companion.unit", "Circle", 25, "", "", "", ""),
        ("call", "Circle.Companion.unit", "Circle", 25, "", "", "", ""),
        ("call", "Circle.Companion.unit", "origin", 25, "GeoPoint", "", "", ""),
        ("type", "Kind.isRound", "Boolean", 33, "", "", "", ""),
        ("type", "Shapes.total", "List", 37, "", "", "", ""),
        ("type", "Shapes.total", "Shape", 37, "", "", "", ""),
        ("type", "Shapes.total", "Registry", 37, "", "", "", ""),
        ("type", "Shapes.total", "Double", 37, "", "", "", ""),
        ("call", "Shapes.total", "unit", 38, "Circle", "", "", ""),
        ("type", "Shapes.total", "Circle", 39, "", "", "", ""),
        ("call", "Shapes.total", "scaled", 39, "unit", "", "", ""),
        ("call", "Shapes.total", "GeoPoint", 40, "", "", "", ""),
        ("call", "Shapes.total", "sumOf", 41, "shapes", "List", "", ""),
        ("call", "Shapes.total", "area", 41, "it", "", "", ""),
        ("call", "Shapes.total", "area", 41, "bigger", "Circle", "", ""),
        ("call", "Shapes.total", "norm", 41, "origin", "GeoPoint", "", ""),
        ("type", "Circle.diameter", "Double", 45, "", "", "", ""),
        ("type", "square", "Double", 47, "", "", "", ""),
        ("type", "square", "Double", 47, "", "", "", ""),
        ("call", "CircleTest.unitCircleHasAreaPi", "assertEquals", 52, "", "", "", ""),
        ("call", "CircleTest.unitCircleHasAreaPi", "unit", 52, "Circle", "", "", ""),
        ("call", "CircleTest.unitCircleHasAreaPi", "area", 52, "Circle.unit()", "", "", ""),
    ]


def test_named_companion_and_test_case_subclass() -> None:
    source = (
        b"class Graph {\n    companion object Factory {\n        fun empty() = Graph()\n    }\n}\n"
        b"class GraphTest : junit.framework.TestCase() {\n    fun testEmpty() {}\n}\n"
    )
    extraction = extract_source("lib/Graph.kt", source, KOTLIN)
    assert member_rows(
        extraction, "entity_type", "qualified_name", "start_line", "test_reason"
    ) == [
        ("class", "Graph", 1, ""),
        ("class", "Graph.Factory", 2, ""),
        ("method", "Graph.Factory.empty", 3, ""),
        ("class", "GraphTest", 6, "test marker junit.framework.TestCase()"),
        ("method", "GraphTest.testEmpty", 7, "inside test GraphTest"),
    ]


def test_test_paths() -> None:
    assert path_test_reason(KOTLIN, "app/src/test/kotlin/a/GraphTest.kt") == (
        "path matches 'src/test/'"
    )
    assert path_test_reason(KOTLIN, "app/src/androidTest/kotlin/a/GraphTest.kt") == (
        "path matches 'src/androidTest/'"
    )
    assert path_test_reason(KOTLIN, "app/GraphTests.kt") == "path matches 'Tests.kt'"
    assert path_test_reason(KOTLIN, "app/src/main/kotlin/a/Graph.kt") is None


def test_secondary_constructors_are_methods_named_constructor() -> None:
    source = (
        b"class Graph(val size: Int) {\n"
        b"    constructor(name: String) : this(name.length) {\n"
        b"        log(name)\n"
        b"    }\n"
        b"}\n"
    )
    extraction = extract_source("lib/Graph.kt", source, KOTLIN)
    assert member_rows(
        extraction, "entity_type", "qualified_name", "start_line", "end_line", "signature"
    ) == [
        ("class", "Graph", 1, 5, "class Graph(val size: Int)"),
        ("method", "Graph.constructor", 2, 4, "constructor(name: String) : this(name.length)"),
    ]
