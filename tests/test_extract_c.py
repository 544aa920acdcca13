"""Extraction from a realistic C file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    class_rows,
    classified_tests,
    entity_keys,
    entity_rows,
    reference_rows,
    signatures_by_name,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.c"
PATH = "src/shapes.c"
C = language_named("c")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), C)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "c"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 78


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "shapes", 1, 78),
        ("macro", "UNIT", "UNIT", 5, 5),
        ("macro", "SQUARE", "SQUARE", 6, 6),
        ("type", "Point", "Point", 8, 8),
        ("struct", "Circle", "Circle", 10, 13),
        ("struct", "Vec2", "Vec2", 15, 17),
        ("struct", "Node", "Node", 19, 22),
        ("type", "Node_t", "Node_t", 22, 22),
        ("enum", "Kind", "Kind", 24, 27),
        ("struct", "Number", "Number", 29, 32),
        ("type", "area_fn", "area_fn", 34, 34),
        ("struct", "Registry", "Registry", 36, 38),
        ("fn", "circle_area", "circle_area", 40, 43),
        ("fn", "circle_unit", "circle_unit", 45, 49),
        ("fn", "kind_name", "kind_name", 51, 54),
        ("fn", "total_area", "total_area", 56, 64),
        ("fn", "registry_fill", "registry_fill", 66, 70),
        ("fn", "test_unit_circle_has_area_pi", "test_unit_circle_has_area_pi", 74, 78),
    ]


def test_keys_are_unique(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))


def test_tests_are_classified_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "test_unit_circle_has_area_pi": "test marker test_unit_circle_has_area_pi",
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ("import", "shapes", "", 2, "", "", "<math.h>", ""),
        ("import", "shapes", "", 3, "", "", "geometry/point.h", ""),
        ("type", "Point", "Point", 8, "", "", "", ""),
        ("type", "Circle", "Point", 11, "", "", "", ""),
        ("type", "Node", "Node", 20, "", "", "", ""),
        ("type", "Node", "Circle", 21, "", "", "", ""),
        ("type", "area_fn", "Circle", 34, "", "", "", ""),
        ("type", "Registry", "Registry", 37, "", "", "", ""),
        ("type", "Registry", "Circle", 37, "", "", "", ""),
        ("type", "circle_area", "Circle", 40, "", "", "", ""),
        ("call", "circle_area", "SQUARE", 42, "", "", "", ""),
        ("type", "circle_unit", "Circle", 45, "", "", "", ""),
        ("type", "circle_unit", "Point", 45, "", "", "", ""),
        ("type", "circle_unit", "Circle", 47, "", "", "", ""),
        ("type", "kind_name", "Kind", 51, "", "", "", ""),
        ("type", "total_area", "Circle", 56, "", "", "", ""),
        ("type", "total_area", "area_fn", 56, "", "", "", ""),
        ("call", "total_area", "area", 60, "", "", "", ""),
        ("call", "total_area", "log_total", 62, "", "", "", ""),
        ("type", "registry_fill", "Registry", 66, "", "", "", ""),
        ("type", "registry_fill", "Vec2", 68, "", "", "", ""),
        ("call", "registry_fill", "add", 69, "registry", "Registry", "", ""),
        ("call", "registry_fill", "circle_unit", 69, "", "", "", ""),
        ("call", "registry_fill", "point_at", 69, "", "", "", ""),
        ("type", "test_unit_circle_has_area_pi", "Circle", 76, "", "", "", ""),
        ("call", "test_unit_circle_has_area_pi", "circle_unit", 76, "", "", "", ""),
        ("call", "test_unit_circle_has_area_pi", "point_origin", 76, "", "", "", ""),
        ("call", "test_unit_circle_has_area_pi", "assert", 77, "", "", "", ""),
        ("call", "test_unit_circle_has_area_pi", "circle_area", 77, "", "", "", ""),
    ]


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name(extraction)
    assert signatures["SQUARE"] == "#define SQUARE(x) ((x) * (x))"
    assert signatures["Vec2"] == "typedef struct"
    assert signatures["Circle"] == "struct Circle"
    assert signatures["area_fn"] == "typedef double (*area_fn)(const struct Circle *circle);"
    assert signatures["kind_name"] == "static const char *kind_name(enum Kind kind)"


def test_a_file_under_tests_is_test_code() -> None:
    source = b"static int fixture(void) { return 1; }\n"
    extraction = extract_source("tests/shapes_check.c", source, C)
    assert class_rows(extraction) == [
        ("fixture", "TEST", "path matches 'tests/'"),
    ]
