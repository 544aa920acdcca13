"""Extraction from a realistic Swift file: exact entities, references and test classification."""

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
from parseltongue.languages import language_for_path, language_named
from parseltongue.model import build_entity_key

FIXTURE = Path(__file__).parent / "fixtures" / "Shapes.swift"
PATH = "Sources/Shapes/Shapes.swift"
SWIFT = language_named("swift")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), SWIFT)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "swift"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 76


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ('module', 'Shapes', 'Sources.Shapes.Shapes', 1, 76),
        ('type', 'Registry', 'Registry', 5, 5),
        ('interface', 'Shape', 'Shape', 7, 10),
        ('method', 'area', 'Shape.area', 9, 9),
        ('class', 'Circle', 'Circle', 12, 31),
        ('method', 'init', 'Circle.init', 15, 18),
        ('method', 'init', 'Circle.init', 20, 22),
        ('method', 'area', 'Circle.area', 24, 26),
        ('method', 'unit', 'Circle.unit', 28, 30),
        ('struct', 'Point', 'Point', 33, 40),
        ('method', 'distance', 'Point.distance', 37, 39),
        ('enum', 'Kind', 'Kind', 42, 48),
        ('method', 'make', 'Kind.make', 45, 47),
        ('impl', 'Circle', 'Circle', 50, 58),
        ('method', 'scaled', 'Circle.scaled', 53, 57),
        ('fn', 'totalArea', 'totalArea', 60, 65),
        ('class', 'CircleTests', 'CircleTests', 67, 76),
        ('method', 'testArea', 'CircleTests.testArea', 68, 71),
        ('method', 'makeCircle', 'CircleTests.makeCircle', 73, 75),
    ]


def test_keys_are_unique_for_two_initializers_and_a_class_and_its_extension(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    inits = [e.key for e in extraction.entities if e.qualified_name == "Circle.init"]
    assert inits == [
        build_entity_key("swift", "method", "init", PATH, "Circle.init", ordinal)
        for ordinal in range(2)
    ]
    circle_class, circle_extension = [
        e for e in extraction.entities if e.qualified_name == "Circle"
    ]
    assert circle_class.key.startswith("swift:class:Circle:__Sources_Shapes_Shapes:T")
    assert circle_extension.key.startswith("swift:impl:Circle:__Sources_Shapes_Shapes:T")


def test_extension_methods_belong_to_the_extension_and_are_qualified_by_the_type(
    extraction,
) -> None:
    entities = {(e.qualified_name, e.start_line): e for e in extraction.entities}
    extension = entities[("Circle", 50)]
    assert entities[("Circle.scaled", 53)].parent_key == extension.key
    assert extension.parent_key == extraction.module_key()


def test_an_extension_of_a_nested_type_is_scoped_by_the_outer_one() -> None:
    source = b"extension Notification.Name {\n    func post() {}\n}\n"
    extraction = extract_source("Sources/A.swift", source, SWIFT)
    assert member_rows(extraction, "entity_type", "qualified_name") == [
        ("impl", "Notification.Name"),
        ("method", "Notification.Name.post"),
    ]


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name_and_line(extraction)
    assert signatures[("Circle", 12)] == "class Circle: Figure, Shape"
    assert signatures[("Circle", 50)] == "extension Circle: Comparable"
    assert signatures[("Circle.init", 20)] == "convenience init()"
    assert signatures[("Shape.area", 9)] == "func area() -> Double"
    assert signatures[("totalArea", 60)] == (
        "func totalArea(_ shapes: [Shape], in registry: Registry) -> Double"
    )
    assert signatures[("CircleTests", 67)] == "final class CircleTests: XCTestCase"


def test_xctest_cases_and_their_test_methods_are_tests_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "CircleTests": "test marker XCTestCase",
        "CircleTests.testArea": "test marker testArea",
        "CircleTests.makeCircle": "inside test CircleTests",
    }


def test_swift_testing_attributes_mark_tests() -> None:
    source = b"@Suite struct CircleSuite {\n    @Test func area() {}\n    func helper() {}\n}\n"
    extraction = extract_source("Sources/Circle.swift", source, SWIFT)
    assert member_rows(extraction, "qualified_name", "test_reason") == [
        ("CircleSuite", "test marker @Suite"),
        ("CircleSuite.area", "test marker @Test"),
        ("CircleSuite.helper", "inside test CircleSuite"),
    ]


def test_a_function_named_test_outside_an_xctestcase_is_code() -> None:
    source = b"func testConnection() -> Bool { true }\n"
    extraction = extract_source("Sources/Net.swift", source, SWIFT)
    assert extraction.entities[1].entity_class == "CODE"


@pytest.mark.parametrize("path", ["Tests/ShapesTests/ShapesTests.swift", "Tests/A.swift"])
def test_paths_under_tests_make_every_entity_a_test(path) -> None:
    extraction = extract_source(path, FIXTURE.read_bytes(), language_for_path(path))
    assert {e.entity_class for e in extraction.entities} == {"TEST"}


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ('import', 'Sources.Shapes.Shapes', '', 2, '', '', 'Foundation', ''),
        ('import', 'Sources.Shapes.Shapes', '', 3, '', '', 'Geometry', ''),
        ('type', 'Registry', 'String', 5, '', '', '', ''),
        ('type', 'Registry', 'Shape', 5, '', '', '', ''),
        ('extends', 'Shape', 'AnyObject', 7, '', '', '', ''),
        ('extends', 'Shape', 'CustomStringConvertible', 7, '', '', '', ''),
        ('type', 'Shape', 'String', 8, '', '', '', ''),
        ('type', 'Shape.area', 'Double', 9, '', '', '', ''),
        ('extends', 'Circle', 'Figure', 12, '', '', '', ''),
        ('implements', 'Circle', 'Shape', 12, '', '', '', ''),
        ('type', 'Circle', 'Double', 13, '', '', '', ''),
        ('type', 'Circle.init', 'Double', 15, '', '', '', ''),
        ('call', 'Circle.init', 'init', 17, 'super', '', '', ''),
        ('call', 'Circle.init', 'init', 21, 'self', '', '', ''),
        ('type', 'Circle.area', 'Double', 24, '', '', '', ''),
        ('type', 'Circle.unit', 'Circle', 28, '', '', '', ''),
        ('call', 'Circle.unit', 'Circle', 29, '', '', '', ''),
        ('implements', 'Point', 'Equatable', 33, '', '', '', ''),
        ('type', 'Point', 'Double', 34, '', '', '', ''),
        ('type', 'Point', 'Double', 35, '', '', '', ''),
        ('type', 'Point.distance', 'Point', 37, '', '', '', ''),
        ('type', 'Point.distance', 'Double', 37, '', '', '', ''),
        ('call', 'Point.distance', 'hypot', 38, '', '', '', ''),
        ('implements', 'Kind', 'String', 42, '', '', '', ''),
        ('type', 'Kind.make', 'Shape', 45, '', '', '', ''),
        ('call', 'Kind.make', 'Circle', 46, '', '', '', ''),
        ('implements', 'Circle', 'Comparable', 50, '', '', '', ''),
        ('type', 'Circle', 'String', 51, '', '', '', ''),
        ('type', 'Circle.scaled', 'Double', 53, '', '', '', ''),
        ('type', 'Circle.scaled', 'Circle', 53, '', '', '', ''),
        ('call', 'Circle.scaled', 'Graph', 54, '', '', '', ''),
        ('call', 'Circle.scaled', 'add', 55, 'graph', 'Graph', '', ''),
        ('call', 'Circle.scaled', 'Circle', 56, '', '', '', ''),
        ('type', 'totalArea', 'Shape', 60, '', '', '', ''),
        ('type', 'totalArea', 'Registry', 60, '', '', '', ''),
        ('type', 'totalArea', 'Double', 60, '', '', '', ''),
        ('type', 'totalArea', 'Graph', 61, '', '', '', ''),
        ('call', 'totalArea', 'Graph', 62, '', '', '', ''),
        ('call', 'totalArea', 'layout', 63, 'graph', 'Graph', '', ''),
        ('call', 'totalArea', 'map', 64, 'shapes', '', '', ''),
        ('call', 'totalArea', 'area', 64, '$0', '', '', ''),
        ('call', 'totalArea', 'reduce', 64, 'shapes.map { $0.area() }', '', '', ''),
        ('extends', 'CircleTests', 'XCTestCase', 67, '', '', '', ''),
        ('call', 'CircleTests.testArea', 'unit', 69, 'Circle', '', '', ''),
        ('call', 'CircleTests.testArea', 'XCTAssertEqual', 70, '', '', '', ''),
        ('call', 'CircleTests.testArea', 'area', 70, 'circle', '', '', ''),
        ('type', 'CircleTests.makeCircle', 'Circle', 73, '', '', '', ''),
        ('call', 'CircleTests.makeCircle', 'Circle', 74, '', '', '', ''),
    ]
