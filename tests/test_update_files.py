"""CodebaseStreamer.update_files: re-indexing named files leaves what a full rebuild would."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from project_trees import python_module, write, write_mixed_project
from test_incremental import _EditSequence, age_tree, assert_equals_full_rebuild

from parseltongue.ingest import CodebaseStreamer, StreamerConfig


def _snapshot(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha1(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_update_files_adds_changes_and_removes_named_files(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=3, rust_files=2)
    age_tree(root)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        write(root / "pkg" / "mod_1.py", python_module(1) + "\n\ndef added_later():\n    pass\n")
        write(root / "pkg" / "mod_7.py", python_module(7))
        (root / "src" / "unit_0.rs").unlink()
        (root / "notes.txt").write_text("not source\n")
        summary = streamer.update_files(
            root, ["pkg/mod_1.py", "pkg/mod_7.py", "src/unit_0.rs", "notes.txt", "missing.py"]
        )
        assert summary.incremental and summary.resolved
        assert (summary.files_changed, summary.files_added, summary.files_removed) == (1, 1, 1)
        assert_equals_full_rebuild(streamer.storage(), root)


def test_update_files_on_a_database_without_this_root_ingests_everything(
    tmp_path: Path,
) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=2, rust_files=1)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        summary = streamer.update_files(root, ["pkg/mod_0.py"])
        assert not summary.incremental
        assert summary.files_ingested == summary.files_collected > 1
        assert_equals_full_rebuild(streamer.storage(), root)


@pytest.mark.parametrize("seed", [3, 11])
def test_random_edits_reindexed_by_name_equal_a_full_rebuild(tmp_path: Path, seed: int) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=5, rust_files=4)
    age_tree(root)
    edits = _EditSequence(root, seed)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        for step in range(12):
            before = _snapshot(root)
            done = edits.step()
            after = _snapshot(root)
            touched = sorted(path for path in before.keys() | after.keys()
                             if before.get(path) != after.get(path))
            summary = streamer.update_files(root, touched)
            assert summary.incremental, (step, done)
            assert_equals_full_rebuild(streamer.storage(), root)


def test_a_pruned_folder_coming_and_going_keeps_its_own_row(tmp_path: Path) -> None:
    """A file named inside a pruned folder (vendor/) is not indexed, but the walk writes a row
    for the folder itself: it must appear, and go, as it does in a full rebuild."""
    root = tmp_path / "project"
    write(root / "a.py", python_module(0))
    age_tree(root)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        write(root / "vendor" / "lib.py", python_module(1))
        streamer.update_files(root, ["vendor/lib.py"])
        rows = streamer.storage().run_named("rows_source_files")
        others = [(row["file_path"], row["status"]) for row in rows if row["file_path"] != "a.py"]
        assert others == [("vendor/", "skipped")]
        assert_equals_full_rebuild(streamer.storage(), root)
        (root / "vendor" / "lib.py").unlink()
        (root / "vendor").rmdir()
        streamer.update_files(root, ["vendor/lib.py"])
        rows = streamer.storage().run_named("rows_source_files")
        assert [row["file_path"] for row in rows] == ["a.py"]
        assert_equals_full_rebuild(streamer.storage(), root)
