"""Every language against Universal Ctags on real code from the registries: >= 95% found."""

from __future__ import annotations

import pytest

from bench.corpora import build_corpus
from tests.ctags_oracle import compare_with_ctags, ctags_available

REQUIRED_RECALL = 0.95
# Swift is not here: Debian's ctags 5.9 has no Swift parser ("Unknown language"), so
# tests/test_swift_oracle.py checks Swift against Pygments' Swift lexer instead.
LANGUAGES_CHECKED = [
    "rust", "go", "java", "kotlin", "c", "cpp", "csharp", "ruby", "php",
    "javascript", "typescript", "sql",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ctags_available(), reason="Universal Ctags is not installed "
                       "(.ci/run installs Debian's universal-ctags)"),
]


@pytest.mark.parametrize("language", LANGUAGES_CHECKED)
def test_we_find_what_ctags_finds(language: str) -> None:
    root = build_corpus(f"oracle-{language}")
    comparison = compare_with_ctags(root, language)
    assert comparison.tags >= 50, f"the {language} oracle corpus is too small to judge"
    missed = comparison.missed_by_kind().most_common()
    assert comparison.recall >= REQUIRED_RECALL, (
        f"{language}: found {comparison.found}/{comparison.tags} ({comparison.recall:.1%}); "
        f"missed by kind {missed}; first misses {comparison.missed[:5]}"
    )
