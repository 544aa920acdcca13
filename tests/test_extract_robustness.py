"""Bad input never raises (syntax errors, bad UTF-8, huge or minified files); keys are stable."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from parseltongue.extract import (
    STATUS_INGESTED,
    STATUS_SKIPPED,
    ExtractionLimits,
    extract_file,
    extract_source,
    module_qualified_name,
)
from parseltongue.languages import LanguageSpec, language_named
from parseltongue.model import build_entity_key

PYTHON = language_named("python")
RUST = language_named("rust")
FIXTURES = Path(__file__).parent / "fixtures"


def test_broken_python_yields_recovered_entities_and_an_error_count() -> None:
    source = b"def broken(:\n    pass\n\nclass Fine:\n    def method(self):\n        helper()\n"
    extraction = extract_source("pkg/broken.py", source, PYTHON)
    assert extraction.status == STATUS_INGESTED
    assert extraction.syntax_error_count >= 1
    assert ("Fine.method", 5) in {(e.qualified_name, e.start_line) for e in extraction.entities}
    assert [r.name for r in extraction.references if r.kind == "call"] == ["helper"]


def test_broken_rust_yields_recovered_entities_and_an_error_count() -> None:
    source = b"fn broken( {\n}\n\nstruct S { x: }\n\nimpl S {\n    fn ok(&self) {}\n}\n"
    extraction = extract_source("src/broken.rs", source, RUST)
    assert extraction.syntax_error_count >= 1
    assert ("S::ok", 7) in {(e.qualified_name, e.start_line) for e in extraction.entities}


def test_a_clean_file_has_no_syntax_errors() -> None:
    assert extract_source("a.py", b"def f():\n    return 1\n", PYTHON).syntax_error_count == 0


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    source = b"def caf\xe9():\n    return '\xff\xfe'\n\ndef after():\n    pass\n"
    extraction = extract_source("pkg/latin1.py", source, PYTHON)
    assert extraction.replaced_undecodable_bytes is True
    assert [e.qualified_name for e in extraction.entities[1:]][-1] == "after"
    assert "\ufffd" in extraction.entities[1].code


def test_a_file_over_the_size_limit_is_skipped_with_a_reason(tmp_path) -> None:
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * 400_000)  # 2.4 MB, over the 2 MB default
    extraction = extract_file("big.py", str(big), PYTHON)
    assert extraction.status == STATUS_SKIPPED
    assert extraction.reason == "file larger than the 2097152-byte limit"
    assert extraction.size_bytes == 2_400_000
    assert extraction.entities == () and extraction.references == ()


def test_the_size_limit_is_configurable() -> None:
    limits = ExtractionLimits(max_file_bytes=10)
    extraction = extract_source("a.py", b"def f():\n    pass\n", PYTHON, limits=limits)
    assert extraction.reason == "file larger than the 10-byte limit"


def test_a_minified_one_line_file_is_skipped_quickly_with_a_reason() -> None:
    source = b"x=[" + b",".join(b"f(%d)" % index for index in range(200_000)) + b"]"
    assert len(source) > 1_000_000
    started = time.perf_counter()
    extraction = extract_source("bundle.py", source, PYTHON)
    assert time.perf_counter() - started < 5
    assert extraction.status == STATUS_SKIPPED
    assert extraction.reason.startswith("looks minified or generated: average line length")


def test_a_small_file_with_one_long_line_is_still_extracted() -> None:
    source = b"DATA = '" + b"x" * 5000 + b"'\n\ndef f():\n    pass\n"
    assert extract_source("data.py", source, PYTHON).entities[-1].name == "f"


def test_an_empty_file_is_just_its_module() -> None:
    extraction = extract_source("pkg/__init__.py", b"", PYTHON)
    assert [(e.entity_type, e.qualified_name) for e in extraction.entities] == [("module", "pkg")]


def test_a_language_without_query_file_yet_is_skipped_with_a_reason() -> None:
    unwritten = LanguageSpec("cobol", "python", (".cob",), "cobol.scm")
    extraction = extract_source("a.cob", b"x = 1\n", unwritten)
    assert extraction.status == STATUS_SKIPPED
    assert extraction.reason == "no query file 'cobol.scm' for language cobol yet"


def test_keys_match_the_model_key_builder() -> None:
    extraction = extract_source("pkg/a-b.py", b"class A:\n    def m(self):\n        pass\n", PYTHON)
    method = extraction.entities[-1]
    assert method.key == build_entity_key("python", "method", "m", "pkg/a-b.py", "A.m", 0)


def keys_by_qualified_name(relative_path: str, source: bytes, spec) -> dict[tuple, str]:
    extraction = extract_source(relative_path, source, spec)
    return {(e.entity_type, e.qualified_name, e.start_line): e.key for e in extraction.entities}


def test_keys_survive_edits_that_move_lines() -> None:
    for path, spec in (("shapes/shapes.py", PYTHON), ("src/shapes.rs", RUST)):
        source = (FIXTURES / Path(path).name).read_bytes()
        moved = source.replace(b"\n\n", b"\n\n\n\n")
        before = extract_source(path, source, spec)
        after = extract_source(path, moved, spec)
        assert [e.key for e in before.entities] == [e.key for e in after.entities]
        assert [e.start_line for e in before.entities] != [e.start_line for e in after.entities]


@pytest.mark.parametrize(
    ("path", "language", "module"),
    [
        ("networkx/algorithms/dag.py", "python", "networkx.algorithms.dag"),
        ("networkx/__init__.py", "python", "networkx"),
        ("src/pkg/core.py", "python", "pkg.core"),
        ("mysrc/core.py", "python", "mysrc.core"),
        ("crates/geo/src/shapes/mod.rs", "rust", "shapes"),
        ("crates/geo/src/shapes/circle.rs", "rust", "shapes::circle"),
    ],
)
def test_module_qualified_names_come_from_the_path(path, language, module) -> None:
    assert module_qualified_name(path, language_named(language)) == module
