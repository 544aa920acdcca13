"""`parseltongue references KEY`: every place an entity is referred to, grouped by file."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

import typer
from rich.table import Table

from parseltongue.answers import ReferenceSite, UnknownEntityError
from parseltongue.cli.app import (
    app,
    fail,
    open_storage,
    parsed_edge_types,
    print_json,
    stdout_console,
)
from parseltongue.cli.options import (
    DatabaseOption,
    JsonOption,
    edge_types_option,
    limit_option,
)
from parseltongue.codebase import Codebase
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, StorageError

# What a language server's find-references lists: uses of every kind, imports included.
REFERENCE_EDGE_TYPES = ("calls", "uses", "implements", "extends", "imports")


def sites_by_file(sites: list[ReferenceSite]) -> list[dict]:
    """The sites as JSON: one entry per file, its sites in line order."""
    return [
        {
            "file_path": file_path,
            "sites": [
                {"line": site.line, "site": site.site, "from_key": site.from_key,
                 "edge_type": site.edge_type, "resolution": site.resolution}
                for site in file_sites
            ],
        }
        for file_path, file_sites in groupby(sites, key=lambda site: site.file_path)
    ]


@app.command()
def references(
    key: Annotated[str, typer.Argument(help="The entity's key (find one with search).")],
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    edge_types: Annotated[
        str, edge_types_option("Kinds of reference", REFERENCE_EDGE_TYPES)
    ] = ",".join(REFERENCE_EDGE_TYPES),
    scope: Annotated[
        str, typer.Option("--scope", help="Only references in files under this folder.")
    ] = "",
    limit: Annotated[int, limit_option("sites")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Every place an entity is referred to (each call, use, import ... on its own line),
    grouped by file, as a language server's find-references.

    Example: parseltongue references python:fn:save:__app_store:T123 --db rocksdb:analysis.db
    """
    parsed = parsed_edge_types(edge_types)
    # [] is every type; containment has no site of its own (a definition is not a reference).
    types = [edge_type for edge_type in parsed if edge_type != "contains"]
    if parsed and not types:
        raise fail("containment has no reference sites; give calls, uses, implements, "
                   "extends or imports")
    with open_storage(db) as storage:
        try:
            # One more than asked: whether the list was cut.
            sites = Codebase(storage).references(key, types, scope, limit + 1)
        except UnknownEntityError as error:
            raise fail(f"{error}; find keys with: parseltongue query --name "
                       "search_entities --param query=NAME") from None
        except (StorageError, ValueError) as error:
            raise fail(str(error)) from None
    truncated = len(sites) > limit
    sites = sites[:limit]
    files = sites_by_file(sites)
    if as_json:
        print_json({"entity": key, "site_count": len(sites), "file_count": len(files),
                    "truncated": truncated, "files": files})
        return
    if not sites:
        stdout_console.print(f"no references to {key}", highlight=False, soft_wrap=True)
        return
    for group in files:
        table = Table(title=f"{group['file_path']} ({len(group['sites'])})", title_justify="left")
        for column in ("line", "kind", "from", "resolution"):
            table.add_column(column, justify="right" if column == "line" else "left")
        for site in group["sites"]:
            table.add_row(str(site["line"]), site["edge_type"], site["from_key"],
                          site["resolution"])
        stdout_console.print(table)
    summary = f"{len(sites):,} sites in {len(files):,} files"
    if truncated:
        summary += f" (cut at --limit {limit}; a larger --limit lists more)"
    stdout_console.print(summary, highlight=False)
