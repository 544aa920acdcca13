"""Pinned, reproducible corpora of real source code, built from packages the registries serve.

Tests and benchmarks must run on code we did not write. Every corpus here is a list of exact
package versions (Debian, PyPI, npm) plus the part of each package to keep; building one
downloads those versions with the registry's own client (which checks integrity), extracts
them, copies the chosen files into ``<cache>/<name>/src`` and only then writes
``<cache>/<name>/manifest.json``. The manifest is the completion marker: a corpus without it,
or whose manifest was made from a different pin list, is rebuilt from scratch. The manifest
records the version each package was actually fetched at: a Debian pin the archive has dropped
is fetched at the version it serves now, and said so on stderr (see "The pins").

Usage::

    from bench.corpora import build_corpus
    root = build_corpus("rust")            # -> Path to the corpus's source files

    python -m bench.corpora                # build every corpus, print what was built
    python -m bench.corpora list           # the corpora and their pins
    python bench/corpora.py build rust go  # build some

The cache is ``.cache/corpora`` at the top of the repository (git-ignored), or the folder named
by ``PARSELTONGUE_CORPORA_DIR``. Downloaded archives are kept in ``<cache>/downloads`` so that
corpora sharing a package (``multi`` reuses the Rust, Go and Python ones) fetch it once.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "PARSELTONGUE_CORPORA_DIR"
MANIFEST = "manifest.json"
# Bumped when the way a corpus is laid out changes, so old caches are rebuilt, not trusted
# (2: the manifest records the pinned and the fetched version of each package).
LAYOUT_VERSION = 2
# A registry client that hangs is a time-out, not an answer; give up with a clear error.
DOWNLOAD_TIMEOUT_S = 900

Kind = Literal["deb", "pypi", "npm"]


class CorpusError(RuntimeError):
    """A corpus could not be built; the message names the package and version at fault."""


@dataclass(frozen=True)
class Source:
    """One pinned package and which of its files go into a corpus.

    ``subdir`` is the folder inside the extracted package to take files from; ``include`` and
    ``exclude`` are fnmatch patterns on paths relative to ``subdir`` (``*`` crosses folders);
    an empty ``include`` keeps everything. Files land in ``src/<dest>/<path under subdir>``.
    """

    kind: Kind
    name: str
    version: str
    subdir: str = ""
    dest: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def pin(self) -> str:
        return f"{self.kind}:{self.name}={self.version}"


@dataclass(frozen=True)
class Corpus:
    name: str
    description: str
    sources: tuple[Source, ...] = ()
    # For the self corpus: a folder that already exists and is returned as it is.
    fixed_root: Path | None = field(default=None, kw_only=True)
    # Languages an oracle test compares on this corpus (ctags names), for the reader.
    ctags_languages: tuple[str, ...] = field(default=(), kw_only=True)
    # Extra ctags options the oracle needs on this corpus (ctags maps .h to C++/ObjectiveC).
    ctags_options: tuple[str, ...] = field(default=(), kw_only=True)

    def spec_hash(self) -> str:
        """A digest of the pins and selections: a changed pin invalidates the cached build."""
        payload = json.dumps(
            {"layout": LAYOUT_VERSION, "sources": [asdict(s) for s in self.sources]},
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# The pins. Versions are what Debian 12 (bookworm and its security suite), PyPI and npm served
# when these were chosen. PyPI and npm never change a version; Debian keeps one version per
# suite, and a security update or point release replaces it. A Debian pin the archive no longer
# serves is built at the version it serves now (`apt-cache policy`'s candidate), with one line
# on stderr (pinned X, got Y); the manifest records both, and the tests compare against the
# files actually fetched. Update the pin here when that line appears.
# --------------------------------------------------------------------------------------------

_CARGO = "usr/share/cargo/registry"
_GOCODE = "usr/share/gocode/src"
# Debian's packaging notes inside each crate are not the crate's source.
_CRATE_EXCLUDE = ("*/debian/*", "*/.cargo-checksum.json")

RUST_CRATES: dict[str, str] = {
    "aho-corasick": "0.7.19-1",
    "anyhow": "1.0.69-1",
    "bytes": "1.2.1-1",
    "chrono": "0.4.23-2",
    "clap": "4.0.32-1",
    "futures-util": "0.3.21-1",
    "gimli": "0.27.0-1",
    "hashbrown": "0.12.3-1",
    "hyper": "0.14.19-1",
    "indexmap": "1.9.2-1",
    "itertools": "0.10.3-1",
    "log": "0.4.17-3",
    "memchr": "2.5.0-1",
    "nom": "7.1.1-1",
    "proc-macro2": "1.0.47-1",
    "quote": "1.0.21-1",
    "rand": "0.8.5-1",
    "rayon": "1.6.1-1",
    "rayon-core": "1.10.1-1",
    "regex": "1.7.1-1",
    "regex-syntax": "0.6.27-1",
    "serde": "1.0.152-2",
    "serde-json": "1.0.87-1",
    "syn": "1.0.107-1",
    "time": "0.3.9-1+deb12u1",
    "tokio": "1.24.2-1",
    "tracing": "0.1.37-1",
}

GO_PACKAGES: dict[str, str] = {
    "golang-github-burntsushi-toml-dev": "1.2.0-2",
    "golang-github-gin-gonic-gin-dev": "1.8.1-1",
    "golang-github-google-go-cmp-dev": "0.5.9-1",
    "golang-github-gorilla-mux-dev": "1.8.0-1",
    "golang-github-pkg-errors-dev": "0.9.1-2",
    "golang-github-prometheus-client-golang-dev": "1.14.0-3",
    "golang-github-sirupsen-logrus-dev": "1.9.0-1",
    "golang-github-spf13-cobra-dev": "1.6.1-1",
    "golang-github-spf13-pflag-dev": "1.0.6~git20210604-d5e0c0615ace-1",
    "golang-github-stretchr-testify-dev": "1.8.1-1",
    "golang-github-urfave-cli-dev": "1.22.9-2",
    "golang-gopkg-yaml.v3-dev": "3.0.1-3",
    # x/net is the big one (4.6 MB of Go); x/text is left out: 37 MB of generated tables.
    "golang-golang-x-net-dev": "1:0.7.0+dfsg-1",
}

DJANGO = ("django", "5.2.19")
RUBY_DEBS = {
    "ruby-i18n": "1.10.0-2",
    "ruby-rack": "2.2.22-0+deb12u2",
    "ruby-rspec-core": "3.12.0c0e1m1s0-1",
    "ruby-thor": "1.2.1-2",
}
PHP_DEBS = {
    "php-guzzlehttp-psr7": "2.4.5-1+deb12u1",
    "php-monolog": "2.9.1-1",
    "php-symfony-console": "5.4.53+dfsg-0+deb12u1",
    "php-twig": "3.5.1-1+deb12u3",
}
NPM_TS = {
    "@tanstack/query-core": "5.108.0",
    # Ships a few .tsx sources (React hooks and components).
    "@tanstack/react-query": "5.108.0",
    "@trpc/server": "11.25.2",
    "immer": "10.1.1",
    "rxjs": "7.8.2",
    "zod": "3.25.76",
}
NPM_JS = {
    "@typescript-eslint/typescript-estree": "8.73.0",
    "express": "5.3.0",
    "lodash": "4.18.1",
}
REACT_NATIVE = ("react-native", "0.88.1")
CAPACITOR_ANDROID = ("@capacitor/android", "8.5.2")
CAPACITOR_IOS = ("@capacitor/ios", "8.5.2")
PSUTIL = ("psutil", "7.2.2")
PYTHONNET = ("pythonnet", "3.2.1")
# The Python call-edge oracle's held-out library: large, object-oriented, used by no test
# of extraction (networkx is what the Jedi test in the suite runs on).
SQLALCHEMY = ("sqlalchemy", "2.0.36")
ROUNDCUBE = ("roundcube-core", "1.6.5+dfsg-1+deb12u13")
PGTAP = ("postgresql-15-pgtap", "1.2.0-3")

# Source maps and minified bundles are build output, not source anyone reads.
_NPM_EXCLUDE = ("*.map", "*.min.js")


def _slug(npm_name: str) -> str:
    return npm_name.lstrip("@").replace("/", "-")


def _crate(name: str, include: tuple[str, ...] = (), dest: str = "") -> Source:
    return Source(
        "deb",
        f"librust-{name}-dev",
        RUST_CRATES[name],
        subdir=_CARGO,
        dest=dest,
        include=include,
        exclude=_CRATE_EXCLUDE,
    )


def _go(pkg: str, include: tuple[str, ...] = (), dest: str = "") -> Source:
    return Source("deb", pkg, GO_PACKAGES[pkg], subdir=_GOCODE, dest=dest, include=include)


def _npm(name: str, version: str, include: tuple[str, ...] = (), dest: str = "") -> Source:
    return Source(
        "npm",
        name,
        version,
        subdir="package",
        dest=dest or f"{_slug(name)}-{version}",
        include=include,
        exclude=_NPM_EXCLUDE,
    )


_MULTI_CRATES = ("serde", "serde-json", "regex", "regex-syntax", "log", "bytes", "anyhow")
_MULTI_GO = (
    "golang-github-spf13-cobra-dev",
    "golang-github-spf13-pflag-dev",
    "golang-github-sirupsen-logrus-dev",
    "golang-github-stretchr-testify-dev",
    "golang-github-gorilla-mux-dev",
    "golang-github-google-go-cmp-dev",
    "golang-gopkg-yaml.v3-dev",
    "golang-github-burntsushi-toml-dev",
    "golang-github-pkg-errors-dev",
)
_ORACLE_CRATES = ("serde", "regex", "clap", "log", "bytes", "itertools")
_ORACLE_GO = _MULTI_GO
_RN = "ReactAndroid/src/main/java/com/facebook/react"


def _corpora() -> dict[str, Corpus]:
    rust = Corpus(
        "rust",
        "Rust crate sources from Debian's librust-*-dev packages (>= 15 MB of .rs)",
        tuple(_crate(n) for n in sorted(RUST_CRATES)),
    )
    python = Corpus(
        "python",
        f"Django {DJANGO[1]} sdist from PyPI: the .py files of the django package and its tests",
        (
            Source(
                "pypi",
                *DJANGO,
                subdir=f"django-{DJANGO[1]}",
                dest=f"django-{DJANGO[1]}",
                include=("django/*.py", "tests/*.py"),
            ),
        ),
    )
    go = Corpus(
        "go",
        "Go module sources from Debian's golang-*-dev packages",
        tuple(_go(p) for p in sorted(GO_PACKAGES)),
    )
    typescript = Corpus(
        "typescript",
        "TypeScript sources (src/) and JavaScript from npm packages",
        tuple(_npm(n, v) for n, v in sorted({**NPM_TS, **NPM_JS}.items())),
    )
    # Each language under its own top folder; only source files, so the count is exact.
    multi = Corpus(
        "multi",
        "Rust + Go + Python, ~1,400 files / ~12 MB: Rust crates and Go modules from Debian, "
        "the django package from PyPI (for the ingestion integrity test)",
        tuple(_crate(n, ("*.rs",), dest="rust") for n in _MULTI_CRATES)
        + tuple(_go(p, ("*.go",), dest="go") for p in _MULTI_GO)
        + (
            Source(
                "pypi",
                *DJANGO,
                subdir=f"django-{DJANGO[1]}",
                dest="python",
                include=("django/*.py",),
            ),
        ),
    )
    oracle = {
        "java": Corpus(
            "oracle-java",
            "Java: Capacitor's Android runtime and React Native's Java classes (npm)",
            (
                _npm(*CAPACITOR_ANDROID, include=("*.java",)),
                _npm(*REACT_NATIVE, include=("*.java",)),
            ),
            ctags_languages=("Java",),
        ),
        "kotlin": Corpus(
            "oracle-kotlin",
            "Kotlin: part of React Native's Android sources (npm)",
            (
                _npm(
                    *REACT_NATIVE,
                    include=tuple(
                        f"{_RN}/{d}/*.kt"
                        for d in ("bridge", "modules", "animated", "common", "devsupport")
                    ),
                ),
            ),
            ctags_languages=("Kotlin",),
        ),
        "c": Corpus(
            "oracle-c",
            "C: psutil's C extension (PyPI sdist)",
            (
                Source(
                    "pypi",
                    *PSUTIL,
                    subdir=f"psutil-{PSUTIL[1]}",
                    dest=f"psutil-{PSUTIL[1]}",
                    include=("*.c", "*.h"),
                ),
            ),
            ctags_languages=("C",),
            ctags_options=("--map-C++=-.h", "--map-ObjectiveC=-.h", "--map-C=+.h"),
        ),
        "cpp": Corpus(
            "oracle-cpp",
            "C++: React Native's ReactCommon jsi, cxxreact, yoga and friends (npm)",
            (
                _npm(
                    *REACT_NATIVE,
                    include=tuple(
                        f"ReactCommon/{d}/*.{ext}"
                        for d in (
                            "jsi",
                            "cxxreact",
                            "yoga",
                            "jsiexecutor",
                            "callinvoker",
                            "reactperflogger",
                            "runtimeexecutor",
                        )
                        for ext in ("cpp", "h")
                    ),
                ),
            ),
            ctags_languages=("C++",),
            # A few headers would otherwise be guessed to be Objective-C.
            ctags_options=("--map-ObjectiveC=-.h",),
        ),
        "csharp": Corpus(
            "oracle-csharp",
            "C#: the Python.NET runtime (PyPI sdist of pythonnet)",
            (
                Source(
                    "pypi",
                    *PYTHONNET,
                    subdir=f"pythonnet-{PYTHONNET[1]}",
                    dest=f"pythonnet-{PYTHONNET[1]}",
                    include=("*.cs",),
                ),
            ),
            ctags_languages=("C#",),
        ),
        "ruby": Corpus(
            "oracle-ruby",
            "Ruby: rack, thor, i18n and rspec-core gems from Debian (rubygems-integration)",
            tuple(
                # Each gem is already in its own <gem>-<version> folder.
                Source(
                    "deb", n, v, subdir="usr/share/rubygems-integration/all/gems", include=("*.rb",)
                )
                for n, v in sorted(RUBY_DEBS.items())
            ),
            ctags_languages=("Ruby",),
        ),
        "php": Corpus(
            "oracle-php",
            "PHP: Symfony Console, Guzzle PSR-7, Monolog and Twig from Debian (usr/share/php)",
            tuple(
                Source("deb", n, v, subdir="usr/share/php", dest=n, include=("*.php",))
                for n, v in sorted(PHP_DEBS.items())
            ),
            ctags_languages=("PHP",),
        ),
        "python": Corpus(
            "oracle-python",
            "Python: SQLAlchemy's library (PyPI sdist, lib/sqlalchemy), held out from the tests "
            "for the Jedi call-edge comparison (bench/call_oracle.py)",
            (
                Source(
                    "pypi",
                    *SQLALCHEMY,
                    subdir=f"sqlalchemy-{SQLALCHEMY[1]}/lib",
                    include=("sqlalchemy/*.py",),
                ),
            ),
        ),
        "swift": Corpus(
            "oracle-swift",
            "Swift: Capacitor's iOS runtime (npm). Debian's ctags 5.9 has no Swift parser.",
            (_npm(*CAPACITOR_IOS, include=("*.swift",)),),
        ),
        "javascript": Corpus(
            "oracle-javascript",
            "JavaScript: lodash, express and typescript-estree's compiled JS (npm)",
            tuple(
                _npm(n, v, include=("*.js", "*.mjs", "*.cjs")) for n, v in sorted(NPM_JS.items())
            ),
            ctags_languages=("JavaScript",),
        ),
        "typescript": Corpus(
            "oracle-typescript",
            "TypeScript: the src/ folders of rxjs, zod, immer, TanStack Query, tRPC (npm)",
            tuple(_npm(n, v, include=("src/*.ts",)) for n, v in sorted(NPM_TS.items())),
            ctags_languages=("TypeScript",),
        ),
        "go": Corpus(
            "oracle-go",
            "Go: cobra, pflag, logrus, testify, mux, go-cmp, yaml.v3, toml, errors (Debian)",
            tuple(_go(p, ("*.go",)) for p in _ORACLE_GO),
            ctags_languages=("Go",),
        ),
        "rust": Corpus(
            "oracle-rust",
            "Rust: serde, regex, clap, log, bytes, itertools crates (Debian)",
            tuple(_crate(n, ("*.rs",)) for n in _ORACLE_CRATES),
            ctags_languages=("Rust",),
        ),
        "sql": Corpus(
            "oracle-sql",
            "SQL: Roundcube's schemas and migrations (5 dialects) and pgTAP's PL/pgSQL (Debian)",
            (
                Source(
                    "deb",
                    *ROUNDCUBE,
                    subdir="usr/share/roundcube/SQL",
                    dest="roundcube",
                    include=("*.sql",),
                ),
                # pgtap.sql and the versioned scripts repeat pgtap-core + pgtap-schema;
                # keep each definition once.
                Source(
                    "deb",
                    *PGTAP,
                    subdir="usr/share/postgresql/15/extension",
                    dest="pgtap",
                    include=("pgtap-core.sql", "pgtap-schema.sql"),
                ),
            ),
            ctags_languages=("SQL",),
        ),
    }
    rust_crates = Corpus(
        "rust-crates",
        "serde, syn and regex-syntax as Debian ships them (the Rust extraction tests)",
        tuple(_crate(n) for n in ("regex-syntax", "serde", "syn")),
    )
    table = {c.name: c for c in (rust, python, go, typescript, multi, rust_crates)}
    table.update({c.name: c for c in oracle.values()})
    table["self"] = Corpus(
        "self", "This repository (the PRD's self-analysis)", fixed_root=REPO_ROOT
    )
    return table


CORPORA: dict[str, Corpus] = _corpora()
# Language (as Parseltongue names it) -> the corpus its ctags oracle test runs on.
ORACLE_CORPORA: dict[str, str] = {
    lang: f"oracle-{lang}"
    for lang in (
        "java",
        "kotlin",
        "c",
        "cpp",
        "csharp",
        "ruby",
        "php",
        "swift",
        "javascript",
        "typescript",
        "go",
        "rust",
        "sql",
    )
}

# Extension -> language, for the counts a build prints (not the ingestion's own registry).
_LANG_BY_EXT = {
    ".rs": "rust",
    ".go": "go",
    ".py": "python",
    ".pyi": "python",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".c": "c",
    ".h": "c/c++ header",
    ".cpp": "cpp",
    ".cc": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".sql": "sql",
    ".m": "objc",
    ".mm": "objc",
}


def language_of(path: Path) -> str:
    # Declaration files are types only; counted apart so "typescript" means code.
    if path.name.endswith((".d.ts", ".d.mts", ".d.cts")):
        return "typescript-decl"
    return _LANG_BY_EXT.get(path.suffix.lower(), "other")


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where corpora are cached: $PARSELTONGUE_CORPORA_DIR, else .cache/corpora in the repo."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser().resolve() if env else REPO_ROOT / ".cache" / "corpora"


def corpus_root(name: str, *, cache: Path | None = None) -> Path:
    """The folder a built corpus's source files live in (it may not be built yet)."""
    corpus = _get(name)
    if corpus.fixed_root is not None:
        return corpus.fixed_root
    return (cache or cache_dir()) / name / "src"


def is_built(name: str, *, cache: Path | None = None) -> bool:
    corpus = _get(name)
    if corpus.fixed_root is not None:
        return corpus.fixed_root.is_dir()
    manifest = _read_manifest((cache or cache_dir()) / name)
    return manifest is not None and manifest.get("spec_hash") == corpus.spec_hash()


def read_manifest(name: str, *, cache: Path | None = None) -> dict | None:
    """The manifest of a built corpus (packages, counts, sizes), or None if not built."""
    return _read_manifest((cache or cache_dir()) / name)


def build_corpus(name: str, *, cache: Path | None = None, log: bool = False) -> Path:
    """Build corpus ``name`` unless a complete build of the same pins is cached; return its root.

    Raises CorpusError naming the package and version when a download or extraction fails;
    nothing is marked complete then, and the next call starts over.
    """
    return build(_get(name), cache=cache, log=log)


def build(corpus: Corpus, *, cache: Path | None = None, log: bool = False) -> Path:
    """Build a Corpus given by value (tests use this for corpora not in CORPORA)."""
    if corpus.fixed_root is not None:
        return corpus.fixed_root
    return _build(corpus, cache or cache_dir(), log=log)


def _get(name: str) -> Corpus:
    try:
        return CORPORA[name]
    except KeyError:
        raise CorpusError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}") from None


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise builders of one corpus (a test and a benchmark may start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(corpus: Corpus, base: Path, *, log: bool) -> Path:
    folder = base / corpus.name
    root = folder / "src"
    with _locked(base / f".{corpus.name}.lock"):
        manifest = _read_manifest(folder)
        if manifest is not None and manifest.get("spec_hash") == corpus.spec_hash():
            _note_substitutions(manifest)
            return root
        started = time.perf_counter()
        # Build beside the final folder and swap it in whole, so a crash leaves no half corpus
        # where a reader would look.
        staging = base / f".{corpus.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "src").mkdir(parents=True)
        try:
            packages = _assemble(corpus, base / "downloads", staging / "src", log=log)
        except BaseException:
            # A failed or interrupted build leaves nothing behind that could pass for a corpus.
            shutil.rmtree(staging, ignore_errors=True)
            raise
        stats = _count(staging / "src")
        manifest = {
            "name": corpus.name,
            "description": corpus.description,
            "spec_hash": corpus.spec_hash(),
            "packages": packages,
            "build_seconds": round(time.perf_counter() - started, 1),
            **stats,
        }
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        # Written last: its presence is what says "complete".
        tmp = folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        tmp.rename(folder / MANIFEST)
        _note_substitutions(manifest)
        return root


def _note_substitutions(manifest: dict) -> None:
    for substitution in substitutions_of(manifest):
        SUBSTITUTIONS[(substitution.corpus, substitution.name)] = substitution


def _assemble(corpus: Corpus, downloads: Path, out: Path, *, log: bool) -> list[dict]:
    fetched = _settle_deb_versions(corpus, downloads)
    _prefetch_debs(fetched, downloads)
    packages = []
    for pinned, source in zip(corpus.sources, fetched, strict=True):
        if log:
            print(f"  {corpus.name}: {source.pin}", file=sys.stderr, flush=True)
        archive = _download(source, downloads)
        copied = _extract_selected(source, archive, out)
        if copied == 0:
            raise CorpusError(
                f"{source.pin}: no file matched {source.subdir!r} {source.include}; "
                "the package's layout changed or the selection is wrong"
            )
        packages.append(
            {
                "kind": source.kind,
                "name": source.name,
                # What was actually fetched; `pinned` is what the pin list asked for.
                "version": source.version,
                "pinned": pinned.version,
                "files": copied,
            }
        )
    return packages


# --------------------------------------------------------------------------------------------
# Debian versions: a pin at a point release disappears when an update replaces it.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Substitution:
    """A Debian package built at another version than its pin, because the archive dropped it."""

    corpus: str
    name: str
    pinned: str
    version: str

    def describe(self) -> str:
        return (
            f"corpus {self.corpus}: deb {self.name} pinned {self.pinned}, got {self.version} "
            "(the archive no longer serves the pinned version)"
        )


# Every substitution in the corpora this process built or read from the cache, so that a
# test session or a benchmark can say which versions its figures come from.
SUBSTITUTIONS: dict[tuple[str, str], Substitution] = {}
# `apt-get update` runs at most once a process (it takes seconds and needs root).
_apt_updated = False


def substitutions_of(manifest: dict) -> list[Substitution]:
    """The packages of a manifest whose fetched version differs from the pinned one."""
    return [
        Substitution(manifest.get("name", "?"), p["name"], p["pinned"], p["version"])
        for p in manifest.get("packages", [])
        if p.get("pinned", p["version"]) != p["version"]
    ]


def _settle_deb_versions(corpus: Corpus, downloads: Path) -> list[Source]:
    """The corpus's sources at the versions to fetch: the pin when it is cached or the archive
    offers it, else the archive's candidate version, with one line on stderr saying so."""
    settled = list(corpus.sources)
    unsure = [
        i
        for i, s in enumerate(settled)
        if s.kind == "deb" and _single_file(_download_folder(s, downloads)) is None
    ]
    if not unsure:
        return settled
    names = sorted({settled[i].name for i in unsure})
    offered = _apt_versions(names)
    pin_missing = any(
        settled[i].version not in offered.get(settled[i].name, ((), None))[0] for i in unsure
    )
    # The package lists may be older than the pin, or absent on a new machine: refresh them
    # once before deciding that a version is gone.
    if pin_missing and _refresh_package_lists():
        offered = _apt_versions(names)
    for i in unsure:
        source = settled[i]
        versions, candidate = offered.get(source.name, ((), None))
        if source.version in versions:
            continue
        if candidate is None:
            raise CorpusError(
                f"{source.pin}: the Debian archive has no package {source.name} "
                "(`apt-cache policy` lists no version)"
            )
        substitution = Substitution(corpus.name, source.name, source.version, candidate)
        print(substitution.describe(), file=sys.stderr, flush=True)
        settled[i] = replace(source, version=candidate)
    return settled


def _apt_versions(names: Sequence[str]) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """name -> (versions the archive offers, the candidate apt would fetch), from one
    `apt-cache policy` call; a package apt does not know is left out."""
    try:
        proc = subprocess.run(
            ["apt-cache", "policy", *names],
            capture_output=True,
            text=True,
            timeout=DOWNLOAD_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CorpusError(f"cannot ask apt which versions it offers: {exc}") from exc
    return parse_apt_policy(proc.stdout)


def parse_apt_policy(text: str) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Read `apt-cache policy NAME...`: each package's version table and its candidate."""
    found: dict[str, tuple[list[str], list[str | None]]] = {}
    current: tuple[list[str], list[str | None]] | None = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            current = found.setdefault(line[:-1], ([], [None]))
        elif current is None:
            continue
        elif line.startswith("  Candidate: "):
            value = line.split(":", 1)[1].strip()
            current[1][0] = None if value == "(none)" else value
        else:
            # A version row: " *** VERSION PRIORITY" (installed) or "     VERSION PRIORITY";
            # the rows under it, indented further, name the suites that carry it.
            row = _POLICY_VERSION_ROW.match(line)
            if row:
                current[0].append(row.group(1))
    return {
        name: (tuple(versions), candidate[0])
        for name, (versions, candidate) in found.items()
        if versions or candidate[0]
    }


_POLICY_VERSION_ROW = re.compile(r"^ (?:\*\*\*| {3}) (\S+) -?\d+$")


def _refresh_package_lists() -> bool:
    """`apt-get update`, at most once a process; False when it was done already or failed."""
    global _apt_updated
    if _apt_updated:
        return False
    _apt_updated = True
    try:
        proc = subprocess.run(
            ["apt-get", "update", "-q"], capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


_NOT_SOURCE_DIRS = {"__pycache__", "node_modules", "target", "build", "dist"}


def _count(root: Path, *, repo: bool = False) -> dict:
    files: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for path in _walk_files(root, repo=repo):
        lang = language_of(path)
        files[lang] += 1
        size[lang] += path.stat().st_size
    return {
        "files_total": sum(files.values()),
        "bytes_total": sum(size.values()),
        "files_by_language": dict(sorted(files.items())),
        "bytes_by_language": dict(sorted(size.items())),
    }


def _walk_files(root: Path, *, repo: bool = False) -> Iterator[Path]:
    for dirpath, dirs, names in os.walk(root):
        if repo:
            # The self corpus is a work tree: its .git, .venv and .cache are not its source.
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _NOT_SOURCE_DIRS]
        for n in names:
            yield Path(dirpath) / n


# --------------------------------------------------------------------------------------------
# Downloads: one folder per pinned package under downloads/, filled atomically.
# --------------------------------------------------------------------------------------------

def _download_folder(source: Source, downloads: Path) -> Path:
    safe = f"{source.name}={source.version}".replace("/", "_").replace(":", "_")
    return downloads / source.kind / safe


def _download(source: Source, downloads: Path) -> Path:
    """Return the archive of ``source``, fetching it once into the shared download cache."""
    target = _download_folder(source, downloads)
    safe = target.name
    existing = _single_file(target)
    if existing is not None:
        return existing
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{safe}.", dir=target.parent))
    try:
        if source.kind == "deb":
            _apt_download(source, tmp)
        elif source.kind == "pypi":
            # The sdist is the source; `--no-binary` names only this package, because pip
            # applies it to the build tools it installs to read the sdist's metadata too, and
            # building setuptools & co. from source takes minutes.
            _run(
                source,
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--no-binary",
                    source.name,
                    "--disable-pip-version-check",
                    "-q",
                    "-d",
                    str(tmp),
                    f"{source.name}=={source.version}",
                ],
            )
        else:
            _run(
                source,
                [
                    "npm",
                    "pack",
                    # --silent would also hide why a pack failed.
                    "--loglevel=error",
                    "--pack-destination",
                    str(tmp),
                    f"{source.name}@{source.version}",
                ],
            )
        if _single_file(tmp) is None:
            raise CorpusError(f"{source.pin}: the download produced no single archive")
        shutil.rmtree(target, ignore_errors=True)
        # Another build (of another corpus sharing this package) may have won the race; its
        # copy is as good as ours.
        with contextlib.suppress(OSError):
            tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    found = _single_file(target)
    if found is None:
        raise CorpusError(f"{source.pin}: could not store the download in {target}")
    return found


def _single_file(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    files = [p for p in folder.iterdir() if p.is_file()]
    return files[0] if len(files) == 1 else None


def _prefetch_debs(sources: Sequence[Source], downloads: Path) -> None:
    """Fetch all of a corpus's missing .debs with one apt-get call.

    Each apt-get call spends 1-3 s loading the package lists, which made that most of a cold
    build of 27 crates. On any failure this does nothing: the per-package downloads that
    follow fetch what is still missing and say which pin failed.
    """
    missing = [
        s
        for s in sources
        if s.kind == "deb" and _single_file(_download_folder(s, downloads)) is None
    ]
    if len(missing) < 2:
        return
    (downloads / "deb").mkdir(parents=True, exist_ok=True)
    batch = Path(tempfile.mkdtemp(prefix=".batch.", dir=downloads / "deb"))
    try:
        cmd = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root"]
        cmd += [f"{s.name}={s.version}" for s in missing]
        try:
            proc = subprocess.run(
                cmd, cwd=batch, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired):
            return
        if proc.returncode != 0:
            return
        for s in missing:
            # apt names a file <name>_<version, ':' as %3a>_<arch>.deb.
            prefix = f"{s.name}_{s.version.replace(':', '%3a')}_"
            found = [p for p in batch.glob("*.deb") if p.name.startswith(prefix)]
            if len(found) != 1:
                continue
            target = _download_folder(s, downloads)
            staged = Path(tempfile.mkdtemp(prefix=".staged.", dir=target.parent))
            found[0].rename(staged / found[0].name)
            with contextlib.suppress(OSError):
                staged.rename(target)
            shutil.rmtree(staged, ignore_errors=True)
    finally:
        shutil.rmtree(batch, ignore_errors=True)


def _apt_download(source: Source, dest: Path) -> None:
    # apt drops to the _apt user to download unless told not to; that user cannot write to
    # our temporary folder, and the warning it prints would hide real errors.
    cmd = [
        "apt-get",
        "download",
        "-q",
        "-o",
        "APT::Sandbox::User=root",
        f"{source.name}={source.version}",
    ]
    try:
        _run(source, cmd, cwd=dest)
    except CorpusError:
        # A fresh machine has no package lists until `apt-get update`; refresh once and retry.
        if not _refresh_package_lists():
            raise
        _run(source, cmd, cwd=dest)


def _run(
    source: Source, cmd: Sequence[str], *, cwd: Path | None = None, what: str | None = None
) -> None:
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=DOWNLOAD_TIMEOUT_S,
        )
    except FileNotFoundError as exc:
        raise CorpusError(f"{source.pin}: {cmd[0]} is not installed ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(
            f"{source.pin}: {what or cmd[0]} timed out after {DOWNLOAD_TIMEOUT_S}s"
        ) from exc
    if proc.returncode != 0:
        output = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        # The last lines say why; pip's list of every existing version is cut short.
        tail = [line[:240] for line in output if not line.startswith("WARNING")][-4:]
        raise CorpusError(
            f"failed to fetch {source.kind} package {source.name} version {source.version}"
            f" ({what or ' '.join(cmd)} exited {proc.returncode}): " + " | ".join(tail)
        )


# --------------------------------------------------------------------------------------------
# Extraction and selection
# --------------------------------------------------------------------------------------------


def _extract_selected(source: Source, archive: Path, out: Path) -> int:
    """Unpack ``archive`` to a scratch folder and copy the selected regular files into ``out``.

    Symlinks are dropped: Debian's Go packages link old import paths to new ones, which would
    duplicate files (and a link can point outside the corpus).
    """
    with tempfile.TemporaryDirectory(prefix="corpus-x-") as scratch:
        unpacked = Path(scratch)
        try:
            _unpack(archive, unpacked)
        except (
            OSError,
            tarfile.TarError,
            zipfile.BadZipFile,
            subprocess.CalledProcessError,
        ) as exc:
            raise CorpusError(f"{source.pin}: cannot extract {archive.name}: {exc}") from exc
        base = unpacked / source.subdir if source.subdir else unpacked
        if not base.is_dir():
            raise CorpusError(f"{source.pin}: the package has no folder {source.subdir!r}")
        dest_root = out / source.dest if source.dest else out
        copied = 0
        for dirpath, dirs, names in os.walk(base):
            dirs.sort()
            for n in sorted(names):
                path = Path(dirpath) / n
                if path.is_symlink() or not path.is_file():
                    continue
                rel = path.relative_to(base).as_posix()
                if source.include and not any(fnmatch.fnmatchcase(rel, p) for p in source.include):
                    continue
                if any(fnmatch.fnmatchcase(rel, p) for p in source.exclude):
                    continue
                target = dest_root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copied += 1
        return copied


def _unpack(archive: Path, into: Path) -> None:
    name = archive.name
    if name.endswith(".deb"):
        subprocess.run(["dpkg-deb", "-x", str(archive), str(into)], check=True, capture_output=True)
    elif name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, links out of the tree and devices.
            tar.extractall(into, filter="data")
    elif name.endswith((".zip", ".whl")):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise CorpusError(f"{name}: unsafe path {member!r} in archive")
            zf.extractall(into)
    else:
        raise CorpusError(f"{name}: unknown archive type")


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def ctags_command(name: str, *, cache: Path | None = None) -> list[str]:
    """The Universal Ctags command an oracle test runs on corpus ``name`` (JSON lines on stdout).

    Read its output with ``split("\\n")``, not ``splitlines()``: a tag's pattern can hold
    U+2028 or U+2029 (real JavaScript has them), which ``splitlines`` treats as line breaks,
    cutting a JSON object in two.
    """
    corpus = _get(name)
    return [
        "ctags",
        "--output-format=json",
        "--fields=+nKSel",
        *corpus.ctags_options,
        "-R",
        "-f",
        "-",
        str(corpus_root(name, cache=cache)),
    ]


def describe(name: str) -> str:
    """One corpus's description and pinned packages, as `list` prints it."""
    corpus = _get(name)
    lines = [f"{name}: {corpus.description}"]
    if corpus.fixed_root is not None:
        lines.append(f"    {corpus.fixed_root}")
    for s in corpus.sources:
        lines.append(f"    {s.kind:5} {s.name}=={s.version}")
    return "\n".join(lines)


def summary(name: str, *, cache: Path | None = None) -> str:
    """What a built corpus holds: packages and versions, files and MB per language."""
    corpus = _get(name)
    if corpus.fixed_root is not None:
        stats = _count(corpus.fixed_root, repo=True)
        manifest: dict = {"packages": [], **stats}
    else:
        manifest = read_manifest(name, cache=cache) or {}
    lines = [f"{name}  ->  {corpus_root(name, cache=cache)}"]
    for p in manifest.get("packages", []):
        pinned = p.get("pinned", p["version"])
        instead = f", pinned {pinned}" if pinned != p["version"] else ""
        lines.append(
            f"    {p['kind']:5} {p['name']}=={p['version']}  ({p['files']} files{instead})"
        )
    by_lang = manifest.get("files_by_language", {})
    by_size = manifest.get("bytes_by_language", {})
    for lang in sorted(by_lang, key=lambda k: -by_size.get(k, 0)):
        lines.append(f"    {lang:14} {by_lang[lang]:6} files  {by_size.get(lang, 0) / 1e6:8.2f} MB")
    lines.append(
        f"    {'total':14} {manifest.get('files_total', 0):6} files  "
        f"{manifest.get('bytes_total', 0) / 1e6:8.2f} MB"
        + (f"  (built in {manifest['build_seconds']} s)" if "build_seconds" in manifest else "")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["list"]:
        for name in CORPORA:
            print(describe(name))
        return 0
    if args[:1] == ["build"]:
        args = args[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(
            "usage: python -m bench.corpora [list | build] [NAME ...]\n"
            f"corpora: {' '.join(CORPORA)}\ncache: {cache_dir()} (${ENV_VAR})"
        )
        return 0
    names = args or list(CORPORA)
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        print(f"unknown corpus: {', '.join(unknown)}; known: {', '.join(CORPORA)}", file=sys.stderr)
        return 2
    for name in names:
        try:
            build_corpus(name, log=True)
        except CorpusError as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            return 1
        print(summary(name), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
