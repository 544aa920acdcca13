"""Extraction from a realistic JavaScript file with JSX: exact entities, references, tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import classified_tests, entity_keys, entity_rows, reference_rows

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_for_path, language_named
from parseltongue.model import build_entity_key

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.js"
PATH = "src/shapes.js"
JAVASCRIPT = language_named("javascript")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), JAVASCRIPT)


def by_qualified_name(extraction: FileExtraction) -> dict[str, list]:
    table: dict[str, list] = {}
    for entity in extraction.entities:
        table.setdefault(entity.qualified_name, []).append(entity)
    return table


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "javascript"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 82


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ('module', 'shapes', 'shapes', 1, 82),
        ('class', 'Shape', 'Shape', 9, 28),
        ('method', 'constructor', 'Shape.constructor', 12, 15),
        ('method', 'label', 'Shape.label', 17, 19),
        ('method', 'label', 'Shape.label', 21, 23),
        ('method', 'area', 'Shape.area', 25, 27),
        ('class', 'Circle', 'Circle', 30, 42),
        ('method', 'onResize', 'Circle.onResize', 31, 33),
        ('method', 'area', 'Circle.area', 35, 37),
        ('method', 'unit', 'Circle.unit', 39, 41),
        ('fn', 'totalArea', 'totalArea', 44, 48),
        ('fn', 'scale', 'scale', 50, 50),
        ('fn', 'loader', 'loader', 52, 54),
        ('method', 'fetch', 'api.fetch', 57, 59),
        ('method', 'post', 'api.post', 60, 60),
        ('method', 'addAll', 'Registry.addAll', 63, 65),
        ('fn', 'ShapeList', 'ShapeList', 67, 75),
        ('fn', "'Circle'", "'Circle'", 77, 82),
        ('fn', "'has an area'", "'Circle'.'has an area'", 78, 81),
    ]


def test_keys_are_unique_even_for_a_getter_and_its_setter(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    getter, setter = by_qualified_name(extraction)["Shape.label"]
    assert getter.key == build_entity_key("javascript", "method", "label", PATH, "Shape.label", 0)
    assert setter.key == build_entity_key("javascript", "method", "label", PATH, "Shape.label", 1)
    assert getter.key.startswith("javascript:method:label:__src_shapes:T")
    # A test block named by its title cannot take the key of the class of the same word.
    [block] = by_qualified_name(extraction)["'Circle'"]
    assert block.key.startswith("javascript:fn:__sq__Circle__sq__:__src_shapes:T")


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    entities = {e.qualified_name: e for e in extraction.entities}
    assert entities["Circle"].signature == "class Circle extends geometry.Round"
    assert entities["Circle.onResize"].signature == "onResize = (event) =>"
    assert entities["loader"].signature == "loader = function load(file)"
    assert entities["Registry.addAll"].signature == (
        "Registry.prototype.addAll = function (shapes)"
    )
    assert entities["ShapeList"].signature == "function ShapeList({ shapes })"
    assert entities["'Circle'.'has an area'"].signature == "it('has an area', () =>"


def test_named_functions_in_objects_and_prototypes_are_methods_of_their_holder(extraction) -> None:
    entities = {e.qualified_name: e for e in extraction.entities}
    assert entities["api.fetch"].parent_key == extraction.module_key()
    assert entities["Shape.constructor"].parent_key == entities["Shape"].key
    assert {e.qualified_name for e in extraction.entities if e.entity_type == "method"} >= {
        "api.fetch", "api.post", "Registry.addAll", "Circle.onResize",
    }


def test_describe_and_it_blocks_are_test_entities_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {
        "'Circle'": "test marker describe",
        "'Circle'.'has an area'": "test marker it",
    }


@pytest.mark.parametrize(
    "path",
    ["src/shapes.test.js", "src/shapes.spec.jsx", "src/__tests__/shapes.js", "test/shapes.mjs"],
)
def test_test_paths_make_every_entity_a_test(path) -> None:
    extraction = extract_source(path, FIXTURE.read_bytes(), language_for_path(path))
    assert {e.entity_class for e in extraction.entities} == {"TEST"}


def test_a_jsx_file_uses_the_javascript_row_and_grammar() -> None:
    spec = language_for_path("web/ShapeList.jsx")
    assert (spec.name, spec.grammar) == ("javascript", "javascript")
    extraction = extract_source("web/ShapeList.jsx", FIXTURE.read_bytes(), spec)
    assert extraction.syntax_error_count == 0
    assert len(extraction.entities) == 19


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ('import', 'shapes', 'React', 2, '', '', 'react', ''),
        ('import', 'shapes', 'useState', 2, '', '', 'react', 'useLocalState'),
        ('import', 'shapes', '', 3, '', '', './geometry', 'geometry'),
        ('import', 'shapes', '', 4, '', '', './styles.css', ''),
        ('import', 'shapes', 'Point', 5, '', '', './point', ''),
        ('call', 'shapes', 'require', 6, '', '', '', ''),
        ('import', 'shapes', '', 6, '', '', 'path', 'path'),
        ('call', 'shapes', 'require', 7, '', '', '', ''),
        ('import', 'shapes', 'readFile', 7, '', '', 'fs', ''),
        ('import', 'shapes', 'join', 7, '', '', 'fs', 'joinPath'),
        ('extends', 'Shape', 'Base', 9, '', '', '', ''),
        ('call', 'Shape.label', 'toUpperCase', 18, 'this.name', '', '', ''),
        ('extends', 'Circle', 'Round', 30, '', '', 'geometry', ''),
        ('call', 'Circle.unit', 'Circle', 40, '', '', '', ''),
        ('call', 'totalArea', 'Registry', 45, '', '', '', ''),
        ('call', 'totalArea', 'addAll', 46, 'registry', 'Registry', '', ''),
        ('call', 'totalArea', 'reduce', 47, 'shapes', '', '', ''),
        ('call', 'totalArea', 'area', 47, 'shape', '', '', ''),
        ('call', 'scale', 'resize', 50, 'shape', '', '', ''),
        ('call', 'loader', 'readFile', 53, '', '', '', ''),
        ('call', 'loader', 'resolve', 53, 'path', '', '', ''),
        ('call', 'api.fetch', 'joinPath', 58, '', '', '', ''),
        ('call', 'api.post', 'send', 60, '', '', '', ''),
        ('call', 'Registry.addAll', 'forEach', 64, 'shapes', '', '', ''),
        ('call', 'Registry.addAll', 'add', 64, 'this', '', '', ''),
        ('call', 'ShapeList', 'useLocalState', 68, '', '', '', ''),
        ('call', 'ShapeList', 'Panel', 70, '', '', 'geometry', ''),
        ('call', 'ShapeList', 'map', 71, 'shapes', '', '', ''),
        ('call', 'ShapeList', 'ShapeRow', 71, '', '', '', ''),
        ('call', 'ShapeList', 'totalArea', 72, '', '', '', ''),
        ('call', "'Circle'", 'describe', 77, '', '', '', ''),
        ('call', "'Circle'.'has an area'", 'it', 78, '', '', '', ''),
        ('call', "'Circle'.'has an area'", 'unit', 79, 'Circle', '', '', ''),
        ('call', "'Circle'.'has an area'", 'expect', 80, '', '', '', ''),
        ('call', "'Circle'.'has an area'", 'area', 80, 'circle', '', '', ''),
        ('call', "'Circle'.'has an area'", 'toBeCloseTo', 80, 'expect(circle.area())', '', '', ''),
    ]
