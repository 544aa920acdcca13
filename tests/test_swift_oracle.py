"""Swift against an independent oracle on real code: >= 95% of what Pygments' lexer declares.

Debian's Universal Ctags 5.9 has no Swift parser, so tests/test_ctags_oracle.py cannot check
Swift; Pygments' hand-written `SwiftLexer` (no tree-sitter) stands in (tests/swift_oracle.py).
"""

from __future__ import annotations

import pytest

from bench.corpora import build_corpus
from parseltongue.extract import extract_source
from parseltongue.languages import language_named
from tests.swift_oracle import compare_with_pygments, pygments_swift_tags

REQUIRED_RECALL = 0.95


def test_the_oracle_lists_types_and_functions_but_not_imports() -> None:
    source = "import Foundation\nstruct P {\n  func f() {}\n}\nextension P: Q {}\n"
    assert [(t.name, t.line, t.kind) for t in pygments_swift_tags(source, "a.swift")] == [
        ("P", 2, "type"), ("f", 3, "function"), ("P", 5, "type"),
    ]
    extraction = extract_source("a.swift", source.encode(), language_named("swift"))
    assert [(e.name, e.start_line) for e in extraction.entities[1:]] == [
        ("P", 2), ("f", 3), ("P", 5),
    ]


@pytest.mark.slow
def test_we_find_what_the_pygments_swift_lexer_declares() -> None:
    root = build_corpus("oracle-swift")
    comparison = compare_with_pygments(root)
    assert comparison.tags >= 50, "the Swift oracle corpus is too small to judge"
    assert comparison.recall >= REQUIRED_RECALL, (
        f"swift: found {comparison.found}/{comparison.tags} ({comparison.recall:.1%}); "
        f"missed by kind {comparison.missed_by_kind().most_common()}; "
        f"first misses {comparison.missed[:5]}"
    )
