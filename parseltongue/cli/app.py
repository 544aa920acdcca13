"""The `parseltongue` Typer app and what its commands share: one-line errors, opening a
database, printing JSON (the shared options are in `options.py`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from parseltongue import __version__
from parseltongue.export import parse_edge_types
from parseltongue.storage import (
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

def fail(message: str, exit_code: int = 1) -> typer.Exit:
    """Print one clear error line and return the Exit to raise."""
    stderr_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(exit_code)


def parsed_edge_types(value: str) -> list[str]:
    """An --edge-types value as the facade takes it ([] for all); an unknown type fails."""
    try:
        return parse_edge_types(value)
    except ValueError as error:
        raise fail(str(error)) from None


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
                f"parseltongue ingest DIR --db {specification}"
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


