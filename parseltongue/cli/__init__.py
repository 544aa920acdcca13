"""The `parseltongue` command: thin shells over the Python API (`Codebase`), one module per
kind of command; each registers its commands on the one Typer app (`app.py`)."""

from parseltongue.cli import impact, ingest, mcp, read, references, rename, serve
from parseltongue.cli.app import app

__all__ = ["app", "main"]
# Imported for the commands they register on `app`.
_COMMAND_MODULES = (impact, ingest, read, references, rename, serve, mcp)


def main() -> None:
    """Console-script entry point."""
    app()
