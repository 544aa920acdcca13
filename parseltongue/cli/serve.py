"""`parseltongue pt08` (alias `serve`): the code graph over HTTP."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from parseltongue.cli.app import app, fail, open_storage, stdout_console
from parseltongue.cli.options import (
    DEFAULT_QUERY_TIMEOUT_SECONDS,
    DatabaseOption,
    QueryTimeoutOption,
)
from parseltongue.storage import (
    DEFAULT_DATABASE_SPECIFICATION,
)


@app.command()
def pt08(
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 7777,
    watch: Annotated[
        Path | None,
        typer.Option(
            "--watch",
            help="Keep the graph in step with this folder: re-index changed files as they "
            "are saved (a database of another folder, or none, is ingested first).",
        ),
    ] = None,
    query_timeout: QueryTimeoutOption = DEFAULT_QUERY_TIMEOUT_SECONDS,
) -> None:
    """Serve the code graph over HTTP (the Rust Parseltongue's endpoints).

    The server holds the database while it runs; query it from elsewhere with the endpoints,
    `parseltongue repl --server URL`, or pycozo's Client('http', ...). API docs at /docs.
    Queries never write; only --watch and POST /incremental-reindex-file-update do.

    Example: parseltongue pt08 --db rocksdb:analysis.db --port 7777 --watch ./my-project
    """
    # Imported here: FastAPI and uvicorn would add 0.3 s to every other command's start.
    from parseltongue.server.serve import (
        PortUnavailableError,
        StoppedWithQueriesRunning,
        serve_database,
    )

    if watch is not None and not watch.is_dir():
        raise fail(f"not a folder: {watch}; give the folder of the codebase to --watch")
    # Watching a folder may start from no database: its first update is then an ingestion.
    with open_storage(db, must_exist=watch is None) as storage:
        # Only the scripts clients send (/text-query): the server's own reads (statistics,
        # analytics, updates) are of a size it chose.
        storage.set_query_time_limit(query_timeout, applies_to_every_read=False)
        try:
            serve_database(
                storage, host, port, db, announce=stdout_console.print, watch=watch
            )
        except PortUnavailableError as error:
            raise fail(str(error)) from None
        except StoppedWithQueriesRunning as error:
            # Leave at once: waiting for the engine's thread at exit would wait for the query.
            fail(str(error))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)



app.command("serve", help="Alias of pt08: serve the code graph over HTTP.")(pt08)
