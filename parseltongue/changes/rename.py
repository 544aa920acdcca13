"""Renaming an entity: its definition and every resolved reference site (the lines each edge
into it lists), as a unified diff, file by file; same-named references resolution could not
pin are listed apart for review, never edited.

Each edit carries a confidence from how resolution pinned its edge (a name found in the same
file or through an import is surer than a name that is merely unique in the codebase). The
plan refuses a name already taken in the entity's scope, and files changed on disk since they
were ingested (the sites' lines would no longer be the graph's).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from parseltongue.changes.impact import files_changed_on_disk
from parseltongue.codebase import Codebase

# The confidence of an edit, by the evidence that pinned its edge (resolve/rows.py's names).
CONFIDENCE_OF_RESOLUTION = {
    "local_scope": 0.95,
    "self": 0.95,
    "same_file": 0.95,
    "same_package": 0.95,
    "import": 0.95,
    "super": 0.9,
    "receiver_type": 0.8,
    "type_member": 0.8,
    "unique_name": 0.6,
}
DEFINITION = "definition"
# Renaming these is moving a file or retyping a block, not renaming a name.
NOT_RENAMED = frozenset({"module", "impl"})
# Most reference sites a plan reads; a name used more often is no rename to review by hand.
MAX_SITES = 100_000
MAX_REVIEW = 1000
_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")


class RenameError(ValueError):
    """A rename that cannot be planned or applied, with why (one line)."""


@dataclass(frozen=True)
class RenameEdit:
    """One line changed: the definition or a reference site, with its confidence."""

    file_path: str
    line: int
    kind: str
    """`definition`, or the edge types of the references on the line (`calls`, `imports`)."""
    resolution: str
    confidence: float
    from_key: str
    before: str
    after: str


@dataclass(frozen=True)
class ReviewItem:
    """A same-named reference left as it is: unresolved, or a site whose line does not name
    the entity (an alias, a macro)."""

    file_path: str
    line: int
    name: str
    edge_type: str
    from_key: str
    reason: str


@dataclass(frozen=True)
class RenamePlan:
    """What renaming `key` from `old_name` to `new_name` edits, and what it leaves for review."""

    key: str
    old_name: str
    new_name: str
    edits: tuple[RenameEdit, ...]
    review: tuple[ReviewItem, ...]
    diff: str
    """A unified diff of every edit, paths relative to the ingested folder (`git apply` or
    `patch -p1` there)."""
    review_truncated: bool = False

    @property
    def files(self) -> tuple[str, ...]:
        """The files edited, in path order."""
        return tuple(sorted({edit.file_path for edit in self.edits}))

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-ready values."""
        return {**asdict(self), "files": list(self.files)}


def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")


def _read_lines(root: Path, path: str) -> list[str]:
    """The file's lines with their line breaks (kept as they are: CRLF stays CRLF)."""
    data = (root / path).read_bytes()
    return data.decode("utf-8", "surrogateescape").splitlines(keepends=True)


def _definition_line(lines: list[str], start: int, end: int, signature: str, name: str) -> int:
    """The line of the entity's span that names it: the one holding the first line of its
    signature (a doc comment or attribute above may mention the name too), else the first
    naming it. 0 when none does."""
    word = _word(name)
    first = signature.strip().splitlines()[0].strip() if signature.strip() else ""
    span = range(start, min(end, len(lines)) + 1)
    if first and word.search(first):
        for number in span:
            if first in lines[number - 1] and word.search(lines[number - 1]):
                return number
    return next((number for number in span if word.search(lines[number - 1])), 0)


def plan_rename(codebase: Codebase, key: str, new_name: str) -> RenamePlan:
    """The plan for renaming entity `key` to `new_name`: every edit, the diff, the references
    left for review. RenameError when the name is no identifier or already taken in the
    scope, the entity is a module or block, or a file to edit changed since ingestion;
    UnknownEntityError for an unknown key."""
    entity = codebase.entity(key)
    old_name = entity.name
    if not _IDENTIFIER.match(new_name):
        raise RenameError(f"{new_name!r} is not an identifier")
    if new_name == old_name:
        raise RenameError(f"{key} is already named {new_name!r}")
    if entity.entity_type in NOT_RENAMED:
        raise RenameError(f"a {entity.entity_type} is not renamed by name ({key})")
    taken = codebase.named("entities_named_beside", key=key, name=new_name)
    if taken:
        raise RenameError(
            f"{new_name!r} already names an entity in the same scope "
            f"({taken[0]['file_path']}:{taken[0]['start_line']}, {taken[0]['key']})"
        )
    root = codebase.ingested_root()
    if root is None:
        raise RenameError("the database holds no ingestion: ingest the folder first")
    sites = codebase.references(key, edge_types=[], limit=MAX_SITES + 1)
    if len(sites) > MAX_SITES:
        raise RenameError(f"{old_name!r} has over {MAX_SITES:,} reference sites")
    files = sorted({entity.file_path, *(site.file_path for site in sites)})
    stale = files_changed_on_disk(codebase, root, files)
    if stale:
        raise RenameError(
            f"files changed on disk since they were ingested: {', '.join(stale[:5])}"
            f"{' ...' if len(stale) > 5 else ''}; ingest again (parseltongue ingest) first"
        )
    word = _word(old_name)
    texts = {path: _read_lines(root, path) for path in files}
    # One edit per line: the sites of several edges (an import and a call) may share one.
    wanted: dict[tuple[str, int], list[tuple[str, str, float, str]]] = {}
    definition = _definition_line(texts[entity.file_path], entity.start_line, entity.end_line,
                                  entity.signature, old_name)
    if definition == 0:
        raise RenameError(f"no line of {entity.file_path}:{entity.start_line}-"
                          f"{entity.end_line} names {old_name!r}; ingest again first")
    wanted[(entity.file_path, definition)] = [(DEFINITION, DEFINITION, 1.0, key)]
    review: list[ReviewItem] = []
    for site in sites:
        lines = texts[site.file_path]
        if site.line > len(lines) or not word.search(lines[site.line - 1]):
            review.append(ReviewItem(site.file_path, site.line, old_name, site.edge_type,
                                     site.from_key, "the line does not name it (an alias or "
                                     "a macro?): not edited"))
            continue
        confidence = CONFIDENCE_OF_RESOLUTION.get(site.resolution, 0.5)
        wanted.setdefault((site.file_path, site.line), []).append(
            (site.edge_type, site.resolution, confidence, site.from_key)
        )
    edits = []
    for (path, number), reasons in sorted(wanted.items()):
        before = texts[path][number - 1]
        after = word.sub(new_name, before)
        weakest = min(reasons, key=lambda reason: reason[2])
        kinds = ",".join(sorted({reason[0] for reason in reasons}))
        edits.append(RenameEdit(path, number, kinds, weakest[1], weakest[2], weakest[3],
                                before.rstrip("\r\n"), after.rstrip("\r\n")))
        texts[path][number - 1] = after
    unresolved = codebase.named("unresolved_named", name=old_name, language=entity.language,
                                limit=MAX_REVIEW + 1)
    review.extend(
        ReviewItem(row["file_path"], row["source_line"], row["name"], row["edge_type"],
                   row["from_key"], f"unresolved ({row['candidates']} candidates): not edited")
        for row in unresolved[:MAX_REVIEW]
    )
    review.sort(key=lambda item: (item.file_path, item.line, item.name, item.from_key))
    return RenamePlan(
        key, old_name, new_name, tuple(edits), tuple(review),
        _diff(root, sorted({edit.file_path for edit in edits}), texts),
        len(unresolved) > MAX_REVIEW,
    )


def _diff(root: Path, paths: Sequence[str], edited: dict[str, list[str]]) -> str:
    """The unified diff from the files on disk to the edited lines, file by file."""
    chunks = []
    for path in paths:
        before = _read_lines(root, path)
        for line in difflib.unified_diff(before, edited[path], f"a/{path}", f"b/{path}"):
            # difflib leaves a last line without its break as it is; a patch says so.
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            chunks.append(line)
    return "".join(chunks)


def apply_rename(codebase: Codebase, plan: RenamePlan) -> list[str]:
    """Write the plan's edits (each line must still be what the plan read) and re-read the
    edited files into the database; the files written. RenameError, with nothing written,
    when a file changed since the plan."""
    root = codebase.ingested_root()
    if root is None:
        raise RenameError("the database holds no ingestion: ingest the folder first")
    stale = files_changed_on_disk(codebase, root, plan.files)
    written: dict[str, list[str]] = {}
    for path in plan.files:
        lines = _read_lines(root, path)
        for edit in (edit for edit in plan.edits if edit.file_path == path):
            current = lines[edit.line - 1] if edit.line <= len(lines) else ""
            if path in stale or current.rstrip("\r\n") != edit.before:
                raise RenameError(f"{path} changed since the rename was planned; plan again")
            lines[edit.line - 1] = current.replace(edit.before, edit.after, 1)
        written[path] = lines
    for path, lines in written.items():
        (root / path).write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    codebase.update(root, list(written))
    return list(written)
