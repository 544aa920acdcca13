"""Reading a change: `git diff --unified=0` in a work tree, or a unified diff given as text,
parsed with unidiff into what each file's change removed and added, line by line.

Paths come out relative to the ingested folder, which may sit anywhere inside the work tree.
A file the change cannot be read for (binary, a submodule, outside the folder, a diff that
does not match the file on disk) is skipped with its reason, never an error of the whole.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

ADDED, MODIFIED, REMOVED = "added", "modified", "removed"
# A git command that runs longer than this is stopped (a diff of a huge tree, a hung hook).
GIT_TIMEOUT_SECONDS = 60


class DiffError(ValueError):
    """A change that cannot be read at all: not a work tree, an unknown revision, text that
    is no unified diff. The message is one line a user can act on."""


@dataclass(frozen=True)
class Hunk:
    """One hunk of a file's diff: where it sits on each side (line numbers), and the lines
    it removes and adds (text without the line break)."""

    removed_lines: range
    """The old file's line numbers this hunk removes."""
    added_lines: range
    """The new file's line numbers this hunk adds."""
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class FileDiff:
    """The change of one file: its path under the ingested folder (the old path for a removed
    file), whether it was added, modified or removed, and its hunks."""

    path: str
    status: str
    hunks: tuple[Hunk, ...]

    def old_text(self, new_lines: list[str]) -> list[str]:
        """The file before the change, from its lines now and the hunks (with --unified=0 a
        hunk holds every line it replaces, so the old file is exactly recoverable). Raises
        DiffError naming the first line where the file on disk is not what the diff added."""
        old: list[str] = []
        taken = 0  # lines of the new file copied or replaced so far
        for hunk in self.hunks:
            added = hunk.added_lines
            # A hunk adding nothing sits after its start line; else it starts there.
            before = added.start if not added else added.start - 1
            if before < taken or before + len(added) > len(new_lines):
                raise DiffError(
                    f"{self.path}: the diff's lines {added.start}.."
                    f"{added.stop - 1} are not in the file on disk"
                )
            old.extend(new_lines[taken:before])
            for number, text in zip(added, hunk.added, strict=True):
                if new_lines[number - 1] != text:
                    raise DiffError(
                        f"{self.path}: line {number} on disk is not the line the diff adds"
                    )
            old.extend(hunk.removed)
            taken = before + len(added)
        old.extend(new_lines[taken:])
        return old


@dataclass(frozen=True)
class SkippedFile:
    """A file of the change that is not analysed, and why."""

    path: str
    reason: str


@dataclass
class ReadChange:
    """A change as read: the files to analyse and the files skipped."""

    files: list[FileDiff] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    source: str = ""
    """What the change is (`git diff HEAD`, `a posted diff`)."""


def _line_text(value: str) -> str:
    return value.rstrip("\r\n")


def parse_unified_diff(text: str, folder_prefix: str = "", source: str = "a diff") -> ReadChange:
    """The files of a unified diff. Paths are taken as relative to the work tree's top when
    `folder_prefix` (the ingested folder under that top, "pkg/" or "") begins them, else as
    relative to the ingested folder; a path leaving the folder is skipped."""
    try:
        patch = PatchSet(text)
    except UnidiffParseError as error:
        raise DiffError(f"not a unified diff: {error}") from None
    if not patch and text.strip():
        raise DiffError("not a unified diff: no file header (--- a/PATH, +++ b/PATH) found")
    read = ReadChange(source=source)
    for patched in patch:
        path = patched.path
        if folder_prefix:
            if not path.startswith(folder_prefix):
                read.skipped.append(SkippedFile(path, "outside the ingested folder"))
                continue
            path = path[len(folder_prefix):]
        parts = PurePosixPath(path).parts
        if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
            read.skipped.append(SkippedFile(path, "outside the ingested folder"))
            continue
        if patched.is_binary_file:
            read.skipped.append(SkippedFile(path, "a binary file"))
            continue
        if getattr(patched, "is_submodule", False):
            read.skipped.append(SkippedFile(path, "a submodule"))
            continue
        status = (
            ADDED if patched.is_added_file else REMOVED if patched.is_removed_file else MODIFIED
        )
        hunks = tuple(
            Hunk(
                range(hunk.source_start, hunk.source_start + hunk.source_length),
                range(hunk.target_start, hunk.target_start + hunk.target_length),
                tuple(_line_text(line.value) for line in hunk if line.is_removed),
                tuple(_line_text(line.value) for line in hunk if line.is_added),
            )
            for hunk in patched
        )
        read.files.append(FileDiff(path, status, hunks))
    return read


def _git(work_tree: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotePath=false", *arguments], cwd=work_tree,
            capture_output=True, text=True, encoding="utf-8", errors="surrogateescape",
            timeout=GIT_TIMEOUT_SECONDS, check=False,
        )
    except FileNotFoundError:
        raise DiffError("git is not installed (no `git` on the PATH)") from None
    except subprocess.TimeoutExpired:
        raise DiffError(f"git {arguments[0]} took over {GIT_TIMEOUT_SECONDS} s") from None


def work_tree_prefix(folder: Path) -> tuple[Path, str] | None:
    """The top of the git work tree holding `folder`, and `folder` under it ("pkg/", or ""
    at the top); None when `folder` is in no work tree."""
    if not folder.is_dir():
        return None
    found = _git(folder, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        return None
    top = Path(found.stdout.strip()).resolve()
    relative = folder.resolve().relative_to(top).as_posix()
    return top, "" if relative == "." else relative + "/"


def read_git_change(folder: Path, base: str | None = None, staged: bool = False) -> ReadChange:
    """The change of the ingested `folder` in its git work tree: the files on disk against
    `base` (default HEAD, untracked files included as added), or with `staged` the index
    against it. DiffError when `folder` is in no work tree or `base` names no commit."""
    located = work_tree_prefix(folder)
    if located is None:
        raise DiffError(f"{str(folder)!r} is not in a git work tree")
    top, prefix = located
    revision = base or "HEAD"
    if revision.startswith("-"):
        raise DiffError(f"unknown revision {revision!r}")
    verified = _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if verified.returncode != 0:
        if base is None:
            raise DiffError("the work tree has no commit yet: give --base REV")
        raise DiffError(f"unknown revision {revision!r} (no such commit in {str(top)!r})")
    command = ["diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames",
               "--src-prefix=a/", "--dst-prefix=b/"]
    if staged:
        command.append("--cached")
    command += [revision, "--", prefix or "."]
    diff = _git(top, *command)
    if diff.returncode != 0:
        raise DiffError(f"git diff failed: {diff.stderr.strip().splitlines()[-1:]}")
    source = f"git diff {'--cached ' if staged else ''}{revision}"
    read = parse_unified_diff(diff.stdout, prefix, source)
    if not staged:
        untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z", "--",
                         prefix or ".")
        for path in sorted(filter(None, untracked.stdout.split("\0"))):
            read.files.append(_untracked_file(top, path, prefix))
        if untracked.stdout:
            read.source += " (and untracked files)"
    return read


def _untracked_file(top: Path, path: str, prefix: str) -> FileDiff:
    """An untracked file as a diff adding every line of it (an unreadable or binary one adds
    none: it is then only a path, which the analysis skips as it would any such file)."""
    try:
        text = (top / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    lines = tuple(text.splitlines())
    hunk = Hunk(range(0), range(1, len(lines) + 1), (), lines)
    return FileDiff(path[len(prefix):], ADDED, (hunk,) if lines else ())
