"""The `parseltongue` command: thin shells over the Python API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from parseltongue import __version__
from parseltongue.storage import (
    DEFAULT_DATABASE_SPECIFICATION,
    CozoDbStorage,
    StorageError,
    ensure_engine_available,
    parse_database_engine_specification,
)

app = typer.Typer(
    name="parseltongue",
    help="Turn a codebase into a queryable code graph in CozoDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stdout_console = Console()
stderr_console = Console(stderr=True)

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--db",
        help="Database as ENGINE:PATH: rocksdb:analysis.db, sqlite:analysis.sqlite or mem.",
        envvar="PARSELTONGUE_DB",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]


def fail(message: str, exit_code: int = 1) -> typer.Exit:
    """Print one clear error line and return the Exit to raise."""
    stderr_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(exit_code)


def open_storage(specification: str, must_exist: bool = True) -> CozoDbStorage:
    """Open the database a command names, turning failures into one clear line.

    A command that only reads refuses to create an empty database where none was.
    """
    try:
        parsed = parse_database_engine_specification(specification)
        ensure_engine_available(parsed)
        if must_exist and parsed.path and not Path(parsed.path).expanduser().exists():
            raise fail(
                f"no database at {parsed.path!r}; create one with: "
                f"parseltongue pt01 DIR --db {specification}"
            )
        return CozoDbStorage(parsed)
    except (StorageError, ValueError) as error:
        raise fail(str(error)) from None


def print_json(value: Any) -> None:
    """Print a value as JSON on stdout (not through rich, so it is byte-exact)."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")


def _version_callback(show: bool) -> None:
    if show:
        sys.stdout.write(f"parseltongue {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Parseltongue: ingest a codebase into CozoDB, then query its code graph."""


@app.command()
def stats(
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    as_json: JsonOption = False,
) -> None:
    """Show what a database holds: entities, edges, files, by language and type.

    Example: parseltongue stats --db rocksdb:analysis.db --json
    """
    with open_storage(db) as storage:
        statistics = storage.get_stats().to_dict()
    statistics["database"] = db
    if as_json:
        print_json(statistics)
        return
    stdout_console.print(f"Parseltongue database [bold]{db}[/]", highlight=False)
    totals = Table(show_header=False)
    for label, field_name in (
        ("entities", "total_entities"),
        ("test entities", "test_entities"),
        ("dependency edges", "total_edges"),
        ("unresolved references", "unresolved_references"),
        ("files", "total_files"),
    ):
        totals.add_row(label, f"{statistics[field_name]:,}")
    stdout_console.print(totals)
    for heading, field_name in (
        ("entities by language", "entities_by_language"),
        ("entities by type", "entities_by_type"),
        ("edges by type", "edges_by_type"),
        ("files by status", "files_by_status"),
    ):
        if not statistics[field_name]:
            continue
        breakdown = Table()
        breakdown.add_column(heading)
        breakdown.add_column("count", justify="right")
        for value, count in statistics[field_name].items():
            breakdown.add_row(value, f"{count:,}")
        stdout_console.print(breakdown)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
