"""Extraction from a realistic PHP file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    class_rows,
    classified_tests,
    entity_keys,
    entity_rows,
    member_rows,
    reference_rows,
    signatures_by_name,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named

FIXTURE = Path(__file__).parent / "fixtures" / "Shapes.php"
PATH = "src/Shapes/Shapes.php"
PHP = language_named("php")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), PHP)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "php"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 83


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "Shapes", "Shapes\\Shapes", 1, 83),
        ("module", "App\\Shapes", "App\\Shapes", 5, 83),
        ("interface", "Shape", "App\\Shapes\\Shape", 11, 14),
        ("method", "area", "App\\Shapes\\Shape\\area", 13, 13),
        ("trait", "Named", "App\\Shapes\\Named", 16, 22),
        ("method", "name", "App\\Shapes\\Named\\name", 18, 21),
        ("enum", "Kind", "App\\Shapes\\Kind", 24, 33),
        ("method", "label", "App\\Shapes\\Kind\\label", 29, 32),
        ("class", "Base", "App\\Shapes\\Base", 35, 37),
        ("class", "Circle", "App\\Shapes\\Circle", 39, 61),
        ("method", "__construct", "App\\Shapes\\Circle\\__construct", 43, 45),
        ("method", "area", "App\\Shapes\\Circle\\area", 47, 50),
        ("method", "unit", "App\\Shapes\\Circle\\unit", 52, 55),
        ("method", "describe", "App\\Shapes\\Circle\\describe", 57, 60),
        ("fn", "total_area", "App\\Shapes\\total_area", 63, 69),
        ("class", "CircleTest", "App\\Shapes\\CircleTest", 71, 83),
        ("method", "testUnitArea", "App\\Shapes\\CircleTest\\testUnitArea", 73, 76),
        ("method", "radiusIsPositive", "App\\Shapes\\CircleTest\\radiusIsPositive", 79, 82),
    ]


def test_keys_are_unique(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))


def test_tests_are_classified_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "App\\Shapes\\CircleTest": "test marker TestCase",
        "App\\Shapes\\CircleTest\\testUnitArea": "test marker testUnitArea",
        "App\\Shapes\\CircleTest\\radiusIsPositive": "test marker Test",
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ("import", "App\\Shapes", "Point", 7, "", "", "App\\Geometry", ""),
        ("import", "App\\Shapes", "Describable", 8, "", "", "App\\Contracts", ""),
        ("import", "App\\Shapes", "Measurable", 8, "", "", "App\\Contracts", "Measure"),
        ("import", "App\\Shapes", "square", 9, "", "", "App\\Support", ""),
        ("extends", "App\\Shapes\\Shape", "Measure", 11, "", "", "", ""),
        ("call", "App\\Shapes\\Kind\\label", "ucfirst", 31, "", "", "", ""),
        ("extends", "App\\Shapes\\Circle", "Base", 39, "", "", "", ""),
        ("implements", "App\\Shapes\\Circle", "Shape", 39, "", "", "", ""),
        ("implements", "App\\Shapes\\Circle", "Describable", 39, "", "", "", ""),
        ("implements", "App\\Shapes\\Circle", "Named", 41, "", "", "", ""),
        ("type", "App\\Shapes\\Circle\\__construct", "Point", 43, "", "", "", ""),
        ("call", "App\\Shapes\\Circle\\area", "square", 49, "", "", "", ""),
        ("call", "App\\Shapes\\Circle\\unit", "Circle", 54, "", "", "", ""),
        ("call", "App\\Shapes\\Circle\\unit", "origin", 54, "", "", "Point", ""),
        ("call", "App\\Shapes\\Circle\\describe", "sprintf", 59, "", "", "", ""),
        ("call", "App\\Shapes\\Circle\\describe", "name", 59, "$this", "", "", ""),
        ("call", "App\\Shapes\\Circle\\describe", "area", 59, "$this", "", "", ""),
        ("type", "App\\Shapes\\total_area", "Registry", 63, "", "", "", ""),
        ("type", "App\\Shapes\\total_area", "Shape", 63, "", "", "", ""),
        ("call", "App\\Shapes\\total_area", "Circle", 65, "", "", "", ""),
        ("call", "App\\Shapes\\total_area", "Point", 65, "", "", "", ""),
        ("call", "App\\Shapes\\total_area", "unit", 66, "", "", "Circle", ""),
        ("call", "App\\Shapes\\total_area", "add", 67, "$registry", "Registry", "", ""),
        ("call", "App\\Shapes\\total_area", "area", 68, "$circle", "Circle", "", ""),
        ("call", "App\\Shapes\\total_area", "area", 68, "$unit", "", "", ""),
        ("call", "App\\Shapes\\total_area", "array_sum", 68, "", "", "", ""),
        ("call", "App\\Shapes\\total_area", "array_map", 68, "", "", "", ""),
        ("type", "App\\Shapes\\total_area", "Shape", 68, "", "", "", ""),
        ("call", "App\\Shapes\\total_area", "area", 68, "$s", "Shape", "", ""),
        ("extends", "App\\Shapes\\CircleTest", "TestCase", 71, "", "", "", ""),
        (
            "call",
            "App\\Shapes\\CircleTest\\testUnitArea",
            "assertEqualsWithDelta",
            75,
            "$this",
            "",
            "",
            "",
        ),
        ("call", "App\\Shapes\\CircleTest\\testUnitArea", "unit", 75, "", "", "Circle", ""),
        ("call", "App\\Shapes\\CircleTest\\testUnitArea", "area", 75, "Circle::unit()", "", "", ""),
        (
            "call",
            "App\\Shapes\\CircleTest\\radiusIsPositive",
            "assertGreaterThan",
            81,
            "$this",
            "",
            "",
            "",
        ),
        ("call", "App\\Shapes\\CircleTest\\radiusIsPositive", "unit", 81, "", "", "Circle", ""),
        (
            "call",
            "App\\Shapes\\CircleTest\\radiusIsPositive",
            "area",
            81,
            "Circle::unit()",
            "",
            "",
            "",
        ),
    ]


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name(extraction)
    assert signatures["App\\Shapes"] == "namespace App\\Shapes;"
    assert signatures["App\\Shapes\\Circle"] == (
        "final class Circle extends Base implements Shape, Describable"
    )
    assert signatures["App\\Shapes\\Shape\\area"] == "public function area(): float;"
    # an attribute is not part of the declaration's line or signature
    assert signatures["App\\Shapes\\CircleTest\\radiusIsPositive"] == (
        "public function radiusIsPositive(): void"
    )


def test_a_namespace_statement_holds_what_follows_up_to_the_next_one() -> None:
    source = b"""<?php
namespace App\\Models;
class User {}
namespace App\\Http;
class Controller {}
"""
    extraction = extract_source("src/two.php", source, PHP)
    assert member_rows(extraction, "entity_type", "qualified_name", "start_line", "end_line") == [
        ("module", "App\\Models", 2, 3),
        ("class", "App\\Models\\User", 3, 3),
        ("module", "App\\Http", 4, 5),
        ("class", "App\\Http\\Controller", 5, 5),
    ]


def test_braced_namespaces_and_the_global_namespace() -> None:
    source = b"""<?php
namespace App\\Models {
    class User {}
}
namespace {
    function helper() {}
}
"""
    extraction = extract_source("src/braces.php", source, PHP)
    assert member_rows(extraction, "entity_type", "qualified_name", "start_line", "end_line") == [
        ("module", "App\\Models", 2, 4),
        ("class", "App\\Models\\User", 3, 3),
        ("fn", "helper", 6, 6),
    ]


def test_phpunit_files_are_test_code_by_name() -> None:
    extraction = extract_source("src/CircleTest.php", b"<?php\nfunction make() {}\n", PHP)
    assert class_rows(extraction) == [
        ("make", "TEST", "path matches 'Test.php'"),
    ]
