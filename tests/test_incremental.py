"""Incremental pt01: only new and changed files are parsed, deleted files' rows go, keys survive
edits that move lines, and any sequence of edits leaves the database a full rebuild would."""

from __future__ import annotations

import os
import random
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from project_trees import python_module, rust_module, write, write_mixed_project

from parseltongue.integrity import verify_parallel_data_integrity_check
from parseltongue.storage import CozoDbStorage
from parseltongue.streamer import CodebaseStreamer, IngestionSummary, StreamerConfig

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
        report = verify_parallel_data_integrity_check(full.storage(), incremental)
    assert report.identical, report.describe()


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
        storage.run_named_write("put_ingestion_status", status="interrupted: test")
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


# -- the property: any edit sequence ends where a full rebuild of the final tree would --------

_TOP_LEVEL_START = re.compile(r"^(?:pub(?:\([a-z]+\))? )?(?:async )?(?:fn|def) \w+")


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


class _EditSequence:
    """Random edits to a tree: add, change, rename, delete files, move functions between
    files, break and fix syntax, touch without changing. Half the edits get an old, distinct
    modification time (the stat path), half keep the current one (the racy, hashed path)."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.serial = 0
        self.broken: dict[Path, str] = {}

    def files(self, suffix: str = "") -> list[Path]:
        return sorted(
            path for path in self.root.rglob(f"*{suffix}")
            if path.is_file() and path.suffix in (".py", ".rs")
        )

    def _stamp(self, path: Path) -> None:
        if self.rng.random() < 0.5:
            when = AN_HOUR_AGO_NS + self.serial * 10**9
            os.utime(path, ns=(when, when))

    def step(self) -> str:
        self.serial += 1
        operation = self.rng.choices(
            ["add", "change", "rename", "delete", "move", "break", "fix", "touch", "copy"],
            weights=[1, 2, 1, 1, 2, 2, 2, 1, 1],
        )[0]
        return getattr(self, f"_{operation}")() or operation

    def _pick(self, suffix: str = "") -> Path | None:
        files = self.files(suffix)
        return self.rng.choice(files) if files else None

    def _add(self) -> None:
        index = 100 + self.serial
        if self.rng.random() < 0.5:
            path = self.root / "pkg" / f"mod_{index}.py"
            write(path, python_module(index))
        else:
            path = self.root / "src" / f"added_{index}.rs"
            write(path, rust_module(index))
        self._stamp(path)

    def _copy(self) -> None:
        # Same names in two files: references to them become ambiguous, and then resolve
        # again when one copy goes.
        source = self._pick()
        if source is not None:
            target = source.with_name(f"copy_{self.serial}{source.suffix}")
            shutil.copyfile(source, target)
            self._stamp(target)

    def _change(self) -> None:
        path = self._pick()
        if path is None:
            return
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        name = f"edited_{self.serial}"
        added = (f"def {name}():\n    return entry_0()\n" if path.suffix == ".py"
                 else f"pub fn {name}() {{ drive_0(); }}\n")
        at = self.rng.randint(0, len(lines))
        # Keep Python blocks whole: insert only before a line at column 0 (or at the end).
        while path.suffix == ".py" and at < len(lines) and lines[at][:1].isspace():
            at += 1
        lines.insert(at, "\n" + added + "\n")
        path.write_text("".join(lines), encoding="utf-8")
        self._stamp(path)

    def _rename(self) -> None:
        path = self._pick()
        if path is not None:
            target = path.with_name(f"renamed_{self.serial}{path.suffix}")
            path.rename(target)
            self.broken.pop(path, None)

    def _delete(self) -> None:
        path = self._pick()
        if path is not None:
            path.unlink()
            self.broken.pop(path, None)

    def _move(self) -> str:
        suffix = self.rng.choice([".py", ".rs"])
        files = self.files(suffix)
        if len(files) < 2:
            return "move (nothing to move)"
        source, target = self.rng.sample(files, 2)
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        span = _top_level_function(lines, self.rng)
        if span is None:
            return "move (no top-level function)"
        moved = lines[span[0] : span[1]]
        source.write_text("".join(lines[: span[0]] + lines[span[1] :]), encoding="utf-8")
        with target.open("a", encoding="utf-8") as handle:
            handle.write("\n\n" + "".join(moved))
        self._stamp(source)
        self._stamp(target)
        return f"move {source.name} -> {target.name}"

    def _break(self) -> None:
        path = self._pick()
        if path is None or path in self.broken:
            return
        original = path.read_text(encoding="utf-8", errors="replace")
        self.broken[path] = original
        junk = "def broken(:\n" if path.suffix == ".py" else "fn broken( {\n"
        path.write_text(junk + original, encoding="utf-8")
        self._stamp(path)

    def _fix(self) -> None:
        if self.broken:
            path = self.rng.choice(sorted(self.broken))
            path.write_text(self.broken.pop(path), encoding="utf-8")
            self._stamp(path)

    def _touch(self) -> None:
        path = self._pick()
        if path is not None:
            when = AN_HOUR_AGO_NS + self.serial * 10**9 + 7
            os.utime(path, ns=(when, when))


def run_edit_sequence(root: Path, seed: int, steps: int) -> None:
    """Apply `steps` random edits, updating one database incrementally after each, and check
    after each that it equals a full rebuild of the tree as it then is."""
    edits = _EditSequence(root, seed)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as incremental:
        incremental.stream_directory(root)
        for step in range(steps):
            done = edits.step()
            summary = incremental.stream_directory(root)
            assert summary.incremental, (step, done, summary.full_rebuild_reason)
            parsed = summary.files_unchanged + summary.files_changed + summary.files_added
            assert parsed == summary.files_collected, (step, done)
            with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as full:
                full.stream_directory(root)
                report = verify_parallel_data_integrity_check(
                    full.storage(), incremental.storage()
                )
            assert report.identical, f"step {step} ({done}):\n{report.describe()}"


@pytest.mark.parametrize("seed", [8, 2026])
def test_random_edit_sequences_on_the_fixture_tree_equal_a_full_rebuild(
    tmp_path: Path, seed: int
) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=6, rust_files=5)
    age_tree(root)
    run_edit_sequence(root, seed, steps=25)


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
    run_edit_sequence(root, seed=9, steps=30)
