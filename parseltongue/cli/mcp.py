"""`parseltongue mcp`: the code graph as tools for coding agents (Model Context Protocol)."""

from __future__ import annotations

from typing import Annotated

import typer

from parseltongue.cli.app import app, fail, open_storage, print_json
from parseltongue.cli.options import (
    DEFAULT_QUERY_TIMEOUT_SECONDS,
    DatabaseOption,
    QueryTimeoutOption,
)
from parseltongue.codebase import Codebase
from parseltongue.remote import RemoteQueryClient
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, StorageError


@app.command()
def mcp(
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    server: Annotated[
        str | None,
        typer.Option("--server", help="Ask a running `parseltongue pt08` at this URL instead "
                     "of opening --db (a RocksDB folder admits one process)."),
    ] = None,
    transport: Annotated[
        str, typer.Option("--transport", help="stdio (what agents launch) or http "
                          "(streamable HTTP on 127.0.0.1, at /mcp).")
    ] = "stdio",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port for http.")] = 7778,
    allow_writes: Annotated[
        bool, typer.Option("--allow-writes", help="Offer reindex_files, which writes.")
    ] = False,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Print the mcpServers JSON that launches "
                           "this server (absolute paths), and exit.")
    ] = False,
    query_timeout: QueryTimeoutOption = DEFAULT_QUERY_TIMEOUT_SECONDS,
) -> None:
    """Serve the code graph to coding agents over the Model Context Protocol.

    Example: parseltongue mcp --db rocksdb:analysis.db   (then: --print-config for the JSON)
    """
    # Imported here: the MCP SDK would add half a second to every other command's start.
    from parseltongue.mcp_server.server import McpSettings, client_config, serve_mcp
    from parseltongue.server.serve import PortUnavailableError

    settings = McpSettings(transport, port, allow_writes)
    try:
        if print_config:
            print_json(client_config(db, server, allow_writes))
        elif server is not None:
            if allow_writes:
                raise fail("--allow-writes needs --db: a server re-indexes its own database "
                           "(pt08 --watch, or POST /incremental-reindex-file-update)")
            client = RemoteQueryClient(server)
            client.relation_names()  # fail now, not at the first tool call, if unreachable
            serve_mcp(Codebase(client), settings, keeps_answers=False)
        else:
            with open_storage(db) as storage:
                storage.set_query_time_limit(query_timeout, applies_to_every_read=False)
                serve_mcp(Codebase(storage), settings)
    except (StorageError, ValueError, PortUnavailableError) as error:
        raise fail(str(error)) from None
