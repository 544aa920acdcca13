"""What `parseltongue ingest` shows: its progress on a terminal and off one, its problem files."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.table import Table

from parseltongue.ingest import (
    PHASE_COLLECTING,
    PHASE_DONE,
    PHASE_PARSING,
    PHASE_RESOLVING,
    FileProblem,
    IngestionSummary,
)
from parseltongue.ingest_report import (
    IngestionProgress,
    ProblemGroup,
    group_problems,
    how_to_list_problems,
    problems_table,
)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def drive(progress: IngestionProgress) -> None:
    """The calls the streamer makes for 7 files of 3.5 MB in all."""
    with progress as shown:
        shown.phase_started(PHASE_COLLECTING)
        shown.phase_started(PHASE_PARSING)
        shown.files_done(0, 7, 0)
        for done in range(1, 8):
            shown.files_done(done, 7, done * 500_000)
        shown.phase_started(PHASE_RESOLVING)
        shown.phase_started(PHASE_DONE)


def test_a_terminal_gets_a_bar_with_files_megabytes_rate_and_eta() -> None:
    output = io.StringIO()
    drive(IngestionProgress(Console(file=output, force_terminal=True, width=160)))
    drawn = output.getvalue()
    assert ANSI.search(drawn), "a terminal is drawn on with escape sequences"
    screen = ANSI.sub("", drawn)
    assert re.search(r"7/7 files\s+3\.5 MB\s+(?:[\d,]+|–) files/s\s+ETA", screen), screen
    assert "━" in screen  # the bar itself
    assert "parsing 7 files" not in screen  # the quiet lines are for logs


def test_off_a_terminal_plain_lines_say_the_same() -> None:
    output = io.StringIO()
    drive(IngestionProgress(Console(file=output, width=160)))
    lines = output.getvalue().splitlines()
    assert not ANSI.search(output.getvalue()) and "━" not in output.getvalue()
    assert lines[0].startswith("collecting files (")
    assert lines[1] == "parsing 7 files"
    assert re.fullmatch(
        r"parsed 1/7 files \(14%\), 0\.5 MB, [\d,]+ files/s, ETA [\d,]+s", lines[2]
    ), lines[2]
    assert re.fullmatch(r"parsed 7/7 files \(100%\), 3\.5 MB, .*ETA 0s", lines[-3]), lines
    assert lines[-2].startswith("resolving references (")
    assert lines[-1].startswith("done (")


# -- problem files, by reason -------------------------------------------------------------


def problem(file_path: str, status: str, reason: str) -> FileProblem:
    return FileProblem(file_path, status, reason)


UNSUPPORTED = "not a supported source language"
BINARY = "binary content (NUL bytes) in a source-named file"


def test_problems_group_by_reason_largest_first_with_per_file_figures_left_out() -> None:
    problems = [
        problem("a.xyz", "failed", UNSUPPORTED),
        problem("big_1.js", "skipped", "larger than the 1,000-byte limit (3,000 bytes)"),
        problem("b.xyz", "failed", UNSUPPORTED),
        problem("big_2.js", "skipped", "larger than the 1,000-byte limit (45,210 bytes)"),
        problem("blob.py", "skipped", BINARY),
        problem("c.xyz", "failed", UNSUPPORTED),
    ]
    assert group_problems(problems) == [
        ProblemGroup("failed", UNSUPPORTED, ("a.xyz", "b.xyz", "c.xyz")),
        ProblemGroup("skipped", "larger than the 1,000-byte limit", ("big_1.js", "big_2.js")),
        ProblemGroup("skipped", BINARY, ("blob.py",)),
    ]


def test_a_number_that_differs_inside_a_group_is_shown_as_an_ellipsis() -> None:
    note = "{} syntax error(s); recovered what parsed"
    differing = [problem("a.py", "ingested", note.format(1)),
                 problem("b.py", "ingested", note.format(12))]
    agreeing = [problem("c.py", "ingested", note.format(2)),
                problem("d.py", "ingested", note.format(2))]
    assert group_problems(differing) == [
        ProblemGroup("ingested", note.format("…"), ("a.py", "b.py"))
    ]
    assert group_problems(agreeing) == [ProblemGroup("ingested", note.format(2), ("c.py", "d.py"))]
    # The same wording under another status is another group.
    failed = problem("e.py", "failed", note.format(2))
    assert [group.status for group in group_problems([*agreeing, failed])] == [
        "ingested", "failed",
    ]


def render(table: Table | None) -> str:
    assert table is not None
    output = io.StringIO()
    Console(file=output, width=200).print(table)
    return output.getvalue()


def summary_with(problems: list[FileProblem], database: str) -> IngestionSummary:
    return IngestionSummary(root="/p", database=database, jobs=1, problems=problems)


def test_the_table_has_a_row_per_reason_a_few_paths_and_says_how_to_list_them_all() -> None:
    problems = [problem(f"x_{index}.xyz", "failed", UNSUPPORTED) for index in range(5)]
    problems.append(problem("blob.py", "skipped", BINARY))
    shown = render(problems_table(summary_with(problems, "rocksdb:analysis.db")))
    assert "Problem files (6), by reason" in shown
    rows = [line for line in shown.splitlines() if line.startswith("│")]
    assert re.match(r"│\s+5 │ failed\s+│ not a supported source language\s+│ x_0\.xyz", rows[0])
    assert [row.split("│")[4].strip() for row in rows[:4]] == [
        "x_0.xyz", "x_1.xyz", "x_2.xyz", "and 2 more",
    ]
    assert re.match(rf"│\s+1 │ skipped\s+│ {re.escape(BINARY)}\s+│ blob\.py", rows[4]), rows
    assert how_to_list_problems("rocksdb:analysis.db") == (
        "list them all: parseltongue query --name problem_files --db rocksdb:analysis.db"
    )
    in_memory = how_to_list_problems("mem")
    assert "ingest again with --json" in in_memory and "problem_files" not in in_memory


def test_no_problems_no_table() -> None:
    assert problems_table(summary_with([], "mem")) is None
