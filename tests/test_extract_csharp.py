"""Extraction from a realistic C# file: exact entities, references and test classification."""

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

FIXTURE = Path(__file__).parent / "fixtures" / "Shapes.cs"
PATH = "src/Shapes/Shapes.cs"
CSHARP = language_named("csharp")
NS = "Example.Shapes"


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), CSHARP)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "csharp"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 68


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "Shapes", "Shapes.Shapes", 1, 68),
        ("module", NS, NS, 7, 59),
        ("interface", "IShape", f"{NS}.IShape", 9, 12),
        ("method", "Area", f"{NS}.IShape.Area", 11, 11),
        ("type", "AreaFunc", f"{NS}.AreaFunc", 14, 14),
        ("enum", "Kind", f"{NS}.Kind", 16, 16),
        ("struct", "Point", f"{NS}.Point", 18, 22),
        ("method", "Equals", f"{NS}.Point.Equals", 21, 21),
        # the class starts at its keyword line, not at `[Serializable]`
        ("class", "Circle", f"{NS}.Circle", 25, 44),
        ("method", "Circle", f"{NS}.Circle.Circle", 29, 32),
        ("method", "Area", f"{NS}.Circle.Area", 34, 34),
        ("method", "Square", f"{NS}.Circle.Square", 36, 36),
        ("method", "Square", f"{NS}.Circle.Square", 38, 38),
        ("class", "Builder", f"{NS}.Circle.Builder", 40, 43),
        ("method", "Build", f"{NS}.Circle.Builder.Build", 42, 42),
        ("class", "Pair", f"{NS}.Pair", 46, 46),
        ("class", "Registry", f"{NS}.Registry", 48, 58),
        ("method", "Total", f"{NS}.Registry.Total", 50, 57),
        ("fn", "Weigh", f"{NS}.Registry.Total.Weigh", 54, 54),
        ("class", "CircleTests", "CircleTests", 62, 68),
        ("method", "UnitCircleHasAreaPi", "CircleTests.UnitCircleHasAreaPi", 65, 65),
        ("method", "Helper", "CircleTests.Helper", 67, 67),
    ]


def test_keys_are_unique_for_overloads(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))
    overloads = [e.key for e in extraction.entities if e.name == "Square"]
    assert len(set(overloads)) == 2
    assert all(key.startswith("csharp:method:Square:__src_Shapes_Shapes:T") for key in overloads)
    namespace_key = next(e.key for e in extraction.entities if e.name == NS)
    assert namespace_key.startswith("csharp:module:Example.Shapes:__src_Shapes_Shapes:T")


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name_and_line(extraction)
    assert signatures[(f"{NS}.Circle", 25)] == "public class Circle : Figure, IShape"
    assert signatures[(f"{NS}.Circle.Circle", 29)] == (
        "public Circle(Point center, double radius) : base(radius)"
    )
    assert signatures[(f"{NS}.Circle.Area", 34)] == "public double Area()"
    assert signatures[(f"{NS}.IShape.Area", 11)] == "double Area();"
    assert signatures[(NS, 7)] == "namespace Example.Shapes"
    assert signatures[("CircleTests.UnitCircleHasAreaPi", 65)] == (
        "public void UnitCircleHasAreaPi()"
    )


def test_test_attributes_mark_the_class_and_its_methods(extraction) -> None:
    assert classified_tests(extraction) == {
        "CircleTests": "test marker [TestFixture]",
        "CircleTests.UnitCircleHasAreaPi": "test marker [Test]",
        "CircleTests.Helper": "inside test CircleTests",
    }


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction, "<file>", strip_prefix=f"{NS}.") == [
        ("import", "<file>", "", 2, "", "", "System", ""),
        ("import", "<file>", "", 3, "", "", "System.Collections.Generic", ""),
        ("import", "<file>", "", 4, "", "", "Example.Geometry", "Geo"),
        ("import", "<file>", "Math", 5, "", "", "System", ""),
        ("extends", "IShape", "IComparable", 9, "", "", "", ""),
        ("type", "IShape", "IShape", 9, "", "", "", ""),
        ("type", "AreaFunc", "IShape", 14, "", "", "", ""),
        ("implements", "Point", "IEquatable", 18, "", "", "", ""),
        ("type", "Point", "Point", 18, "", "", "", ""),
        ("type", "Point.Equals", "Point", 21, "", "", "", ""),
        ("extends", "Circle", "Figure", 25, "", "", "", ""),
        ("implements", "Circle", "IShape", 25, "", "", "", ""),
        ("type", "Circle", "Point", 27, "", "", "", ""),
        ("type", "Circle.Circle", "Point", 29, "", "", "", ""),
        ("call", "Circle.Area", "Square", 34, "", "", "", ""),
        ("type", "Circle.Builder.Build", "Circle", 42, "", "", "", ""),
        ("call", "Circle.Builder.Build", "Circle", 42, "", "", "", ""),
        ("call", "Circle.Builder.Build", "Point", 42, "", "", "", ""),
        ("type", "Pair", "IShape", 46, "", "", "", ""),
        ("type", "Pair", "IShape", 46, "", "", "", ""),
        ("extends", "Pair", "Base", 46, "", "", "", ""),
        ("type", "Registry.Total", "List", 50, "", "", "", ""),
        ("type", "Registry.Total", "IShape", 50, "", "", "", ""),
        ("type", "Registry.Total", "Scale", 50, "", "", "Geo", ""),
        ("call", "Registry.Total", "Builder", 52, "", "", "Circle", ""),
        ("type", "Registry.Total", "Circle", 53, "", "", "", ""),
        ("call", "Registry.Total", "Build", 53, "builder", "Circle.Builder", "", ""),
        ("type", "Registry.Total.Weigh", "IShape", 54, "", "", "", ""),
        ("call", "Registry.Total.Weigh", "Area", 54, "shape", "IShape", "", ""),  # same line
        ("call", "Registry.Total", "WriteLine", 55, "Console", "", "", ""),
        ("call", "Registry.Total", "Area", 55, "unit", "Circle", "", ""),
        ("call", "Registry.Total", "Weigh", 56, "", "", "", ""),
        ("call", "CircleTests.UnitCircleHasAreaPi", "AreEqual", 65, "Assert", "", "", ""),
        ("call", "CircleTests.UnitCircleHasAreaPi", "Builder", 65, "", "", "Circle", ""),
        ("call", "CircleTests.UnitCircleHasAreaPi", "Build", 65, "new Circle.Builder()", "", "",
         ""),
        ("call", "CircleTests.UnitCircleHasAreaPi", "Area", 65, "new Circle.Builder().Build()",
         "", "", ""),
    ]


def test_file_scoped_namespace_and_xunit_facts() -> None:
    source = (
        b"namespace Graphs.Tests;\n\n"
        b"public class GraphFacts\n{\n"
        b"    [Fact]\n    public void Empty() { }\n\n"
        b"    [Xunit.Theory]\n    public void Many(int n) { }\n}\n"
    )
    extraction = extract_source("src/Graphs/GraphFacts.cs", source, CSHARP)
    assert member_rows(
        extraction, "entity_type", "qualified_name", "start_line", "end_line", "test_reason"
    ) == [
        # a file-scoped namespace holds the rest of the file, like a block namespace its body
        ("module", "Graphs.Tests", 1, 10, ""),
        ("class", "Graphs.Tests.GraphFacts", 3, 10, ""),
        ("method", "Graphs.Tests.GraphFacts.Empty", 6, 6, "test marker [Fact]"),
        ("method", "Graphs.Tests.GraphFacts.Many", 9, 9, "test marker [Xunit.Theory]"),
    ]


def test_test_paths() -> None:
    assert path_test_reason(CSHARP, "src/Graphs.Tests/GraphFacts.cs") == (
        "path matches 'Graphs.Tests/'"
    )
    assert path_test_reason(CSHARP, "src/Graphs/GraphTests.cs") == "path matches 'Tests.cs'"
    assert path_test_reason(CSHARP, "src/Graphs/Graph.cs") is None


def test_destructors_and_operators_are_methods() -> None:
    source = (
        b"class Handle\n{\n    ~Handle() { Release(); }\n\n"
        b"    public static Handle operator +(Handle a, Handle b) => Merge(a, b);\n}\n"
    )
    extraction = extract_source("src/Handle.cs", source, CSHARP)
    assert member_rows(
        extraction, "entity_type", "name", "qualified_name", "start_line", "signature"
    ) == [
        ("class", "Handle", "Handle", 1, "class Handle"),
        ("method", "Finalize", "Handle.Finalize", 3, "~Handle()"),
        ("method", "+", "Handle.+", 5, "public static Handle operator +(Handle a, Handle b)"),
    ]
    keys = entity_keys(extraction)
    assert len(set(keys)) == len(keys)
    assert all(" " not in key and "+" not in key for key in keys)
    names = {e.key: e.qualified_name for e in extraction.entities}
    assert [(names[r.from_key], r.kind, r.name) for r in extraction.references] == [
        ("Handle.Finalize", "call", "Release"),
        ("Handle.+", "type", "Handle"),
        ("Handle.+", "type", "Handle"),
        ("Handle.+", "type", "Handle"),
        ("Handle.+", "call", "Merge"),
    ]


def test_explicit_interface_implementations_are_qualified_by_their_interface() -> None:
    source = (
        b"class Items : IEnumerable<int>\n{\n"
        b"    public IEnumerator<int> GetEnumerator() => Walk();\n"
        b"    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();\n}\n"
    )
    extraction = extract_source("src/Items.cs", source, CSHARP)
    assert member_rows(extraction, "entity_type", "name", "qualified_name", "start_line") == [
        ("class", "Items", "Items", 1),
        ("method", "GetEnumerator", "Items.GetEnumerator", 3),
        ("method", "GetEnumerator", "Items.IEnumerable.GetEnumerator", 4),
    ]
