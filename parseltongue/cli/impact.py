"""`parseltongue impact`: what the work tree's change touches and affects, and which tests
to run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from parseltongue.changes import DEFAULT_HOPS, DEFAULT_LIMIT, ChangeImpact, DiffError
from parseltongue.changes import git_change_impact as change_impact_of_work_tree
from parseltongue.cli.app import app, fail, open_storage, print_json, stdout_console
from parseltongue.cli.options import DatabaseOption, JsonOption, limit_option
from parseltongue.codebase import Codebase
from parseltongue.results import wide_console_unless_terminal
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, StorageError

MAX_HOPS = 10


def _name(key: str) -> str:
    """A key's name part (`rust:fn:parse:__src_lib:T1` -> `parse`)."""
    parts = key.split(":")
    return parts[2] if len(parts) > 2 else key


def print_impact(report: ChangeImpact) -> None:
    """The report as tables: changed in risk order, impacted by hop, tests, skipped files."""
    console = wide_console_unless_terminal(stdout_console)
    reread = f"; re-read {len(report.files_reread)} changed files first" \
        if report.files_reread else ""
    console.print(f"[bold]{report.source}[/]: {len(report.changed)} entities changed, "
                  f"{len(report.impacted)} impacted within {report.hops} hops{reread}",
                  highlight=False, soft_wrap=True)
    if report.changed:
        changed = Table(title="changed, riskiest first (untested, most impacted, most "
                        "depended on)", title_justify="left")
        for column in ("risk", "status", "entity", "where", "fan-in", "fan-out", "impacted",
                       "tests"):
            changed.add_column(column, justify="right" if column in (
                "risk", "fan-in", "fan-out", "impacted", "tests") else "left")
        for changed_entity in report.changed:
            changed.add_row(
                str(changed_entity.risk_rank), changed_entity.status,
                f"{changed_entity.entity_type} {changed_entity.name}",
                f"{changed_entity.file_path}:{changed_entity.start_line}",
                str(changed_entity.fan_in), str(changed_entity.fan_out),
                str(changed_entity.impacted), str(changed_entity.tests),
            )
        console.print(changed)
    if report.impacted:
        impacted = Table(title="impacted, by hop (path: the entity -> what it depends on -> "
                         "... -> the changed entity)", title_justify="left")
        for column in ("hop", "entity", "where", "via", "path"):
            impacted.add_column(column, justify="right" if column == "hop" else "left")
        for entity in report.impacted:
            test = " [test]" if entity.entity_class == "TEST" else ""
            impacted.add_row(
                str(entity.hop), f"{entity.entity_type} {entity.name}{test}",
                f"{entity.file_path}:{entity.start_line}", entity.edge_type,
                " -> ".join(_name(key) for key in entity.path),
            )
        console.print(impacted)
    if report.truncated:
        console.print(f"(impacted list cut at --limit {len(report.impacted)}; a larger "
                      "--limit lists more)", highlight=False)
    if report.test_files:
        console.print("[bold]tests to run[/]: " + ", ".join(report.test_files),
                      highlight=False, soft_wrap=True)
    else:
        console.print("no test reaches the change within the hops walked", highlight=False)
    for skipped in report.skipped:
        console.print(f"skipped {skipped.path}: {skipped.reason}", highlight=False,
                      soft_wrap=True)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)


@app.command()
def impact(
    base: Annotated[
        str | None,
        typer.Option("--base", help="Compare with this revision (default HEAD)."),
    ] = None,
    staged: Annotated[
        bool, typer.Option("--staged", help="The staged change (the index), not the files.")
    ] = False,
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    hops: Annotated[
        int, typer.Option("--hops", min=1, max=MAX_HOPS, help="Reverse edges followed.")
    ] = DEFAULT_HOPS,
    limit: Annotated[int, limit_option("impacted entities")] = DEFAULT_LIMIT,
    as_json: JsonOption = False,
) -> None:
    """What the ingested work tree's change touches (entities changed, added, deleted), what
    depends on them hop by hop, the tests among them, and the changed entities in risk order.
    Files changed since they were ingested are re-read first.

    Example: parseltongue impact --base main --hops 2 --db rocksdb:analysis.db
    """
    with open_storage(db) as storage:
        try:
            report = change_impact_of_work_tree(
                Codebase(storage), base, staged, hops=hops, limit=limit
            )
        except (DiffError, StorageError, ValueError) as error:
            raise fail(str(error)) from None
    if as_json:
        print_json(report.to_dict())
        return
    print_impact(report)

