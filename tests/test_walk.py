"""Collecting files: what is parsed, what is left out, and the reason a user sees for each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.ingest.walk import (
    collect_files_for_parallel_processing,
    collect_named_files,
    python_root_above,
)


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A project with every reason to leave something out."""
    root = tmp_path / "project"
    write(root / "src" / "main.rs", "fn main() { helper(); }\nfn helper() {}\n")
    write(root / "src" / "lib.py", "def run():\n    return 1\n")
    write(root / "README.md", "# project\n")
    # Root .gitignore, and a nested one that re-includes one file the root one excludes.
    write(root / ".gitignore", "*.log\nbuild/\ngenerated_*.py\n")
    write(root / "pkg" / ".gitignore", "!generated_keep.py\nlocal.py\n")
    write(root / "pkg" / "generated_keep.py", "def kept():\n    pass\n")
    write(root / "pkg" / "generated_drop.py", "def dropped():\n    pass\n")
    write(root / "pkg" / "local.py", "def local():\n    pass\n")
    write(root / "pkg" / "mod.py", "def module_function():\n    pass\n")
    write(root / "debug.log", "log line\n")
    write(root / "build" / "out.py", "def built():\n    pass\n")
    # Version control, dependencies, build output, virtual environments.
    write(root / ".git" / "hooks" / "pre-commit.py", "print('hook')\n")
    write(root / "web" / "node_modules" / "left" / "index.js", "module.exports = 1;\n")
    write(root / "target" / "debug" / "build.rs", "fn main() {}\n")
    write(root / "myenv" / "pyvenv.cfg", "home = /usr/bin\n")
    write(root / "myenv" / "lib" / "site.py", "def site():\n    pass\n")
    # A link back to the root (a loop if followed) and a link to itself.
    os.symlink(root, root / "src" / "loop")
    os.symlink("self.py", root / "src" / "self.py")
    # Too big for the 1,000-byte limit the tests use.
    write(root / "src" / "huge.py", "x = 1\n" * 400)
    return root


EXPECTED_FILES = ["pkg/generated_keep.py", "pkg/mod.py", "src/lib.py", "src/main.rs"]
EXPECTED_SKIPPED = {
    ".git/": "version control folder",
    ".gitignore": "not a supported source language",
    "README.md": "not a supported source language",
    "build/": "ignored by .gitignore",
    "debug.log": "ignored by .gitignore",
    "myenv/": "virtual environment (has pyvenv.cfg)",
    "pkg/.gitignore": "not a supported source language",
    "pkg/generated_drop.py": "ignored by .gitignore",
    "pkg/local.py": "ignored by pkg/.gitignore",
    "src/huge.py": "larger than the 1,000-byte limit (2,400 bytes)",
    "src/loop/": "symbolic link to a folder, not followed",
    "src/self.py": "symbolic link loop",
    "target/": "build output (target)",
    "web/node_modules/": "dependency folder (node_modules)",
}


def test_collects_source_files_sorted_and_leaves_out_the_rest_with_reasons(tree: Path) -> None:
    collection = collect_files_for_parallel_processing(tree, max_file_bytes=1000)
    assert [collected.relative_path for collected in collection.files] == EXPECTED_FILES
    assert {skipped.relative_path: skipped.reason for skipped in collection.skipped} == (
        EXPECTED_SKIPPED
    )


def test_a_nested_gitignore_negation_re_includes_a_file_the_root_one_excludes(
    tree: Path,
) -> None:
    collection = collect_files_for_parallel_processing(tree, max_file_bytes=1000)
    included = {collected.relative_path for collected in collection.files}
    assert "pkg/generated_keep.py" in included
    assert "pkg/generated_drop.py" not in included


def test_gitignore_can_be_turned_off(tree: Path) -> None:
    collection = collect_files_for_parallel_processing(
        tree, max_file_bytes=1000, respect_gitignore=False
    )
    included = {collected.relative_path for collected in collection.files}
    assert {"build/out.py", "pkg/generated_drop.py", "pkg/local.py"} <= included


def test_collected_files_carry_size_and_language(tree: Path) -> None:
    collection = collect_files_for_parallel_processing(tree, max_file_bytes=1000)
    by_path = {collected.relative_path: collected for collected in collection.files}
    assert by_path["src/main.rs"].language == "rust"
    assert by_path["src/main.rs"].size_bytes == len("fn main() { helper(); }\nfn helper() {}\n")
    assert by_path["src/lib.py"].language == "python"
    assert collection.total_bytes == sum(collected.size_bytes for collected in collection.files)


def test_a_missing_folder_is_an_error_that_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder: .*nowhere"):
        collect_files_for_parallel_processing(tmp_path / "nowhere")


def test_a_file_given_as_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="not a folder"):
        collect_files_for_parallel_processing(write(tmp_path / "a.py", "x = 1\n"))


def test_every_skipped_path_lands_in_source_files_with_its_reason(tree: Path) -> None:
    config = StreamerConfig(database="mem", parallel=False, max_file_bytes=1000)
    with CodebaseStreamer(config) as streamer:
        streamer.stream_directory(tree)
        rows = streamer.storage().run_named("rows_source_files")
    by_path = {row["file_path"]: row for row in rows}
    for path, reason in EXPECTED_SKIPPED.items():
        assert by_path[path]["status"] == "skipped"
        assert by_path[path]["error"] == reason
    assert {path for path, row in by_path.items() if row["status"] == "ingested"} == set(
        EXPECTED_FILES
    )
    assert len(rows) == len(EXPECTED_SKIPPED) + len(EXPECTED_FILES)


def test_a_database_inside_the_tree_is_left_out(tree: Path) -> None:
    config = StreamerConfig(database=f"rocksdb:{tree / 'analysis.db'}", max_file_bytes=1000)
    with CodebaseStreamer(config) as streamer:
        streamer.stream_directory(tree)
        rows = streamer.storage().run_named("rows_source_files")
    database_rows = [row for row in rows if row["file_path"].startswith("analysis.db")]
    assert [(row["file_path"], row["error"]) for row in database_rows] == [
        ("analysis.db/", "the database being written")
    ]


def test_a_link_to_a_file_outside_the_root_is_left_out_and_one_inside_is_followed(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    write(root / "src" / "real.py", "def real():\n    pass\n")
    outside = write(tmp_path / "elsewhere" / "secret.py", "def secret():\n    pass\n")
    os.symlink(outside, root / "src" / "leak.py")
    os.symlink(root / "src" / "real.py", root / "src" / "alias.py")
    os.symlink("../../elsewhere/secret.py", root / "src" / "relative_leak.py")
    collection = collect_files_for_parallel_processing(root)
    assert [collected.relative_path for collected in collection.files] == [
        "src/alias.py", "src/real.py",
    ]
    left_out = {skipped.relative_path: skipped.reason for skipped in collection.skipped}
    assert left_out["src/leak.py"] == "symbolic link to a file outside the ingested root"
    assert left_out["src/relative_leak.py"] == left_out["src/leak.py"]
    # Re-indexing a file by name walks the same way: the link is refused there too.
    named = collect_named_files(root, ["src/leak.py", "src/alias.py"])
    assert [collected.relative_path for collected in named.files] == ["src/alias.py"]
    assert [skipped.relative_path for skipped in named.skipped] == ["src/leak.py"]
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        stored = streamer.storage().query(
            "?[f, s, e] := *source_files{file_path: f, status: s, error: e}"
        )
        names = streamer.storage().query("?[n] := *code_entities{name: n}")
    assert {row["f"]: row["s"] for row in stored}["src/leak.py"] == "skipped"
    assert "secret" not in {row["n"] for row in names}


# -- a package given instead of its project -----------------------------------------------


@pytest.mark.parametrize("project_file", ["pyproject.toml", "setup.py", "setup.cfg"])
def test_a_package_beside_a_project_file_points_at_the_project(
    tmp_path: Path, project_file: str
) -> None:
    write(tmp_path / "proj" / project_file)
    write(tmp_path / "proj" / "mypkg" / "__init__.py")
    assert python_root_above(tmp_path / "proj" / "mypkg") == (tmp_path / "proj").resolve()
    # The project itself, and a package folder of no project, are left alone.
    assert python_root_above(tmp_path / "proj") is None
    write(tmp_path / "loose" / "__init__.py")
    assert python_root_above(tmp_path / "loose") is None


def test_a_subpackage_points_at_the_folder_holding_its_topmost_package(tmp_path: Path) -> None:
    for package in ("top", "top/middle", "top/middle/leaf"):
        write(tmp_path / "work" / package / "__init__.py")
    for folder in ("top/middle", "top/middle/leaf"):
        assert python_root_above(tmp_path / "work" / folder) == (tmp_path / "work").resolve()
    # A folder without __init__.py under a package is not a package: nothing to say.
    write(tmp_path / "work" / "top" / "data" / "x.py")
    assert python_root_above(tmp_path / "work" / "top" / "data") is None


def test_a_package_of_a_src_layout_points_at_the_project(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pyproject.toml")
    write(tmp_path / "proj" / "src" / "mypkg" / "__init__.py")
    write(tmp_path / "proj" / "src" / "mypkg" / "sub" / "__init__.py")
    for folder in ("src/mypkg", "src/mypkg/sub"):
        assert python_root_above(tmp_path / "proj" / folder) == (tmp_path / "proj").resolve()
    assert python_root_above(tmp_path / "proj" / "src") is None


def test_a_relative_folder_is_judged_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "proj" / "setup.py")
    write(tmp_path / "proj" / "mypkg" / "__init__.py")
    monkeypatch.chdir(tmp_path / "proj" / "mypkg")
    assert python_root_above(Path(".")) == (tmp_path / "proj").resolve()
