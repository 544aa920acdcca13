"""The corpus builder: a small real corpus builds once, holds what its pins say, and is reused;
a build that fails names the package and is never marked complete."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# bench/ lives beside tests/ at the top of the repository, not inside the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora  # noqa: E402

pytestmark = pytest.mark.slow

# Known from the pinned Debian packages: ruby-i18n 46, ruby-rack 66, ruby-rspec-core 74, thor 31.
RUBY_FILES = {"ruby-i18n": 46, "ruby-rack": 66, "ruby-rspec-core": 74, "ruby-thor": 31}


def test_small_corpus_builds_with_pinned_packages_and_is_reused() -> None:
    root = corpora.build_corpus("oracle-ruby")
    rb_files = sorted(root.rglob("*.rb"))
    assert len(rb_files) == sum(RUBY_FILES.values())
    # Only the selected files, and no symlinks (they could point outside the corpus).
    assert not any(p.is_symlink() for p in root.rglob("*"))
    assert {p for p in root.rglob("*") if p.is_file()} == set(rb_files)
    # One folder per gem, named as Debian ships it.
    assert {p.name for p in root.iterdir()} == {
        "i18n-1.10.0",
        "rack-2.2.22",
        "rspec-core-3.12.0",
        "thor-1.2.1",
    }

    manifest = corpora.read_manifest("oracle-ruby")
    assert manifest is not None
    assert manifest["files_by_language"] == {"ruby": sum(RUBY_FILES.values())}
    assert {(p["name"], p["version"], p["files"]) for p in manifest["packages"]} == {
        (name, corpora.RUBY_DEBS[name], count) for name, count in RUBY_FILES.items()
    }

    # A second call reuses the cached build: same root, manifest untouched.
    marker = root.parent / corpora.MANIFEST
    before = marker.stat().st_mtime_ns
    assert corpora.build_corpus("oracle-ruby") == root
    assert marker.stat().st_mtime_ns == before
    assert corpora.is_built("oracle-ruby")


def test_failed_build_names_the_package_and_is_not_marked_complete(tmp_path: Path) -> None:
    good = corpora.Source(
        "deb",
        "ruby-thor",
        corpora.RUBY_DEBS["ruby-thor"],
        subdir="usr/share/rubygems-integration/all/gems",
        include=("*.rb",),
    )
    bad = corpora.Source(
        "deb",
        "ruby-i18n",
        corpora.RUBY_DEBS["ruby-i18n"],
        subdir="no/such/folder",
    )
    broken = corpora.Corpus("broken", "second package lacks the folder asked for", (good, bad))
    with pytest.raises(corpora.CorpusError, match=r"ruby-i18n=1\.10\.0-2.*no/such/folder"):
        corpora.build(broken, cache=tmp_path)
    assert not (tmp_path / "broken" / corpora.MANIFEST).exists()
    assert not (tmp_path / "broken").exists()


def test_unknown_corpus_is_a_clear_error() -> None:
    with pytest.raises(corpora.CorpusError, match="unknown corpus 'nope'.*rust"):
        corpora.build_corpus("nope")


def test_self_corpus_is_this_repository() -> None:
    assert corpora.build_corpus("self") == ROOT
