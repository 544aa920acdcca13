"""`parseltongue ingest` (alias `pt01`): a folder into a database, with progress and a summary."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from parseltongue.cli.app import app, fail, open_storage, print_json, stderr_console, stdout_console
from parseltongue.cli.options import DatabaseOption, JsonOption
from parseltongue.codebase import Codebase
from parseltongue.ingest import ClusterError, IngestionInterrupted
from parseltongue.ingest.cluster import parse_cluster_address, require_distributed
from parseltongue.ingest.walk import DEFAULT_MAX_FILE_BYTES, python_root_above
from parseltongue.ingest_report import (
    IngestionProgress,
    how_to_list_problems,
    problems_table,
    summary_as_json,
    summary_table,
)
from parseltongue.storage import (
    DEFAULT_DATABASE_SPECIFICATION,
    StorageError,
)


def warn_if_inside_a_python_project(folder: Path, db: str) -> None:
    """One warning line when `folder` is a Python package inside its project: its module
    paths keep the package's name (the package roots), but the rest of the project is left
    out. The ingestion still runs."""
    root = python_root_above(folder)
    if root is None:
        return
    # Suggest the folder as the user would type it: relative when they gave a relative one.
    shown = root if folder.is_absolute() else Path(os.path.relpath(root))
    message = (
        f"{folder} is a Python package inside {shown}; its module paths keep the package's "
        f"name, but the rest of the project (its tests, scripts) is not ingested. "
        f"To ingest the project: parseltongue ingest {shown} --db {db}"
    )
    # Not wrapped (the command is copied whole); escaped: a path may hold [brackets].
    stderr_console.print(
        f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True
    )


def dask_settings(dask: str, shared_fs: bool, parallel: bool, jobs: int) -> dict[str, Any]:
    """The StreamerConfig settings of `--dask` and `--shared-fs`, checked before anything
    is opened: a wrong combination, a malformed address or a missing `distributed` is one
    error line."""
    if not dask:
        if shared_fs:
            raise fail("--shared-fs goes with --dask ADDRESS: without it, files are read here")
        return {}
    if not parallel:
        raise fail("--dask parses on a cluster and --sequential in this process: choose one")
    if jobs:
        raise fail("--jobs sets loky's processes; with --dask the cluster's workers parse "
                   "(local:N sets how many)")
    try:
        parse_cluster_address(dask)
        require_distributed()
    except ClusterError as error:
        raise fail(escape(str(error))) from None
    return {"dask": dask, "shared_filesystem": shared_fs}


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
    dask: Annotated[
        str,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Parse on a Dask cluster: a scheduler's address (tcp://host:8786), or local:N "
            "to start N worker processes for the run. Needs parseltongue[dask].",
            show_default=False,
        ),
    ] = "",
    shared_fs: Annotated[
        bool,
        typer.Option(
            "--shared-fs",
            help="With --dask: the workers see the folder at the same path and read the files "
            "themselves, instead of this process sending each file's bytes.",
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
    cluster_settings = dask_settings(dask, shared_fs, parallel, jobs)
    warn_if_inside_a_python_project(folder, db)
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
            summary = Codebase(storage).ingest(
                folder, progress=shown.files_done, phase=shown.phase_started,
                parallel=parallel, jobs=jobs, max_file_bytes=max_file_bytes, full_rebuild=full,
                **cluster_settings,
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
    except (StorageError, OSError, ClusterError) as error:
        storage.close()
        raise fail(escape(str(error))) from None
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




# The PRD's name for ingestion; scripts, CI and the benchmarks call it.
app.command("pt01", help="Alias of ingest (the PRD's name): ingest a folder into a database.")(
    ingest
)
