"""What `parseltongue ingest` (alias pt01) shows while it works and when it is done.

A terminal gets a live progress bar (phase, files done of all, MB read, files/s, ETA); a log
file or a CI console gets a quiet line every tenth of the files or every few seconds, whichever
comes first, so a long run shows it is alive without flooding the log. The summary is a table,
or one JSON object.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from parseltongue.ingest import PHASE_PARSING, FileProblem, IngestionSummary

# Paths shown for each reason in the table summary; problems in the JSON one before it stops.
EXAMPLES_PER_REASON = 3
PROBLEMS_IN_JSON = 200
# A file's own figure in a reason, e.g. "(3,000 bytes)"; and any number.
_PER_FILE_DETAIL = re.compile(r"\s*\([^()]*\d[^()]*\)")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
QUIET_LINE_SECONDS = 5.0
QUIET_LINE_FRACTION = 0.10


class _FilesPerSecondColumn(ProgressColumn):
    """Files per second, as rich measures the task's speed."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} files/s" if speed else "– files/s", style="cyan")


class _MegabytesColumn(ProgressColumn):
    """The megabytes of source parsed so far (the total is not known before the end)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.fields.get('bytes_done', 0) / 1e6:,.1f} MB", style="magenta")


class IngestionProgress:
    """Progress and phase callbacks for `CodebaseStreamer`, drawn on stderr.

    Example:
        with IngestionProgress(stderr_console) as shown:
            streamer.stream_directory(root, shown.files_done, shown.phase_started)
    """

    def __init__(self, console: Console, interactive: bool | None = None) -> None:
        self._console = console
        self._interactive = console.is_terminal if interactive is None else interactive
        self._progress: Progress | None = None
        self._task_id: Any = None
        self._started = time.monotonic()
        self._last_line_at = 0.0
        self._last_line_fraction = 0.0
        self._phase_started_at = self._started

    def __enter__(self) -> IngestionProgress:
        if self._interactive:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files"),
                _MegabytesColumn(),
                _FilesPerSecondColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TimeElapsedColumn(),
                console=self._console,
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def phase_started(self, phase: str) -> None:
        """A new phase: the bar's label changes, or a quiet line says so."""
        now = time.monotonic()
        if self._progress is not None:
            # Collecting comes before the file count is known: the bar pulses until then.
            if self._task_id is None:
                self._task_id = self._progress.add_task(phase, total=None, bytes_done=0)
            else:
                self._progress.update(self._task_id, description=phase)
            return
        if phase != PHASE_PARSING:
            self._line(f"{phase} ({now - self._started:.1f}s)")
        self._phase_started_at = now

    def files_done(self, files_done: int, files_total: int, bytes_done: int) -> None:
        """Parse results arrived: move the bar, or print a line at each tenth / few seconds."""
        if self._progress is not None:
            if self._task_id is None:
                self._task_id = self._progress.add_task(
                    PHASE_PARSING, total=files_total, bytes_done=bytes_done
                )
            self._progress.update(
                self._task_id, completed=files_done, total=files_total, bytes_done=bytes_done
            )
            return
        now = time.monotonic()
        fraction = files_done / files_total if files_total else 1.0
        first = files_done == 0
        due = (
            now - self._last_line_at >= QUIET_LINE_SECONDS
            or fraction - self._last_line_fraction >= QUIET_LINE_FRACTION
            or files_done == files_total
        )
        if not (first or due):
            return
        self._last_line_at = now
        self._last_line_fraction = fraction
        if first:
            self._line(f"parsing {files_total:,} files")
            return
        elapsed = max(now - self._phase_started_at, 1e-9)
        rate = files_done / elapsed
        remaining = (files_total - files_done) / rate if rate else 0.0
        self._line(
            f"parsed {files_done:,}/{files_total:,} files ({fraction:.0%}), "
            f"{bytes_done / 1e6:,.1f} MB, {rate:,.0f} files/s, ETA {remaining:,.0f}s"
        )

    def _line(self, text: str) -> None:
        self._console.print(text, highlight=False, soft_wrap=True)


def summary_as_json(summary: IngestionSummary) -> dict[str, Any]:
    """The summary for `--json`: every figure, and the problem files bounded."""
    document = summary.to_dict()
    document["problems_total"] = len(summary.problems)
    document["problems"] = document["problems"][:PROBLEMS_IN_JSON]
    document["problems_not_shown"] = max(0, len(summary.problems) - PROBLEMS_IN_JSON)
    return document


def summary_table(summary: IngestionSummary) -> Table:
    """The figures a person reads after an ingestion, one per row."""
    table = Table(show_header=False, title="Ingestion summary", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("folder", summary.root),
        ("database", summary.database),
        ("parse jobs", f"{summary.jobs}"),
        ("mode", _mode(summary)),
    ]
    if summary.parse_cluster:
        rows.append(("parsed on Dask", summary.parse_cluster))
    if summary.files_resent:
        rows.append(("  files sent again (worker lost)", f"{summary.files_resent:,}"))
    if summary.incremental:
        rows += [
            ("  files unchanged", f"{summary.files_unchanged:,}"),
            ("  files changed", f"{summary.files_changed:,}"),
            ("  files added", f"{summary.files_added:,}"),
            ("  files removed", f"{summary.files_removed:,}"),
            ("  entities resolved again", f"{summary.entities_resolved:,}"),
        ]
    rows += [
        ("files ingested", f"{summary.files_ingested:,}"),
        ("files skipped", f"{summary.files_skipped:,}"),
        ("files failed", f"{summary.files_failed:,}"),
        ("entities", f"{summary.entities:,}"),
        ("dependency edges", f"{summary.edges:,}"),
        ("unresolved references", f"{summary.unresolved_references:,}"),
        ("elapsed", f"{summary.elapsed_seconds:,.2f} s"),
        ("  parsing and writing", f"{summary.parse_seconds:,.2f} s"),
        ("  resolving references", f"{summary.resolve_seconds:,.2f} s"),
        ("entities/s", f"{summary.entities_per_second:,.0f}"),
        ("MB/s parsed", f"{summary.megabytes_per_second:,.2f}"),
        ("peak memory", f"{summary.peak_memory_mb:,.0f} MiB"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    if summary.peak_memory_measure:
        # Below the table: in the label column it would widen the table past 80 columns.
        table.caption = f"peak memory: {summary.peak_memory_measure}"
        table.caption_justify = "left"
    return table


def _mode(summary: IngestionSummary) -> str:
    if not summary.incremental:
        return f"full rebuild: {summary.full_rebuild_reason}"
    if not summary.resolved:
        return "incremental: nothing changed"
    return "incremental"


@dataclass(frozen=True)
class ProblemGroup:
    """Problem files that share a status and a reason (its numbers aside)."""

    status: str
    reason: str
    """The reason, with a number that differs between its files shown as `…`."""
    file_paths: tuple[str, ...]


def group_problems(problems: list[FileProblem]) -> list[ProblemGroup]:
    """The problems grouped by status and reason, the largest group first.

    Reasons carry figures ("3 syntax error(s)", "larger than the 1,000-byte limit (3,000
    bytes)"): a file's own figures in parentheses are dropped, and the other numbers are
    kept where every file of the group agrees (the limit) and shown as `…` where not.
    """
    grouped: dict[tuple[str, str], list[FileProblem]] = {}
    for problem in problems:
        general = _PER_FILE_DETAIL.sub("", problem.reason)
        grouped.setdefault((problem.status, _NUMBER.sub("#", general)), []).append(problem)
    groups = [
        ProblemGroup(
            status,
            _shared_reason([member.reason for member in members]),
            tuple(sorted(member.file_path for member in members)),
        )
        for (status, _), members in grouped.items()
    ]
    return sorted(groups, key=lambda group: (-len(group.file_paths), group.status, group.reason))


def how_to_list_problems(database: str) -> str:
    """The line under the problems table that says how to list every problem file."""
    if database.split(":", 1)[0] == "mem":
        # An in-memory database is gone when the run ends: only the JSON summary is left.
        return "list them all: ingest again with --json (up to 200), or into a database file"
    return f"list them all: parseltongue query --name problem_files --db {database}"


def _shared_reason(reasons: list[str]) -> str:
    """The reasons' common wording: numbers all agree on kept, the others shown as `…`."""
    general = [_PER_FILE_DETAIL.sub("", reason) for reason in reasons]
    columns = zip(*(_NUMBER.findall(reason) for reason in general), strict=True)
    shown = iter([column[0] if len(set(column)) == 1 else "…" for column in columns])
    return _NUMBER.sub(lambda _match: next(shown), general[0])


def problems_table(
    summary: IngestionSummary, examples: int = EXAMPLES_PER_REASON
) -> Table | None:
    """The problem files, one row per reason with its count and a few paths; None if none."""
    if not summary.problems:
        return None
    table = Table(
        title=f"Problem files ({len(summary.problems):,}), by reason",
        title_justify="left",
    )
    table.add_column("files", justify="right")
    table.add_column("status")
    table.add_column("reason")
    table.add_column("for example")
    for group in group_problems(summary.problems):
        shown = list(group.file_paths[:examples])
        if len(group.file_paths) > examples:
            shown.append(f"and {len(group.file_paths) - examples:,} more")
        table.add_row(f"{len(group.file_paths):,}", group.status, group.reason, "\n".join(shown))
    return table
