"""Rust extraction on real crates (serde, syn, regex-syntax as Debian ships them)."""

from __future__ import annotations

from collections import Counter

import pytest
from debian_sources import debian_crate_roots, rust_files

from parseltongue.extract import FileExtraction, compile_language, extract_source
from parseltongue.languages import language_named

pytestmark = pytest.mark.slow
RUST = language_named("rust")


@pytest.fixture(scope="module")
def crates() -> list[FileExtraction]:
    parser = compile_language(RUST).new_parser()
    files = rust_files(debian_crate_roots())
    return [extract_source(path, source, RUST, parser) for path, source in files]


def entities_of(crates: list[FileExtraction], file_path: str) -> dict[str, tuple]:
    extraction = next(e for e in crates if e.file_path == file_path)
    return {
        e.qualified_name: (e.entity_type, e.start_line, e.entity_class)
        for e in extraction.entities
    }


def test_every_file_is_ingested(crates) -> None:
    assert len(crates) > 100
    assert [e.file_path for e in crates if e.status != "ingested"] == []


def test_keys_are_unique_across_the_crates(crates) -> None:
    keys = Counter(entity.key for extraction in crates for entity in extraction.entities)
    assert sum(keys.values()) > 8000
    assert [key for key, count in keys.items() if count > 1] == []


def test_known_serde_definitions_are_found_where_they_are(crates) -> None:
    entities = entities_of(crates, "serde-1.0.152/src/ser/mod.rs")
    assert entities["Serialize"] == ("trait", 218, "CODE")
    assert entities["Serializer"] == ("trait", 333, "CODE")
    assert entities["Serializer::serialize_bool"] == ("method", 405, "CODE")


def test_trait_impls_are_implements_references_from_the_impl(crates) -> None:
    extraction = next(e for e in crates if e.file_path == "regex-syntax-0.6.27/src/error.rs")
    owners = {e.key: (e.entity_type, e.name) for e in extraction.entities}
    implements = [
        (owners[r.from_key], r.name, r.scope, r.line)
        for r in extraction.references
        if r.kind == "implements"
    ]
    assert (("impl", "Error"), "Display", "fmt", 54) in implements
    assert (("impl", "Error"), "Error", "error", 42) in implements


def test_cfg_test_modules_and_test_folders_are_tests(crates) -> None:
    entities = entities_of(crates, "regex-syntax-0.6.27/src/ast/mod.rs")
    assert entities["tests"] == ("module", 1468, "TEST")
    reasons = Counter(
        entity.test_reason.split(" ")[0]
        for extraction in crates
        for entity in extraction.entities
        if entity.test_reason
    )
    assert reasons["path"] > 1000  # syn's tests/ folder
    assert reasons["test"] > 100  # #[test] functions, #[cfg(test)] modules
    assert reasons["inside"] > 50  # helpers inside #[cfg(test)] modules
