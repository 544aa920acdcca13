"""Render a query's answer as a table, JSON or CSV: one place for every command and the REPL."""

from __future__ import annotations

import csv
import io
import json
import re
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from parseltongue import answers
from parseltongue.queries import NamedQuery

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class OutputFormat(StrEnum):
    """How rows are printed."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def result_table(result: answers.Table, caption: str | None = None) -> Table:
    """The rows as a rich table, captioned with the row count unless told otherwise."""
    table = Table(
        caption=row_count(result) if caption is None else caption or None, caption_justify="left"
    )
    for header in result.headers:
        table.add_column(header, overflow="fold")
    for row in result.rows:
        table.add_row(*(_cell_text(value) for value in row))
    return table


def row_count(result: answers.Table) -> str:
    """`1 row`, `3 rows`."""
    return f"{len(result.rows)} row{'' if len(result.rows) == 1 else 's'}"


def result_json(result: answers.Table) -> str:
    """The rows as a JSON list of objects keyed by column."""
    return json.dumps(result.as_dicts(), indent=2, default=str)


def result_csv(result: answers.Table) -> str:
    """The rows as CSV with a header line; lists and maps are written as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.headers)
    for row in result.rows:
        writer.writerow(_cell_text(value) if value is not None else "" for value in row)
    return buffer.getvalue()


def wide_console_unless_terminal(console: Console) -> Console:
    """`console` on a terminal; off one, a console that never wraps or colours, so a pipe
    gets whole lines."""
    return console if console.is_terminal else Console(width=100_000, no_color=True)


def strip_ansi(text: str) -> str:
    """Text without terminal colour codes (for a pipe or a file)."""
    return _ANSI_ESCAPE.sub("", text)


def parse_parameter_value(text: str) -> Any:
    """A `k=v` value: JSON when it parses (3 -> 3, [1] -> [1], "3" -> "3"), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_parameters(assignments: list[str]) -> dict[str, Any]:
    """`["hops=3", "entity=rust:fn:x"]` -> `{"hops": 3, "entity": "rust:fn:x"}`."""
    params: dict[str, Any] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        name = name.strip().lstrip("$")
        if not equals or not name.isidentifier():
            raise ValueError(
                f"parameter {assignment!r} is not NAME=VALUE; write e.g. hops=3 or "
                "entity=python:fn:main:__app_main:T1"
            )
        params[name] = parse_parameter_value(value)
    return params


def named_queries_table(queries: list[NamedQuery], title: str) -> Table:
    """Named queries, one row each: name, parameters, what it answers; a rule between the
    user-facing ones and the internal ones."""
    table = Table(title=title, title_justify="left")
    for header in ("name", "parameters", "answers"):
        table.add_column(header, overflow="fold")
    for index, query in enumerate(queries):
        if index and query.user_facing != queries[index - 1].user_facing:
            table.add_section()
        table.add_row(query.name, _parameters_in_short(query), query.description)
    return table


def _parameters_in_short(query: NamedQuery) -> str:
    """`entity, hops=3`: each parameter, with its default when it may be left out."""
    return ", ".join(
        f"{name}={json.dumps(query.defaults[name])}" if name in query.defaults else name
        for name in query.parameters
    ) or "none"


def named_queries_json(queries: list[NamedQuery]) -> str:
    """Named queries as a JSON list, for machines: every header field."""
    return json.dumps(
        [
            {
                "name": query.name,
                "audience": query.audience,
                "writes": query.writes,
                "answers": query.description,
                "parameters": query.parameter_descriptions,
                "defaults": query.defaults,
                "columns": list(query.columns),
            }
            for query in queries
        ],
        indent=2,
    )
