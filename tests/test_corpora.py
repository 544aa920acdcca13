"""The corpus builder: a small real corpus builds once, holds what its pins say, and is reused;
a Debian pin the archive dropped is built at the version it serves now, and says so; a build
that fails names the package and is never marked complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# bench/ lives beside tests/ at the top of the repository, not inside the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpora  # noqa: E402

GEMS = "usr/share/rubygems-integration/all/gems"


def deb_files(name: str, version: str, subdir: str, pattern: str) -> list[str]:
    """The regular files matching `pattern` under `subdir` of a downloaded Debian package, as
    `dpkg-deb -c` lists them: an oracle apart from the builder's own extraction and selection."""
    source = corpora.Source("deb", name, version)
    archive = corpora._download(source, corpora.cache_dir() / "downloads")
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(archive)], capture_output=True, text=True, check=True
    ).stdout
    files = []
    for line in listing.splitlines():
        path = line.split()[-1].removeprefix("./")
        # Regular files only ("-rw-r--r--"): the builder drops links.
        if line.startswith("-") and path.startswith(subdir + "/") and Path(path).match(pattern):
            files.append(path.removeprefix(subdir + "/"))
    return sorted(files)


@pytest.mark.slow
def test_small_corpus_builds_with_pinned_packages_and_is_reused() -> None:
    root = corpora.build_corpus("oracle-ruby")
    manifest = corpora.read_manifest("oracle-ruby")
    assert manifest is not None
    fetched = {p["name"]: p for p in manifest["packages"]}
    assert set(fetched) == set(corpora.RUBY_DEBS)
    # Exactly the selected files of each package, as the archive lists them, and nothing else.
    expected: set[str] = set()
    for name, package in fetched.items():
        assert package["pinned"] == corpora.RUBY_DEBS[name]
        files = deb_files(name, package["version"], GEMS, "*.rb")
        assert package["files"] == len(files) > 0
        expected.update(files)
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk == expected
    assert not any(p.is_symlink() for p in root.rglob("*"))
    # One folder per gem, named as Debian ships it.
    assert {p.name for p in root.iterdir()} == {f.split("/")[0] for f in expected}
    assert manifest["files_by_language"] == {"ruby": len(expected)}

    # A second call reuses the cached build: same root, manifest untouched.
    marker = root.parent / corpora.MANIFEST
    before = marker.stat().st_mtime_ns
    assert corpora.build_corpus("oracle-ruby") == root
    assert marker.stat().st_mtime_ns == before
    assert corpora.is_built("oracle-ruby")


@pytest.mark.slow
def test_a_pin_the_archive_dropped_is_built_at_the_version_it_serves(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    gone = "0.0.1-0+deb12u99"
    offered = corpora.parse_apt_policy(
        subprocess.run(
            ["apt-cache", "policy", "ruby-thor"], capture_output=True, text=True, check=True
        ).stdout
    )
    versions, candidate = offered["ruby-thor"]
    assert candidate in versions and gone not in versions
    dropped = corpora.Corpus(
        "dropped-pin",
        "ruby-thor pinned at a version Debian never had",
        (corpora.Source("deb", "ruby-thor", gone, subdir=GEMS, include=("*.rb",)),),
    )
    root = corpora.build(dropped, cache=tmp_path)

    warning = f"corpus dropped-pin: deb ruby-thor pinned {gone}, got {candidate}"
    assert [line for line in capfd.readouterr().err.splitlines() if "pinned" in line] == [
        warning + " (the archive no longer serves the pinned version)"
    ]
    manifest = corpora._read_manifest(tmp_path / "dropped-pin")
    assert manifest is not None
    assert manifest["packages"] == [
        {
            "kind": "deb",
            "name": "ruby-thor",
            "version": candidate,
            "pinned": gone,
            "files": manifest["files_by_language"]["ruby"],
        }
    ]
    assert manifest["files_by_language"]["ruby"] == len(list(root.rglob("*.rb"))) > 10
    assert [s.describe() for s in corpora.substitutions_of(manifest)] == [
        warning + " (the archive no longer serves the pinned version)"
    ]
    # Taken back out: this corpus is the test's own, not one the session's figures come from.
    assert corpora.SUBSTITUTIONS.pop(("dropped-pin", "ruby-thor")).version == candidate


def test_apt_policy_is_read_per_package_with_its_candidate() -> None:
    text = (
        "roundcube-core:\n"
        "  Installed: (none)\n"
        "  Candidate: 1.6.5+dfsg-1+deb12u14\n"
        "  Version table:\n"
        "     1.6.5+dfsg-1+deb12u14 500\n"
        "        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n"
        "     1.6.5+dfsg-1+deb12u9 500\n"
        "        500 http://deb.debian.org/debian bookworm/main amd64 Packages\n"
        "hostname:\n"
        "  Installed: 3.23+nmu1\n"
        "  Candidate: 3.23+nmu1\n"
        "  Version table:\n"
        " *** 3.23+nmu1 100\n"
        "        100 /var/lib/dpkg/status\n"
        "gone-package:\n"
        "  Installed: (none)\n"
        "  Candidate: (none)\n"
        "  Version table:\n"
    )
    assert corpora.parse_apt_policy(text) == {
        "roundcube-core": (
            ("1.6.5+dfsg-1+deb12u14", "1.6.5+dfsg-1+deb12u9"),
            "1.6.5+dfsg-1+deb12u14",
        ),
        "hostname": (("3.23+nmu1",), "3.23+nmu1"),
    }


@pytest.mark.slow
def test_failed_build_names_the_package_and_is_not_marked_complete(tmp_path: Path) -> None:
    good = corpora.Source(
        "deb",
        "ruby-thor",
        corpora.RUBY_DEBS["ruby-thor"],
        subdir=GEMS,
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


def test_a_package_the_archive_does_not_know_is_a_clear_error(tmp_path: Path) -> None:
    unknown = corpora.Corpus(
        "unknown-package",
        "a package name Debian has never had",
        (corpora.Source("deb", "parseltongue-no-such-package", "1.0-1"),),
    )
    with pytest.raises(corpora.CorpusError, match="no package parseltongue-no-such-package"):
        corpora.build(unknown, cache=tmp_path)
    assert not (tmp_path / "unknown-package").exists()


def test_unknown_corpus_is_a_clear_error() -> None:
    with pytest.raises(corpora.CorpusError, match="unknown corpus 'nope'.*rust"):
        corpora.build_corpus("nope")


def test_self_corpus_is_this_repository() -> None:
    assert corpora.build_corpus("self") == ROOT
