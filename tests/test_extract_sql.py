"""Extraction from a realistic SQL file: exact entities, references and test classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from extraction_views import (
    classified_tests,
    entity_keys,
    entity_rows,
    member_rows,
    reference_rows,
    signatures_by_name,
)

from parseltongue.extract import STATUS_INGESTED, FileExtraction, extract_source
from parseltongue.languages import language_named

FIXTURE = Path(__file__).parent / "fixtures" / "shapes.sql"
PATH = "db/shapes.sql"
SQL = language_named("sql")


@pytest.fixture(scope="module")
def extraction() -> FileExtraction:
    return extract_source(PATH, FIXTURE.read_bytes(), SQL)


def test_file_summary(extraction) -> None:
    assert extraction.status == STATUS_INGESTED
    assert extraction.language == "sql"
    assert extraction.syntax_error_count == 0
    assert extraction.line_count == 39


def test_exact_entities_with_types_and_lines(extraction) -> None:
    assert entity_rows(extraction) == [
        ("module", "shapes", "db.shapes", 1, 39),
        ("table", "kinds", "kinds", 2, 5),
        ("table", "shapes", "shapes", 7, 13),
        ("index", "shapes_kind_idx", "shapes_kind_idx", 15, 15),
        ("view", "circle_areas", "circle_areas", 17, 21),
        ("fn", "total_area", "total_area", 23, 25),
        ("fn", "add_circle", "add_circle", 27, 32),
        ("trigger", "shapes_audit", "shapes_audit", 34, 35),
    ]


def test_keys_are_unique(extraction) -> None:
    keys = entity_keys(extraction)
    assert len(keys) == len(set(keys))


def test_tests_are_classified_with_reasons(extraction) -> None:
    assert classified_tests(extraction) == {}


def test_references_exactly(extraction) -> None:
    assert reference_rows(extraction) == [
        ("type", "shapes", "kinds", 9, "", "", "", ""),
        ("type", "shapes", "shapes", 12, "", "", "", ""),
        ("type", "shapes_kind_idx", "shapes", 15, "", "", "", ""),
        ("call", "circle_areas", "pi", 18, "", "", "", ""),
        ("type", "circle_areas", "shapes", 19, "", "", "", ""),
        ("type", "circle_areas", "kinds", 20, "", "", "", ""),
        ("call", "total_area", "sum", 24, "", "", "", ""),
        ("type", "total_area", "circle_areas", 24, "", "", "", ""),
        ("type", "add_circle", "shapes", 29, "", "", "", ""),
        ("call", "add_circle", "currval", 30, "", "", "", ""),
        ("type", "shapes_audit", "shapes", 34, "", "", "", ""),
        ("call", "shapes_audit", "add_circle", 35, "", "", "", ""),
        ("type", "db.shapes", "shapes", 37, "", "", "", ""),
        ("type", "db.shapes", "circle_areas", 37, "", "", "", ""),
        ("type", "db.shapes", "kinds", 39, "", "", "", ""),
        ("type", "db.shapes", "shapes", 39, "", "", "", ""),
    ]


def test_signatures_are_declarations_without_bodies(extraction) -> None:
    signatures = signatures_by_name(extraction)
    assert signatures["kinds"] == "CREATE TABLE kinds"
    assert signatures["add_circle"] == (
        "CREATE OR REPLACE FUNCTION add_circle(r DOUBLE PRECISION) RETURNS INTEGER"
    )
    assert signatures["shapes_audit"] == "CREATE TRIGGER shapes_audit AFTER INSERT ON shapes"


def test_quoted_and_schema_qualified_names() -> None:
    source = b"""CREATE TABLE "public"."users" (id INTEGER PRIMARY KEY);
CREATE TABLE app.accounts (owner INTEGER REFERENCES "users" (id));
CREATE MATERIALIZED VIEW app.active AS SELECT * FROM app.accounts;
"""
    extraction = extract_source("db/schema.sql", source, SQL)
    assert member_rows(extraction, "entity_type", "name", "qualified_name") == [
        ("table", "users", "public.users"),
        ("table", "accounts", "app.accounts"),
        ("view", "active", "app.active"),
    ]
    assert [(r.kind, r.name, r.line, r.scope) for r in extraction.references] == [
        ("type", "users", 2, ""),
        ("type", "accounts", 3, "app"),
    ]
