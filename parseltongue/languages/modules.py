"""Module paths: the names a file answers to as a module, and where an import points.

Both sides use one canonical form, the `/`-joined path of the module under the ingested root
without extension (`networkx/algorithms/dag`, index files naming their folder), its nearest
package root named as that root says (`roots.py`: `django/` ingested alone still gives
`django/db/models/base`). A file answers to every suffix of its path (`algorithms/dag`,
`dag`), so an absolute import resolves whatever folder the ingestion started at; resolution
uses a suffix only where it names one module unit. Each language's rules are fields of its
language file: `module_unit`, `module_index_stems`, `import_style`, `import_separators`,
`package_files`, `root_manifests`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import cache

from parseltongue.languages import LANGUAGES, LanguageSpec, language_for_path
from parseltongue.languages.roots import NO_ROOTS, PackageRoots


@cache
def _source_extension() -> re.Pattern[str]:
    """Any extension a language claims, at the end of a path."""
    extensions = sorted({ext for spec in LANGUAGES for ext in spec.extensions}, key=len)
    return re.compile("(?:" + "|".join(re.escape(ext) for ext in reversed(extensions)) + ")$")


def _strip_extension(path: str) -> str:
    return _source_extension().sub("", path)


def module_unit_of_file(file_path: str, spec: LanguageSpec | None) -> str:
    """The module a file belongs to, as a path: the file itself, or its folder where the
    language groups a folder's files into one package (Go, Java)."""
    if spec is not None and spec.module_unit == "folder":
        return posixpath.dirname(file_path)
    path = _strip_extension(file_path)
    folder, _, stem = path.rpartition("/")
    if spec is not None and stem in spec.module_index_stems:
        return folder
    return path


def module_paths_for_file(
    file_path: str, spec: LanguageSpec | None, roots: PackageRoots = NO_ROOTS
) -> list[tuple[str, int, str]]:
    """(suffix, depth in segments, module unit) for every suffix of the file's module path
    (but a shorter one that starts like a module the language provides: `errors` of
    `github.com/pkg/errors` in Go)."""
    if spec is not None:
        file_path = roots.module_file_path(file_path, spec.name)
    unit = module_unit_of_file(file_path, spec)
    segments = [segment for segment in unit.split("/") if segment]
    provided = spec.provided_modules if spec is not None else frozenset()
    return [
        ("/".join(segments[start:]), len(segments) - start, unit)
        for start in range(len(segments))
        if start == 0 or segments[start] not in provided
    ]


def module_path_rows_of(
    file_paths: Iterable[str], roots: PackageRoots = NO_ROOTS
) -> list[list[str]]:
    """[module_path, file_path] of every module path these stored paths answer to (what
    remove_files removes; a path follows from the file's name and the package roots)."""
    return [
        [module_path, file_path]
        for file_path in file_paths
        if not file_path.endswith("/")  # a left-out folder's row: no module
        for module_path, _depth, _unit in module_paths_for_file(
            file_path, language_for_path(file_path), roots
        )
    ]


def normalise_import_module(
    written: str, file_path: str, spec: LanguageSpec | None, roots: PackageRoots = NO_ROOTS
) -> str:
    """The canonical module path an import names, relative imports made absolute; "" if none."""
    written = written.strip().strip("\"'<>`")
    if not written or spec is None:
        return ""
    module_file = roots.module_file_path(file_path, spec.name)
    if spec.import_style == "python":
        return _python_module(written, module_file)
    if spec.import_style == "rust":
        return _rust_module(written, module_file, spec, roots.root_name(file_path, spec.name))
    if written.startswith(("./", "../")):
        # Joined where the files are, then named by the target's own root (a relative import
        # may reach another package of a monorepo); above the ingested folder, by this one's.
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(file_path), written))
        if joined.startswith(".."):
            joined = posixpath.normpath(
                posixpath.join(posixpath.dirname(module_file), written)
            )
            if joined.startswith(".."):
                return ""
        else:
            joined = roots.module_file_path(joined, spec.name)
        return _strip_index(_strip_extension(joined), spec)
    separators = spec.import_separators or (".",)
    separator = next((each for each in separators if each in written), separators[-1])
    return _strip_extension(written.replace(separator, "/")).strip("/")


def _strip_index(path: str, spec: LanguageSpec) -> str:
    folder, _, stem = path.rpartition("/")
    return folder if stem in spec.module_index_stems else path


def _python_module(written: str, file_path: str) -> str:
    level = len(written) - len(written.lstrip("."))
    dotted = written[level:]
    rest = dotted.replace(".", "/")
    if level == 0:
        return rest
    # `from . import x` in pkg/a.py names pkg; each further dot climbs one folder.
    base = posixpath.dirname(file_path)
    for _ in range(level - 1):
        base = posixpath.dirname(base)
    return "/".join(part for part in (base, rest) if part)


def _rust_module(
    written: str, file_path: str, spec: LanguageSpec, crate: str | None = None
) -> str:
    """`crate::a::b` (from the crate's name where its Cargo.toml gives one, else from the
    innermost `src/` folder), `self::`/`super::` from the file's module, others as written."""
    segments = [segment for segment in written.split("::") if segment]
    if not segments:
        return ""
    here = module_unit_of_file(file_path, spec)
    if segments[0] == "crate" and crate is not None:
        return "/".join([crate, *segments[1:]])
    if segments[0] == "crate":
        # The crate's modules live under its `src/` folder (the innermost one on the path).
        parts = file_path.split("/")
        folders = parts[:-1]
        source_root = (
            "/".join(folders[: len(folders) - folders[::-1].index("src")])
            if "src" in folders
            else ""
        )
        return "/".join(part for part in (source_root, *segments[1:]) if part)
    if segments[0] in ("self", "super"):
        base = here
        while segments and segments[0] in ("self", "super"):
            if segments.pop(0) == "super":
                base = posixpath.dirname(base)
        return "/".join(part for part in (base, *segments) if part)
    return "/".join(segments)
