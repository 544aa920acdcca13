"""Commands that read a database: `stats`, `query`, `repl` and `export`."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parseltongue import answers
from parseltongue.cli.app import (
    app,
    fail,
    open_storage,
    parsed_edge_types,
    print_json,
    stderr_console,
    stdout_console,
)
from parseltongue.cli.options import (
    DEFAULT_QUERY_TIMEOUT_SECONDS,
    DatabaseOption,
    JsonOption,
    QueryTimeoutOption,
    edge_types_option,
)
from parseltongue.codebase import Codebase
from parseltongue.export import (
    DEFAULT_EDGE_TYPES,
    DEFAULT_HOPS,
    DEFAULT_NODE_LIMIT,
    EDGE_TYPES,
    ExportFormat,
    UnknownEntityError,
    select_graph,
    write_graph,
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
    CozoQueryError,
    StorageError,
)


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
        str, edge_types_option("Edge types walked and exported", EDGE_TYPES)
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
    types = parsed_edge_types(edge_types)
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
