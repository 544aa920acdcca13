"""Package roots: where each file's module path starts, so that a project's module paths (and
with them its import-resolved edges) do not depend on which of its folders was ingested.

Each language file says what marks a root:
- `package_files` (Python's `__init__.py`): a folder holding one is a package named after
  the folder. The packages the ingested folder sits in (it and the folders above it, while
  each holds one) begin the module paths of its files: `django/` ingested alone still
  answers to `django/db/models/base`, as when its parent is ingested.
- `root_manifests` (Go's `go.mod`): a folder holding one is the root of a module the file
  names (`module github.com/spf13/cobra`); the files below it, up to the next such folder,
  answer to that name followed by their path under the folder. The nearest manifest counts,
  inside the ingested folder or above it. A manifest may name a `source` folder beside it
  (Cargo's `src`): the files under it answer to the name and their path under that folder
  (`serde/src/de.rs` is `serde/de`), so `crate::de` and another crate's `serde::de` meet; the
  files beside it answer to the name and their path under the manifest's folder
  (`serde/build`), but a path from their root is their own (a crate's `tests/` are crates).

Where nothing marks a root, a file's module path is its path under the ingested folder.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from parseltongue.languages import LANGUAGES, LanguageSpec, RootManifest

# A manifest is a small file: one larger than this is not read for a name.
MAX_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True)
class PackageRoots:
    """The module names that replace folders in module paths, per language: (language,
    folder under the ingested root, "" for the root itself, module name) rows."""

    rows: tuple[tuple[str, str, str], ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    """(language, folder) of the roots that are a manifest's source folder (a Rust crate's
    `src/`): where a path from the module's root (`crate::`) starts at its name."""

    @cached_property
    def _names(self) -> dict[str, dict[str, str]]:
        names: dict[str, dict[str, str]] = defaultdict(dict)
        for language, folder, name in self.rows:
            names[language][folder] = name
        return dict(names)

    def module_file_path(self, file_path: str, language: str) -> str:
        """The path a file's module paths are made from: its path under the ingested root,
        the folder of its nearest root replaced by the module that root names."""
        names = self._names.get(language)
        if not names:
            return file_path
        folder = file_path
        while folder:
            folder = posixpath.dirname(folder)
            name = names.get(folder)
            if name is not None:
                rest = file_path[len(folder) + 1:] if folder else file_path
                return f"{name}/{rest}"
        return file_path

    def root_name(self, file_path: str, language: str) -> str | None:
        """The module name of the nearest root above a file when that root is a source
        folder (a Rust crate's `src/`, where `crate::` paths start), or None (a crate's
        `tests/` are crates of their own)."""
        names = self._names.get(language)
        folder = file_path
        while names and folder:
            folder = posixpath.dirname(folder)
            name = names.get(folder)
            if name is not None:
                return name if (language, folder) in self.sources else None
        return None

    def to_json(self) -> str:
        """The rows as JSON text (what the database records of an ingestion): a list of
        rows, or {rows, sources} where a root is a source folder."""
        rows = [list(row) for row in self.rows]
        if not self.sources:
            return json.dumps(rows, separators=(",", ":"))
        sources = [list(source) for source in self.sources]
        return json.dumps({"rows": rows, "sources": sources}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> PackageRoots:
        """Rows read back from `to_json`'s text; none for missing or unreadable text."""
        try:
            value = json.loads(text or "[]")
            rows, sources = (
                (value, []) if isinstance(value, list) else (value["rows"], value["sources"])
            )
            return cls(
                tuple((str(a), str(b), str(c)) for a, b, c in rows),
                tuple((str(a), str(b)) for a, b in sources),
            )
        except (ValueError, TypeError):
            return cls()

    def differ_for(self, other: PackageRoots, files: Iterable[tuple[str, str]]) -> bool:
        """Whether any of these (path, language) files has another module path under
        `other`."""
        return any(
            self.module_file_path(path, language) != other.module_file_path(path, language)
            for path, language in files
        )


NO_ROOTS = PackageRoots()


@dataclass
class _Finder:
    root: Path
    manifest_names: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def package_prefix(self, spec: LanguageSpec) -> str:
        """The packages the ingested folder sits in, outermost first (`django/db`)."""
        names: list[str] = []
        folder = self.root.resolve()
        while folder.name and any((folder / marker).is_file() for marker in spec.package_files):
            names.insert(0, folder.name)
            folder = folder.parent
        return "/".join(names)

    def manifest_roots(
        self, spec: LanguageSpec, folders: set[str]
    ) -> list[tuple[str, str, bool]]:
        """(folder, module name, whether the folder is the manifest's source folder) of every
        manifest on the way up from these folders."""
        found: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for start in folders:
            folder = start
            while folder not in seen:
                seen.add(folder)
                named = self._manifest_name(spec, self.root / folder)
                if named is not None:
                    name, source = named
                    found.append((folder, name, False))
                    if source:
                        found.append((posixpath.join(folder, source), name, True))
                if not folder:
                    break
                folder = posixpath.dirname(folder)
        if "" in seen and not any(folder == "" for folder, _, _ in found):
            above = self._manifest_above(spec)
            if above is not None:
                found.append(("", *above))
        return found

    def _manifest_above(self, spec: LanguageSpec) -> tuple[str, bool] | None:
        """The module the ingested folder lies in by a manifest above it, with the path
        from that manifest's folder down (`github.com/spf13/cobra/doc`), and whether the
        folder lies in the manifest's source folder."""
        resolved = self.root.resolve()
        for folder in resolved.parents:
            named = self._manifest_name(spec, folder)
            if named is not None:
                name, source = named
                below = resolved.relative_to(folder).as_posix()
                inside = bool(source) and (below == source or below.startswith(f"{source}/"))
                if inside:
                    below = below[len(source) + 1:]  # `src/de` of a crate is `crate/de`
                return (f"{name}/{below}" if below else name), inside
        return None

    def _manifest_name(self, spec: LanguageSpec, folder: Path) -> tuple[str, str] | None:
        """The module name the folder's manifest gives, with the manifest's source folder."""
        for manifest in spec.root_manifests:
            memo = (str(folder / manifest.file), manifest.field + "\0" + manifest.pattern)
            if memo not in self.manifest_names:
                self.manifest_names[memo] = read_manifest_name(folder / manifest.file, manifest)
            name = self.manifest_names[memo]
            if name is not None:
                return name, manifest.source
        return None


def read_manifest_name(path: Path, manifest: RootManifest) -> str | None:
    """The module name a manifest gives, or None (no file, unreadable, no such name)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
        value: Any
        if manifest.pattern:
            match = re.search(manifest.pattern, text, re.MULTILINE)
            value = match.group(1) if match else None
        else:
            value = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
            for part in manifest.field.split("."):
                value = value.get(part) if isinstance(value, dict) else None
    except (OSError, ValueError, UnicodeDecodeError, IndexError):
        return None
    if not isinstance(value, str):
        return None
    name = value.strip().strip("/")
    for written, meant in manifest.replace:
        name = name.replace(written, meant)
    return name or None


def find_package_roots(root: Path, files: Iterable[tuple[str, str]]) -> PackageRoots:
    """The roots that begin the module paths of these (path under `root`, language) files."""
    folders: dict[str, set[str]] = defaultdict(set)
    for path, language in files:
        folders[language].add(posixpath.dirname(path))
    specs = {
        spec.name: spec
        for spec in LANGUAGES
        if spec.name in folders and (spec.package_files or spec.root_manifests)
    }
    finder = _Finder(root)
    rows: list[tuple[str, str, str]] = []
    sources: list[tuple[str, str]] = []
    for language, spec in specs.items():
        if spec.package_files:
            prefix = finder.package_prefix(spec)
            if prefix:
                rows.append((language, "", prefix))
        if spec.root_manifests:
            for folder, name, is_source in finder.manifest_roots(spec, folders[language]):
                rows.append((language, folder, name))
                if is_source:
                    sources.append((language, folder))
    return PackageRoots(tuple(sorted(set(rows))), tuple(sorted(set(sources))))
