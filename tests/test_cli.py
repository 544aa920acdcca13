"""The `parseltongue` command line, run as a user runs it: a real process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from sled_support import run_cli_without_sled

from parseltongue import CodeEntity, CozoDbStorage, DependencyEdge, EntityClass, __version__


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments], capture_output=True, text=True
    )


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    commands = re.findall(r"^│ (\w+)\s", result.stdout, re.MULTILINE)
    assert {"ingest", "pt01", "query", "repl", "stats", "pt08", "serve", "export"} <= set(
        commands
    )
    assert "Alias of ingest" in result.stdout


def test_version_prints_the_package_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"parseltongue {__version__}"


def make_database(path: Path) -> str:
    spec = f"sqlite:{path}"
    with CozoDbStorage(spec) as storage:
        storage.insert_entities_batch(
            [
                CodeEntity("rust:fn:a", "src/a.rs", "fn", EntityClass.CODE, "rust"),
                CodeEntity("rust:fn:b", "src/a.rs", "fn", EntityClass.CODE, "rust"),
                CodeEntity("python:class:T", "tests/t.py", "class", EntityClass.TEST, "python"),
            ]
        )
        storage.insert_edges_batch([DependencyEdge("rust:fn:a", "rust:fn:b", "calls")])
    return spec


def test_stats_json_reports_what_the_database_holds(tmp_path: Path) -> None:
    spec = make_database(tmp_path / "a.sqlite")
    result = run_cli("stats", "--db", spec, "--json")
    assert result.returncode == 0, result.stderr
    statistics = json.loads(result.stdout)
    assert statistics["total_entities"] == 3
    assert statistics["test_entities"] == 1
    assert statistics["total_edges"] == 1
    assert statistics["entities_by_language"] == {"rust": 2, "python": 1}
    assert statistics["edges_by_type"] == {"calls": 1}
    assert statistics["database"] == spec


def test_stats_table_shows_totals_and_breakdowns(tmp_path: Path) -> None:
    spec = make_database(tmp_path / "b.sqlite")
    result = run_cli("stats", "--db", spec)
    assert result.returncode == 0, result.stderr
    assert "entities by language" in result.stdout
    assert "rust" in result.stdout and "python" in result.stdout


def test_stats_on_sled_without_its_package_fails_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli_without_sled("stats", "--db", f"sled:{tmp_path / 's.db'}")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "the sled engine is not installed" in line and "pip install ./native/cozo-sled" in line
    assert not (tmp_path / "s.db").exists()


def test_stats_on_a_missing_database_does_not_create_one(tmp_path: Path) -> None:
    result = run_cli("stats", "--db", f"rocksdb:{tmp_path / 'missing.db'}")
    assert result.returncode == 1
    assert "no database at" in result.stderr
    assert "create one with: parseltongue ingest DIR --db" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_bad_specification_fails_with_one_clear_line() -> None:
    result = run_cli("stats", "--db", "postgres:x")
    assert result.returncode == 1
    assert "unknown database engine 'postgres'" in result.stderr
    assert "Traceback" not in result.stderr
