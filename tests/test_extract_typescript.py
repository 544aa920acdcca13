"""Extraction from realistic TypeScript and TSX files: exact entities, references, tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    entity_keys,
    entity_rows,
    member_rows,
    reference_rows,
    signatures_by_name_and_line,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_for_path
from parseltongue.model import build_entity_key

FIXTURES = Path(__file__).parent / "fixtures"
PATH = "src/shapes.ts"
TSX_PATH = "src/ShapeList.tsx"


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, (FIXTURES / "shapes.ts").read_bytes(), language_for_path(PATH))


@pytest.fixture(scope="module")
def tsx_extraction() -> FileExtraction:
    source = (FIXTURES / "shapes.tsx").read_bytes()
    return extract_source(TSX_PATH, source, language_for_path(TSX_PATH))


def test_ts_and_tsx_share_the_language_and_query_files_on_their_own_grammars() -> None:
    ts, tsx = language_for_path("a.ts"), language_for_path("a.tsx")
    assert (ts.name, ts.grammar, tsx.name, tsx.grammar) == (
        "typescript", "typescript", "typescript", "tsx"
    )
    assert ts.query_file == tsx.query_file == "typescript.scm"
    # JSX patterns do not compile against the `typescript` grammar: only TSX appends them.
    assert ts.extra_query_files == ("ecmascript.scm",)
    assert tsx.extra_query_files == ("ecmascript.scm", "jsx.scm")


def test_file_summary(extraction, tsx_extraction) -> None:
    assert extraction.status == tsx_extraction.status == STATUS_INGESTED
    assert extraction.language == tsx_extraction.language == "typescript"
    assert extraction.syntax_error_count == tsx_extraction.syntax_error_count == 0
    assert (extraction.line_count, tsx_extraction.line_count) == (76, 30)


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ('module', 'shapes', 'shapes', 1, 76),
        ('interface', 'Named', 'Named', 8, 10),
        ('interface', 'Shape', 'Shape', 12, 16),
        ('method', 'area', 'Shape.area', 13, 13),
        ('method', 'scale', 'Shape.scale', 14, 14),
        ('method', 'onChange', 'Shape.onChange', 15, 15),
        ('enum', 'Kind', 'Kind', 18, 21),
        ('type', 'Registry', 'Registry', 23, 23),
        ('class', 'Base', 'Base', 25, 41),
        ('method', 'constructor', 'Base.constructor', 26, 26),
        ('method', 'area', 'Base.area', 28, 28),
        ('method', 'scale', 'Base.scale', 30, 34),  # two overload signatures and the body
        ('method', 'onChange', 'Base.onChange', 36, 38),
        ('method', 'resize', 'Base.resize', 40, 40),
        ('class', 'Circle', 'Circle', 43, 55),
        ('method', 'area', 'Circle.area', 46, 48),
        ('method', 'resize', 'Circle.resize', 50, 54),
        ('fn', 'totalArea', 'totalArea', 57, 64),
        ('module', 'Geometry.Plane', 'Geometry.Plane', 66, 70),
        ('fn', 'distance', 'Geometry.Plane.distance', 67, 69),
        ('module', 'shapes-plugin', 'shapes-plugin', 72, 74),
        ('fn', 'register', 'shapes-plugin.register', 73, 73),
        ('fn', 'loadShapes', 'loadShapes', 76, 76),
    ]


def test_overloads_are_one_entity_keyed_as_the_first_signature(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    [total_area] = [e for e in extraction.entities if e.qualified_name == "totalArea"]
    assert total_area.key == build_entity_key(
        "typescript", "fn", "totalArea", PATH, "totalArea", 0
    )
    [scale] = [e for e in extraction.entities if e.qualified_name == "Base.scale"]
    assert scale.key == build_entity_key("typescript", "method", "scale", PATH, "Base.scale", 0)


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name_and_line(extraction)
    # Overloads: every declaration's signature, one a line.
    assert signatures[("totalArea", 57)] == (
        "function totalArea(shapes: Shape[]): number\n"
        "function totalArea(registry: Registry): number\n"
        "function totalArea(input: Shape[] | Registry): number"
    )
    assert signatures[("loadShapes", 76)] == (
        "function loadShapes(path: string): Promise<Shape[]>;"
    )
    assert signatures[("Base", 25)] == "abstract class Base<T extends Named> implements Shape"
    assert signatures[("Base.area", 28)] == "abstract area(): number"
    assert signatures[("Shape.onChange", 15)] == "onChange: (shape: Shape) => void"
    assert signatures[("Geometry.Plane", 66)] == "namespace Geometry.Plane"
    assert signatures[("shapes-plugin", 72)] == "module 'shapes-plugin'"


def test_nothing_in_a_plain_file_is_a_test(extraction) -> None:
    assert {e.entity_class for e in extraction.entities} == {"CODE"}


@pytest.mark.parametrize(
    "path", ["src/shapes.test.ts", "src/shapes.spec.tsx", "src/__tests__/shapes.ts"]
)
def test_test_paths_make_every_entity_a_test(path) -> None:
    source = (FIXTURES / "shapes.ts").read_bytes()
    extraction = extract_source(path, source, language_for_path(path))
    assert {e.entity_class for e in extraction.entities} == {"TEST"}


def test_describe_and_it_blocks_are_tests_in_typescript_too() -> None:
    source = b"""describe('Circle', () => {
  it('has an area', async () => {
    const circle: Circle = Circle.unit();
    expect(circle.area()).toBe(3);
  });
  test.each([1, 2])('scales %i', (factor: number) => {});
});
"""
    extraction = extract_source("src/circle.ts", source, language_for_path("src/circle.ts"))
    assert member_rows(extraction, "qualified_name", "start_line", "end_line", "test_reason") == [
        ("'Circle'", 1, 7, "test marker describe"),
        ("'Circle'.'has an area'", 2, 5, "test marker it"),
    ]
    assert ("area", "circle", "Circle") in {
        (r.name, r.receiver, r.receiver_type) for r in extraction.references
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ('import', 'shapes', 'Point', 2, '', '', './point', ''),
        ('import', 'shapes', 'Graph', 3, '', '', './graph', ''),
        ('import', 'shapes', 'Edge', 3, '', '', './graph', 'Link'),
        ('import', 'shapes', '', 4, '', '', './units', 'units'),
        ('import', 'shapes', '', 5, '', '', 'fs', 'fs'),
        ('import', 'shapes', '*', 6, '', '', './colors', ''),
        ('extends', 'Shape', 'Named', 12, '', '', '', ''),
        ('extends', 'Shape', 'Comparable', 12, '', '', '', ''),
        ('type', 'Shape', 'Shape', 12, '', '', '', ''),
        ('returns', 'Shape.scale', 'Shape', 14, '', '', '', ''),
        ('type', 'Shape.scale', 'Shape', 14, '', '', '', ''),
        ('type', 'Shape.onChange', 'Shape', 15, '', '', '', ''),
        ('type', 'Registry', 'Map', 23, '', '', '', ''),
        ('type', 'Registry', 'Shape', 23, '', '', '', ''),
        ('type', 'Base', 'Named', 25, '', '', '', ''),
        ('implements', 'Base', 'Shape', 25, '', '', '', ''),
        ('returns', 'Base.scale', 'Shape', 30, '', '', '', ''),
        ('type', 'Base.scale', 'Shape', 30, '', '', '', ''),
        ('type', 'Base.scale', 'Ratio', 31, '', '', 'units', ''),
        ('returns', 'Base.scale', 'Shape', 31, '', '', '', ''),
        ('type', 'Base.scale', 'Shape', 31, '', '', '', ''),
        ('type', 'Base.scale', 'Ratio', 32, '', '', 'units', ''),
        ('returns', 'Base.scale', 'Shape', 32, '', '', '', ''),
        ('type', 'Base.scale', 'Shape', 32, '', '', '', ''),
        ('call', 'Base.scale', 'resize', 33, 'this', '', '', ''),
        ('type', 'Base.onChange', 'Shape', 36, '', '', '', ''),
        ('call', 'Base.onChange', 'log', 37, 'console', '', '', ''),
        ('returns', 'Base.resize', 'Shape', 40, '', '', '', ''),
        ('type', 'Base.resize', 'Shape', 40, '', '', '', ''),
        ('extends', 'Circle', 'Base', 43, '', '', '', ''),
        ('type', 'Circle', 'Circle', 43, '', '', '', ''),
        ('implements', 'Circle', 'Comparable', 43, '', '', '', ''),
        ('type', 'Circle', 'Circle', 43, '', '', '', ''),
        ('type', 'Circle', 'Graph', 44, '', '', '', ''),
        ('call', 'Circle', 'Graph', 44, '', '', '', ''),
        ('returns', 'Circle.resize', 'Circle', 50, '', '', '', ''),
        ('type', 'Circle.resize', 'Circle', 50, '', '', '', ''),
        ('type', 'Circle.resize', 'Link', 51, '', '', '', ''),
        ('call', 'Circle.resize', 'connect', 51, 'this.graph', 'Graph', '', ''),  # the field's type
        ('call', 'Circle.resize', 'weigh', 52, 'link', 'Link', '', ''),
        ('call', 'Circle.resize', 'Circle', 53, '', '', '', ''),
        ('type', 'totalArea', 'Shape', 57, '', '', '', ''),
        ('type', 'totalArea', 'Registry', 58, '', '', '', ''),
        ('type', 'totalArea', 'Shape', 59, '', '', '', ''),
        ('type', 'totalArea', 'Registry', 59, '', '', '', ''),
        ('type', 'totalArea', 'Graph', 60, '', '', '', ''),
        ('call', 'totalArea', 'Graph', 61, '', '', '', ''),
        ('call', 'totalArea', 'add', 62, 'graph', 'Graph', '', ''),
        ('type', 'Geometry.Plane.distance', 'Point', 67, '', '', '', ''),
        ('type', 'Geometry.Plane.distance', 'Point', 67, '', '', '', ''),
        ('call', 'Geometry.Plane.distance', 'hypot', 68, 'Math', '', '', ''),
        ('type', 'shapes-plugin.register', 'Shape', 73, '', '', '', ''),
        ('returns', 'loadShapes', 'Promise', 76, '', '', '', ''),
        ('type', 'loadShapes', 'Promise', 76, '', '', '', ''),
        ('type', 'loadShapes', 'Shape', 76, '', '', '', ''),
    ]


def test_tsx_entities_and_jsx_component_uses(tsx_extraction) -> None:
    assert entity_rows(tsx_extraction) == [
        ('module', 'ShapeList', 'ShapeList', 1, 30),
        ('interface', 'ShapeRowProps', 'ShapeRowProps', 6, 9),
        ('method', 'onPick', 'ShapeRowProps.onPick', 8, 8),
        ('fn', 'ShapeRow', 'ShapeRow', 11, 13),
        ('fn', 'ShapeList', 'ShapeList', 15, 24),
        ('class', 'ShapePanel', 'ShapePanel', 26, 30),
        ('method', 'render', 'ShapePanel.render', 27, 29),
    ]
    assert reference_rows(tsx_extraction) == [
        ('import', 'ShapeList', 'React', 2, '', '', 'react', ''),
        ('import', 'ShapeList', 'Circle', 3, '', '', './shapes', ''),
        ('import', 'ShapeList', 'Shape', 3, '', '', './shapes', ''),
        ('import', 'ShapeList', '', 4, '', '', './ui', 'ui'),
        ('type', 'ShapeRowProps', 'Shape', 7, '', '', '', ''),
        ('type', 'ShapeRowProps.onPick', 'Shape', 8, '', '', '', ''),
        ('type', 'ShapeRow', 'ShapeRowProps', 11, '', '', '', ''),
        ('returns', 'ShapeRow', 'Element', 11, '', '', 'JSX', ''),
        ('type', 'ShapeRow', 'Element', 11, '', '', 'JSX', ''),
        ('call', 'ShapeRow', 'Row', 12, '', '', 'ui', ''),
        ('call', 'ShapeRow', 'onPick', 12, '', '', '', ''),
        ('type', 'ShapeList', 'Shape', 15, '', '', '', ''),
        ('type', 'ShapeList', 'T', 15, '', '', '', ''),
        ('call', 'ShapeList', 'Circle', 16, '', '', '', ''),
        ('call', 'ShapeList', 'List', 18, '', '', 'ui', ''),
        ('call', 'ShapeList', 'map', 19, 'shapes', '', '', ''),
        ('call', 'ShapeList', 'ShapeRow', 19, '', '', '', ''),
        ('call', 'ShapeList', 'ShapeRow', 20, '', '', '', ''),
        ('call', 'ShapeList', 'area', 21, 'unit', 'Circle', '', ''),
        ('extends', 'ShapePanel', 'Component', 26, '', '', 'React', ''),
        ('type', 'ShapePanel', 'ShapeRowProps', 26, '', '', '', ''),
        ('call', 'ShapePanel.render', 'ShapeList', 28, '', '', '', ''),
    ]
