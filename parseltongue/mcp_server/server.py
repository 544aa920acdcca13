"""`parseltongue mcp`: the MCP server (the official SDK's MCPServer) over a Codebase, on stdio
or the streamable HTTP transport on 127.0.0.1, and the client configuration that launches it."""

from __future__ import annotations

import inspect
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from parseltongue import __version__
from parseltongue.codebase import Codebase
from parseltongue.mcp_server import resources
from parseltongue.mcp_server.tools import GraphTools
from parseltongue.server.context import ResultCache
from parseltongue.server.serve import bind_listening_socket
from parseltongue.storage import parse_database_engine_specification

SERVER_NAME = "parseltongue"
LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 7778
HTTP_PATH = "/mcp"
READ_TOOLS = (
    "search_entities", "entity", "callers", "callees", "blast_radius", "file_entities",
    "context_pack", "hotspots", "cycles", "dead_code", "stats", "run_datalog",
    "run_named_query",
)  # fmt: skip
WRITE_TOOLS = ("reindex_files",)
INSTRUCTIONS = (
    "Parseltongue answers questions about one codebase's code graph (definitions and the "
    "calls/uses between them). Find keys with search_entities, then ask about them; read "
    f"{resources.GUIDE_URI} for which tool answers which question."
)


@dataclass(frozen=True)
class McpSettings:
    """How `parseltongue mcp` serves: its transport, port and whether it may write."""

    transport: str = "stdio"
    port: int = DEFAULT_PORT
    allow_writes: bool = False


def build_server(codebase: Codebase, *, allow_writes: bool, keeps_answers: bool
                 ) -> tuple[MCPServer, GraphTools]:
    """An MCPServer with the graph tools over `codebase` and the three resources (and the
    tools); reindex_files only with `allow_writes`. `keeps_answers`: whole-graph answers are
    kept until a re-index (for a database this process holds; a served one may change)."""
    tools = GraphTools(codebase, ResultCache() if keeps_answers else None)
    server: MCPServer = MCPServer(
        SERVER_NAME, version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    reads = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False,
                             idempotent_hint=True, open_world_hint=False)
    for name, hints in (*((name, reads) for name in READ_TOOLS),
                        *((name, writes) for name in WRITE_TOOLS if allow_writes)):
        tool = getattr(tools, name)
        # The docstring on one line: what an agent reads to choose the tool.
        description = " ".join((inspect.getdoc(tool) or "").split())
        server.add_tool(tool, name=name, description=description, annotations=hints,
                        structured_output=False)
    _add_resources(server)
    return server, tools


def _add_resources(server: MCPServer) -> None:
    for uri, name, description, text in (
        (resources.SCHEMA_URI, "schema",
         "The relations of the code graph, their columns and what each means.",
         resources.schema_text),
        (resources.NAMED_QUERIES_URI, "named-queries",
         "The named queries (for run_named_query): what each answers, parameters, columns.",
         resources.named_queries_text),
        (resources.GUIDE_URI, "guide", "Which tool answers which question.",
         lambda: resources.GUIDE),
    ):
        server.resource(uri, name=name, description=description,
                        mime_type="text/markdown" if name != "named-queries"
                        else "application/json")(text)


def _quietly(work: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - the tool asked later reports the failure
            return

    return run


def serve_mcp(
    codebase: Codebase,
    settings: McpSettings,
    *,
    keeps_answers: bool = True,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve `codebase` until the client closes stdin (stdio) or Ctrl-C/SIGTERM stops it."""
    server, tools = build_server(codebase, allow_writes=settings.allow_writes,
                                 keeps_answers=keeps_answers)
    # Statistics scan every relation (a second on 46k entities): computed ahead, once the
    # transport is up, and waited for before the caller closes the database.
    warm_up = threading.Thread(target=_quietly(tools.stats), daemon=True)
    # SIGTERM stops as Ctrl-C does, so the caller closes the database whole.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if settings.transport == "stdio":
            if keeps_answers:
                warm_up.start()
            anyio.run(server.run_stdio_async)
        elif settings.transport == "http":
            _serve_http(server, settings.port, announce or _to_stderr,
                        warm_up if keeps_answers else None)
        else:
            raise ValueError(f"unknown transport {settings.transport!r}; give stdio or http")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if warm_up.is_alive():
            warm_up.join()


def _serve_http(server: MCPServer, port: int, announce: Callable[[str], None],
                warm_up: threading.Thread | None) -> None:
    listener = bind_listening_socket(LOOPBACK, port)
    if warm_up is not None:
        warm_up.start()
    try:
        app = server.streamable_http_app(streamable_http_path=HTTP_PATH, host=LOOPBACK)
        # Listening before the address is announced: a client's first request waits in the
        # backlog until uvicorn accepts it, instead of being refused.
        listener.listen()
        announce(f"PARSELTONGUE_MCP_URL=http://{LOOPBACK}:{listener.getsockname()[1]}{HTTP_PATH}")
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()


def _to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _interrupt(signal_number: int, frame: object) -> None:
    raise KeyboardInterrupt


def launch_command() -> list[str]:
    """The command that starts this Parseltongue: its console script beside this Python, or
    the Python running the CLI module."""
    script = Path(sys.executable).parent / "parseltongue"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "parseltongue.cli"]


def client_config(database: str | None, server_url: str | None = None,
                  allow_writes: bool = False) -> dict[str, Any]:
    """The `mcpServers` JSON an agent's client launches this server with: absolute paths for
    a database (a mem database, empty in a new process, is refused), or the server's URL."""
    if server_url is not None:
        source = ["--server", server_url]
    else:
        specification = parse_database_engine_specification(database or "")
        if not specification.path:
            raise ValueError(
                f"{specification.engine} keeps nothing on disk: a client's server would see an "
                "empty database; give --db rocksdb:PATH or sqlite:PATH"
            )
        path = Path(specification.path).expanduser().resolve()
        source = ["--db", f"{specification.engine}:{path}"]
    command, *prefix = launch_command()
    args = [*prefix, "mcp", *source, *(["--allow-writes"] if allow_writes else [])]
    return {"mcpServers": {SERVER_NAME: {"command": command, "args": args}}}
