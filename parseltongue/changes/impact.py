"""What a change affects: the entities a diff touches, what depends on them hop by hop (with
the path that reaches each), the tests among them, and the changed entities in risk order.

The entities a file's change touches are read from the file itself, on both sides: the file
now (on disk) and the file before (the diff, applied backwards to it), each extracted as
ingestion extracts it, so keys match the database's. An entity whose key is only on the old
side was deleted, only on the new side added; one on both sides is modified when a removed
or added line is its own (the innermost entity holding that line: a changed method, not its
class and module). What depends on a deleted entity is read from the database before the
files are re-read (its rows go then). Files changed on disk since they were ingested are
re-read first (the incremental update), so the walk runs over the code as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from parseltongue.changes.diff import (
    ADDED,
    REMOVED,
    DiffError,
    FileDiff,
    ReadChange,
    SkippedFile,
    parse_unified_diff,
    read_git_change,
    work_tree_prefix,
)
from parseltongue.codebase import Codebase
from parseltongue.extract import extract_source
from parseltongue.languages import language_for_path
from parseltongue.model import content_hash_of

DEFAULT_HOPS = 2
DEFAULT_LIMIT = 1000
DEPENDENCY_EDGE_TYPES = ("calls", "uses", "implements", "extends")
MODIFIED_ENTITY, ADDED_ENTITY, DELETED_ENTITY = "modified", "added", "deleted"
TEST_CLASS = "TEST"

Updater = Callable[[Path, list[str]], object]
"""Re-reads files of the ingested folder: (folder, paths) -> anything (Codebase.update)."""


@dataclass(frozen=True)
class LocatedEntity:
    """An entity and where it starts: the fields a changed and an impacted entity begin with."""

    key: str
    name: str
    entity_type: str
    entity_class: str
    file_path: str
    start_line: int


@dataclass(frozen=True)
class ChangedEntity(LocatedEntity):
    """An entity the change touches, with what the risk order weighs: how many entities
    depend on it (fan-in) and it depends on (fan-out), how many the walk reached through it,
    and how many of those are tests."""

    end_line: int
    status: str
    fan_in: int
    fan_out: int
    impacted: int
    tests: int
    risk_rank: int


@dataclass(frozen=True)
class ImpactedEntity(LocatedEntity):
    """An entity depending on the change, at its nearest hop; `path` runs from it to the
    changed entity it depends on (keys), through `edge_type` at its first step."""

    hop: int
    edge_type: str
    path: tuple[str, ...]

    @property
    def changed_key(self) -> str:
        """The changed entity the path ends at."""
        return self.path[-1]


@dataclass(frozen=True)
class ChangeImpact:
    """What a change touches and affects (`parseltongue impact`, /change-impact-analysis)."""

    source: str
    hops: int
    changed: tuple[ChangedEntity, ...]
    """In risk order: untested first, then by entities impacted, fan-in, fan-out."""
    impacted: tuple[ImpactedEntity, ...]
    """By hop, then key."""
    tests: tuple[str, ...]
    """Test entities among the changed and impacted ones (keys)."""
    test_files: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]
    files_reread: tuple[str, ...]
    """Files re-read first because they changed on disk since they were ingested."""
    truncated: bool
    """Whether the impacted list was cut at the limit."""
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain JSON-ready values (paths as lists)."""
        return asdict(self)


# -- the two sides of each file -------------------------------------------------------------


class _Entity(NamedTuple):
    """What the analysis reads of an entity, from an extraction or the database."""

    key: str
    file_path: str
    name: str
    entity_type: str
    entity_class: str
    start_line: int
    end_line: int


class _Touched(NamedTuple):
    """An entity the change touches (on the side that still has it), not yet weighed."""

    entity: _Entity
    status: str


@dataclass
class _FileSides:
    """A file's change: its entities before (extracted from the file the diff applied
    backwards gives) and after (the database's, once it holds the file as it is on disk)."""

    diff: FileDiff
    text: str
    old: dict[str, _Entity]
    new: dict[str, _Entity] = field(default_factory=dict)


def _extracted(path: str, text: str) -> dict[str, _Entity]:
    spec = language_for_path(path)
    assert spec is not None
    extraction = extract_source(path, text.encode("utf-8", "surrogateescape"), spec)
    return {
        record.key: _Entity(record.key, record.file_path, record.name, record.entity_type,
                            record.entity_class, record.start_line, record.end_line)
        for record in extraction.entities
    }


def _stored(codebase: Codebase, paths: Sequence[str]) -> dict[str, dict[str, _Entity]]:
    """The database's entities of each file."""
    found: dict[str, dict[str, _Entity]] = {path: {} for path in paths}
    for row in codebase.named("entities_of_files", files=sorted(paths)) if paths else ():
        found[row["file_path"]][row["key"]] = _Entity(**row)
    return found


def _read_sides(
    root: Path, change: ReadChange, skipped: list[SkippedFile]
) -> list[_FileSides]:
    """Each file's text now and its entities before the change; files that cannot be
    analysed go to `skipped`, with their reason."""
    sides: list[_FileSides] = []
    for diff in change.files:
        if language_for_path(diff.path) is None:
            skipped.append(SkippedFile(diff.path, "not a source file Parseltongue reads"))
            continue
        path = root / diff.path
        if diff.status == REMOVED:
            if path.exists():
                skipped.append(SkippedFile(diff.path, "the diff removes it, but it is on disk"))
                continue
            text = ""
        else:
            try:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
            except FileNotFoundError:
                skipped.append(SkippedFile(diff.path, "the diff adds or changes it, but it is "
                                           "not on disk"))
                continue
            except OSError as error:
                skipped.append(SkippedFile(diff.path, f"unreadable: {error.strerror}"))
                continue
        try:
            old_lines = diff.old_text(text.splitlines())
        except DiffError as error:
            skipped.append(SkippedFile(diff.path, f"the diff does not apply: {error}"))
            continue
        old = {} if diff.status == ADDED else _extracted(diff.path, "\n".join(old_lines) + "\n")
        sides.append(_FileSides(diff, text, old))
    return sides


def _innermost(entities: Iterable[_Entity], lines: Iterable[int]) -> set[str]:
    """The innermost entity holding each line (the smallest span; the later start on a tie)."""
    spans = sorted(
        entities, key=lambda entity: (entity.end_line - entity.start_line, -entity.start_line)
    )
    found: set[str] = set()
    for line in lines:
        for entity in spans:
            if entity.start_line <= line <= entity.end_line:
                found.add(entity.key)
                break
    return found


def _changed_in(sides: _FileSides) -> list[_Touched]:
    old, new = sides.old, sides.new
    # A blank line is no entity's own: removing the blank lines after a deleted function
    # does not change the module around it.
    removed_lines = [
        line for hunk in sides.diff.hunks
        for line, text in zip(hunk.removed_lines, hunk.removed, strict=True) if text.strip()
    ]
    added_lines = [
        line for hunk in sides.diff.hunks
        for line, text in zip(hunk.added_lines, hunk.added, strict=True) if text.strip()
    ]
    touched = _innermost(old.values(), removed_lines) | _innermost(new.values(), added_lines)
    changed = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            status, entity = DELETED_ENTITY, old[key]
        elif key not in old:
            status, entity = ADDED_ENTITY, new[key]
        elif key in touched:
            status, entity = MODIFIED_ENTITY, new[key]
        else:
            continue
        changed.append(_Touched(entity, status))
    return changed


# -- the database side ----------------------------------------------------------------------


def files_changed_on_disk(codebase: Codebase, root: Path, paths: Sequence[str]) -> list[str]:
    """Which of `paths` are not on disk as the database ingested them: content changed, a
    file gone that has rows, or a file the database holds no row of."""
    stored = {
        row["file_path"]: row["content_hash"]
        for row in codebase.named("source_hashes_of", files=sorted(set(paths)))
    }
    changed = []
    for path in sorted(set(paths)):
        try:
            data = (root / path).read_bytes()
        except FileNotFoundError:
            if path in stored:
                changed.append(path)
            continue
        except OSError:
            continue
        if stored.get(path) != content_hash_of(data.decode("utf-8", "surrogateescape")):
            changed.append(path)
    return changed


def _paths(rows: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Each reached entity's path to the change, following `via` (one hop nearer each; at
    the first hop, the changed entity itself)."""
    paths: dict[str, tuple[str, ...]] = {}
    for row in rows:  # by hop: the path of the step one hop nearer is known already
        step = row["via"]
        paths[row["key"]] = (row["key"], *paths.get(step, (step,)))
    return paths


def analyse_change(
    codebase: Codebase,
    change: ReadChange,
    *,
    hops: int = DEFAULT_HOPS,
    limit: int = DEFAULT_LIMIT,
    edge_types: Sequence[str] = DEPENDENCY_EDGE_TYPES,
    update: Updater | None = None,
) -> ChangeImpact:
    """What `change` (files of the ingested folder) touches and what depends on it. Files
    changed on disk since ingestion are re-read first with `update` (default
    `codebase.update`; a server passes its own, which holds off its other writers)."""
    if hops < 1 or limit < 1:
        raise ValueError(f"hops and limit must be at least 1, not {hops} and {limit}")
    root = codebase.ingested_root()
    if root is None:
        raise DiffError("the database holds no ingestion: ingest the work tree first "
                        "(parseltongue ingest DIR)")
    skipped = list(change.skipped)
    sides = _read_sides(root, change, skipped)
    if change.files and not sides and any("does not apply" in s.reason for s in skipped):
        first = next(s for s in skipped if "does not apply" in s.reason)
        raise DiffError(f"the diff does not apply to the ingested files ({first.path}: "
                        f"{first.reason.removeprefix('the diff does not apply: ')})")
    types = list(edge_types)
    file_paths = [file_sides.diff.path for file_sides in sides]
    stale = files_changed_on_disk(codebase, root, file_paths)
    stored = _stored(codebase, file_paths)
    # What depends on the old entities the re-read may remove, read while their rows are in.
    candidates = sorted({
        key for file_sides in sides if file_sides.diff.path in stale
        for key in file_sides.old if key in stored[file_sides.diff.path]
    })
    dependent_rows = codebase.named(
        "dependents_of", keys=candidates, edge_types=types
    ) if candidates else []
    if stale:
        (update or codebase.update)(root, stale)
        stored.update(_stored(codebase, stale))
    for file_sides in sides:
        file_sides.new = stored[file_sides.diff.path]
        if not file_sides.new and file_sides.diff.status != REMOVED:
            # The database holds none of it (ingestion left the file out): read it here.
            file_sides.new = _extracted(file_sides.diff.path, file_sides.text)
    changed = [touched for file_sides in sides for touched in _changed_in(file_sides)]
    deleted = {touched.entity.key for touched in changed if touched.status == DELETED_ENTITY}
    seeds = [row for row in dependent_rows if row["to_key"] in deleted]
    notes = []
    unknown = deleted - {row["to_key"] for row in seeds}
    if unknown:
        notes.append(
            f"{len(unknown)} deleted entities had no dependents in the database (or it was "
            "re-read after they were deleted, and no longer knew them)"
        )
    present = sorted({touched.entity.key for touched in changed} - deleted)
    rows = codebase.named(
        "change_impact", keys=present,
        seeds=[[row["from_key"], row["to_key"], row["edge_type"]] for row in seeds],
        hops=hops, edge_types=types, limit=limit + 1,
    )
    truncated = len(rows) > limit
    rows = rows[:limit]
    paths = _paths(rows)
    impacted = tuple(
        ImpactedEntity(
            row["key"], row["name"], row["entity_type"], row["entity_class"], row["file_path"],
            row["start_line"], row["hop"], row["edge_type"], paths[row["key"]],
        )
        for row in rows
    )
    # What a deleted entity's fan-in was: the database no longer has its edges.
    dependents: dict[str, set[str]] = {}
    for row in seeds:
        if row["edge_type"] in types:
            dependents.setdefault(row["to_key"], set()).add(row["from_key"])
    deleted_fan_in = {key: len(found) for key, found in dependents.items()}
    return _report(codebase, change.source, hops, changed, impacted, types, deleted_fan_in,
                   skipped, stale, truncated, notes)


def _report(
    codebase: Codebase,
    source: str,
    hops: int,
    changed: list[_Touched],
    impacted: tuple[ImpactedEntity, ...],
    edge_types: list[str],
    deleted_fan_in: dict[str, int],
    skipped: list[SkippedFile],
    stale: list[str],
    truncated: bool,
    notes: list[str],
) -> ChangeImpact:
    reaching = Counter(entity.changed_key for entity in impacted)
    tests_reaching = Counter(
        entity.changed_key for entity in impacted if entity.entity_class == TEST_CLASS
    )
    degrees = {
        row["key"]: row
        for row in codebase.named(
            "entity_degrees", keys=[touched.entity.key for touched in changed],
            edge_types=edge_types,
        )
    } if changed else {}

    def fan_in(touched: _Touched) -> int:
        if touched.status == DELETED_ENTITY:
            return deleted_fan_in.get(touched.entity.key, 0)
        return degrees.get(touched.entity.key, {}).get("fan_in", 0)

    def fan_out(key: str) -> int:
        return degrees.get(key, {}).get("fan_out", 0)

    def risk_order(touched: _Touched) -> tuple[bool, int, int, int, str]:
        entity = touched.entity
        return (
            tests_reaching[entity.key] > 0 or entity.entity_class == TEST_CLASS,
            -reaching[entity.key], -fan_in(touched), -fan_out(entity.key), entity.key,
        )

    def weighed(touched: _Touched, rank: int) -> ChangedEntity:
        entity = touched.entity
        return ChangedEntity(
            entity.key, entity.name, entity.entity_type, entity.entity_class, entity.file_path,
            entity.start_line, entity.end_line, touched.status, fan_in(touched),
            fan_out(entity.key), reaching[entity.key], tests_reaching[entity.key], rank,
        )

    ranked = tuple(
        weighed(touched, rank)
        for rank, touched in enumerate(sorted(changed, key=risk_order), 1)
    )
    tests = sorted(
        {entity.key for entity in ranked if entity.entity_class == TEST_CLASS}
        | {entity.key for entity in impacted if entity.entity_class == TEST_CLASS}
    )
    files_of = {entity.key: entity.file_path for entity in ranked}
    files_of.update((entity.key, entity.file_path) for entity in impacted)
    return ChangeImpact(
        source=source,
        hops=hops,
        changed=ranked,
        impacted=impacted,
        tests=tuple(tests),
        test_files=tuple(sorted({files_of[key] for key in tests})),
        skipped=tuple(skipped),
        files_reread=tuple(stale),
        truncated=truncated,
        notes=tuple(notes),
    )


# -- where a change comes from --------------------------------------------------------------


def git_change_impact(
    codebase: Codebase,
    base: str | None = None,
    staged: bool = False,
    **options: Any,
) -> ChangeImpact:
    """The impact of the ingested folder's change in its git work tree: the files on disk
    against `base` (default HEAD; untracked files count as added), or with `staged` the
    index against it. `options` as analyse_change's."""
    root = codebase.ingested_root()
    if root is None:
        raise DiffError("the database holds no ingestion: ingest the work tree first "
                        "(parseltongue ingest DIR)")
    return analyse_change(codebase, read_git_change(root, base, staged), **options)


def diff_text_impact(codebase: Codebase, text: str, **options: Any) -> ChangeImpact:
    """The impact of a unified diff given as text. Its paths may be relative to the git work
    tree's top (as git writes them) or to the ingested folder."""
    root = codebase.ingested_root()
    if root is None:
        raise DiffError("the database holds no ingestion: ingest the work tree first "
                        "(parseltongue ingest DIR)")
    located = work_tree_prefix(root)
    prefix = located[1] if located is not None else ""
    if prefix and not any(
        line.startswith(("--- a/" + prefix, "+++ b/" + prefix)) for line in text.splitlines()
    ):
        prefix = ""  # paths relative to the ingested folder itself
    return analyse_change(codebase, parse_unified_diff(text, prefix, "a posted diff"), **options)
