"""Extraction from a realistic Rust file: exact entities, references and test classification."""

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
)

from parseltongue.extract import FileExtraction, extract_source
from parseltongue.languages import language_named

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.rs"
PATH = "src/shapes.rs"
RUST = language_named("rust")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), RUST)


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "shapes", 1, 76),
        ("const", "UNIT", "UNIT", 7, 7),
        ("type", "Registry", "Registry", 8, 8),
        ("trait", "Shape", "Shape", 10, 15),
        ("method", "area", "Shape::area", 11, 11),
        ("method", "name", "Shape::name", 12, 14),
        ("struct", "Circle", "Circle", 18, 21),
        ("enum", "Kind", "Kind", 23, 26),
        ("impl", "Circle", "Circle", 28, 37),
        ("method", "new", "Circle::new", 29, 31),
        ("method", "unit", "Circle::unit", 33, 36),
        ("impl", "Circle", "Circle", 39, 43),
        ("method", "area", "Circle::area", 40, 42),
        ("impl", "Circle", "Circle", 45, 49),
        ("method", "fmt", "Circle::fmt", 46, 48),
        ("macro", "square", "square", 51, 55),
        ("fn", "total_area", "total_area", 57, 62),
        ("module", "tests", "tests", 65, 76),
        ("fn", "fixture", "tests::fixture", 68, 70),
        ("fn", "unit_circle_has_area_pi", "tests::unit_circle_has_area_pi", 73, 75),
    ]


def test_keys_are_unique_for_three_impl_blocks_of_one_type(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    impl_keys = [e.key for e in extraction.entities if e.entity_type == "impl"]
    assert len(set(impl_keys)) == 3
    assert all(key.startswith("rust:impl:Circle:__src_shapes:T") for key in impl_keys)


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = {(e.entity_type, e.start_line): e.signature for e in extraction.entities}
    assert signatures[("impl", 45)] == "impl fmt::Display for Circle"
    assert signatures[("method", 46)] == (
        "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result"
    )
    assert signatures[("trait", 10)] == "pub trait Shape: Show + Send"
    assert signatures[("method", 11)] == "fn area(&self) -> f64;"
    assert signatures[("struct", 18)] == "pub struct Circle"


def test_methods_belong_to_their_impl_block(extraction) -> None:
    entities = list(extraction.entities)
    impl_display = next(e for e in entities if e.entity_type == "impl" and e.start_line == 45)
    fmt = next(e for e in entities if e.qualified_name == "Circle::fmt")
    assert fmt.parent_key == impl_display.key
    assert impl_display.parent_key == extraction.module_key()


def test_cfg_test_module_and_test_functions_are_tests_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "tests": "test marker #[cfg(test)]",
        "tests::fixture": "inside test tests",
        "tests::unit_circle_has_area_pi": "test marker #[test]",
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ("import", "shapes", "HashMap", 3, "", "", "std::collections", ""),
        ("import", "shapes", "self", 4, "", "", "std::fmt", ""),
        ("import", "shapes", "Display", 4, "", "", "std::fmt", "Show"),
        ("import", "shapes", "Point", 5, "", "", "crate::geometry::point", ""),
        ("import", "shapes", "*", 5, "", "", "crate::geometry", ""),
        ("type", "Registry", "HashMap", 8, "", "", "", ""),
        ("type", "Registry", "String", 8, "", "", "", ""),
        ("type", "Registry", "Box", 8, "", "", "", ""),
        ("type", "Registry", "Shape", 8, "", "", "", ""),
        ("extends", "Shape", "Show", 10, "", "", "", ""),
        ("extends", "Shape", "Send", 10, "", "", "", ""),
        ("type", "Shape::name", "String", 12, "", "", "", ""),
        ("call", "Shape::name", "from", 13, "", "", "String", ""),
        ("type", "Circle", "Point", 19, "", "", "", ""),
        ("type", "Kind", "Circle", 24, "", "", "", ""),
        ("type", "Circle::new", "Point", 29, "", "", "", ""),
        ("type", "Circle::new", "Self", 29, "", "", "", ""),
        ("call", "Circle::new", "Circle", 30, "", "", "", ""),
        ("type", "Circle::unit", "Circle", 33, "", "", "", ""),
        ("call", "Circle::unit", "origin", 34, "", "", "Point", ""),
        ("call", "Circle::unit", "new", 35, "", "", "Self", ""),
        ("implements", "Circle", "Shape", 39, "", "", "", ""),
        ("call", "Circle::area", "powi", 41, "self.radius", "", "", ""),
        ("implements", "Circle", "Display", 45, "", "", "fmt", ""),
        ("type", "Circle::fmt", "Formatter", 46, "", "", "fmt", ""),
        ("type", "Circle::fmt", "Result", 46, "", "", "fmt", ""),
        ("macro", "Circle::fmt", "write", 47, "", "", "", ""),
        ("type", "total_area", "Box", 57, "", "", "", ""),
        ("type", "total_area", "Shape", 57, "", "", "", ""),
        ("type", "total_area", "Registry", 58, "", "", "", ""),
        ("call", "total_area", "new", 58, "", "", "HashMap", ""),
        ("call", "total_area", "unit", 59, "", "", "Circle", ""),
        ("call", "total_area", "len", 60, "registry", "Registry", "", ""),
        ("call", "total_area", "iter", 61, "shapes", "", "", ""),
        ("call", "total_area", "map", 61, "shapes.iter()", "", "", ""),
        ("call", "total_area", "area", 61, "shape", "", "", ""),
        ("call", "total_area", "sum", 61, "shapes.iter().map(|shape| shape.area())", "", "", ""),
        ("call", "total_area", "area", 61, "circle", "Circle", "", ""),
        ("macro", "total_area", "square", 61, "", "", "", ""),
        ("import", "tests", "*", 66, "", "", "super", ""),
        ("type", "tests::fixture", "Circle", 68, "", "", "", ""),
        ("call", "tests::fixture", "unit", 69, "", "", "Circle", ""),
        ("macro", "tests::unit_circle_has_area_pi", "assert_eq", 74, "", "", "", ""),
    ]


def test_impl_for_a_reference_type_is_named_after_the_whole_type() -> None:
    source = b"impl<'a, T: Clone> Iterator for &'a Wrapper<T> {\n    fn next(&mut self) {}\n}\n"
    extraction = extract_source("src/iter.rs", source, RUST)
    assert member_rows(extraction, "entity_type", "name", "qualified_name") == [
        ("impl", "&'a Wrapper<T>", "&'a Wrapper<T>"),
        ("method", "next", "&'a Wrapper<T>::next"),
    ]
    assert extraction.entities[1].key.startswith(
        "rust:impl:__amp____sq__a_Wrapper__lt__T__gt__:__src_iter:T"
    )


def test_nested_use_trees_get_their_full_module_path() -> None:
    source = b"use a::b::{c, d as e, f::{g, h::i}};\n"
    extraction = extract_source("src/lib.rs", source, RUST)
    assert [(r.name, r.scope, r.alias) for r in extraction.references] == [
        ("c", "a::b", ""),
        ("d", "a::b", "e"),
        ("g", "a::b::f", ""),
        ("i", "a::b::f::h", ""),
    ]


def test_async_and_scoped_test_attributes_mark_tests() -> None:
    source = b"#[tokio::test]\nasync fn serves() {}\n\n#[cfg(not(test))]\nfn real() {}\n"
    extraction = extract_source("src/lib.rs", source, RUST)
    assert class_rows(extraction) == [
        ("serves", "TEST", "test marker #[tokio::test]"),
        ("real", "CODE", ""),
    ]
