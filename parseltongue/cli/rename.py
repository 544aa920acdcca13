"""`parseltongue rename KEY NEW_NAME`: the definition and every resolved reference site
renamed, as a unified diff (or written with --apply)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from parseltongue.answers import UnknownEntityError
from parseltongue.changes.rename import RenameError, RenamePlan, apply_rename, plan_rename
from parseltongue.cli.app import app, fail, open_storage, print_json, stderr_console
from parseltongue.cli.options import DatabaseOption, JsonOption
from parseltongue.codebase import Codebase
from parseltongue.storage import DEFAULT_DATABASE_SPECIFICATION, StorageError


def _print_review(plan: RenamePlan) -> None:
    """What was edited and what was not, on stderr (stdout holds only the diff)."""
    console = stderr_console
    weak = sum(1 for edit in plan.edits if edit.confidence < 0.9)
    console.print(
        f"{plan.old_name} -> {plan.new_name}: {len(plan.edits)} lines in {len(plan.files)} "
        f"files ({weak} edits of lower confidence: resolved by receiver type, type member or "
        "a unique name; see --json)", highlight=False, soft_wrap=True,
    )
    if plan.review:
        more = " (more not listed)" if plan.review_truncated else ""
        console.print(f"left for review, not edited{more}:", highlight=False)
        for item in plan.review:
            console.print(f"  {item.file_path}:{item.line} {item.name} ({item.edge_type}): "
                          f"{item.reason}", highlight=False, soft_wrap=True)


@app.command()
def rename(
    key: Annotated[str, typer.Argument(help="The entity's key (find one with search).")],
    new_name: Annotated[str, typer.Argument(help="Its new name.")],
    db: DatabaseOption = DEFAULT_DATABASE_SPECIFICATION,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the edits (and re-read the edited files).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rename an entity: its definition and every reference site the graph resolved to it,
    printed as a unified diff (`git apply` it in the ingested folder) or written with --apply.
    Same-named references resolution could not pin are listed for review, never edited.

    Example: parseltongue rename python:fn:save:__app_store:T123 store --db rocksdb:analysis.db
    """
    with open_storage(db) as storage:
        codebase = Codebase(storage)
        try:
            plan = plan_rename(codebase, key, new_name)
            written = apply_rename(codebase, plan) if apply else []
        except UnknownEntityError as error:
            raise fail(f"{error}; find keys with: parseltongue query --name "
                       "search_entities --param query=NAME") from None
        except (RenameError, StorageError, OSError) as error:
            raise fail(str(error)) from None
    if as_json:
        print_json({**plan.to_dict(), "applied": bool(written)})
        return
    if apply:
        _print_review(plan)
        stderr_console.print(f"written: {', '.join(written)}", highlight=False, soft_wrap=True)
        return
    sys.stdout.write(plan.diff)
    _print_review(plan)
