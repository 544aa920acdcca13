"""The TypeScript compiler as an independent resolver of call sites, for judging our call
edges in TypeScript (and JavaScript) as tests/jedi_oracle.py does with Jedi for Python.

`typescript_oracle.js` (beside this file) builds one program of a folder's files with a
pinned `typescript` package and asks the checker (`getSymbolAtLocation`, aliases followed,
narrowed by `getResolvedSignature`) where every call and `new` expression goes. The package
is installed with npm into a cache folder on first use, never into the project; its answers
are cached beside the corpora, keyed by the compiler's version, the script and the files'
contents.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.corpora import cache_dir

TYPESCRIPT_VERSION = "5.9.3"
SCRIPT = Path(__file__).with_name("typescript_oracle.js")
SOURCE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
NODE_TIMEOUT_SECONDS = 900


class OracleUnavailable(RuntimeError):
    """Node or npm is missing, or the compiler could not be installed."""


@dataclass(frozen=True)
class Target:
    """A definition the compiler says a call reaches: where its name is written."""

    file_path: str
    line: int
    name: str
    kind: str


@dataclass(frozen=True)
class CallAnswer:
    """One call site and the compiler's answer for it."""

    file_path: str
    line: int
    column: int
    name: str
    form: str
    """`f()`, `this.m()`, `super.m()`, `this.x.m()`, `local.m()`, `Name.m()`, `new X()`,
    `other` (calls on calls, subscripts, longer chains)."""
    found: bool
    """Whether the checker knows a symbol for the name (in the program or its libraries)."""
    targets: tuple[Target, ...]
    """The definitions inside the folder the call reaches (functions, methods, classes,
    constructors); empty for a parameter, a value, or a definition outside the folder."""


def node_available() -> bool:
    """Whether `node` and `npm` are on the PATH."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def typescript_module(version: str = TYPESCRIPT_VERSION) -> Path:
    """The folder of the pinned `typescript` package, installed with npm on first use."""
    if not node_available():
        raise OracleUnavailable("node and npm are needed for the TypeScript oracle")
    prefix = cache_dir().parent / "typescript-oracle" / version
    module = prefix / "node_modules" / "typescript"
    if (module / "package.json").is_file():
        return module
    prefix.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(prefix),
         f"typescript@{version}"],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0 or not (module / "package.json").is_file():
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
        raise OracleUnavailable(f"npm could not install typescript@{version}: {tail}")
    return module


def source_files(root: Path) -> list[str]:
    """The TypeScript and JavaScript files under `root`, relative, sorted."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.name.endswith(SOURCE_SUFFIXES)
        and "node_modules" not in path.relative_to(root).parts
    )


def _cache_file(root: Path, files: Iterable[str]) -> Path:
    digest = hashlib.blake2b(digest_size=12)
    digest.update(TYPESCRIPT_VERSION.encode())
    digest.update(SCRIPT.read_bytes())
    for file_path in files:
        digest.update(file_path.encode() + b"\0")
        digest.update(hashlib.blake2b((root / file_path).read_bytes()).digest())
    return cache_dir().parent / "oracle-answers" / f"typescript-{digest.hexdigest()}.json"


def compiler_answers(root: Path, files: list[str] | None = None) -> list[CallAnswer]:
    """The compiler's answer for every call site of the files (all of `root`'s by default)."""
    root = root.resolve()
    files = source_files(root) if files is None else sorted(files)
    cache_file = _cache_file(root, files)
    if cache_file.is_file():
        rows = json.loads(cache_file.read_text(encoding="utf-8"))
    else:
        module = typescript_module()
        result = subprocess.run(
            ["node", str(SCRIPT), str(module), str(root)], input="\n".join(files),
            capture_output=True, text=True, timeout=NODE_TIMEOUT_SECONDS,
        )
        if result.returncode != 0:
            raise OracleUnavailable(f"the TypeScript oracle failed: {result.stderr[-2000:]}")
        rows = [json.loads(line) for line in result.stdout.splitlines() if line]
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # Staged and swapped in whole: a cut-short run leaves no half answer behind.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=cache_file.parent, suffix=".partial", delete=False
        ) as staging:
            json.dump(rows, staging)
        Path(staging.name).replace(cache_file)
    return [
        CallAnswer(file_path, line, column, name, form, found,
                   tuple(Target(*target) for target in targets))
        for file_path, line, column, name, form, found, targets in rows
    ]
