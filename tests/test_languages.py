"""The language registry: every language has a row, paths map to rows, test paths are known."""

from __future__ import annotations

import re

import pytest
from tree_sitter import Query
from tree_sitter_language_pack import get_language

from parseltongue.languages import (
    LANGUAGES,
    language_for_path,
    language_named,
    path_test_reason,
    supported_extensions,
)

ALL_LANGUAGES = {
    "rust", "python", "javascript", "typescript", "go", "java", "c", "cpp", "csharp", "ruby",
    "php", "swift", "kotlin", "sql", "lua",
}


def test_registry_has_a_row_for_each_of_the_fifteen_languages() -> None:
    assert {spec.name for spec in LANGUAGES} == ALL_LANGUAGES


@pytest.mark.parametrize("spec", LANGUAGES, ids=lambda spec: f"{spec.name}-{spec.grammar}")
def test_every_grammar_loads(spec) -> None:
    assert get_language(spec.grammar) is not None


@pytest.mark.parametrize(
    "spec", [spec for spec in LANGUAGES if spec.query_text() is not None], ids=lambda s: s.grammar
)
def test_every_written_query_file_compiles_against_its_grammar(spec) -> None:
    assert Query(get_language(spec.grammar), spec.query_text()).pattern_count > 0


def test_python_and_rust_have_query_files() -> None:
    assert language_named("python").query_text() is not None
    assert language_named("rust").query_text() is not None


@pytest.mark.parametrize(
    ("path", "language", "grammar"),
    [
        ("src/lib.rs", "rust", "rust"),
        ("pkg/mod.py", "python", "python"),
        ("stubs/mod.pyi", "python", "python"),
        ("web/app.jsx", "javascript", "javascript"),
        ("web/app.mjs", "javascript", "javascript"),
        ("web/app.ts", "typescript", "typescript"),
        ("web/App.tsx", "typescript", "tsx"),
        ("cmd/main.go", "go", "go"),
        ("src/main/java/A.java", "java", "java"),
        ("lib/x.h", "c", "c"),
        ("lib/x.hpp", "cpp", "cpp"),
        ("lib/X.CPP", "cpp", "cpp"),
        ("App/Program.cs", "csharp", "csharp"),
        ("lib/a.rb", "ruby", "ruby"),
        ("Rakefile", "ruby", "ruby"),
        ("src/A.php", "php", "php"),
        ("Sources/A.swift", "swift", "swift"),
        ("src/A.kt", "kotlin", "kotlin"),
        ("db/schema.sql", "sql", "sql"),
    ],
)
def test_language_for_path_picks_the_row_by_extension(path, language, grammar) -> None:
    spec = language_for_path(path)
    assert (spec.name, spec.grammar) == (language, grammar)


def test_unknown_extensions_have_no_language() -> None:
    assert language_for_path("README.md") is None
    assert language_for_path("Makefile") is None
    assert ".md" not in supported_extensions()


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_core.py", True),
        ("pkg/tests/helpers.py", True),
        ("pkg/test_core.py", True),
        ("pkg/core_test.py", True),
        ("conftest.py", True),
        ("pkg/core.py", False),
        ("pkg/contest.py", False),
        ("pkg/attestation.py", False),
    ],
)
def test_python_test_paths(path, is_test) -> None:
    assert (path_test_reason(language_named("python"), path) is not None) is is_test


@pytest.mark.parametrize(
    ("path", "language", "is_test"),
    [
        ("pkg/server_test.go", "go", True),
        ("pkg/server.go", "go", False),
        ("src/app.spec.ts", "typescript", True),
        ("src/app.test.js", "javascript", True),
        ("src/__tests__/app.js", "javascript", True),
        ("src/app.ts", "typescript", False),
        ("core/src/test/java/AppTest.java", "java", True),
        ("core/src/main/java/App.java", "java", False),
        ("spec/models/user_spec.rb", "ruby", True),
        ("tests/parse.rs", "rust", True),
        ("benches/speed.rs", "rust", True),
        ("src/parse.rs", "rust", False),
    ],
)
def test_test_paths_per_language(path, language, is_test) -> None:
    assert (path_test_reason(language_named(language), path) is not None) is is_test


def test_the_test_path_reason_names_the_rule_that_matched() -> None:
    assert path_test_reason(language_named("go"), "pkg/server_test.go") == "path matches '_test.go'"


def test_no_pattern_sets_a_property_after_a_text_predicate() -> None:
    """py-tree-sitter 0.26.1 corrupts memory freeing a query where a `#set!` follows a text
    predicate in one pattern (`((identifier) @a (#eq? @a "x") (#set! k "v"))` crashes the
    next query compiled): every query file puts its `#set!` first."""
    late_set = re.compile(r"\(#(?:not-|any-)*(?:eq|match|any-of)\?[^()]*\)\s*\(#set!")
    offenders = [
        spec.query_file
        for spec in LANGUAGES
        if spec.query_text() is not None and late_set.search(spec.query_text() or "")
    ]
    assert offenders == []
