"""Extraction from a realistic C++ file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    class_rows,
    classified_rows,
    classified_tests,
    entity_keys,
    entity_rows,
    reference_rows,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named
from parseltongue.model import build_entity_key

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.cpp"
PATH = "src/shapes.cpp"
CPP = language_named("cpp")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), CPP)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "cpp"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 90


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "shapes", 1, 90),
        ("macro", "SQUARE", "SQUARE", 6, 6),
        ("module", "shapes", "shapes", 8, 81),
        ("type", "Registry", "shapes::Registry", 11, 11),
        ("class", "Shape", "shapes::Shape", 13, 18),
        ("method", "~Shape", "shapes::Shape::~Shape", 15, 15),
        ("method", "area", "shapes::Shape::area", 16, 16),
        ("method", "name", "shapes::Shape::name", 17, 17),
        ("struct", "Style", "shapes::Style", 20, 22),
        ("enum", "Kind", "shapes::Kind", 24, 24),
        ("class", "Circle", "shapes::Circle", 26, 37),
        ("method", "Circle", "shapes::Circle::Circle", 39, 39),
        ("method", "area", "shapes::Circle::area", 41, 41),
        ("method", "unit", "shapes::Circle::unit", 43, 43),
        ("method", "scaled", "shapes::Circle::scaled", 45, 45),
        ("method", "scaled", "shapes::Circle::scaled", 47, 47),
        ("fn", "largest", "shapes::largest", 50, 52),
        ("class", "Box", "shapes::Box", 55, 61),
        ("method", "get", "shapes::Box::get", 57, 57),
        ("fn", "total_area", "shapes::total_area", 63, 75),
        ("module", "detail", "shapes::detail", 77, 79),
        ("fn", "counter", "shapes::detail::counter", 78, 78),
        ("method", "UnitHasAreaPi", "CircleTest::UnitHasAreaPi", 83, 86),
        ("method", "StartsEmpty", "RegistryTest::StartsEmpty", 88, 90),
    ]


def test_keys_are_unique(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))


def test_tests_are_classified_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "CircleTest::UnitHasAreaPi": "test marker TEST",
        "RegistryTest::StartsEmpty": "test marker TEST_F",
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ("import", "shapes", "", 2, "", "", "<memory>", ""),
        ("import", "shapes", "", 3, "", "", "<vector>", ""),
        ("import", "shapes", "", 4, "", "", "geometry/point.h", ""),
        ("import", "shapes", "Point", 10, "", "", "geometry", ""),
        ("type", "shapes::Registry", "vector", 11, "", "", "std", ""),
        ("type", "shapes::Registry", "unique_ptr", 11, "", "", "std", ""),
        ("type", "shapes::Registry", "Shape", 11, "", "", "", ""),
        ("type", "shapes::Shape::name", "string", 17, "", "", "std", ""),
        ("extends", "shapes::Circle", "Shape", 26, "", "", "", ""),
        ("extends", "shapes::Circle", "Style", 26, "", "", "", ""),
        ("type", "shapes::Circle", "Point", 28, "", "", "", ""),
        ("type", "shapes::Circle", "Circle", 30, "", "", "", ""),
        ("type", "shapes::Circle", "Circle", 31, "", "", "", ""),
        ("type", "shapes::Circle", "Circle", 32, "", "", "", ""),
        ("type", "shapes::Circle", "Point", 35, "", "", "", ""),
        ("type", "shapes::Circle::Circle", "Point", 39, "", "", "", ""),
        ("call", "shapes::Circle::area", "SQUARE", 41, "", "", "", ""),
        ("type", "shapes::Circle::unit", "Circle", 43, "", "", "", ""),
        ("call", "shapes::Circle::unit", "Circle", 43, "", "", "", ""),
        ("call", "shapes::Circle::unit", "origin", 43, "", "", "Point", ""),
        ("type", "shapes::Circle::scaled", "Circle", 45, "", "", "", ""),
        ("call", "shapes::Circle::scaled", "Circle", 45, "", "", "", ""),
        ("type", "shapes::Circle::scaled", "Circle", 47, "", "", "", ""),
        ("call", "shapes::Circle::scaled", "scaled", 47, "", "", "", ""),
        ("type", "shapes::largest", "T", 50, "", "", "", ""),
        ("type", "shapes::largest", "T", 50, "", "", "", ""),
        ("type", "shapes::largest", "vector", 50, "", "", "std", ""),
        ("call", "shapes::largest", "max_element", 51, "", "", "std", ""),
        ("call", "shapes::largest", "begin", 51, "items", "std::vector<T>", "", ""),
        ("call", "shapes::largest", "end", 51, "items", "std::vector<T>", "", ""),
        ("type", "shapes::Box::get", "T", 57, "", "", "", ""),
        ("type", "shapes::Box", "T", 60, "", "", "", ""),
        ("type", "shapes::total_area", "Registry", 63, "", "", "", ""),
        ("call", "shapes::total_area", "area", 66, "shape", "", "", ""),
        ("call", "shapes::total_area", "unit", 68, "", "", "Circle", ""),
        ("call", "shapes::total_area", "Circle", 69, "", "", "", ""),
        ("call", "shapes::total_area", "Point", 69, "", "", "", ""),
        ("call", "shapes::total_area", "Circle", 70, "", "", "", ""),
        ("call", "shapes::total_area", "Point", 70, "", "", "", ""),
        ("call", "shapes::total_area", "make_unique", 71, "", "", "std", ""),
        ("type", "shapes::total_area", "Circle", 71, "", "", "", ""),
        ("call", "shapes::total_area", "Point", 71, "", "", "", ""),
        ("call", "shapes::total_area", "area", 72, "unit", "Circle", "", ""),
        ("call", "shapes::total_area", "area", 72, "copy", "Circle", "", ""),
        ("call", "shapes::total_area", "area", 72, "heap", "Circle", "", ""),
        ("call", "shapes::total_area", "area", 72, "owned", "Circle", "", ""),
        ("call", "CircleTest::UnitHasAreaPi", "unit", 84, "", "", "Circle", ""),
        ("call", "CircleTest::UnitHasAreaPi", "EXPECT_DOUBLE_EQ", 85, "", "", "", ""),
        ("call", "CircleTest::UnitHasAreaPi", "area", 85, "unit", "shapes::Circle", "", ""),
        # TEST_F(RegistryTest, ...) runs in a subclass of its fixture.
        ("extends", "RegistryTest::StartsEmpty", "RegistryTest", 88, "", "", "", ""),
        ("call", "RegistryTest::StartsEmpty", "EXPECT_EQ", 89, "", "", "", ""),
        ("call", "RegistryTest::StartsEmpty", "total_area", 89, "", "", "shapes", ""),
    ]


def test_overloads_get_distinct_keys_by_ordinal(extraction) -> None:
    overloads = [e for e in extraction.entities if e.qualified_name == "shapes::Circle::scaled"]
    assert [e.signature for e in overloads] == [
        "Circle Circle::scaled(double factor) const",
        "Circle Circle::scaled(int factor) const",
    ]
    assert [e.key for e in overloads] == [
        build_entity_key("cpp", "method", "scaled", PATH, "shapes::Circle::scaled", 0),
        build_entity_key("cpp", "method", "scaled", PATH, "shapes::Circle::scaled", 1),
    ]


def test_in_class_methods_belong_to_the_class_out_of_line_ones_to_the_namespace(
    extraction,
) -> None:
    by_name = {e.qualified_name: e for e in extraction.entities}
    assert by_name["shapes::Shape::name"].parent_key == by_name["shapes::Shape"].key
    assert by_name["shapes::Circle::area"].parent_key == by_name["shapes"].key
    assert by_name["shapes::Circle::area"].signature == "double Circle::area() const"


SNIPPET = b"""using namespace std;
namespace yoga::detail {
Node::~Node() {}
bool Node::operator==(const Node& other) const { return id_ == other.id_; }
}
class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {}
};
"""


def test_nested_namespaces_destructors_operators_and_gtest_fixtures() -> None:
    extraction = extract_source("src/node.cc", SNIPPET, CPP)
    assert classified_rows(extraction) == [
        ("module", "yoga::detail", 2, "CODE", ""),
        ("method", "yoga::detail::Node::~Node", 3, "CODE", ""),
        ("method", "yoga::detail::Node::operator==", 4, "CODE", ""),
        ("class", "NodeTest", 6, "TEST", "test marker ::testing::Test"),
        ("method", "NodeTest::SetUp", 8, "TEST", "inside test NodeTest"),
    ]
    assert [(r.kind, r.name, r.scope) for r in extraction.references] == [
        ("import", "", "std"),
        ("type", "Node", ""),
        ("extends", "Test", "testing"),
    ]


def test_a_gtest_file_is_test_code_by_its_name() -> None:
    extraction = extract_source("src/node_test.cc", b"int helper() { return 1; }\n", CPP)
    assert class_rows(extraction) == [
        ("helper", "TEST", "path matches '_test.cc'"),
    ]
