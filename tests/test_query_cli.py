"""`parseltongue query`, run as a user runs it: a real process on an ingested database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from parseltongue import CozoDbStorage


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments], capture_output=True, text=True
    )


def validate_key(spec: str) -> str:
    with CozoDbStorage(spec) as storage:
        [row] = storage.run_named("search_entities", query="validate", limit=1)
    return row["key"]


def test_a_named_query_with_parameters_prints_json(code_graph_database: str) -> None:
    result = run_cli(
        "query", "--db", code_graph_database, "--name", "reverse_callers",
        "--param", f"entity={validate_key(code_graph_database)}", "--param", "limit=1",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(row["source_file"], row["source_line"]) for row in rows] == [("app/main.py", 8)]


def test_an_integer_parameter_is_passed_as_an_integer(code_graph_database: str) -> None:
    result = run_cli(
        "query", "--db", code_graph_database, "?[doubled] := doubled = $hops * 2",
        "--param", "hops=3", "--format", "csv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "doubled\n6\n"


def test_a_string_parameter_stays_a_string(code_graph_database: str) -> None:
    result = run_cli(
        "query", "--db", code_graph_database,
        "?[name] := *code_entities:by_name{name, key}, starts_with(name, $prefix)",
        "--param", "prefix=build", "--format", "csv",
    )  # fmt: skip
    assert result.stdout == "name\nbuild_config\n"


def test_a_cozo_file_runs(code_graph_database: str, tmp_path: Path) -> None:
    script = tmp_path / "files.cozo"
    script.write_text("?[file_path] := *source_files{file_path}, starts_with(file_path, 'src')\n")
    result = run_cli("query", "--db", code_graph_database, "--file", str(script), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "file_path\nsrc/lib.rs\n"


def test_a_table_off_a_terminal_keeps_keys_whole(code_graph_database: str) -> None:
    key = validate_key(code_graph_database)
    result = run_cli("query", "--db", code_graph_database, "--name", "entity_detail",
                     "--param", f"key={key}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert key in result.stdout
    assert "\x1b[" not in result.stdout
    assert "1 row" in result.stdout


def test_malformed_datalog_prints_cozo_message_with_its_position(
    code_graph_database: str,
) -> None:
    result = run_cli("query", "--db", code_graph_database, "?[x] := x = ")
    assert result.returncode == 1
    assert "unexpected input / end of input at 12..12" in result.stderr
    assert "?[x] := x =" in result.stderr and "▲" in result.stderr
    assert "\x1b[" not in result.stderr
    assert result.stdout == ""


def test_a_write_is_refused_and_nothing_is_written(code_graph_database: str) -> None:
    result = run_cli(
        "query", "--db", code_graph_database,
        "?[key, value] <- [['intruder', 'x']] :put parseltongue_meta {key => value}",
    )  # fmt: skip
    assert result.returncode == 1
    assert "only reads; nothing was written" in result.stderr
    with CozoDbStorage(code_graph_database) as storage:
        assert (
            storage.query_read_only("?[value] := *parseltongue_meta{key: 'intruder', value}") == []
        )


def test_a_named_query_that_writes_is_refused(code_graph_database: str) -> None:
    result = run_cli("query", "--db", code_graph_database, "--name", "clear_derived")
    assert result.returncode == 1
    assert "'clear_derived' writes to the database" in result.stderr


def test_an_unknown_named_query_lists_the_names(code_graph_database: str) -> None:
    result = run_cli("query", "--db", code_graph_database, "--name", "who_calls_what")
    assert result.returncode == 1
    assert "no named query 'who_calls_what'" in result.stderr and "reverse_callers" in result.stderr


def test_a_bad_parameter_says_how_to_write_one(code_graph_database: str) -> None:
    result = run_cli("query", "--db", code_graph_database, "?[x] := x = 1", "--param", "hops")
    assert result.returncode == 1
    assert "is not NAME=VALUE" in result.stderr


def test_exactly_one_query_source_is_required(code_graph_database: str) -> None:
    result = run_cli("query", "--db", code_graph_database)
    assert result.returncode == 1
    assert "give exactly one of: DATALOG, --file F.cozo, --name NAME" in result.stderr


def test_query_help_has_an_example() -> None:
    result = run_cli("query", "--help")
    assert result.returncode == 0
    assert "Example: parseltongue query" in result.stdout


def test_list_shows_the_user_facing_queries_with_parameters_and_answers() -> None:
    result = run_cli("query", "--list")
    assert result.returncode == 0, result.stderr
    names = re.findall(r"^│ ([a-z_]+)\s", result.stdout, re.MULTILINE)
    assert "hotspots" in names and "search_entities" in names and "problem_files" in names
    assert not {"put_edges", "cyclic_components", "rows_source_files"} & set(names)
    assert re.search(r'^│ hotspots\s+│ scope="", limit=20\s+│ entities ranked by', result.stdout,
                     re.MULTILINE), result.stdout
    assert "--list --all shows the internal ones too" in result.stdout


def test_list_all_adds_the_internal_queries_after_a_rule() -> None:
    result = run_cli("query", "--list", "--all")
    assert result.returncode == 0, result.stderr
    names = re.findall(r"^│ ([a-z_]+)\s", result.stdout, re.MULTILINE)
    assert {
        "put_edges", "cyclic_components", "rows_source_files", "clear_derived"
    } <= set(names)
    assert not {"resolve", "build_coupling", "build_search_index"} & set(names)
    assert names.index("unresolved_references") < names.index("clear_derived")
    assert "├" in result.stdout  # the section rule between the two groups


def test_list_as_json_gives_every_header_field() -> None:
    listed = json.loads(run_cli("query", "--list", "--format", "json").stdout)
    blast = next(query for query in listed if query["name"] == "blast_radius")
    assert blast["audience"] == "user" and blast["writes"] is False
    assert blast["defaults"]["hops"] == 3 and blast["columns"] == ["key", "hop", "file_path"]
    assert blast["parameters"]["entity"] == "the entity key"
    assert all(query["audience"] == "user" for query in listed)
