"""gtest tests in C++ (issue 19, item 7): each `TEST`, `TEST_F`, `TEST_P`, `TYPED_TEST` and
`TYPED_TEST_P` is an entity of its own (`Suite::Name`), marked as a test by its macro, and
the calls in its body are edges from it; a fixture test extends its fixture and sees its
members by bare name, as the subclass gtest makes of it does.
"""

from __future__ import annotations

from pathlib import Path

from test_resolve_differential import resolve_tree

from parseltongue.extract import extract_source
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.languages import language_named

CPP = language_named("cpp")

# Not a test path (`_test.cc`, `tests/`): the macros alone make the tests.
CHECKS = "src/shapes_checks.cpp"
SHAPES = "src/shapes.cpp"

TREE = {
    "src/shapes.h": """
        struct Circle { double r; };
        Circle makeCircle(double r);
        double area(const Circle& c);
    """,
    SHAPES: """
        #include "shapes.h"

        Circle makeCircle(double r) { return Circle{r}; }

        double area(const Circle& c) { return 3.14159 * c.r * c.r; }
    """,
    CHECKS: """
        #include <gtest/gtest.h>
        #include "shapes.h"

        class RegistryTest : public ::testing::Test {
         protected:
          int helper() { return 2; }
          int twice() { return helper() * 2; }
        };

        TEST(CircleTest, AreaIsPi) {
          EXPECT_NEAR(area(makeCircle(1.0)), 3.14159, 1e-4);
        }

        TEST_F(RegistryTest, HelperIsTwo) {
          EXPECT_EQ(helper(), 2);
        }

        class ScaleTest : public RegistryTest,
                          public ::testing::WithParamInterface<double> {};

        TEST_P(ScaleTest, Scales) {
          EXPECT_GT(area(makeCircle(GetParam())), twice());
        }

        INSTANTIATE_TEST_SUITE_P(Factors, ScaleTest, ::testing::Values(1.0, 2.0));

        template <typename T>
        class TypedShapeTest : public ::testing::Test {};
        TYPED_TEST_SUITE(TypedShapeTest, ::testing::Types<Circle>);

        TYPED_TEST(TypedShapeTest, HasArea) {
          EXPECT_GE(area(makeCircle(1.0)), 0);
        }

        namespace checks {

        template <typename T>
        class PatternTest : public ::testing::Test {};
        TYPED_TEST_SUITE_P(PatternTest);

        TYPED_TEST_P(PatternTest, Works) {
          EXPECT_TRUE(makeCircle(1.0).r > 0);
        }

        REGISTER_TYPED_TEST_SUITE_P(PatternTest, Works);

        TEST(CircleTest, DISABLED_Slow) { makeCircle(2.0); }

        }  // namespace checks
    """,
}


def test_each_gtest_macro_is_a_test_entity_of_its_own(tmp_path: Path) -> None:
    text = "\n".join(line[8:] for line in TREE[CHECKS].splitlines()[1:])
    extraction = extract_source(CHECKS, text.encode(), CPP)
    tests = {
        (entity.entity_type, entity.qualified_name, entity.start_line, entity.test_reason)
        for entity in extraction.entities
        if entity.test_reason.startswith("test marker TEST")
        or entity.test_reason.startswith("test marker TYPED")
    }
    assert tests == {
        ("method", "CircleTest::AreaIsPi", 10, "test marker TEST"),
        ("method", "RegistryTest::HelperIsTwo", 14, "test marker TEST_F"),
        ("method", "ScaleTest::Scales", 21, "test marker TEST_P"),
        ("method", "TypedShapeTest::HasArea", 31, "test marker TYPED_TEST"),
        ("method", "checks::PatternTest::Works", 41, "test marker TYPED_TEST_P"),
        ("method", "checks::CircleTest::DISABLED_Slow", 47, "test marker TEST"),
    }
    # A fixture test extends its fixture; a plain TEST names a suite, not a class.
    extends = {
        (reference.from_key.split(":")[2], reference.name)
        for reference in extraction.references
        if reference.kind == "extends" and reference.scope == ""
    }
    assert extends >= {("HelperIsTwo", "RegistryTest"), ("Scales", "ScaleTest"),
                       ("HasArea", "TypedShapeTest"), ("Works", "PatternTest")}
    assert not {name for name, _ in extends} & {"AreaIsPi", "DISABLED_Slow"}


def test_the_calls_in_a_test_body_are_edges_from_the_test(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, TREE)  # the Python resolver and resolve.cozo agree
    test = f"{CHECKS}:"
    assert {
        (f"{test}CircleTest::AreaIsPi", f"{SHAPES}:area", "calls", 11, "unique_name"),
        (f"{test}CircleTest::AreaIsPi", f"{SHAPES}:makeCircle", "calls", 11, "unique_name"),
        (f"{test}checks::PatternTest::Works", f"{SHAPES}:makeCircle", "calls", 42,
         "unique_name"),
        (f"{test}checks::CircleTest::DISABLED_Slow", f"{SHAPES}:makeCircle", "calls", 47,
         "unique_name"),
        # The fixture's members, by bare name: its own, and through its bases.
        (f"{test}RegistryTest::HelperIsTwo", f"{test}RegistryTest::helper", "calls", 15,
         "self"),
        (f"{test}ScaleTest::Scales", f"{test}RegistryTest::twice", "calls", 22, "self"),
        (f"{test}RegistryTest::HelperIsTwo", f"{test}RegistryTest", "extends", 14,
         "same_file"),
        # A method sees its class's members by bare name (C++'s implicit `this`).
        (f"{test}RegistryTest::twice", f"{test}RegistryTest::helper", "calls", 7, "self"),
    } <= rows.edges


def test_gtest_tests_are_listed_with_their_macro(tmp_path: Path) -> None:
    for path, text in TREE.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(line[8:] for line in text.splitlines()[1:]))
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(tmp_path)
        rows = streamer.storage().run_named("test_entities", limit=100)
    reasons = {row["name"]: row["reason"] for row in rows if row["entity_type"] == "method"}
    assert reasons == {
        "AreaIsPi": "test marker TEST",
        "HelperIsTwo": "test marker TEST_F",
        "Scales": "test marker TEST_P",
        "HasArea": "test marker TYPED_TEST",
        "Works": "test marker TYPED_TEST_P",
        "DISABLED_Slow": "test marker TEST",
        # The fixture's own methods are test code too (inside a class marked by its base).
        "helper": "inside test RegistryTest",
        "twice": "inside test RegistryTest",
    }
