"""What `parseltongue ingest` draws while it works: rich's console on a terminal and off one."""

from __future__ import annotations

import io
import re

from rich.console import Console

from parseltongue.ingest_report import IngestionProgress
from parseltongue.streamer import PHASE_COLLECTING, PHASE_DONE, PHASE_PARSING, PHASE_RESOLVING

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
