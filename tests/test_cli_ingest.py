"""`parseltongue ingest` (alias pt01) as a user runs it: a real process, files and database."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from project_trees import write, write_mixed_project
from sled_support import run_cli_without_sled

from parseltongue.storage import CozoDbStorage

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_cli(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """3 Python modules and __init__.py, 2 Rust files, a README and a file with a syntax error."""
    root = write_mixed_project(tmp_path / "project", python_files=3, rust_files=2)
    write(root / "README.md", "# a project\n")
    write(root / "bad.py", "def broken(:\n    pass\n")
    return root


# Python module: module, class, two methods, function (5); __init__.py: its module (1);
# bad.py: module and the recovered `broken` (2); Rust file: module, struct, impl, new, bump,
# drive (6).
PROJECT_ENTITIES = 3 * 5 + 1 + 2 + 2 * 6


def test_pt01_json_reports_exact_counts(project: Path, tmp_path: Path) -> None:
    spec = f"rocksdb:{tmp_path / 'analysis.db'}"
    result = run_cli("pt01", str(project), "--db", spec, "--json", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["database"] == spec
    assert summary["root"] == str(project)
    assert summary["jobs"] == 2
    assert (summary["files_ingested"], summary["files_skipped"], summary["files_failed"]) == (
        7, 1, 0,
    )
    assert summary["entities"] == PROJECT_ENTITIES
    assert summary["syntax_errors"] == 1
    assert summary["problems"] == [
        {"file_path": "bad.py", "status": "ingested",
         "reason": "1 syntax error(s) (line 1); recovered what parsed"}
    ]
    assert summary["problems_total"] == 1 and summary["problems_not_shown"] == 0
    assert summary["elapsed_seconds"] > 0 and summary["peak_memory_mb"] > 0
    assert summary["peak_memory_measure"] == (
        "resident memory of this process and its parse workers, summed, sampled every 0.5 s"
    )
    # The figures are the database's own.
    with CozoDbStorage(spec) as storage:
        stats = storage.get_stats()
    assert summary["edges"] == stats.total_edges > 0
    assert summary["unresolved_references"] == stats.unresolved_references
    assert stats.total_entities == PROJECT_ENTITIES
    assert stats.files_by_status == {"ingested": 7, "skipped": 1}


def test_pt01_sequential_gives_the_same_counts(project: Path, tmp_path: Path) -> None:
    spec = f"sqlite:{tmp_path / 'analysis.sqlite'}"
    result = run_cli("pt01", str(project), "--db", spec, "--json", "--sequential")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["jobs"] == 1
    assert summary["entities"] == PROJECT_ENTITIES
    assert summary["parsers_created"] == 2
    # No workers: the figure is this process's alone, and says so.
    assert summary["peak_memory_measure"] == "resident memory of this process, sampled every 0.5 s"


def test_pt01_defaults_to_analysis_db_in_the_current_folder(
    project: Path, tmp_path: Path
) -> None:
    result = run_cli("pt01", str(project), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["database"] == "rocksdb:analysis.db"
    assert (tmp_path / "analysis.db").is_dir()


def test_pt01_table_summary_lists_figures_and_problem_files(
    project: Path, tmp_path: Path
) -> None:
    result = run_cli("pt01", str(project), "--db", f"rocksdb:{tmp_path / 'a.db'}")
    assert result.returncode == 0, result.stderr
    for label in ("files ingested", "files skipped", "files failed", "entities",
                  "dependency edges", "unresolved references", "elapsed", "entities/s",
                  "peak memory", "database"):
        assert label in result.stdout, label
    # The memory figure says what it measures (a sum over processes, sampled), in MiB.
    assert re.search(r"│ peak memory\s+│\s+[\d,]+ MiB │", result.stdout), result.stdout
    assert (
        "peak memory: resident memory of this process and its parse workers, summed, "
        "sampled every 0.5 s" in " ".join(result.stdout.split())
    ), result.stdout
    entities = re.search(r"│ entities\s+│\s+([\d,]+) │", result.stdout)
    assert entities is not None and entities.group(1) == f"{PROJECT_ENTITIES:,}"
    assert "Problem files (1)" in result.stdout
    assert "bad.py" in result.stdout
    # Not a terminal: quiet progress lines on stderr, no bar.
    assert "parsing 7 files" in result.stderr
    assert "resolving references" in result.stderr


def test_pt01_again_is_incremental_and_full_rebuilds(project: Path, tmp_path: Path) -> None:
    spec = f"rocksdb:{tmp_path / 'analysis.db'}"
    first = json.loads(run_cli("pt01", str(project), "--db", spec, "--json").stdout)
    assert not first["incremental"] and first["full_rebuild_reason"]
    write(project / "pkg" / "mod_0.py", "def replaced():\n    pass\n")
    (project / "src" / "unit_1.rs").unlink()
    again = run_cli("pt01", str(project), "--db", spec, "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["incremental"] and summary["resolved"]
    assert (summary["files_unchanged"], summary["files_changed"], summary["files_added"],
            summary["files_removed"]) == (5, 1, 0, 1)
    # The unchanged bad.py is still reported, from its stored row.
    assert [problem["file_path"] for problem in summary["problems"]] == ["bad.py"]
    table = run_cli("pt01", str(project), "--db", spec)
    assert "incremental: nothing changed" in table.stdout
    assert "files unchanged" in table.stdout
    full = json.loads(run_cli("pt01", str(project), "--db", spec, "--json", "--full").stdout)
    assert not full["incremental"] and "--full" in full["full_rebuild_reason"]
    assert full["entities"] == summary["entities"]


def test_pt01_on_a_terminal_draws_a_progress_bar(project: Path, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    terminal = pexpect.spawn(
        sys.executable, ["-m", "parseltongue.cli", "pt01", str(project), "--db", "mem"],
        dimensions=(40, 160), encoding="utf-8", timeout=120,
    )
    terminal.expect(pexpect.EOF)
    terminal.close()
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.before)  # colours, cursor moves
    assert terminal.exitstatus == 0, screen
    # The bar's columns: files done of all, MB read, files/s, ETA; then the summary table.
    assert re.search(r"7/7 files\s+[\d.]+ MB\s+[\d,]+ files/s ETA", screen), screen
    assert "Ingestion summary" in screen
    assert "parsing 7 files" not in screen  # the quiet lines are for logs, not terminals


def test_pt01_groups_problem_files_by_reason_and_names_the_query_that_lists_them(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    for index in range(25):
        write(root / f"broken_{index:02}.py", "def broken(:\n    pass\n")
    (root / "blob.py").write_bytes(b"\x00\x01binary")
    spec = f"rocksdb:{tmp_path / 'a.db'}"
    result = run_cli("pt01", str(root), "--db", spec)
    assert result.returncode == 0, result.stderr
    assert "Problem files (26), by reason" in result.stdout
    rows = [line for line in result.stdout.splitlines() if re.match(r"│\s+\d+ │", line)]
    assert [row.split("│")[1:3] for row in rows] == [
        ["    25 ", " ingested "], ["     1 ", " skipped  "],
    ]
    assert "broken_02.py" in result.stdout and "broken_03.py" not in result.stdout
    assert "and 22 more" in result.stdout
    hint = f"list them all: parseltongue query --name problem_files --db {spec}"
    assert hint in result.stdout.splitlines()  # one line, so it can be copied whole
    # The query the hint names lists every one of them.
    listed = run_cli("query", "--name", "problem_files", "--db", spec, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    problem_rows = json.loads(listed.stdout)
    assert len(problem_rows) == 26
    assert problem_rows[-1] == {"file_path": "blob.py", "status": "skipped",
                                "reason": "binary content (NUL bytes) in a source-named file"}


def test_pt01_on_a_missing_folder_fails_with_one_line(tmp_path: Path) -> None:
    result = run_cli("pt01", str(tmp_path / "nowhere"), "--db", f"rocksdb:{tmp_path / 'a.db'}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no such folder: {tmp_path / 'nowhere'}; give the folder of the codebase to "
        "ingest"
    ]
    assert result.stdout == ""
    assert not (tmp_path / "a.db").exists()


def test_pt01_with_a_bad_specification_fails_with_one_line(project: Path) -> None:
    result = run_cli("pt01", str(project), "--db", "postgres:db")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unknown database engine 'postgres'")


def test_pt01_on_sled_without_its_package_fails_with_one_line_saying_how_to_install_it(
    project: Path, tmp_path: Path
) -> None:
    result = run_cli_without_sled("pt01", str(project), "--db", f"sled:{tmp_path / 's.db'}")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot open sled:{tmp_path / 's.db'}: the sled engine")
    assert "pip install ./native/cozo-sled" in lines[0] and "Rust toolchain" in lines[0]
    assert not (tmp_path / "s.db").exists(), "no silent fallback to another engine"


def test_ingest_help_has_an_example_and_pt01_says_it_is_the_alias() -> None:
    result = run_cli("ingest", "--help")
    assert result.returncode == 0
    assert "Example: parseltongue ingest ./my-project" in result.stdout
    alias = run_cli("pt01", "--help")
    assert alias.returncode == 0
    assert "Alias of ingest" in alias.stdout and "--max-file-bytes" in alias.stdout


def test_ingest_and_pt01_are_one_command(project: Path, tmp_path: Path) -> None:
    spec = f"rocksdb:{tmp_path / 'analysis.db'}"
    first = run_cli("ingest", str(project), "--db", spec, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["entities"] == PROJECT_ENTITIES
    # The alias finds the database the documented name made: nothing changed, nothing parsed.
    again = json.loads(run_cli("pt01", str(project), "--db", spec, "--json").stdout)
    assert again["incremental"] and not again["resolved"]
    assert again["entities"] == PROJECT_ENTITIES


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_leaves_a_database_that_opens(tmp_path: Path) -> None:
    from bench.corpora import build_corpus

    corpus = build_corpus("multi")
    spec = f"rocksdb:{tmp_path / 'interrupted.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "parseltongue.cli", "pt01", str(corpus), "--db", spec,
         "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stderr is not None
    progress_lines = []
    # Wait until results are being written: the second progress line comes after >= 10%.
    while len(progress_lines) < 2:
        line = process.stderr.readline()
        assert line, f"pt01 ended before it was interrupted: {process.communicate()}"
        if line.startswith("parsed "):
            progress_lines.append(line)
    workers = psutil.Process(process.pid).children(recursive=True)
    assert workers, "parallel ingestion should have parse workers"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, f"stdout: {stdout[-500:]}\nstderr: {stderr[-2500:]}"
    assert stdout == ""
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted: stopped the ingestion")
    assert "Traceback" not in stderr
    # The workers went with it.
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert alive == []
    # The database opens, holds whole files, and says it is incomplete.
    with CozoDbStorage(spec) as storage:
        stats = storage.get_stats()
        status = storage.query_read_only(
            "?[value] := *parseltongue_meta{key: 'ingestion_status', value}"
        )[0]["value"]
        files_with_entities = {
            row["file_path"] for row in storage.run_named("rows_code_entities")
        }
        ingested = {
            row["file_path"] for row in storage.run_named("rows_source_files")
            if row["status"] == "ingested"
        }
    assert status.startswith("interrupted: ")
    assert stats.total_entities > 0
    assert files_with_entities <= ingested
    assert stats.files_by_status["ingested"] < 1145  # stopped before the end
    reopened = run_cli("stats", "--db", spec, "--json")
    assert reopened.returncode == 0, reopened.stderr


def test_ingesting_a_package_instead_of_its_project_warns_and_still_ingests(
    tmp_path: Path,
) -> None:
    project = tmp_path / "proj"
    write(project / "pyproject.toml", "[project]\nname = 'mypkg'\n")
    write(project / "mypkg" / "__init__.py", "")
    write(project / "mypkg" / "core.py", "from mypkg import util\n\ndef run():\n"
          "    return util.helper()\n")
    write(project / "mypkg" / "util.py", "def helper():\n    return 1\n")
    spec = f"sqlite:{tmp_path / 'a.sqlite'}"
    result = run_cli("ingest", "mypkg", "--db", spec, "--json", "--sequential", cwd=project)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: mypkg is a Python package inside .; its module paths keep the package's "
        "name, but the rest of the project (its tests, scripts) is not ingested. To ingest "
        f"the project: parseltongue ingest . --db {spec}"
    ]
    assert json.loads(result.stdout)["files_ingested"] == 3
    # `from mypkg import util` resolves from inside the package as from the project.
    with CozoDbStorage(spec) as storage:
        calls = {(row["from_key"].split(":")[2], row["to_key"].split(":")[2], row["resolution"])
                 for row in storage.run_named("rows_dependency_edges")}
    assert ("run", "helper", "import") in calls
    # From the project folder there is nothing to warn about.
    again = run_cli("ingest", ".", "--db", spec, "--json", "--sequential", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "warning:" not in again.stderr
