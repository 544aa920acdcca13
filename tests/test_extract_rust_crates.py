"""Rust extraction on real crates (serde, syn, regex-syntax as Debian ships them: bench/corpora.py's
`rust-crates`). Lines are looked up in the files fetched, so the checks hold at any version."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from parseltongue.extract import FileExtraction, compile_language, extract_source
from parseltongue.languages import language_named

# bench/ lives beside tests/ at the top of the repository, not inside the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpora import build_corpus  # noqa: E402

# One worker runs them all, so their module fixture (seconds of extraction) is made once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rust-crates")]
RUST = language_named("rust")


class Crates:
    def __init__(self) -> None:
        self.root = build_corpus("rust-crates")
        # <crate>-<version>/...: the folder of each crate, whatever version was fetched.
        self.folders = {
            folder.name.rsplit("-", 1)[0]: folder.name for folder in self.root.iterdir()
        }
        parser = compile_language(RUST).new_parser()
        self.extractions = [
            extract_source(path.relative_to(self.root).as_posix(), path.read_bytes(), RUST, parser)
            for path in sorted(self.root.rglob("*.rs"))
        ]

    def path(self, crate: str, inside: str) -> str:
        return f"{self.folders[crate]}/{inside}"

    def extraction(self, crate: str, inside: str) -> FileExtraction:
        path = self.path(crate, inside)
        return next(e for e in self.extractions if e.file_path == path)

    def line_of(self, crate: str, inside: str, pattern: str) -> int:
        """The line (1-based) where `pattern` first matches in the crate's file."""
        text = (self.root / self.path(crate, inside)).read_text()
        found = re.search(pattern, text, re.MULTILINE)
        assert found, f"{pattern!r} is not in {crate}'s {inside}"
        return text.count("\n", 0, found.start()) + 1


@pytest.fixture(scope="module")
def crates() -> Crates:
    return Crates()


def entities_of(extraction: FileExtraction) -> dict[str, tuple]:
    return {
        e.qualified_name: (e.entity_type, e.start_line, e.entity_class)
        for e in extraction.entities
    }


def test_every_file_is_ingested(crates: Crates) -> None:
    assert set(crates.folders) == {"serde", "syn", "regex-syntax"}
    assert len(crates.extractions) == len(list(crates.root.rglob("*.rs"))) > 100
    assert [e.file_path for e in crates.extractions if e.status != "ingested"] == []


def test_keys_are_unique_across_the_crates(crates: Crates) -> None:
    keys = Counter(entity.key for e in crates.extractions for entity in e.entities)
    assert sum(keys.values()) > 8000
    assert [key for key, count in keys.items() if count > 1] == []


def test_known_serde_definitions_are_found_where_they_are(crates: Crates) -> None:
    entities = entities_of(crates.extraction("serde", "src/ser/mod.rs"))
    line = lambda pattern: crates.line_of("serde", "src/ser/mod.rs", pattern)  # noqa: E731
    assert entities["Serialize"] == ("trait", line(r"^pub trait Serialize\b"), "CODE")
    assert entities["Serializer"] == ("trait", line(r"^pub trait Serializer\b"), "CODE")
    assert entities["Serializer::serialize_bool"] == (
        "method", line(r"^    fn serialize_bool\("), "CODE"
    )


def test_trait_impls_are_implements_references_from_the_impl(crates: Crates) -> None:
    extraction = crates.extraction("regex-syntax", "src/error.rs")
    owners = {e.key: (e.entity_type, e.name) for e in extraction.entities}
    implements = [
        (owners[r.from_key], r.name, r.scope, r.line)
        for r in extraction.references
        if r.kind == "implements"
    ]
    line = lambda pattern: crates.line_of("regex-syntax", "src/error.rs", pattern)  # noqa: E731
    assert (("impl", "Error"), "Display", "fmt", line(r"^impl fmt::Display for Error\b")) in (
        implements
    )
    assert (("impl", "Error"), "Error", "error", line(r"^impl error::Error for Error\b")) in (
        implements
    )


def test_cfg_test_modules_and_test_folders_are_tests(crates: Crates) -> None:
    entities = entities_of(crates.extraction("regex-syntax", "src/ast/mod.rs"))
    # The module under `#[cfg(test)]`: the attribute makes it a test, its line is `mod`'s.
    cfg_test_module = r"(?<=^#\[cfg\(test\)\]\n)mod tests\b"
    tests_line = crates.line_of("regex-syntax", "src/ast/mod.rs", cfg_test_module)
    assert entities["tests"] == ("module", tests_line, "TEST")
    reasons = Counter(
        entity.test_reason.split(" ")[0]
        for extraction in crates.extractions
        for entity in extraction.entities
        if entity.test_reason
    )
    assert reasons["path"] > 1000  # syn's tests/ folder
    assert reasons["test"] > 100  # #[test] functions, #[cfg(test)] modules
    assert reasons["inside"] > 50  # helpers inside #[cfg(test)] modules
