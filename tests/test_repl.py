"""`parseltongue repl`: driven through a pipe and through a pseudo-terminal."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from rich.console import Console

from parseltongue.codebase import Codebase
from parseltongue.repl import DatalogShell, is_query_option, is_shell_command, statement_is_complete
from parseltongue.results import OutputFormat

ESCAPE = "\x1b["


def run_repl(spec: str, script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PARSELTONGUE_HISTORY": str(tmp_path / "history")}
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", "repl", "--db", spec],
        input=script,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


# -- where a statement ends ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "?[x] := x = 1",
        "?[x] :=\n    x = 1",
        "::relations",
        "{?[x] := x = 1}",
        "helper[x] := x = 1\n?[y] := helper[y]",
        "?[x] := x = 'a, ('  # a string or comment does not open anything",
    ],
)
def test_complete_statements(text: str) -> None:
    assert statement_is_complete(text)


@pytest.mark.parametrize(
    "text",
    [
        "?[x] :=",
        "?[x, y] := *edges{from_key: x,",
        "?[x] := x = 1 or",
        "helper[x] := x = 1",  # no entry rule yet
        "{?[x] := x = 1",
        "",
    ],
)
def test_incomplete_statements(text: str) -> None:
    assert not statement_is_complete(text)


def test_shell_commands_are_told_from_cozo_options() -> None:
    assert is_shell_command(":run hotspots limit=3")
    assert not is_shell_command(":limit 3")
    assert not is_shell_command("::relations")
    # An unknown word is the shell's, so it gets the shell's answer, not Cozo's parser error.
    assert is_shell_command(":xyz")
    assert is_query_option(":order -x") and is_query_option(":put rel {a}")
    assert not is_query_option(":run hotspots") and not is_query_option("::relations")


# -- the loop, fed lines ------------------------------------------------------------------


def feed(*lines: str) -> str:
    """Run lines through the shell on a real in-memory engine; what it printed."""
    output = io.StringIO()
    with Codebase.open("mem") as codebase:
        shell = DatalogShell(codebase, Console(file=output, width=200), OutputFormat.CSV)
        shell.run_lines(line + "\n" for line in lines)
    return output.getvalue()


def test_options_on_lines_of_their_own_belong_to_the_query_above() -> None:
    output = feed("?[x] <- [[3], [1], [2]]", ":order -x", ":limit 2", "?[y] := y = 'next'")
    assert output.splitlines()[:3] == ["x", "3", "2"]
    assert "error" not in output
    assert "next" in output  # a line that is not an option starts the next statement


def test_an_unknown_command_is_answered_and_the_next_quit_works() -> None:
    output = feed(":xyz 1", ":quit", "?[never] := never = 'run'")
    assert output.splitlines()[0] == "error: unknown command :xyz; :help lists them"
    assert "never" not in output


def test_a_command_ends_an_unfinished_statement_instead_of_joining_it() -> None:
    output = feed("?[x] := x =", ":quit", "?[never] := never = 'run'")
    assert "parser::pest" in output
    assert "never" not in output


def test_an_option_without_a_query_says_where_it_goes() -> None:
    output = feed(":limit 5")
    assert output.splitlines()[0] == (
        "error: :limit is an option of a query; type it on a line under the query, before "
        "the empty line that runs it"
    )


# -- piped stdin --------------------------------------------------------------------------


def test_piped_script_runs_a_multi_line_query_an_error_and_a_named_query(
    code_graph_database: str, tmp_path: Path
) -> None:
    script = (
        "?[name, line] :=\n"
        # A constant on an indexed non-key column (file_path: 'src/lib.rs') hits a Cozo 0.7.6
        # bug that answers nothing; binding a variable and filtering is the way.
        "    *code_entities{name, start_line: line, file_path},\n"
        "    file_path == 'src/lib.rs', line > 10\n"
        ":order line\n"
        "\n"
        "?[x] := x = \n"
        "\n"
        ":run search_entities query=tokenzie\n"
        ":quit\n"
        "?[never] := never = 'run'\n"
    )
    result = run_repl(code_graph_database, script, tmp_path)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert ESCAPE not in output
    # The multi-line query, with its option on its own line, and its timing.
    assert output.index("tokenize") < output.index("build_config")
    assert "2 rows in" in output
    # The error, with Cozo's position, and the shell went on.
    assert "error: parser::pest" in output and "end of input at 11..11" in output
    assert "rust:fn:tokenize:__src_lib:" in output and "typo" in output
    # :quit stopped the script.
    assert "never" not in output


def test_piped_commands_list_relations_schema_and_queries(
    code_graph_database: str, tmp_path: Path
) -> None:
    script = ":relations\n:schema dependency_edges\n:queries\n:format csv\n::relations\n"
    output = run_repl(code_graph_database, script, tmp_path).stdout
    assert "code_entities" in output and "entity_name_tokens" in output
    assert "source_line" in output and "resolution" in output
    assert "reverse_callers" in output and "entity, edge_types=" in output
    assert "rows_source_files" not in output  # internal: only `:queries all` lists it
    assert "format: csv" in output
    assert "\ndependency_edges," in output


def test_queries_all_lists_the_internal_queries_that_read() -> None:
    output = feed(":queries all")
    assert "rows_source_files" in output and "hotspots" in output
    assert "put_edges" not in output  # the shell only reads


def test_piped_format_json_and_bad_commands(code_graph_database: str, tmp_path: Path) -> None:
    script = ":format json\n?[x] := x = 41 + 1\n:format yaml\n:run\n:run nope\n:schema\n"
    output = run_repl(code_graph_database, script, tmp_path).stdout
    assert '"x": 42' in output
    assert "error: give one format: table, json, csv (now json)" in output
    assert "error: give a query name" in output
    assert "error: no named query 'nope'" in output
    assert "error: give one relation name" in output


def test_piped_run_with_a_missing_parameter_says_which(
    code_graph_database: str, tmp_path: Path
) -> None:
    output = run_repl(code_graph_database, ":run reverse_callers limit=2\n", tmp_path).stdout
    assert "error: query 'reverse_callers' takes parameters" in output
    assert "missing: entity" in output


def test_piped_write_is_refused(code_graph_database: str, tmp_path: Path) -> None:
    script = "?[key, value] <- [['repl', 'x']] :put parseltongue_meta {key => value}\n"
    script += "?[value] := *parseltongue_meta{key: 'repl', value}\n"
    output = run_repl(code_graph_database, script, tmp_path).stdout
    assert "write lock required for read-only query" in output
    assert "0 rows in" in output


# -- a pseudo-terminal --------------------------------------------------------------------


def test_terminal_session_with_history(code_graph_database: str, tmp_path: Path) -> None:
    history = tmp_path / "history"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "parseltongue.cli", "repl", "--db", code_graph_database],
        env={**os.environ, "PARSELTONGUE_HISTORY": str(history), "TERM": "dumb"},
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact("pt> ")
        # A statement runs at an empty line, not at the first line that looks complete.
        child.send("?[answer] :=\r")
        child.send("answer = 6 * 7\r")
        child.send("\r")
        child.expect_exact("42")
        child.expect_exact("1 row in")
        child.expect_exact("pt> ")
        child.send("?[x] := x = \r\r")  # a blank line ends even an incomplete statement
        child.expect_exact("parser::pest")
        child.expect_exact("pt> ")
        child.send(":run hotspots limit=1\r")
        child.expect_exact("process_order")
        child.expect_exact("pt> ")
        # Options typed on lines of their own go with the query: 2 rows, largest first.
        child.send("?[x] <- [[3], [1], [2]]\r")
        child.send(":order -x\r")
        child.send(":limit 2\r")
        child.send("\r")
        child.expect_exact("2 rows in")
        assert "no_entry" not in child.before
        assert re.search(r"x\W+3\W+2\W", child.before), child.before
        child.expect_exact("pt> ")
        # An unknown command is answered at once and leaves no statement open.
        child.send(":xyz\r")
        child.expect_exact("unknown command :xyz; :help lists them")
        child.expect_exact("pt> ")
        child.send(":quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    recorded = history.read_text()
    assert "?[answer] :=\n+answer = 6 * 7" in recorded
    assert "+:run hotspots limit=1" in recorded
