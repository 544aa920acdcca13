"""Collect the files to ingest, and say why every other file or folder was left out.

Collecting comes first and is cheap (names and `stat` only): reading, binary detection and
parsing happen later, in the parse workers, so the parent never reads a file twice.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from parseltongue.languages import language_for_path
from parseltongue.languages.roots import NO_ROOTS, PackageRoots

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024

# Folders that hold version control, dependencies, caches or build output, never sources of
# the project itself; pruned whole, with one row saying why. (`build/`, `dist/` are left to
# .gitignore: some projects keep real source under those names, e.g. a package named `build`.)
SKIPPED_FOLDER_REASONS: dict[str, str] = {
    ".git": "version control folder",
    ".hg": "version control folder",
    ".svn": "version control folder",
    "node_modules": "dependency folder (node_modules)",
    "bower_components": "dependency folder (bower_components)",
    "vendor": "vendored dependencies",
    "target": "build output (target)",
    ".next": "build output (.next)",
    ".gradle": "build cache (.gradle)",
    "__pycache__": "bytecode cache",
    ".mypy_cache": "tool cache",
    ".pytest_cache": "tool cache",
    ".ruff_cache": "tool cache",
    ".tox": "virtual environments (tox)",
    ".nox": "virtual environments (nox)",
    ".venv": "virtual environment",
    "venv": "virtual environment",
    ".idea": "editor settings",
    ".vscode": "editor settings",
}


@dataclass(frozen=True)
class CollectedFile:
    """A file to parse: where it is, how big, which language it is, and when it last changed."""

    relative_path: str
    absolute_path: str
    size_bytes: int
    language: str
    mtime_ns: int = 0
    """From the walk's own stat: an incremental run compares it with the stored stamp."""


@dataclass(frozen=True)
class SkippedPath:
    """A file or folder left out, with the reason a user can read (folders end with `/`)."""

    relative_path: str
    reason: str
    size_bytes: int = 0
    language: str = ""


@dataclass
class FileCollection:
    """What a walk found under `root`: the files to parse and everything left out."""

    root: Path
    files: list[CollectedFile] = field(default_factory=list)
    skipped: list[SkippedPath] = field(default_factory=list)
    package_roots: PackageRoots = NO_ROOTS
    """Where the files' module paths start (set by the pipeline: `find_package_roots`)."""

    @property
    def total_bytes(self) -> int:
        """Bytes of source to parse."""
        return sum(collected.size_bytes for collected in self.files)


@dataclass(frozen=True)
class _IgnoreRules:
    """The patterns of one `.gitignore`, which apply to paths below its folder."""

    folder: str  # relative to the root, "" for the root itself
    spec: pathspec.GitIgnoreSpec


def _load_gitignore(folder: Path, relative_folder: str) -> _IgnoreRules | None:
    gitignore = folder / ".gitignore"
    try:
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _IgnoreRules(relative_folder, pathspec.GitIgnoreSpec.from_lines(lines))


def _ignored_by(rules: list[_IgnoreRules], relative_path: str, is_folder: bool) -> str | None:
    """The `.gitignore` that excludes a path, or None; deeper files override shallower ones."""
    for rule in reversed(rules):
        below = relative_path[len(rule.folder) + 1 :] if rule.folder else relative_path
        result = rule.spec.check_file(below + "/" if is_folder else below)
        if result.include is True:
            return f"{rule.folder}/.gitignore" if rule.folder else ".gitignore"
        if result.include is False:  # a `!pattern` re-includes it
            return None
    return None


def _is_virtual_environment(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def collect_files_for_parallel_processing(
    root: str | Path,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    respect_gitignore: bool = True,
    excluded_paths: tuple[str | Path, ...] = (),
) -> FileCollection:
    """Walk `root` and list the source files to parse, sorted, and every path left out.

    Honours nested `.gitignore` files, prunes dependency/build/VCS folders and virtual
    environments, never follows symbolic links to folders (so link loops cannot trap it), and
    leaves out files over `max_file_bytes` or in no supported language. `excluded_paths`
    (the database being written, when it lives inside `root`) are left out as well.
    """
    root_path = Path(root)
    if not root_path.exists():
        raise FileNotFoundError(f"no such folder: {root}")
    if not root_path.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    collection = FileCollection(root=root_path.resolve())
    excluded = frozenset(str(Path(path).resolve()) for path in excluded_paths)
    walk = _Walk(collection, max_file_bytes, respect_gitignore, excluded)
    walk.folder(collection.root, "", [])
    collection.files.sort(key=lambda collected: collected.relative_path)
    collection.skipped.sort(key=lambda skipped: skipped.relative_path)
    return collection


EXCLUDED_PATH_REASON = "the database being written"


def collect_named_files(
    root: str | Path,
    relative_paths: list[str],
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    respect_gitignore: bool = True,
    excluded_paths: tuple[str | Path, ...] = (),
) -> FileCollection:
    """What a whole walk of `root` would say about these files only: collected, left out
    (with the same reason), or absent (missing, or inside a pruned folder).

    Re-indexing one file must agree with the walk, or the result would differ from a full
    rebuild; only the folders on each file's own path are read, not the whole tree.
    """
    collection = FileCollection(root=Path(root).resolve())
    excluded = frozenset(str(Path(path).resolve()) for path in excluded_paths)
    walk = _Walk(collection, max_file_bytes, respect_gitignore, excluded)
    for relative_path in sorted(set(relative_paths)):
        walk.named_file(relative_path)
    collection.files.sort(key=lambda collected: collected.relative_path)
    collection.skipped.sort(key=lambda skipped: skipped.relative_path)
    return collection


@dataclass
class _Walk:
    """One walk's settings and findings; `folder` recurses through the tree."""

    collection: FileCollection
    max_file_bytes: int
    respect_gitignore: bool
    excluded: frozenset[str]

    def folder(
        self, folder: Path, relative_folder: str, inherited_rules: list[_IgnoreRules]
    ) -> None:
        """Record a folder's files and left-out paths, and recurse into its sub-folders."""
        rules = inherited_rules
        if self.respect_gitignore:
            own_rules = _load_gitignore(folder, relative_folder)
            if own_rules is not None:
                rules = [*inherited_rules, own_rules]
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            self.collection.skipped.append(
                SkippedPath(
                    f"{relative_folder}/" if relative_folder else "./",
                    f"unreadable folder: {error.strerror}",
                )
            )
            return
        for entry in entries:
            relative_path = f"{relative_folder}/{entry.name}" if relative_folder else entry.name
            if self.excluded and entry.path in self.excluded:
                suffix = "/" if entry.is_dir(follow_symlinks=False) else ""
                self.collection.skipped.append(
                    SkippedPath(relative_path + suffix, EXCLUDED_PATH_REASON)
                )
                continue
            reason = _folder_skip_reason(entry, relative_path, rules)
            if reason == "":
                self.folder(Path(entry.path), relative_path, rules)
            elif reason is not None:
                self.collection.skipped.append(SkippedPath(relative_path + "/", reason))
            else:
                self.file(entry, relative_path, rules)

    def named_file(self, relative_path: str) -> None:
        """Record one file as `folder` would, descending only the folders on its path."""
        folder = self.collection.root
        rules: list[_IgnoreRules] = []
        parts = relative_path.split("/")
        for depth, name in enumerate(parts):
            if self.respect_gitignore:
                own_rules = _load_gitignore(folder, "/".join(parts[:depth]))
                if own_rules is not None:
                    rules = [*rules, own_rules]
            entry = _entry_named(folder, name)
            if entry is None:
                return  # missing: no row, as the walk would write none
            path_so_far = "/".join(parts[: depth + 1])
            if self.excluded and entry.path in self.excluded:
                if depth == len(parts) - 1 and not entry.is_dir(follow_symlinks=False):
                    self.collection.skipped.append(
                        SkippedPath(path_so_far, EXCLUDED_PATH_REASON)
                    )
                return
            reason = _folder_skip_reason(entry, path_so_far, rules)
            if depth == len(parts) - 1:
                if reason is None:  # a file, not a folder
                    self.file(entry, path_so_far, rules)
                return
            if reason is None:
                return  # a file where a folder was named: the walk records nothing below it
            if reason != "":
                # A pruned folder: the walk records the folder, and nothing below it.
                self.collection.skipped.append(SkippedPath(path_so_far + "/", reason))
                return
            folder = Path(entry.path)

    def file(
        self, entry: os.DirEntry[str], relative_path: str, rules: list[_IgnoreRules]
    ) -> None:
        """Collect a file, or record why it is left out."""
        language = language_for_path(relative_path)
        language_name = language.name if language else ""

        def skip(reason: str, size_bytes: int = 0) -> None:
            self.collection.skipped.append(
                SkippedPath(relative_path, reason, size_bytes, language_name)
            )

        # .gitignore first: an ignored file is reported as ignored, whatever else is wrong.
        ignored_by = _ignored_by(rules, relative_path, is_folder=False)
        if ignored_by:
            skip(f"ignored by {ignored_by}", _size_or_zero(entry))
            return
        try:
            status = entry.stat(follow_symlinks=True)
        except OSError as error:
            if error.errno == errno.ELOOP:
                skip("symbolic link loop")
            elif entry.is_symlink():
                skip("broken symbolic link (its target does not exist)")
            else:
                skip(f"cannot stat: {error.strerror}")
            return
        # is_symlink() reads the directory entry the walk already has: no call per file.
        if entry.is_symlink() and link_leads_outside(self.collection.root, entry.path):
            # The ingested root is a boundary: what lies outside it is not the codebase
            # (and a link to /etc/passwd would put that file's size and text in the graph).
            skip("symbolic link to a file outside the ingested root")
        elif not stat.S_ISREG(status.st_mode):
            # A FIFO or a device named like source would block or stream forever if read.
            skip("not a regular file (a pipe, socket or device)")
        elif language is None:
            skip("not a supported source language", status.st_size)
        elif status.st_size > self.max_file_bytes:
            skip(
                f"larger than the {self.max_file_bytes:,}-byte limit "
                f"({status.st_size:,} bytes)",
                status.st_size,
            )
        else:
            self.collection.files.append(
                CollectedFile(
                    relative_path, entry.path, status.st_size, language_name, status.st_mtime_ns
                )
            )


def _folder_skip_reason(
    entry: os.DirEntry[str], relative_path: str, rules: list[_IgnoreRules]
) -> str | None:
    """None for a non-folder, "" for a folder to enter, else why the folder is pruned."""
    try:
        if not entry.is_dir(follow_symlinks=True):
            return None
    except OSError:
        return None
    if entry.is_symlink():
        return "symbolic link to a folder, not followed"
    if entry.name in SKIPPED_FOLDER_REASONS:
        return SKIPPED_FOLDER_REASONS[entry.name]
    if _is_virtual_environment(Path(entry.path)):
        return "virtual environment (has pyvenv.cfg)"
    ignored_by = _ignored_by(rules, relative_path, is_folder=True)
    if ignored_by:
        return f"ignored by {ignored_by}"
    return ""


def link_leads_outside(root: Path, path: str | Path) -> bool:
    """Whether `path` is a symbolic link whose target, links resolved, lies outside `root`
    (the walk leaves such a file out; re-indexing it by name is refused)."""
    return os.path.islink(path) and not Path(os.path.realpath(path)).is_relative_to(
        Path(root).resolve()
    )


def _entry_named(folder: Path, name: str) -> os.DirEntry[str] | None:
    """The directory entry `name` of `folder`, or None (the walk works on entries, so the
    named-file path does too, and both classify a path the same way)."""
    try:
        with os.scandir(folder) as entries:
            return next((entry for entry in entries if entry.name == name), None)
    except OSError:
        return None


def _size_or_zero(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=True).st_size
    except OSError:
        return 0


# Files that mark the root of a Python project (the folder its packages are imported from).
PYTHON_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def _has_project_file(folder: Path) -> bool:
    return any((folder / name).is_file() for name in PYTHON_PROJECT_FILES)


def python_root_above(folder: Path) -> Path | None:
    """The folder to ingest instead of `folder` when `folder` is a Python package inside its
    project, else None.

    Its module paths keep the package's name (the package roots: `languages/roots.py`), but
    the rest of the project (its tests, scripts) is left out. `folder` is such a package when it
    holds `__init__.py` and its parent does too (a subpackage: the answer is the folder holding
    the topmost package), or when a project file sits beside it (`pyproject.toml`, `setup.py`,
    `setup.cfg`; also one level up from a `src/` layout: the answer is that project folder).
    """
    folder = folder.resolve()
    if not (folder / "__init__.py").is_file():
        return None
    top = folder
    while top.parent != top and (top.parent / "__init__.py").is_file():
        top = top.parent
    holder = top.parent
    if holder == top:  # the package is the filesystem root: nothing above to suggest
        return None
    if _has_project_file(holder):
        return holder
    if holder.name == "src" and _has_project_file(holder.parent):
        return holder.parent
    return holder if top != folder else None
