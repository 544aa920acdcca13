"""Extraction from a realistic Ruby file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import classified_tests, entity_keys, entity_rows, member_rows, reference_rows

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.rb"
PATH = "lib/shapes.rb"
RUBY = language_named("ruby")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), RUBY)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "ruby"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 76


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "lib::shapes", 1, 76),
        ("module", "Shapes", "Shapes", 5, 64),
        ("module", "Describable", "Shapes::Describable", 8, 12),
        ("method", "describe", "Shapes::Describable::describe", 9, 11),
        ("class", "Shape", "Shapes::Shape", 14, 25),
        ("method", "area", "Shapes::Shape::area", 18, 20),
        ("method", "<=>", "Shapes::Shape::<=>", 22, 24),
        ("class", "Circle", "Shapes::Circle", 27, 49),
        ("method", "initialize", "Shapes::Circle::initialize", 30, 33),
        ("method", "area", "Shapes::Circle::area", 35, 37),
        ("method", "unit", "Shapes::Circle::unit", 39, 41),
        ("method", "from_json", "Shapes::Circle::from_json", 44, 47),
        ("class", "Store", "Shapes::Registry::Store", 51, 56),
        ("method", "add", "Shapes::Registry::Store::add", 52, 55),
        ("method", "total_area", "Shapes::total_area", 58, 63),
        ("class", "CircleTest", "CircleTest", 66, 70),
        ("method", "test_unit_area", "CircleTest::test_unit_area", 67, 69),
        ("class", "Shapes::Circle", "Shapes::Circle", 72, 76),
        (
            "method",
            "has the area of a unit circle",
            "Shapes::Circle::has the area of a unit circle",
            73,
            75,
        ),
    ]


def test_keys_are_unique(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))


def test_tests_are_classified_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "CircleTest": "test marker Minitest::Test",
        "CircleTest::test_unit_area": "test marker test_unit_area",
        "Shapes::Circle": "test marker describe",
        "Shapes::Circle::has the area of a unit circle": "test marker it",
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ("call", "lib::shapes", "require", 2, "", "", "", ""),
        ("import", "lib::shapes", "", 2, "", "", "json", ""),
        ("call", "lib::shapes", "require_relative", 3, "", "", "", ""),
        ("import", "lib::shapes", "", 3, "", "", "geometry/point", ""),
        ("call", "Shapes::Shape", "include", 15, "", "", "", ""),
        ("implements", "Shapes::Shape", "Comparable", 15, "", "", "", ""),
        ("call", "Shapes::Shape", "include", 16, "", "", "", ""),
        ("implements", "Shapes::Shape", "Describable", 16, "", "", "", ""),
        ("call", "Shapes::Shape::area", "raise", 19, "", "", "", ""),
        ("call", "Shapes::Shape::<=>", "area", 23, "other", "", "", ""),
        ("extends", "Shapes::Circle", "Shape", 27, "", "", "", ""),
        ("call", "Shapes::Circle", "attr_reader", 28, "", "", "", ""),
        ("call", "Shapes::Circle::unit", "new", 40, "", "", "", ""),
        ("call", "Shapes::Circle::unit", "origin", 40, "", "", "Geometry::Point", ""),
        ("call", "Shapes::Circle::from_json", "parse", 45, "", "", "JSON", ""),
        ("call", "Shapes::Circle::from_json", "new", 46, "", "", "Circle", ""),
        ("call", "Shapes::Circle::from_json", "new", 46, "", "", "Geometry::Point", ""),
        ("extends", "Shapes::Registry::Store", "Base", 51, "", "", "", ""),
        ("call", "Shapes::Registry::Store::add", "describe", 54, "shape", "", "", ""),
        ("call", "Shapes::total_area", "new", 59, "", "", "Registry::Store", ""),
        ("call", "Shapes::total_area", "unit", 60, "", "", "Circle", ""),
        ("call", "Shapes::total_area", "each", 61, "shapes", "", "", ""),
        ("call", "Shapes::total_area", "add", 61, "registry", "Registry::Store", "", ""),
        ("call", "Shapes::total_area", "area", 62, "circle", "", "", ""),
        ("call", "Shapes::total_area", "sum", 62, "shapes", "", "", ""),
        ("extends", "CircleTest", "Test", 66, "", "", "Minitest", ""),
        ("call", "CircleTest::test_unit_area", "assert_in_delta", 68, "", "", "", ""),
        ("call", "CircleTest::test_unit_area", "unit", 68, "", "", "Shapes::Circle", ""),
        ("call", "CircleTest::test_unit_area", "area", 68, "Shapes::Circle.unit", "", "", ""),
        ("call", "Shapes::Circle", "describe", 72, "", "", "RSpec", ""),
        ("call", "Shapes::Circle::has the area of a unit circle", "it", 73, "", "", "", ""),
        ("call", "Shapes::Circle::has the area of a unit circle", "expect", 74, "", "", "", ""),
        (
            "call",
            "Shapes::Circle::has the area of a unit circle",
            "unit",
            74,
            "described_class",
            "",
            "",
            "",
        ),
        (
            "call",
            "Shapes::Circle::has the area of a unit circle",
            "area",
            74,
            "described_class.unit",
            "",
            "",
            "",
        ),
        (
            "call",
            "Shapes::Circle::has the area of a unit circle",
            "to",
            74,
            "expect(described_class.unit.area)",
            "",
            "",
            "",
        ),
        ("call", "Shapes::Circle::has the area of a unit circle", "be_within", 74, "", "", "", ""),
        (
            "call",
            "Shapes::Circle::has the area of a unit circle",
            "of",
            74,
            "be_within(0.001)",
            "",
            "",
            "",
        ),
    ]


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = {e.start_line: e.signature for e in extraction.entities}
    assert signatures[27] == "class Circle < Shape"
    assert signatures[39] == "def self.unit"
    assert signatures[52] == "def add(shape)"
    # an RSpec group named after a class is a test entity beside the class, with its own key
    assert signatures[72] == "RSpec.describe Shapes::Circle"


SPEC = b"""module Geometry
  def Circle.origin
  end
end
describe "a circle" do
  context "with radius 1" do
    it "has area pi" do
    end
  end
end
"""


def test_spec_files_are_tests_and_example_groups_nest() -> None:
    extraction = extract_source("spec/circle_spec.rb", SPEC, RUBY)
    assert member_rows(
        extraction, "entity_type", "qualified_name", "start_line", "end_line", "test_reason"
    ) == [
        ("module", "Geometry", 1, 4, "path matches 'spec/'"),
        ("method", "Geometry::Circle::origin", 2, 3, "path matches 'spec/'"),
        ("class", "a circle", 5, 10, "path matches 'spec/'"),
        ("class", "a circle::with radius 1", 6, 9, "path matches 'spec/'"),
        ("method", "a circle::with radius 1::has area pi", 7, 8, "path matches 'spec/'"),
    ]
