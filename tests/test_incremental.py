"""Incremental pt01: only new and changed files are parsed, deleted files' rows go, keys survive
edits that move lines, and any sequence of edits leaves the database a full rebuild would."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import pytest
from project_trees import python_module, rust_module, write, write_mixed_project

from parseltongue.ingest import (
    ROW_FORMAT,
    CodebaseStreamer,
    IngestionSummary,
    StreamerConfig,
)
from parseltongue.ingest.integrity import verify_parallel_data_integrity_check
from parseltongue.resolve import unpack_unresolved
from parseltongue.storage import CozoDbStorage

# Old enough that the stamps are trusted (not "racily clean"): see RACY_STAMP_MARGIN_NS.
AN_HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


def age_tree(root: Path, mtime_ns: int = AN_HOUR_AGO_NS) -> None:
    """Give every file an old modification time, as a checkout that has sat a while has."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_mixed_project(tmp_path / "project", python_files=4, rust_files=3)
    age_tree(root)
    return root


@pytest.fixture
def streamer() -> Iterator[CodebaseStreamer]:
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as opened:
        yield opened


def assert_equals_full_rebuild(incremental: CozoDbStorage, root: Path) -> None:
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as full:
        full.stream_directory(root)
        report = verify_parallel_data_integrity_check(
            full.storage(), incremental, include_derived=True
        )
    assert report.identical, report.describe()


def named_edges(storage: CozoDbStorage) -> list[tuple[str, str, str, str]]:
    """Every edge as (source's qualified name, target's, edge type, resolution)."""
    names = {row["key"]: row["qualified_name"] for row in storage.run_named("rows_code_entities")}
    return [
        (names[row["from_key"]], names[row["to_key"]], row["edge_type"], row["resolution"])
        for row in storage.run_named("rows_dependency_edges")
    ]


def test_first_run_is_a_full_rebuild_and_says_why(
    project: Path, streamer: CodebaseStreamer
) -> None:
    summary = streamer.stream_directory(project)
    assert not summary.incremental
    assert summary.full_rebuild_reason == "the database holds no earlier ingestion"
    assert summary.files_ingested == 8


def test_rerun_without_changes_reads_no_file_and_skips_resolution(
    project: Path, streamer: CodebaseStreamer
) -> None:
    first = streamer.stream_directory(project)
    again = streamer.stream_directory(project)
    assert again.incremental and not again.resolved
    assert (again.files_unchanged, again.files_changed, again.files_added,
            again.files_removed) == (8, 0, 0, 0)
    assert again.files_hashed == 0  # old, unchanged stats: trusted without reading
    assert again.files_ingested == first.files_ingested == 8
    assert (again.entities, again.edges) == (first.entities, first.edges)
    assert_equals_full_rebuild(streamer.storage(), project)


def test_summary_counts_unchanged_changed_added_and_removed_files(
    project: Path, streamer: CodebaseStreamer
) -> None:
    streamer.stream_directory(project)
    write(project / "pkg" / "mod_1.py", python_module(1) + "\n\ndef added_later():\n    pass\n")
    (project / "src" / "unit_2.rs").unlink()
    write(project / "src" / "unit_9.rs", rust_module(9))
    summary = streamer.stream_directory(project)
    assert summary.incremental and summary.resolved
    assert (summary.files_unchanged, summary.files_changed, summary.files_added,
            summary.files_removed) == (6, 1, 1, 1)
    assert summary.files_ingested == 8
    keys = {row["key"] for row in streamer.storage().run_named("rows_code_entities")}
    assert any(":added_later:" in key for key in keys)
    assert not any("__src_unit_2" in key for key in keys)
    assert_equals_full_rebuild(streamer.storage(), project)


def test_touched_file_is_hashed_and_kept_then_trusted_again(
    project: Path, streamer: CodebaseStreamer
) -> None:
    streamer.stream_directory(project)
    touched = AN_HOUR_AGO_NS + 10**9
    os.utime(project / "pkg" / "mod_0.py", ns=(touched, touched))
    summary = streamer.stream_directory(project)
    assert (summary.files_hashed, summary.files_changed, summary.files_unchanged) == (1, 0, 8)
    assert not summary.resolved
    # Its stamp was renewed, so the next run trusts the stat again.
    assert streamer.stream_directory(project).files_hashed == 0


def test_full_flag_another_root_or_other_limits_rebuild(
    project: Path, tmp_path: Path
) -> None:
    database = f"sqlite:{tmp_path / 'analysis.sqlite'}"
    other = write_mixed_project(tmp_path / "other", python_files=2, rust_files=0)

    def run(root: Path, **config: object) -> IngestionSummary:
        settings = StreamerConfig(database=database, parallel=False, **config)  # type: ignore[arg-type]
        with CodebaseStreamer(settings) as streamer:
            return streamer.stream_directory(root)

    run(project)
    assert run(project).incremental
    assert "--full" in run(project, full_rebuild=True).full_rebuild_reason
    assert "another folder" in run(other).full_rebuild_reason
    run(project)
    assert "settings" in run(project, max_file_bytes=10_000).full_rebuild_reason
    assert run(project, max_file_bytes=10_000).incremental
    # A run cut short (Ctrl-C) leaves a status other than complete: do not trust its rows.
    with CozoDbStorage(database) as storage:
        storage.run_named_write("put_meta_values", rows=[["ingestion_status", "interrupted: test"]])
    assert "did not complete" in run(project, max_file_bytes=10_000).full_rebuild_reason


def test_an_agents_key_still_finds_the_entity_after_lines_move(
    project: Path, streamer: CodebaseStreamer
) -> None:
    streamer.stream_directory(project)
    storage = streamer.storage()
    before = {row["name"]: row for row in storage.run_named("file_entities",
                                                            file_path="pkg/mod_2.py")}
    held_key = before["step"]["key"]  # a method, nested in a class
    # Ten lines of comments above everything: every entity of the file moves down.
    moved = "# a header\n" * 10 + python_module(2)
    write(project / "pkg" / "mod_2.py", moved)
    summary = streamer.stream_directory(project)
    assert summary.files_changed == 1
    detail = storage.run_named("entity_detail", key=held_key)
    assert len(detail) == 1
    assert detail[0]["name"] == "step"
    assert detail[0]["start_line"] == before["step"]["start_line"] + 10
    assert_equals_full_rebuild(storage, project)


def test_a_database_of_another_row_format_is_rebuilt(
    project: Path, streamer: CodebaseStreamer
) -> None:
    streamer.stream_directory(project)
    storage = streamer.storage()
    settings = json.loads(
        {row["key"]: row["value"] for row in storage.run_named("meta_values")}[
            "ingestion_settings"
        ]
    )
    assert settings["row_format"] == ROW_FORMAT
    older = json.dumps({**settings, "row_format": ROW_FORMAT - 1}, sort_keys=True)
    storage.run_named_write("put_meta_values", rows=[["ingestion_settings", older]])
    summary = streamer.stream_directory(project)
    assert not summary.incremental
    assert "settings or the Parseltongue version" in summary.full_rebuild_reason


def unresolved_of(storage: CozoDbStorage, entity: str, name: str) -> list[dict]:
    """The unresolved references to `name` made by the entity called `entity`."""
    [key] = storage.query_read_only(
        "?[key] := *code_entities:by_name{name: $entity, key}", {"entity": entity}
    )
    rows = storage.run_named("unresolved_references", name=name, limit=100_000)
    return [row for row in rows if row["from_key"] == key["key"]]


def _shapes_project(root: Path, users: int) -> Path:
    """Two classes with a method of the same name, many functions calling it on one of
    them (typed receivers), on an untyped value and unqualified."""
    write(root / "circle.py", "class Circle:\n    def area(self):\n        return 3\n")
    write(root / "square.py", "class Square:\n    def area(self):\n        return 4\n")
    for number in range(users):
        write(root / f"user_{number}.py", (
            "from circle import Circle\n\n\n"
            f"def typed_{number}():\n    shape = Circle()\n    return shape.area()\n\n\n"
            f"def untyped_{number}(shape):\n    return shape.area()\n\n\n"
            f"def plain_{number}():\n    return area()\n"
        ))
    age_tree(root)
    return root


def test_a_renamed_method_re_resolves_only_references_that_can_reach_its_class(
    tmp_path: Path, streamer: CodebaseStreamer
) -> None:
    root = _shapes_project(tmp_path / "shapes", users=12)
    streamer.stream_directory(root)
    storage = streamer.storage()
    # 36 entities refer to `area`; the only lookups renaming Square.area changes are the
    # members of Square, which none of them names.
    write(root / "square.py", "class Square:\n    def surface(self):\n        return 4\n")
    summary = streamer.stream_directory(root)
    assert summary.incremental and summary.files_changed == 1
    assert summary.entities_resolved == 0
    assert_equals_full_rebuild(storage, root)
    # Circle.area gone: the typed calls and the modules importing Circle had edges into the
    # file, so they are resolved again; the untyped and unqualified calls are not.
    write(root / "circle.py", "class Circle:\n    def perimeter(self):\n        return 6\n")
    summary = streamer.stream_directory(root)
    assert summary.entities_resolved == 24
    assert_equals_full_rebuild(storage, root)
    typed = unresolved_of(storage, "typed_3", "shape.area")
    assert [(row["source_line"], row["candidates"]) for row in typed] == [(6, 0)]
    # A top-level `area` in two files: the last resort sees its definitions change, so the
    # unqualified calls are reached (pinned to the first, then counted 2), no others.
    write(root / "geometry.py", "def area():\n    return 0\n")
    summary = streamer.stream_directory(root)
    assert summary.entities_resolved == 12
    assert_equals_full_rebuild(storage, root)
    write(root / "more_geometry.py", "def area():\n    return 1\n")
    summary = streamer.stream_directory(root)
    assert summary.entities_resolved == 12
    assert_equals_full_rebuild(storage, root)
    plain = unresolved_of(storage, "plain_7", "area")
    assert [row["candidates"] for row in plain] == [2]


def unresolved_packs(storage: CozoDbStorage) -> dict[str, list[tuple]]:
    """file -> the rows of its stored pack, unpacked (the pack's text checked sorted)."""
    packs = {}
    for row in storage.run_named("rows_file_unresolved_references"):
        rows = unpack_unresolved(row["references"])
        assert rows == sorted(rows) and len(rows) == row["reference_count"] > 0
        packs[row["file_path"]] = [(name, line, candidates)
                                   for _key, name, _type, line, candidates in rows]
    return packs


def test_an_update_rewrites_the_packs_of_callers_in_other_files(
    tmp_path: Path, streamer: CodebaseStreamer
) -> None:
    """A caller's unresolved references live in its own file's pack: when a change of
    another file makes its call unresolved (or resolved again), that pack is rewritten,
    keeping the rows of the entities not re-resolved, and goes when it empties."""
    root = tmp_path / "project"
    write(root / "lib.py", "def helper():\n    return 1\n")
    write(root / "user.py", (
        "from lib import helper\n\n\ndef use():\n    return helper()\n\n\n"
        "def other(items):\n    items.append(1)\n"
    ))
    write(root / "only.py", "from lib import helper\n\n\ndef go():\n    return helper()\n")
    age_tree(root)
    first = streamer.stream_directory(root)
    storage = streamer.storage()
    assert unresolved_packs(storage) == {"user.py": [("items.append", 9, 0)]}
    write(root / "lib.py", "def helper_v2():\n    return 1\n")
    summary = streamer.stream_directory(root)
    assert summary.incremental and summary.files_changed == 1
    assert unresolved_packs(storage) == {
        "only.py": [("helper", 5, 0)],
        # Sorted by entity key first: `other` before `use`.
        "user.py": [("items.append", 9, 0), ("helper", 5, 0)],
    }
    assert summary.unresolved_references == first.unresolved_references + 2 == 3
    assert_equals_full_rebuild(storage, root)
    write(root / "lib.py", "def helper():\n    return 2\n")
    summary = streamer.stream_directory(root)
    assert unresolved_packs(storage) == {"user.py": [("items.append", 9, 0)]}
    assert summary.unresolved_references == 1
    assert_equals_full_rebuild(storage, root)
    # The caller's own file changes: its pack is its new rows alone, never the old ones.
    write(root / "user.py", "def other(items):\n    items.extend(1)\n")
    summary = streamer.stream_directory(root)
    assert unresolved_packs(storage) == {"user.py": [("items.extend", 2, 0)]}
    assert summary.unresolved_references == 1
    assert_equals_full_rebuild(storage, root)


# -- the property: any edit sequence ends where a full rebuild of the final tree would --------

_TOP_LEVEL_START = re.compile(r"^(?:pub(?:\([a-z]+\))? )?(?:async )?(?:fn|def) \w+")
_PYTHON_BLOCK = re.compile(r"^(?:async def|def|class) (\w+)")
_RUST_BLOCK = re.compile(
    r"^(?:pub(?:\([a-z]+\))? )?(?:async )?(fn|struct|enum|trait|impl) (\w+)"
)
_PYTHON_CLASS = re.compile(r"^class (\w+)(?:\(([^)]*)\))?:")
_PYTHON_METHOD = re.compile(r"^    (?:async )?def (\w+)\(")
_RUST_METHOD = re.compile(r"^    (?:pub )?fn (\w+)\(")
_IMPORT_LINE = re.compile(r"^(?:from \S+ import .+|import \S+.*|use \S+;)$")
_FROM_IMPORT = re.compile(r"^from \S+ import (\w+)(?: as (\w+))?$")
# Member names shared between classes, so members hide, inherit and collide across files.
PYTHON_METHODS = ("greet", "shared", "middle", "run", "step", "go")
RUST_METHODS = ("new", "bump", "reset", "total", "peek")


def _top_level_function(lines: list[str], rng: random.Random) -> tuple[int, int] | None:
    """A random top-level function's line span [start, end), or None when the file has none.

    Python: the block runs to the next line at column 0. Rust: to the first `}` at column 0
    (top-level functions in rustfmt'd code close there).
    """
    starts = [index for index, line in enumerate(lines) if _TOP_LEVEL_START.match(line)]
    rng.shuffle(starts)
    for start in starts:
        python = lines[start].startswith(("def ", "async def "))
        for end in range(start + 1, len(lines) + 1):
            if end == len(lines):
                return start, end
            line = lines[end]
            if python and line and not line[0].isspace():
                return start, end
            if not python and line.startswith("}"):
                return start, end + 1
    return None


def _block_end(lines: list[str], start: int, python: bool, limit: int | None = None) -> int:
    """Where the block opening at `start` ends (exclusive): Python, at the next line indented
    no deeper than the opening one; Rust, where its braces balance (or at its `;`)."""
    limit = len(lines) if limit is None else limit
    if python:
        indent = len(lines[start]) - len(lines[start].lstrip())
        for end in range(start + 1, limit):
            line = lines[end]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                return end
        return limit
    depth, opened = 0, False
    for end in range(start, limit):
        depth += lines[end].count("{") - lines[end].count("}")
        opened = opened or "{" in lines[end]
        if (opened and depth <= 0) or (not opened and lines[end].rstrip().endswith(";")):
            return end + 1
    return limit


class _Block(NamedTuple):
    """A definition in a file: its kind (class, def, fn, impl, struct...), name and lines."""

    path: Path
    kind: str
    name: str
    start: int
    end: int


class _EditSequence:
    """Random edits to a tree: add, change, rename, delete files, move functions between
    files, break and fix syntax, touch without changing; and edits whose effect crosses files
    (bases and subclasses in different modules, methods called through a typed receiver,
    imports of every form, renamed and duplicated names, `impl T` blocks away from `struct
    T`, modules that appear and disappear). Half the edits get an old, distinct modification
    time (the stat path), half keep the current one (the racy, hashed path).

    `touched` holds the relative paths the last step wrote, created, deleted or renamed (both
    names): what `update_files` must be told. `undo` holds, per step, what those paths held
    before it (None: no file), for `_revert`."""

    OPERATIONS: ClassVar[dict[str, int]] = {
        # whole files and plain text
        "add": 1, "change": 2, "rename": 1, "delete": 1, "move": 2, "break": 1, "fix": 2,
        "touch": 1, "copy": 1, "add_module": 2, "shadow": 2,
        # Python across files
        "hierarchy": 2, "set_base": 3, "add_method": 3, "remove_method": 3, "typed_user": 3,
        "import": 3, "unimport": 2, "rename_function": 3, "duplicate": 2, "remove_block": 3,
        "nested": 3, "duck_user": 3,
        # Rust across files
        "impl_elsewhere": 3, "rust_method": 2, "rust_use": 2,
        # Put files back as they were before an earlier step: what an edit took away comes
        # back, so references that it left open resolve again.
        "revert": 4,
    }

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.serial = 0
        self.broken: dict[Path, str] = {}
        self.touched: set[str] = set()
        self.undo: list[dict[str, bytes | None]] = []

    def files(self, suffix: str = "") -> list[Path]:
        return sorted(
            path for path in self.root.rglob(f"*{suffix}")
            if path.is_file() and path.suffix in (".py", ".rs")
        )

    def step(self) -> str:
        self.serial += 1
        self.touched = set()
        self.undo.append({})
        operation = self.rng.choices(
            list(self.OPERATIONS), weights=list(self.OPERATIONS.values())
        )[0]
        return getattr(self, f"_{operation}")() or operation

    # -- writing, so every path changed is known ------------------------------------------

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _remember(self, path: Path) -> None:
        """Keep what `path` holds before this step first changes it."""
        before = path.read_bytes() if path.is_file() else None
        self.undo[-1].setdefault(self._relative(path), before)

    def _stamp(self, path: Path) -> None:
        self.touched.add(self._relative(path))
        if self.rng.random() < 0.5:
            when = AN_HOUR_AGO_NS + self.serial * 10**9
            os.utime(path, ns=(when, when))

    def _save(self, path: Path, text: str) -> None:
        self._remember(path)
        write(path, text)
        self._stamp(path)

    def _save_lines(self, path: Path, lines: list[str]) -> None:
        self._save(path, "".join(lines))

    def _append(self, path: Path, block: str) -> None:
        text = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
        self._save(path, (text + "\n\n\n" if text else "") + block)

    def _insert_at_top(self, path: Path, line: str) -> None:
        self._save(path, line + "\n" + path.read_text(encoding="utf-8", errors="replace"))

    def _lines(self, path: Path) -> list[str]:
        return path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)

    def _pick(self, suffix: str = "") -> Path | None:
        files = self.files(suffix)
        return self.rng.choice(files) if files else None

    def _choice(self, items: list[Any]) -> Any:
        return self.rng.choice(items) if items else None

    # -- what the tree defines ------------------------------------------------------------

    def _blocks(self, suffix: str, kinds: tuple[str, ...] = ()) -> list[_Block]:
        """Top-level definitions of every file with this suffix (of these kinds, if given)."""
        found = []
        for path in self.files(suffix):
            lines = self._lines(path)
            for index, line in enumerate(lines):
                if suffix == ".py":
                    match = _PYTHON_BLOCK.match(line)
                    kind = line.removeprefix("async ").split(" ")[0] if match else ""
                    name = match.group(1) if match else ""
                else:
                    match = _RUST_BLOCK.match(line)
                    kind, name = match.groups() if match else ("", "")
                if match and (not kinds or kind in kinds):
                    end = _block_end(lines, index, suffix == ".py")
                    found.append(_Block(path, kind, name, index, end))
        return found

    def _members(self, block: _Block) -> list[_Block]:
        """The methods of a Python class or a Rust impl block."""
        lines = self._lines(block.path)
        python = block.path.suffix == ".py"
        pattern = _PYTHON_METHOD if python else _RUST_METHOD
        members = []
        for index in range(block.start + 1, block.end):
            match = pattern.match(lines[index])
            if match:
                limit = block.end if python else block.end - 1
                end = _block_end(lines, index, python, limit)
                members.append(_Block(block.path, "method", match.group(1), index, end))
        return members

    def _python_module(self, path: Path) -> str:
        parts = list(path.relative_to(self.root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def _rust_module(self, path: Path) -> str:
        parts = list(path.relative_to(self.root).with_suffix("").parts)
        if "src" in parts:
            parts = parts[len(parts) - parts[::-1].index("src") :]
        if parts and parts[-1] in ("lib", "main", "mod"):
            parts.pop()
        return "::".join(["crate", *parts])

    def _names_bound(self, path: Path) -> list[str]:
        """The names a Python module binds at its top: its definitions and what it imports
        by name (so importing them from it follows a re-export)."""
        names = [block.name for block in self._blocks(".py") if block.path == path]
        for line in self._lines(path):
            match = _FROM_IMPORT.match(line.rstrip("\n"))
            if match:
                names.append(match.group(2) or match.group(1))
        return names

    def _refer_to(self, user: Path, source: Path, name: str) -> str:
        """Make `name`, bound at the top of `source`, visible in `user` by one of the ways
        Python has (or leave it to the unique-name fallback); returns how `user` spells it."""
        if user == source:
            return name
        module = self._python_module(source)
        form = self.rng.choice(
            ["from", "from_as", "star", "alias", "package", "reexport", "none"]
        )
        hubs = [path for path in self.files(".py") if path not in (user, source)]
        if form == "reexport" and hubs:
            # Through a third module that imports it: `from hub import name`.
            hub = self.rng.choice(hubs)
            self._insert_at_top(hub, f"from {module} import {name}")
            module = self._python_module(hub)
            form = "from"
        if form == "from":
            self._insert_at_top(user, f"from {module} import {name}")
        elif form == "from_as":
            local = f"{name}As{self.serial}"
            self._insert_at_top(user, f"from {module} import {name} as {local}")
            return local
        elif form == "star":
            self._insert_at_top(user, f"from {module} import *")
        elif form == "alias":
            alias = f"m{self.serial}"
            self._insert_at_top(user, f"import {module} as {alias}")
            return f"{alias}.{name}"
        elif form == "package" and "." in module:
            package, _, leaf = module.rpartition(".")
            alias = f"m{self.serial}"
            self._insert_at_top(user, f"from {package} import {leaf} as {alias}")
            return f"{alias}.{name}"
        return name

    # -- whole files and plain text ------------------------------------------------------

    def _add(self) -> None:
        index = 100 + self.serial
        if self.rng.random() < 0.5:
            path = self.root / "pkg" / f"mod_{index}.py"
            self._save(path, python_module(index))
        else:
            path = self.root / "src" / f"added_{index}.rs"
            self._save(path, rust_module(index))

    def _add_module(self) -> str:
        """Create a module that some file imports but that does not exist (so imports of it
        resolve), or a new subpackage."""
        wanted = set()
        for path in self.files():
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".py":
                wanted.update(f"pkg/mod_{index}.py" for index in re.findall(r"\bmod_(\d+)", text))
            else:
                wanted.update(
                    f"src/unit_{index}.rs"
                    for index in re.findall(r"\bcrate::unit_(\d+)", text)
                )
        missing = sorted(path for path in wanted if not (self.root / path).exists())
        if missing:
            relative = self.rng.choice(missing)
            index = int(re.findall(r"\d+", relative)[-1])
            text = python_module(index) if relative.endswith(".py") else rust_module(index)
            self._save(self.root / relative, text)
            return f"add_module {relative}"
        package = self.root / "pkg" / f"sub_{self.serial}"
        self._save(package / "__init__.py", f"from pkg.sub_{self.serial}.leaf import *\n")
        self._save(package / "leaf.py", python_module(200 + self.serial))
        return f"add_module {self._relative(package)}"

    def _shadow(self) -> str | None:
        """A stub deeper in the tree at the same path as a module (`third_party/pkg/mod_3.py`
        beside `pkg/mod_3.py`): the module paths they share (`pkg/mod_3`, `mod_3`) then name
        two modules, so imports and dotted references through them no longer resolve, and do
        again when the stub goes. (Not under `vendor/`: the walk prunes that folder.)"""
        files = [path for path in self.files() if "third_party" not in path.parts]
        texts = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)
        # Mostly a module something names in a dotted reference (`pkg.mod_3.f()`: only the
        # module path leads there), or imports.
        dotted = [
            path for path in files
            if re.search(rf"\b{re.escape(self._python_module(path))}\.\w+\(", texts)
        ]
        imported = [path for path in files if re.search(rf"\b{path.stem}\b", texts)]
        draw = self.rng.random()
        source = self._choice(
            dotted if dotted and draw < 0.5 else imported if imported and draw < 0.8 else files
        )
        if source is None:
            return None
        target = self.root / "third_party" / source.relative_to(self.root)
        stub = (f"def stub_{self.serial}():\n    return None\n" if source.suffix == ".py"
                else f"pub fn stub_{self.serial}() {{}}\n")
        self._save(target, stub)
        return f"shadow {self._relative(target)}"

    def _copy(self) -> None:
        # Same names in two files: references to them become ambiguous, and then resolve
        # again when one copy goes.
        source = self._pick()
        if source is not None:
            target = source.with_name(f"copy_{self.serial}{source.suffix}")
            self._remember(target)
            shutil.copyfile(source, target)
            self._stamp(target)

    def _change(self) -> None:
        path = self._pick()
        if path is None:
            return
        lines = self._lines(path)
        name = f"edited_{self.serial}"
        added = (f"def {name}():\n    return entry_0()\n" if path.suffix == ".py"
                 else f"pub fn {name}() {{ drive_0(); }}\n")
        at = self.rng.randint(0, len(lines))
        # Keep Python blocks whole: insert only before a line at column 0 (or at the end).
        while path.suffix == ".py" and at < len(lines) and lines[at][:1].isspace():
            at += 1
        lines.insert(at, "\n" + added + "\n")
        self._save_lines(path, lines)

    def _rename(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        target = path.with_name(f"renamed_{self.serial}{path.suffix}")
        self._remember(path)
        self._remember(target)
        path.rename(target)
        self.touched.update((self._relative(path), self._relative(target)))
        if path in self.broken:
            self.broken[target] = self.broken.pop(path)
        return f"rename {self._relative(path)} -> {target.name}"

    def _delete(self) -> str | None:
        path = self._pick()
        if path is None:
            return None
        self._remember(path)
        path.unlink()
        self.touched.add(self._relative(path))
        self.broken.pop(path, None)
        return f"delete {self._relative(path)}"

    def _move(self) -> str:
        suffix = self.rng.choice([".py", ".rs"])
        files = self.files(suffix)
        if len(files) < 2:
            return "move (nothing to move)"
        source, target = self.rng.sample(files, 2)
        lines = self._lines(source)
        span = _top_level_function(lines, self.rng)
        if span is None:
            return "move (no top-level function)"
        moved = lines[span[0] : span[1]]
        self._save_lines(source, lines[: span[0]] + lines[span[1] :])
        self._append(target, "".join(moved))
        return f"move {source.name} -> {target.name}"

    def _break(self) -> None:
        path = self._pick()
        if path is None or path in self.broken:
            return
        original = path.read_text(encoding="utf-8", errors="replace")
        self.broken[path] = original
        junk = "def broken(:\n" if path.suffix == ".py" else "fn broken( {\n"
        self._save(path, junk + original)

    def _fix(self) -> None:
        if self.broken:
            path = self.rng.choice(sorted(self.broken))
            text = self.broken.pop(path)
            if path.exists():
                self._save(path, text)

    def _revert(self) -> str | None:
        """Put the files one of the last few steps changed back as they were before it (a
        `git checkout` of an older version): a file it deleted comes back, one it created
        goes."""
        recent = [entry for entry in self.undo[-5:-1] if entry]
        entry = self._choice(recent)
        if entry is None:
            return None
        for relative, before in sorted(entry.items()):
            path = self.root / relative
            now = path.read_bytes() if path.is_file() else None
            if now == before:
                continue
            self._remember(path)
            self.broken.pop(path, None)
            if before is None:
                path.unlink()
                self.touched.add(relative)
            else:
                write(path, before)
                self._stamp(path)
        return f"revert {sorted(entry)}"

    def _touch(self) -> None:
        path = self._pick()
        if path is not None:
            when = AN_HOUR_AGO_NS + self.serial * 10**9 + 7
            os.utime(path, ns=(when, when))
            self.touched.add(self._relative(path))

    # -- Python across files -------------------------------------------------------------

    def _hierarchy(self) -> str:
        """A base and an intermediate class in one module, a subclass in another calling
        inherited methods through `self.` (one of them through the intermediate base)."""
        files = self.files(".py")
        if not files:
            return "hierarchy (no Python file)"
        base_file, leaf_file = self.rng.choice(files), self.rng.choice(files)
        n = self.serial
        self._append(
            base_file,
            f"class Base{n}:\n    def greet(self):\n        return {n}\n\n"
            f"    def shared(self):\n        return self.greet()\n\n\n"
            f"class Middle{n}(Base{n}):\n    def middle(self):\n        return self.shared()\n",
        )
        parent = self._refer_to(leaf_file, base_file, f"Middle{n}")
        # A method per shared member name, each calling only that one: whatever its
        # ancestors come to define, some resolves differently, and not because it already
        # had an edge into their file.
        through = "".join(
            f"    def via_{name}(self):\n        return self.{name}()\n\n"
            for name in PYTHON_METHODS if name != "go"
        )
        self._append(
            leaf_file,
            f"class Leaf{n}({parent}):\n{through}    def go(self):\n"
            f"        self.greet()\n        return self.middle()\n\n\n"
            f"def use_leaf_{n}():\n    leaf = Leaf{n}()\n    leaf.go()\n"
            f"    return leaf.shared()\n",
        )
        return f"hierarchy {self._relative(base_file)} <- {self._relative(leaf_file)}"

    def _set_base(self) -> str | None:
        """Give a class a base from this or another module, or take its bases away."""
        classes = self._blocks(".py", ("class",))
        # Mostly a class other classes extend: what they inherit through it changes.
        extended = {
            match.group(2).rpartition(".")[2]
            for path in self.files(".py")
            for line in self._lines(path)
            if (match := _PYTHON_CLASS.match(line)) and match.group(2)
        }
        parents = [block for block in classes if block.name in extended]
        block = self._choice(parents if parents and self.rng.random() < 0.7 else classes)
        if block is None:
            return None
        lines = self._lines(block.path)
        match = _PYTHON_CLASS.match(lines[block.start])
        if match is None:
            return None
        if match.group(2) and self.rng.random() < 0.5:
            lines[block.start] = f"class {block.name}:\n"
            self._save_lines(block.path, lines)
            return f"set_base {block.name} (none) in {self._relative(block.path)}"
        others = [other for other in classes if other.name != block.name]
        base = self._choice(others)
        if base is None:
            return None
        # Importing first moves the class down a line.
        parent = self._refer_to(block.path, base.path, base.name)
        lines = self._lines(block.path)
        at = next(
            index for index in range(block.start, len(lines))
            if lines[index].startswith(f"class {block.name}")
        )
        lines[at] = f"class {block.name}({parent}):\n"
        self._save_lines(block.path, lines)
        return f"set_base {block.name}({parent}) in {self._relative(block.path)}"

    def _add_method(self) -> str | None:
        """A method on a class (maybe hiding an inherited one) calling `self.` or `super().`"""
        block = self._choice(self._blocks(".py", ("class",)))
        if block is None:
            return None
        name = self.rng.choice(PYTHON_METHODS)
        receiver = self.rng.choice(["self", "self", "super()"])
        called = self.rng.sample(PYTHON_METHODS, self.rng.choice([1, 2]))
        body = "".join(f"        {receiver}.{callee}()\n" for callee in called[1:])
        lines = self._lines(block.path)
        lines.insert(
            block.start + 1,
            f"    def {name}(self):\n{body}        return {receiver}.{called[0]}()\n\n",
        )
        self._save_lines(block.path, lines)
        return f"add_method {block.name}.{name} in {self._relative(block.path)}"

    def _remove_method(self) -> str | None:
        """Take a method out of a Python class (that keeps another) or a Rust impl block."""
        owners = [
            block for block in self._blocks(".py", ("class",)) + self._blocks(".rs", ("impl",))
            if len(self._members(block)) >= (2 if block.path.suffix == ".py" else 1)
        ]
        owner = self._choice(owners)
        if owner is None:
            return None
        member = self.rng.choice(self._members(owner))
        lines = self._lines(owner.path)
        self._save_lines(owner.path, lines[: member.start] + lines[member.end :])
        return f"remove_method {owner.name}.{member.name} in {self._relative(owner.path)}"

    def _typed_user(self) -> str | None:
        """A function that makes an instance of a class (maybe another module's) and calls
        methods on it: `item = SomeClass(); item.m()`."""
        block = self._choice(self._blocks(".py", ("class",)))
        user = self._pick(".py")
        if block is None or user is None:
            return None
        own = [member.name for member in self._members(block)]
        first = self.rng.choice(own or list(PYTHON_METHODS))
        second, third = self.rng.sample(PYTHON_METHODS, 2)
        spelled = self._refer_to(user, block.path, block.name)
        self._append(
            user,
            f"def use_{block.name.lower()}_{self.serial}():\n    item = {spelled}()\n"
            f"    item.{first}()\n    item.{second}()\n    return item.{third}()\n",
        )
        return f"typed_user {spelled}.{first}/{second} in {self._relative(user)}"

    def _import(self) -> str | None:
        """An import of another module (maybe one that does not exist yet) in one of its
        forms, and a function calling through it."""
        user = self._pick(".py")
        if user is None:
            return None
        sources = [path for path in self.files(".py") if path != user]
        n = self.serial
        if sources and self.rng.random() < 0.75:
            source = self.rng.choice(sources)
            module = self._python_module(source)
            bound = self._names_bound(source)
            if not bound or self.rng.random() < 0.3:
                # A name it does not bind (yet): a function moved or renamed later may be it.
                bound = [block.name for block in self._blocks(".py", ("def", "class"))]
            name = self.rng.choice(bound or ["entry_0"])
        else:
            index = self.rng.randint(0, 12)
            module, name = f"pkg.mod_{index}", f"entry_{index}"
        form = self.rng.choice(["from", "from_as", "star", "alias", "dotted", "dotted"])
        if form == "from":
            line, call = f"from {module} import {name}", name
        elif form == "from_as":
            line, call = f"from {module} import {name} as {name}As{n}", f"{name}As{n}"
        elif form == "star":
            line, call = f"from {module} import *", name
        elif form == "alias":
            line, call = f"import {module} as alias_{n}", f"alias_{n}.{name}"
        else:
            line, call = f"import {module.partition('.')[0]}", f"{module}.{name}"
        self._insert_at_top(user, line)
        self._append(user, f"def call_{n}():\n    return {call}()\n")
        return f"import {line!r} in {self._relative(user)}"

    def _unimport(self) -> str | None:
        """Take an import (Python) or `use` (Rust) line out."""
        found = [
            (path, index)
            for path in self.files()
            for index, line in enumerate(self._lines(path))
            if _IMPORT_LINE.match(line.rstrip("\n"))
        ]
        chosen = self._choice(found)
        if chosen is None:
            return None
        path, index = chosen
        lines = self._lines(path)
        removed = lines.pop(index)
        self._save_lines(path, lines)
        return f"unimport {removed.strip()!r} in {self._relative(path)}"

    def _nested(self) -> str | None:
        """A function defined inside a top-level one (seen by that function only, but one
        more definition of its name everywhere: what an open reference's count reads)."""
        block = self._choice(self._blocks(".py", ("def",)))
        if block is None:
            return None
        name = self.rng.choice([*PYTHON_METHODS, "helper"])
        lines = self._lines(block.path)
        lines.insert(
            block.start + 1, f"    def {name}():\n        return {self.serial}\n\n    {name}()\n"
        )
        self._save_lines(block.path, lines)
        return f"nested {block.name}.{name} in {self._relative(block.path)}"

    def _duck_user(self) -> str | None:
        """Calls on a parameter of no known type: they stay open, with as many candidates as
        the codebase has definitions of the name, wherever those are."""
        path = self._pick(".py")
        if path is None:
            return None
        first, second = self.rng.sample([*PYTHON_METHODS, "helper"], 2)
        self._append(
            path,
            f"def visit_{self.serial}(node):\n    node.{first}()\n    return node.{second}()\n",
        )
        return f"duck_user {first}/{second} in {self._relative(path)}"

    def _rename_function(self) -> str | None:
        """Rename a top-level function: its definition only (callers fall back or fail), to a
        name another file defines (ambiguous), or with every use in the tree."""
        suffix = self.rng.choice([".py", ".rs"])
        functions = self._blocks(suffix, ("def", "fn"))
        block = self._choice(functions)
        if block is None:
            return None
        how = self.rng.choice(["definition", "existing", "everywhere"])
        taken = [other.name for other in functions if other.path != block.path]
        if how == "existing" and taken:
            new = self.rng.choice(taken)
        else:
            new = f"{re.sub(r'_v[0-9]+$', '', block.name)}_v{self.serial}"
        word = re.compile(rf"\b{re.escape(block.name)}\b")
        if how == "everywhere":
            for path in self.files(suffix):
                text = path.read_text(encoding="utf-8", errors="replace")
                if word.search(text):
                    self._save(path, word.sub(new, text))
        else:
            lines = self._lines(block.path)
            lines[block.start] = word.sub(new, lines[block.start], count=1)
            self._save_lines(block.path, lines)
        return f"rename_function {block.name} -> {new} ({how}) in {self._relative(block.path)}"

    def _duplicate(self) -> str | None:
        """Define a function, class or struct of one file in another of its language too."""
        suffix = self.rng.choice([".py", ".rs"])
        block = self._choice(self._blocks(suffix, ("def", "class", "fn", "struct")))
        targets = [path for path in self.files(suffix) if block and path != block.path]
        target = self._choice(targets)
        if block is None or target is None:
            return None
        self._append(target, "".join(self._lines(block.path)[block.start : block.end]))
        return f"duplicate {block.name} into {self._relative(target)}"

    def _remove_block(self) -> str | None:
        """Take a whole top-level definition out: a function, class, struct or impl block."""
        blocks = self._blocks(".py") + self._blocks(".rs")
        types = [block for block in blocks if block.kind in ("class", "struct")]
        # Often a type: what subclasses, typed receivers and impl blocks elsewhere reach.
        block = self._choice(types if types and self.rng.random() < 0.4 else blocks)
        if block is None:
            return None
        lines = self._lines(block.path)
        self._save_lines(block.path, lines[: block.start] + lines[block.end :])
        return f"remove_block {block.kind} {block.name} in {self._relative(block.path)}"

    # -- Rust across files ---------------------------------------------------------------

    def _rust_method_text(self, name: str, type_name: str) -> str:
        if name == "new":
            return f"    pub fn new() -> Self {{ {type_name} {{ value: 0 }} }}\n"
        first, second = self.rng.sample(RUST_METHODS[1:], 2)
        return f"    pub fn {name}(&self) {{ self.{first}(); self.{second}(); }}\n"

    def _impl_elsewhere(self) -> str | None:
        """An `impl T` block in another file than `struct T`, and a caller of its methods in
        the struct's file (through `T::` or from the struct's own impl's `self.`)."""
        struct = self._choice(self._blocks(".rs", ("struct",)))
        others = [path for path in self.files(".rs") if struct and path != struct.path]
        other = self._choice(others)
        if struct is None or other is None:
            return None
        type_name, n = struct.name, self.serial
        methods = self.rng.sample(RUST_METHODS, 2)
        if self.rng.random() < 0.5:
            self._insert_at_top(other, f"use {self._rust_module(struct.path)}::{type_name};")
        self._append(
            other,
            f"impl {type_name} {{\n"
            + "".join(self._rust_method_text(name, type_name) for name in methods)
            + "}\n",
        )
        lines = self._lines(struct.path)
        own_impl = next(
            (index for index, line in enumerate(lines) if line == f"impl {type_name} {{\n"),
            None,
        )
        if own_impl is not None and self.rng.random() < 0.5:
            lines.insert(
                own_impl + 1,
                f"    pub fn via_{n}(&self) {{ self.{methods[-1]}(); }}\n",
            )
            self._save_lines(struct.path, lines)
        else:
            self._append(
                struct.path,
                f"pub fn use_{type_name.lower()}_{n}() {{\n"
                f"    let item = {type_name}::new();\n"
                f"    {type_name}::{methods[0]}(&item);\n"
                f"    item.{methods[-1]}();\n}}\n",
            )
        return f"impl_elsewhere {type_name} in {self._relative(other)}"

    def _rust_method(self) -> str | None:
        """A method in an impl block, maybe named as one in another `impl` of the type."""
        block = self._choice(self._blocks(".rs", ("impl",)))
        if block is None:
            return None
        name = self.rng.choice(RUST_METHODS)
        lines = self._lines(block.path)
        lines.insert(block.start + 1, self._rust_method_text(name, block.name))
        self._save_lines(block.path, lines)
        return f"rust_method {block.name}::{name} in {self._relative(block.path)}"

    def _rust_use(self) -> str | None:
        """`use crate::m::f;` and a call of `f()`, or `use crate::m;` and `m::f()`, or `use
        crate::m::T;` and `T::new()`; the module may not exist (yet)."""
        user = self._pick(".rs")
        if user is None:
            return None
        sources = [path for path in self.files(".rs") if path != user]
        if sources and self.rng.random() < 0.75:
            source = self.rng.choice(sources)
            module = self._rust_module(source)
            defined = [
                block.name for block in self._blocks(".rs", ("fn", "struct"))
                if block.path == source
            ]
            name = self.rng.choice(defined or ["drive_0"])
        else:
            index = self.rng.randint(0, 9)
            module, name = f"crate::unit_{index}", self.rng.choice(
                [f"drive_{index}", f"Counter{index}"]
            )
        if self.rng.random() < 0.5:
            line, path = f"use {module}::{name};", name
        else:
            line, path = f"use {module};", f"{module.rpartition('::')[2]}::{name}"
        if name[:1].isupper():
            method = self.rng.choice(RUST_METHODS[1:])
            body = f"let item = {path}::new(); {path}::{method}(&item);"
        else:
            body = f"{path}();"
        self._insert_at_top(user, line)
        self._append(user, f"pub fn call_{self.serial}() {{ {body} }}\n")
        return f"rust_use {line!r} in {self._relative(user)}"


# How each step reaches the database: `stream` walks the tree with the streamer kept from the
# last step (its index in memory), `named` tells that streamer exactly the changed paths
# (update_files), `cold` walks with a new streamer (the index read back from the database),
# `alternate` takes turns between two long-lived streamers on the database (each must notice
# that the other wrote since its index was made), `mixed` picks one of those (or a new
# streamer told the changed paths) at random, each step.
MODES = ("stream", "named", "cold", "alternate", "mixed")


class _IncrementalDatabase:
    """One database updated in place after each change of a tree, as `mode` says, and
    compared row for row with a full rebuild of the tree (derived relations included)."""

    def __init__(self, root: Path, mode: str, seed: int = 0) -> None:
        self.root = root
        self.mode = mode
        self.chooser = random.Random(seed + 1)
        self.config = StreamerConfig(database="mem", parallel=False)
        self.storage = CozoDbStorage(self.config.database)
        # Never closed: closing a streamer closes the storage they share.
        self.first = CodebaseStreamer(self.config, storage=self.storage)
        self.second = CodebaseStreamer(self.config, storage=self.storage)
        self.turn = 0
        self.history: list[str] = []

    def __enter__(self) -> _IncrementalDatabase:
        try:
            self.first.stream_directory(self.root)
        except BaseException:
            self.storage.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.storage.close()

    def update(self, done: str, changed: list[str]) -> None:
        """Bring the database up to date after an edit of `changed` (relative paths), then
        compare it with a full rebuild."""
        how = self.mode
        if how == "mixed":
            how = self.chooser.choice(["stream", "named", "cold", "cold-named", "alternate"])
        self.history.append(f"step {len(self.history)} [{how}]: {done} {changed}")
        if how.startswith("cold"):
            streamer = CodebaseStreamer(self.config, storage=self.storage)
        elif how == "alternate":
            self.turn += 1
            streamer = self.second if self.turn % 2 else self.first
        else:
            streamer = self.first
        if how in ("named", "cold-named"):
            summary = streamer.update_files(self.root, changed)
        else:
            summary = streamer.stream_directory(self.root)
            parsed = summary.files_unchanged + summary.files_changed + summary.files_added
            assert parsed == summary.files_collected, self.history
        assert summary.incremental, (self.history, summary.full_rebuild_reason)
        with CodebaseStreamer(self.config) as full:
            rebuilt = full.stream_directory(self.root)
            report = verify_parallel_data_integrity_check(
                full.storage(), self.storage, include_derived=True
            )
        assert report.identical, "\n".join([*self.history, report.describe()])
        # The update's totals are the kept ones adjusted, not counted: they must agree too.
        assert _totals(summary) == _totals(rebuilt), self.history


def _totals(summary: IngestionSummary) -> tuple[int, int, int]:
    return summary.entities, summary.edges, summary.unresolved_references


def run_edit_sequence(root: Path, seed: int, steps: int, mode: str = "stream") -> None:
    """Apply `steps` random edits, updating one database incrementally after each (as `mode`
    says), and check after each that it equals a full rebuild of the tree as it then is,
    derived relations included."""
    edits = _EditSequence(root, seed)
    with _IncrementalDatabase(root, mode, seed) as database:
        for _ in range(steps):
            done = edits.step()
            database.update(done, sorted(edits.touched))


# -- cross-file changes, one by one: each reaches other files only through one lookup --------

Files = dict[str, str | None]
"""Relative path -> new text, or None: the file is deleted."""

_SHAPES = "class Shape:\n    def area(self):\n        return 1\n"
_THING = "pub struct Thing { value: u32 }\n\nimpl Thing {\n    pub fn bump(&self) {}\n}\n"
_THING_IMPL = "impl Thing {\n    pub fn reset(&self) { self.bump(); }\n}\n"
_GO_MOCK = "package mock\n\ntype Mock struct{}\n\nfunc (m *Mock) On() {}\n"
_GO_LOGGER = (
    "package lg\n\ntype Logger struct{}\n\ntype Other struct{}\n\n"
    "func New() *Logger { return nil }\n\nfunc (l *Logger) Info() {}\n\n"
    "func (o *Other) Info() {}\n"
)
_GO_FLAGS = (
    "package cli\n\nfunc (c *Command) Flags() *FlagSet { return nil }\n\n"
    "type FlagSet struct{}\n\nfunc (f *FlagSet) Set() {}\n"
)

SCENARIOS: dict[str, tuple[Files, list[tuple[str, Files]]]] = {
    # `Leaf()` in use.py reaches the `__init__` Leaf has or inherits: a constructor coming
    # and going upstream, in a file use.py does not import, changes that edge.
    "a constructor coming and going upstream of a class called in another module": (
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class Base:\n    pass\n",
            "pkg/leaf.py": "from pkg.base import Base\n\n\nclass Leaf(Base):\n    pass\n",
            "pkg/use.py": "from pkg.leaf import Leaf\n\n\ndef make():\n    return Leaf()\n",
        },
        [
            ("the base gains __init__", {
                "pkg/base.py": "class Base:\n    def __init__(self):\n        self.x = 1\n",
            }),
            ("the leaf gains its own", {
                "pkg/leaf.py": "from pkg.base import Base\n\n\nclass Leaf(Base):\n"
                               "    def __init__(self):\n        super().__init__()\n",
            }),
            ("the leaf loses it", {
                "pkg/leaf.py": "from pkg.base import Base\n\n\nclass Leaf(Base):\n    pass\n",
            }),
            ("the base goes", {"pkg/base.py": None}),
        ],
    ),
    # A name the function binds hides the module's `render`, and a name defined once
    # elsewhere: binding it and unbinding it changes only that function's references.
    "a local name hiding a module-level function comes and goes": (
        {
            "pkg/__init__.py": "",
            "pkg/shortcuts.py": "def render(x):\n    return x\n",
            "pkg/views.py": "from pkg.shortcuts import render\n\n\n"
                            "def kml(request):\n    return render(request)\n",
            "pkg/other.py": "def view(request):\n    return helper(request)\n",
        },
        [
            ("kml binds render", {
                "pkg/views.py": "from pkg.shortcuts import render\n\n\n"
                                "def kml(request):\n    render = request.render\n"
                                "    return render(request)\n",
            }),
            ("helper is defined once", {"pkg/helpers.py": "def helper(x):\n    return x\n"}),
            ("view's parameter is named helper", {
                "pkg/other.py": "def view(helper):\n    return helper(1)\n",
            }),
            ("kml unbinds it", {
                "pkg/views.py": "from pkg.shortcuts import render\n\n\n"
                                "def kml(request):\n    return render(request)\n",
            }),
        ],
    ),
    # A nested function is no member and no top-level name: nesting one changes no open
    # reference elsewhere (their counts are of the evidence and of top-level definitions).
    "nested definition leaves open references elsewhere as they were": (
        {
            "pkg/a.py": "def outer():\n    return 1\n",
            "pkg/b.py": "def visit(node):\n    return node.helper()\n",
        },
        [
            ("nest helper in outer", {
                "pkg/a.py": "def outer():\n    def helper():\n        return 2\n\n"
                            "    return helper()\n",
            }),
            ("a second module defines helper", {"pkg/c.py": "def helper():\n    return 3\n"}),
            ("un-nest it", {"pkg/a.py": "def outer():\n    return 1\n"}),
        ],
    ),
    # `seven` is no name the change defines: only the importer's changed bindings reach it.
    "aliased import of a name a re-exporting module gains": (
        {
            "pkg/__init__.py": "",
            "pkg/d.py": "from pkg.mod_7 import *\n",
            "pkg/e.py": "from pkg.d import entry_7 as seven\n\n\ndef k():\n    return seven()\n",
            "pkg/f.py": "from pkg.mod_7 import entry_7 as eight\n\n\n"
                        "def k():\n    return eight()\n",
        },
        [
            ("add the module", {"pkg/mod_7.py": "def entry_7():\n    return 7\n"}),
            ("delete it", {"pkg/mod_7.py": None}),
            ("add it back, the name imported", {
                "pkg/mod_7.py": "from pkg.g import entry_7\n",
                "pkg/g.py": "def entry_7():\n    return 8\n",
            }),
        ],
    ),
    # Leaf.run and the typed receiver in use() have no edge into base.py or middle.py while
    # greet is not found: only the changed bases reach them.
    "a base changing upstream reaches a subclass's self-calls in another module": (
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class Base:\n    def greet(self):\n        return 1\n",
            "pkg/middle.py": "from pkg.base import Base\n\n\nclass Middle(Base):\n"
                             "    def middle(self):\n        return 2\n",
            "pkg/leaf.py": "from pkg.middle import Middle\n\n\nclass Leaf(Middle):\n"
                           "    def run(self):\n        return self.greet()\n",
            "pkg/use.py": "from pkg.leaf import Leaf\n\n\ndef use():\n    leaf = Leaf()\n"
                          "    return leaf.greet()\n",
        },
        [
            ("Middle drops its base", {
                "pkg/middle.py": "class Middle:\n    def middle(self):\n        return 2\n",
            }),
            ("Middle extends Base again", {
                "pkg/middle.py": "from pkg.base import Base\n\n\nclass Middle(Base):\n"
                                 "    def middle(self):\n        return 2\n",
            }),
            ("Base loses greet", {"pkg/base.py": "class Base:\n    pass\n"}),
            ("Middle defines greet", {
                "pkg/middle.py": "from pkg.base import Base\n\n\nclass Middle(Base):\n"
                                 "    def greet(self):\n        return 3\n",
            }),
            ("Base gets greet back (hidden by Middle's)", {
                "pkg/base.py": "class Base:\n    def greet(self):\n        return 1\n",
            }),
        ],
    ),
    "a method added to a class other modules call through a typed receiver": (
        {
            "pkg/__init__.py": "",
            "pkg/shapes.py": _SHAPES,
            "pkg/draw.py": "from pkg.shapes import Shape\n\n\ndef draw():\n    s = Shape()\n"
                           "    return s.perimeter()\n",
            "pkg/other.py": "import pkg.shapes as shapes\n\n\ndef other():\n"
                            "    s = shapes.Shape()\n    return s.perimeter()\n",
        },
        [
            ("add perimeter", {
                "pkg/shapes.py": _SHAPES + "\n    def perimeter(self):\n        return 4\n",
            }),
            ("a second class named Shape elsewhere", {"pkg/more.py": _SHAPES}),
            ("remove perimeter", {"pkg/shapes.py": _SHAPES}),
        ],
    ),
    "imports of every form as their module comes and goes": (
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.m import f\n\n\ndef a():\n    return f()\n",
            "pkg/b.py": "from pkg.m import *\n\n\ndef b():\n    return f()\n",
            "pkg/c.py": "import pkg.m as alias\n\n\ndef c():\n    return alias.f()\n",
            "pkg/d.py": "import pkg\n\n\ndef d():\n    return pkg.m.f()\n",
            "pkg/e.py": "from pkg import m\n\n\ndef e():\n    return m.f()\n",
        },
        [
            ("add the module", {"pkg/m.py": "def f():\n    return 1\n"}),
            ("it defines g instead", {"pkg/m.py": "def g():\n    return 1\n"}),
            ("delete it", {"pkg/m.py": None}),
            ("add it as a package", {"pkg/m/__init__.py": "def f():\n    return 2\n"}),
        ],
    ),
    # The stub deeper in the tree answers to `pkg/m`, `m` too: those module paths then name
    # two modules, and imports through them resolve no more.
    "a stub at the same path deeper in the tree shadows a module": (
        {
            "pkg/__init__.py": "",
            "pkg/m.py": "def f():\n    return 1\n",
            "pkg/a.py": "from pkg import m as following\n\n\ndef a():\n"
                        "    return following.f()\n",
            "pkg/d.py": "import pkg\n\n\ndef d():\n    return pkg.m.f()\n",
        },
        [
            ("add the stub", {"third_party/pkg/m.py": "def stub():\n    return None\n"}),
            ("delete it", {"third_party/pkg/m.py": None}),
        ],
    ),
    "a unique name, then two definitions of it, then one": (
        {
            "pkg/a.py": "def helper():\n    return 1\n",
            "pkg/b.py": "def b():\n    return helper()\n",
        },
        [
            ("a second helper", {"pkg/c.py": "def helper():\n    return 2\n"}),
            ("the first renamed", {"pkg/a.py": "def helper_v2():\n    return 1\n"}),
            ("the second deleted", {"pkg/c.py": None}),
            ("the first named back", {"pkg/a.py": "def helper():\n    return 1\n"}),
        ],
    ),
    # Without a `use`, `impl Thing` in other.rs reaches Thing's methods only while the
    # struct exists: its members, not any binding, change.
    "an impl block in another file than its struct": (
        {
            "src/thing.rs": _THING,
            "src/other.rs": _THING_IMPL,
            "src/user.rs": "use crate::thing::Thing;\n\npub fn run() {\n"
                           "    let t = Thing::new();\n    Thing::reset(&t);\n    t.bump();\n}\n",
        },
        [
            ("the struct goes", {"src/thing.rs": "impl Thing {\n    pub fn bump(&self) {}\n}\n"}),
            ("the struct comes back", {"src/thing.rs": _THING}),
            ("new() added in the other impl", {
                "src/other.rs": _THING_IMPL.replace(
                    "impl Thing {\n",
                    "impl Thing {\n    pub fn new() -> Self { Thing { value: 0 } }\n",
                ),
            }),
            ("a use added, the other impl's file deleted", {
                "src/user.rs": "use crate::thing::Thing;\nuse crate::other;\n\npub fn run() {\n"
                               "    let t = Thing::new();\n    Thing::reset(&t);\n}\n",
                "src/other.rs": None,
            }),
        ],
    ),
    # Go typed chains read other files' result and field types, and a package's declared
    # name: `c.Flags().Set()`, `c.parent.Flags()` follow every such change.
    "a Go chain through result and field types declared in other files": (
        {
            "cli/command.go": "package cli\n\ntype Command struct {\n\tparent *Command\n}\n\n"
                              "func NewCommand() *Command { return &Command{} }\n",
            "cli/flags.go": _GO_FLAGS,
            "app/main.go": "package main\n\nimport \"cli\"\n\nfunc run() {\n"
                           "\tc := cli.NewCommand()\n\tc.Flags().Set()\n\tc.parent.Flags()\n}\n",
        },
        [
            ("Flags returns another type", {
                "cli/flags.go": _GO_FLAGS.replace(") Flags() *FlagSet", ") Flags() *Other")
                + "\ntype Other struct{}\n\nfunc (o *Other) Set() {}\n",
            }),
            ("the field's type changes", {
                "cli/command.go": "package cli\n\ntype Command struct {\n\tparent *Other\n}\n\n"
                                  "func NewCommand() *Command { return &Command{} }\n",
            }),
            ("the package declares another name", {
                "cli/command.go": "package cmd\n\ntype Command struct{}\n",
                "cli/flags.go": "package cmd\n\nfunc NewCommand() *Command { return nil }\n",
            }),
            ("the files come back, one at a time", {"cli/flags.go": _GO_FLAGS}),
            ("the second file", {
                "cli/command.go": "package cli\n\ntype Command struct {\n\tparent *Command\n}\n"
                                  "\nfunc NewCommand() *Command { return &Command{} }\n",
            }),
        ],
    ),
    # user.go embeds a type another file of its package declares: its methods are
    # promoted while that file declares them.
    "a Go struct embedding a type of another file of its package": (
        {
            "mock/mock.go": _GO_MOCK,
            "mock/user.go": "package mock\n\ntype user struct{ Mock }\n\nfunc use() {\n"
                            "\tu := &user{}\n\tu.On()\n}\n",
        },
        [
            ("On renamed", {"mock/mock.go": _GO_MOCK.replace("On()", "Once()")}),
            ("Mock goes", {"mock/mock.go": "package mock\n"}),
            ("Mock comes back", {"mock/mock.go": _GO_MOCK}),
        ],
    ),
    # use.go calls a method on a package variable another file declares.
    "a Go package variable declared in another file of the package": (
        {
            "lg/logger.go": _GO_LOGGER,
            "lg/exported.go": "package lg\n\nvar std = New()\n",
            "lg/use.go": "package lg\n\nfunc use() {\n\tstd.Info()\n}\n",
        },
        [
            ("std becomes an Other", {"lg/exported.go": "package lg\n\nvar std = &Other{}\n"}),
            ("New returns an Other", {
                "lg/exported.go": "package lg\n\nvar std = New()\n",
                "lg/logger.go": _GO_LOGGER.replace("New() *Logger", "New() *Other"),
            }),
            ("the declaration goes", {"lg/exported.go": None}),
            ("it comes back", {"lg/exported.go": "package lg\n\nvar std = New()\n"}),
        ],
    ),
    # run.go neither imports q nor shares its package: only its chain reads q's methods.
    "a Go chain ending in a package the calling file does not import": (
        {
            "q/other.go": "package q\n\ntype Other struct{}\n\nfunc (o *Other) Set() {}\n",
            "cli/command.go": "package cli\n\nimport \"q\"\n\ntype Command struct {\n"
                              "\tparent *q.Other\n}\n\nfunc NewCommand() *Command { return nil }\n",
            "cli/run.go": "package cli\n\nfunc run() {\n\tc := NewCommand()\n\tc.parent.Set()\n}\n",
        },
        [
            ("Set renamed", {
                "q/other.go": "package q\n\ntype Other struct{}\n\nfunc (o *Other) Reset() {}\n",
            }),
            ("Set back", {
                "q/other.go": "package q\n\ntype Other struct{}\n\nfunc (o *Other) Set() {}\n",
            }),
        ],
    ),
}


@pytest.mark.parametrize("mode", [mode for mode in MODES if mode != "mixed"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_cross_file_changes_equal_a_full_rebuild(
    tmp_path: Path, scenario: str, mode: str
) -> None:
    tree, steps = SCENARIOS[scenario]
    root = tmp_path / "project"
    for relative, text in tree.items():
        write(root / relative, text or "")
    age_tree(root)
    with _IncrementalDatabase(root, mode) as database:
        for serial, (done, files) in enumerate(steps, start=1):
            for relative, text in files.items():
                path = root / relative
                if text is None:
                    path.unlink()
                else:
                    write(path, text)
                    when = AN_HOUR_AGO_NS + serial * 10**9
                    os.utime(path, ns=(when, when))
            database.update(done, sorted(files))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", [8, 2026, 41, 7])
def test_random_edit_sequences_on_the_fixture_tree_equal_a_full_rebuild(
    tmp_path: Path, seed: int, mode: str
) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=6, rust_files=5)
    age_tree(root)
    run_edit_sequence(root, seed, steps=30, mode=mode)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("mode", MODES)
def test_long_random_edit_sequences_equal_a_full_rebuild(tmp_path: Path, mode: str) -> None:
    for seed in range(100, 106):
        root = write_mixed_project(tmp_path / f"project_{seed}", python_files=6, rust_files=5)
        age_tree(root)
        run_edit_sequence(root, seed, steps=80, mode=mode)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_random_edit_sequences_on_real_rust_crates_equal_a_full_rebuild(tmp_path: Path) -> None:
    """The issue's property on real code: two crates of the `oracle-rust` corpus (bytes, log)
    and the Python fixture modules, copied, then edited at random."""
    from bench.corpora import build_corpus

    corpus = build_corpus("oracle-rust")
    root = tmp_path / "corpus"
    for crate in sorted(corpus.iterdir()):
        if crate.name.startswith(("bytes-", "log-")):
            shutil.copytree(crate, root / crate.name)
    write_mixed_project(root, python_files=5, rust_files=0)
    age_tree(root)
    run_edit_sequence(root, seed=9, steps=30, mode="mixed")
