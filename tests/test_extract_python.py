"""Extraction from a realistic Python file: exact entities, references and test classification."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from extraction_views import classified_tests, entity_keys, entity_rows, reference_rows

from parseltongue.extract import (
    STATUS_INGESTED,
    EntityRecord,
    FileExtraction,
    ReferenceRecord,
    compile_language,
    extract_source,
    extraction_entities,
)
from parseltongue.languages import language_named
from parseltongue.model import CodeEntity, EntityClass, build_entity_key

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.py"
PATH = "shapes/shapes.py"
PYTHON = language_named("python")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), PYTHON)


def by_qualified_name(extraction: FileExtraction) -> dict[str, EntityRecord]:
    return {entity.qualified_name: entity for entity in extraction.entities}


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "python"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 79
    assert extraction.size_bytes == len(FIXTURE.read_bytes())


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "shapes.shapes", 1, 79),
        ("fn", "area_of", "area_of", 17, 18),
        ("class", "Shape", "Shape", 21, 35),
        ("method", "area", "Shape.area", 26, 27),
        ("method", "name", "Shape.name", 30, 31),
        ("method", "name", "Shape.name", 34, 35),
        ("class", "Circle", "Circle", 38, 47),
        ("method", "__init__", "Circle.__init__", 39, 40),
        ("method", "area", "Circle.area", 42, 43),
        ("method", "unit", "Circle.unit", 46, 47),
        ("class", "Registry", "Registry", 50, 62),
        ("method", "__init__", "Registry.__init__", 51, 52),
        ("method", "add", "Registry.add", 54, 55),
        ("method", "load", "Registry.load", 57, 62),
        ("fn", "parse", "Registry.load.parse", 58, 59),
        ("fn", "build", "build", 65, 70),
        ("class", "TestCircle", "TestCircle", 73, 75),
        ("method", "test_area", "TestCircle.test_area", 74, 75),
        ("fn", "test_build", "test_build", 78, 79),
    ]


def test_keys_are_unique_even_for_a_property_and_its_setter(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    getter, setter = [e for e in extraction.entities if e.qualified_name == "Shape.name"]
    assert getter.key == build_entity_key("python", "method", "name", PATH, "Shape.name", 0)
    assert setter.key == build_entity_key("python", "method", "name", PATH, "Shape.name", 1)
    assert getter.key.startswith("python:method:name:__shapes_shapes:T")


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    entities = by_qualified_name(extraction)
    assert entities["Registry.load"].signature == "async def load(self, path: str) -> int"
    assert entities["Circle"].signature == "class Circle(Shape, Mixin)"
    assert entities["Registry.load.parse"].signature == "def parse(line: str) -> str"


def test_code_and_content_hash_cover_the_definition(extraction) -> None:
    area_of = by_qualified_name(extraction)["area_of"]
    assert area_of.code == "def area_of(shape: Shape) -> float:\n    return shape.area()"
    assert len(area_of.content_hash) == 32


def test_containment_runs_module_class_method_nested_function(extraction) -> None:
    entities = by_qualified_name(extraction)
    module_key = extraction.module_key()
    assert entities["Registry"].parent_key == module_key
    assert entities["Registry.load"].parent_key == entities["Registry"].key
    assert entities["Registry.load.parse"].parent_key == entities["Registry.load"].key
    assert (entities["Registry.load"].key, entities["Registry.load.parse"].key) in (
        extraction.containment_pairs()
    )
    assert len(extraction.containment_pairs()) == len(extraction.entities) - 1


def test_test_classification_records_why(extraction) -> None:
    assert classified_tests(extraction) == {
        "TestCircle": "test marker TestCircle",
        "TestCircle.test_area": "test marker test_area",
        "test_build": "test marker test_build",
    }


def test_a_path_under_tests_makes_every_entity_a_test() -> None:
    extraction = extract_source("tests/test_shapes.py", FIXTURE.read_bytes(), PYTHON)
    assert {e.entity_class for e in extraction.entities} == {"TEST"}
    assert extraction.entities[1].test_reason == "path matches 'tests/'"


def references_of(extraction: FileExtraction, kind: str) -> list[tuple]:
    return [row[1:] for row in reference_rows(extraction) if row[0] == kind]


def test_imports_keep_module_name_alias_and_relative_level(extraction) -> None:
    assert references_of(extraction, "import") == [
        ("shapes.shapes", "", 5, "", "", "math", ""),
        ("shapes.shapes", "", 6, "", "", "os.path", "osp"),
        ("shapes.shapes", "", 7, "", "", "unittest", ""),
        ("shapes.shapes", "OrderedDict", 8, "", "", "collections", "ODict"),
        ("shapes.shapes", "Generic", 9, "", "", "typing", ""),
        ("shapes.shapes", "TypeVar", 9, "", "", "typing", ""),
        ("shapes.shapes", "Base", 11, "", "", "..core.base", ""),
        ("shapes.shapes", "Mixin", 11, "", "", "..core.base", ""),
        ("shapes.shapes", "helpers", 12, "", "", ".", ""),
    ]


def test_bases_are_extends_references_from_the_class(extraction) -> None:
    # The alias is the base's position: Python's bases are ordered (`ordered_bases`).
    assert references_of(extraction, "extends") == [
        ("Shape", "Base", 21, "", "", "", "0"),
        ("Circle", "Shape", 38, "", "", "", "0"),
        ("Circle", "Mixin", 38, "", "", "", "1"),
        ("Registry", "Generic", 50, "", "", "", "0"),
        ("TestCircle", "TestCase", 73, "", "", "unittest", "0"),
    ]


def test_calls_carry_receiver_and_the_receiver_type_a_binding_gives(extraction) -> None:
    assert references_of(extraction, "call") == [
        ("shapes.shapes", "TypeVar", 14, "", "", "", ""),
        ("area_of", "area", 18, "shape", "Shape", "", ""),
        ("Shape.name", "type", 31, "", "", "", ""),
        ("Shape.name", "lower", 31, "type(self).__name__", "type()/__name__", "", ""),
        ("Shape.name", "rename", 35, "helpers", "", "", ""),
        ("Circle.unit", "cls", 47, "", "", "", ""),
        ("Registry.__init__", "ODict", 52, "", "", "", ""),
        ("Registry.load.parse", "strip", 59, "line", "str", "", ""),
        ("Registry.load", "basename", 61, "osp", "", "", ""),
        ("Registry.load", "len", 62, "", "", "", ""),
        ("Registry.load", "parse", 62, "", "", "", ""),
        ("Registry.load", "splitlines", 62, "base", "osp.basename()", "", ""),
        ("build", "Registry", 66, "", "", "", ""),
        ("build", "unit", 67, "Circle", "=Circle", "", ""),
        ("build", "add", 68, "registry", "Registry()", "", ""),
        ("build", "log", 69, "helpers", "", "", ""),
        ("build", "area_of", 69, "", "", "", ""),
        ("TestCircle.test_area", "assertAlmostEqual", 75, "self", "", "", ""),
        ("TestCircle.test_area", "Circle", 75, "", "", "", ""),
        ("TestCircle.test_area", "area", 75, "Circle(1.0)", "Circle()", "", ""),
        ("test_build", "build", 79, "", "", "", ""),
    ]


def test_annotations_are_type_references(extraction) -> None:
    assert [(owner, name, line) for owner, name, line, *_ in references_of(extraction, "type")] == [
        ("area_of", "Shape", 17),
        ("area_of", "float", 17),
        ("Shape.area", "float", 26),
        ("Shape.name", "str", 30),
        ("Shape.name", "str", 34),
        ("Circle.__init__", "float", 39),
        ("Circle.area", "float", 42),
        ("Circle.unit", "Circle", 46),
        ("Registry.__init__", "ODict", 52),
        ("Registry.__init__", "str", 52),
        ("Registry.__init__", "T", 52),
        ("Registry.add", "str", 54),
        ("Registry.add", "T", 54),
        ("Registry.load", "str", 57),
        ("Registry.load", "int", 57),
        ("Registry.load.parse", "str", 58),
        ("Registry.load.parse", "str", 58),
        ("build", "Registry", 65),
        ("build", "Shape", 65),
    ]


def test_result_is_plain_tuples_that_pickle_round_trip(extraction) -> None:
    restored = pickle.loads(pickle.dumps(extraction))
    assert restored == extraction
    assert isinstance(restored.references[0], ReferenceRecord)
    assert isinstance(extraction, tuple) and isinstance(extraction.entities[0], tuple)


def test_records_convert_to_model_entities(extraction) -> None:
    entities = extraction_entities(extraction)
    assert all(isinstance(entity, CodeEntity) for entity in entities)
    test_build = entities[-1]
    assert test_build.entity_class is EntityClass.TEST
    assert test_build.as_row() == list(extraction.entities[-1][:12])


def test_a_reused_parser_gives_the_same_result(extraction) -> None:
    parser = compile_language(PYTHON).new_parser()
    first = extract_source(PATH, FIXTURE.read_bytes(), PYTHON, parser)
    second = extract_source(PATH, FIXTURE.read_bytes(), PYTHON, parser)
    assert first == second == extraction
