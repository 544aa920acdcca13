"""The `parseltongue` command: thin shells over the Python API."""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from parseltongue import __version__, answers
from parseltongue.codebase import Codebase
from parseltongue.export import (
    DEFAULT_EDGE_TYPES,
    DEFAULT_HOPS,
    DEFAULT_NODE_LIMIT,
    ExportFormat,
    UnknownEntityError,
    parse_edge_types,
    select_graph,
    write_graph,
)
from parseltongue.ingest_report import (
    IngestionProgress,
    how_to_list_problems,
    problems_table,
    summary_as_json,
    summary_table,
)
from parseltongue.queries import listed_named_queries, named_query
from parseltongue.remote import RemoteQueryClient
from parseltongue.repl import run_shell
from parseltongue.results import (
    OutputFormat,
    named_queries_json,
    named_queries_table,
    parse_parameters,
    result_csv,
    result_json,
    result_table,
    strip_ansi,
    wide_console_unless_terminal,
)
from parseltongue.storage import (
    DEFAULT_DATABASE_SPECIFICATION,
    CozoDbStorage,
    CozoQueryError,
    StorageError,
    ensure_engine_available,
    parse_database_engine_specification,
)
from parseltongue.streamer import CodebaseStreamer, IngestionInterrupted, StreamerConfig
from parseltongue.walk import DEFAULT_MAX_FILE_BYTES, python_root_above

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
# A read query past this many seconds is stopped in the engine (parseltongue/time_limit.py).
DEFAULT_QUERY_TIMEOUT_SECONDS = 10.0
QueryTimeoutOption = Annotated[
    float,
    typer.Option(
        "--query-timeout", min=0,
        help="Stop a query that runs longer than this many seconds (0: no limit). The engine "
        "stops recursive queries at once; one large join it cannot interrupt is not waited for.",
    ),
]


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


@app.command()
def stats(
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    as_json: JsonOption = False,
) -> None:
    """Show what a database holds: entities, edges, files, by language and type.

    Example: parseltongue stats --db rocksdb:analysis.db --json
    """
    with open_storage(db) as storage:
        statistics = asdict(Codebase(storage).stats())
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


def warn_if_inside_a_python_project(folder: Path, db: str) -> None:
    """One warning line when `folder` is a Python package inside its project: its imports
    would resolve as seen from inside it. The ingestion still runs."""
    root = python_root_above(folder)
    if root is None:
        return
    # Suggest the folder as the user would type it: relative when they gave a relative one.
    shown = root if folder.is_absolute() else Path(os.path.relpath(root))
    message = (
        f"{folder} is a Python package inside {shown}; module paths start at the folder "
        f"ingested, so imports resolve differently than from the project. "
        f"To ingest the project: parseltongue ingest {shown} --db {db}"
    )
    # Not wrapped (the command is copied whole); escaped: a path may hold [brackets].
    stderr_console.print(
        f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True
    )


@app.command("ingest")
def ingest(
    folder: Annotated[Path, typer.Argument(help="The folder to ingest.", show_default=False)],
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    parallel: Annotated[
        bool,
        typer.Option(
            "--parallel/--sequential", help="Parse in worker processes, or in this one only."
        ),
    ] = True,
    jobs: Annotated[
        int, typer.Option("--jobs", min=0, help="Parse processes; 0 means one per core.")
    ] = 0,
    max_file_bytes: Annotated[
        int,
        typer.Option("--max-file-bytes", min=1, help="Files bigger than this are skipped."),
    ] = DEFAULT_MAX_FILE_BYTES,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Rebuild from scratch instead of re-parsing only changed files."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest a folder into a database: parse every source file, store entities and edges.

    Re-ingesting the same folder into the same database is incremental: only new and changed
    files are parsed, deleted files' rows are removed, and the summary counts each kind.
    Another folder, another --max-file-bytes or --full rebuild everything.

    Example: parseltongue ingest ./my-project --db rocksdb:analysis.db --jobs 2
    """
    if not folder.exists():
        raise fail(f"no such folder: {folder}; give the folder of the codebase to ingest")
    if not folder.is_dir():
        raise fail(f"not a folder: {folder}; give the folder of the codebase to ingest")
    warn_if_inside_a_python_project(folder, db)
    config = StreamerConfig(
        database=db, parallel=parallel, jobs=jobs, max_file_bytes=max_file_bytes,
        full_rebuild=full,
    )
    storage = open_storage(db, must_exist=False)
    # SIGTERM (a process manager, `kill`) stops the ingestion as Ctrl-C does: the database
    # is closed whole and says it is incomplete. By default it would end the process at once.
    stopped_by = [signal.SIGINT]

    def terminate(signal_number: int, frame: object) -> None:
        stopped_by[0] = signal.SIGTERM
        raise KeyboardInterrupt

    previous_sigterm = signal.signal(signal.SIGTERM, terminate)
    try:
        with IngestionProgress(stderr_console) as shown:
            summary = CodebaseStreamer(config, storage).stream_directory(
                folder, shown.files_done, shown.phase_started
            )
    except KeyboardInterrupt as interrupt:
        # A second signal must not cut the database's close short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        storage.close()
        stopped = (
            f"while {interrupt.phase}, with {interrupt.summary.files_written:,} of "
            f"{interrupt.summary.files_collected:,} files written"
            if isinstance(interrupt, IngestionInterrupted)
            else "before any file was written"
        )
        by = "interrupted" if stopped_by[0] == signal.SIGINT else "terminated (SIGTERM)"
        raise fail(
            f"{by}: stopped the ingestion of {folder} {stopped}. The database {db} "
            "opens, but is incomplete: run the ingestion again.",
            exit_code=128 + stopped_by[0],
        ) from None
    except (StorageError, OSError) as error:
        storage.close()
        raise fail(str(error)) from None
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
    storage.close()
    if as_json:
        print_json(summary_as_json(summary))
        return
    stdout_console.print(summary_table(summary))
    problems = problems_table(summary)
    if problems is not None:
        stdout_console.print(problems)
        # Not wrapped: the command in it is copied whole.
        stdout_console.print(
            how_to_list_problems(db), soft_wrap=True, highlight=False, markup=False
        )


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="How to print rows: table, json or csv.", case_sensitive=False),
]


def _read_query_source(datalog: str | None, file: Path | None, name: str | None) -> str:
    """The one Datalog source a `query` command names (text, file, or named query)."""
    given = [source for source in (datalog, file, name) if source is not None]
    if len(given) != 1:
        raise fail("give exactly one of: DATALOG, --file F.cozo, --name NAME")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except OSError as error:
            raise fail(f"cannot read {file}: {error.strerror}") from None
    return datalog or ""


def _print_result(result: answers.Table, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        sys.stdout.write(result_json(result) + "\n")
    elif output_format is OutputFormat.CSV:
        sys.stdout.write(result_csv(result))
    else:
        wide_console_unless_terminal(stdout_console).print(result_table(result))


def _print_named_queries(include_internal: bool, output_format: OutputFormat) -> None:
    queries = listed_named_queries(include_internal)
    if output_format is OutputFormat.JSON:
        sys.stdout.write(named_queries_json(queries) + "\n")
        return
    title = "named queries (run one: parseltongue query --name NAME --param k=v ...)"
    stdout_console.print(named_queries_table(queries, title))
    if not include_internal:
        stdout_console.print("(--list --all shows the internal ones too)", highlight=False)


@app.command()
def query(
    datalog: Annotated[
        str | None, typer.Argument(help="Datalog to run.", show_default=False)
    ] = None,
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    query_timeout: QueryTimeoutOption = DEFAULT_QUERY_TIMEOUT_SECONDS,
    file: Annotated[
        Path | None, typer.Option("--file", help="Run the Datalog in this .cozo file.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Run this named query (see `queries/`).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="A parameter NAME=VALUE; VALUE is JSON when it parses."),
    ] = None,
    output_format: FormatOption = OutputFormat.TABLE,
    list_queries: Annotated[
        bool,
        typer.Option(
            "--list", help="List the named queries a person asks, their parameters and answers."
        ),
    ] = False,
    list_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="With --list: every named query, also the internal ones (writes, row dumps, "
            "server and resolution helpers).",
        ),
    ] = False,
) -> None:
    """Run a read-only Datalog query and print its rows; a query that writes is refused.

    Example: parseltongue query --db rocksdb:analysis.db --name reverse_callers
    --param entity=rust:fn:main:__src_main:T1 --format json
    (the named queries: parseltongue query --list)
    """
    if list_queries or list_all:
        _print_named_queries(list_all, output_format)
        return
    source = _read_query_source(datalog, file, name)
    try:
        params = parse_parameters(param or [])
        if name is not None:
            named = named_query(name)
            if named.writes:
                raise ValueError(f"{name!r} writes to the database; `query` only reads")
            named.bind(params)  # a wrong parameter is told before the database is opened
    except (KeyError, ValueError) as error:
        raise fail(error.args[0]) from None
    with open_storage(db) as storage:
        storage.set_query_time_limit(query_timeout)
        codebase = Codebase(storage)
        try:
            if name is not None:
                result = codebase.named_table(name, **params)
            else:
                result = codebase.query(source, params)
        except CozoQueryError as error:
            diagnostic = error.display or error.message
            if not sys.stderr.isatty():
                diagnostic = strip_ansi(diagnostic)
            sys.stderr.write(diagnostic.rstrip() + "\n")
            if "read-only" in error.message:
                # Cozo's words ("write lock required for read-only query") do not say why.
                sys.stderr.write("refused: `parseltongue query` only reads; nothing was written\n")
            raise typer.Exit(1) from None
        except StorageError as error:
            raise fail(str(error)) from None
    _print_result(result, output_format)


@app.command()
def repl(
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    output_format: FormatOption = OutputFormat.TABLE,
    query_timeout: QueryTimeoutOption = DEFAULT_QUERY_TIMEOUT_SECONDS,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Query a running `parseltongue pt08` at this URL instead of opening --db.",
        ),
    ] = None,
) -> None:
    """An interactive Datalog shell on a database (reads a script when stdin is piped).

    Example: parseltongue repl --db rocksdb:analysis.db
    (or, while pt08 holds the database: parseltongue repl --server http://127.0.0.1:7777)
    """
    if server is not None:
        try:
            with RemoteQueryClient(server) as client:
                client.relation_names()  # fail now, not at the first statement, if unreachable
                run_shell(client, output_format)
        except StorageError as error:
            raise fail(str(error)) from None
        return
    with open_storage(db) as storage:
        storage.set_query_time_limit(query_timeout)
        run_shell(Codebase(storage), output_format)


@app.command()
def export(
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    export_format: Annotated[
        ExportFormat,
        typer.Option("--format", help="dot (Graphviz), graphml (Gephi, yEd) or json.",
                     case_sensitive=False),
    ] = ExportFormat.DOT,
    around: Annotated[
        str | None,
        typer.Option("--around", help="Export only this entity's neighbourhood (its key)."),
    ] = None,
    hops: Annotated[
        int | None,
        typer.Option("--hops", min=0, max=20, show_default=str(DEFAULT_HOPS),
                     help="With --around: how many edges away, either direction."),
    ] = None,
    edge_types: Annotated[
        str,
        typer.Option("--edge-types", help="Edge types walked and exported, comma-separated "
                     "(calls, uses, implements, extends, imports, contains), or all."),
    ] = ",".join(DEFAULT_EDGE_TYPES),
    limit: Annotated[
        int,
        typer.Option("--limit", min=1, help="Most nodes exported; past it the export is cut "
                     "(nearest to --around first) and says so."),
    ] = DEFAULT_NODE_LIMIT,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Export the code graph, or one entity's neighbourhood, for Graphviz, Gephi or scripts.

    Nodes carry key, name, entity_type, language, file_path, start_line; edges edge_type and
    source_line. JSON is {"nodes": [...], "edges": [...], "truncated": bool, ...}.

    Example: parseltongue export --format dot --around KEY --hops 2 --out graph.dot
    (then: dot -Tsvg graph.dot -o graph.svg)
    """
    if hops is not None and around is None:
        raise fail("--hops applies only with --around KEY")
    try:
        types = parse_edge_types(edge_types)
    except ValueError as error:
        raise fail(str(error)) from None
    with open_storage(db) as storage:
        try:
            graph = select_graph(Codebase(storage), around, DEFAULT_HOPS if hops is None else hops,
                                 types, limit)
        except UnknownEntityError as error:
            raise fail(f"{error.args[0]}; find keys with: parseltongue query --name "
                       "search_entities --param query=NAME") from None
    note = graph.truncation_note()
    if note:
        stderr_console.print(f"[bold yellow]warning:[/] {note}", highlight=False, soft_wrap=True)
    if out is None:
        sys.stdout.flush()
        write_graph(graph, export_format, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        with out.open("wb") as stream:
            write_graph(graph, export_format, stream)
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}") from None
    stderr_console.print(
        f"wrote {len(graph.nodes):,} nodes and {len(graph.edges):,} edges to {out}",
        highlight=False, soft_wrap=True,
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


# The PRD's name for ingestion; scripts, CI and the benchmarks call it.
app.command("pt01", help="Alias of ingest (the PRD's name): ingest a folder into a database.")(
    ingest
)
app.command("serve", help="Alias of pt08: serve the code graph over HTTP.")(pt08)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
