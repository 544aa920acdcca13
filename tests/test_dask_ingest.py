"""Parsing on a Dask cluster (`pt01 --dask`): the same rows as loky's pool, row for row; a
worker killed mid-run loses no file; and a cluster that cannot be used is one error line that
leaves the database as it was.

Every run starts a real `distributed.LocalCluster` (`local:2`) or a real `dask scheduler`
and `dask worker`, so these tests take seconds each; they share one xdist group so two
clusters never start at once on a two-core machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dask
import psutil
import pytest
from project_trees import python_module, write, write_mixed_project

from parseltongue.codebase import Codebase
from parseltongue.ingest import ClusterError, IngestionSummary
from parseltongue.ingest.cluster import ClusterAddress, parse_cluster_address
from parseltongue.ingest.integrity import verify_parallel_data_integrity_check
from parseltongue.storage import CozoDbStorage

pytestmark = pytest.mark.xdist_group("dask")

FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments],
        capture_output=True, text=True, timeout=timeout,
    )


def ingest(
    root: Path, database: str, progress: Callable[[int, int, int], None] | None = None,
    **config: object,
) -> IngestionSummary:
    with Codebase.open(database) as codebase:
        return codebase.ingest(root, progress=progress, **config)


def assert_same_rows(reference: str, other: str) -> None:
    with CozoDbStorage(reference) as a, CozoDbStorage(other) as b:
        report = verify_parallel_data_integrity_check(a, b)
    assert report.identical, report.describe()


def write_edge_cases(root: Path) -> Path:
    """Files whose handling must not depend on who read them: NUL bytes, undecodable bytes,
    a syntax error, a minified line, an empty file, and a file in a language without rows."""
    write(root / "web" / "app.js", "export function start() { return render(); }\n")
    write(root / "web" / "view.ts", "export class View { draw(): void { paint(this); } }\n")
    write(root / "svc" / "main.go", "package svc\n\nfunc Main() { Serve() }\n")
    write(root / "svc" / "Store.java", "class Store { void put() { flush(); } }\n")
    write(root / "pkg" / "binary.py", b"\x00\x01\x02 not python")
    write(root / "pkg" / "latin.py", "def caf\xe9():\n    return 1\n".encode("latin-1"))
    write(root / "pkg" / "broken.py", "def broken(:\n    pass\n")
    write(root / "pkg" / "empty.py", "")
    write(root / "web" / "bundle.min.js", "var a=1;" * 5000)
    return root


# -- the same rows as loky --------------------------------------------------------------------


@pytest.mark.slow
def test_pt01_dask_local_equals_the_loky_run_on_the_fixtures(tmp_path: Path) -> None:
    loky = f"rocksdb:{tmp_path / 'loky.db'}"
    on_dask = f"rocksdb:{tmp_path / 'dask.db'}"
    loky_run = run_cli("pt01", str(FIXTURES), "--db", loky, "--jobs", "2", "--json")
    dask_run = run_cli("pt01", str(FIXTURES), "--db", on_dask, "--dask", "local:2", "--json")
    assert loky_run.returncode == 0, loky_run.stderr
    assert dask_run.returncode == 0, dask_run.stderr
    summary = json.loads(dask_run.stdout)
    assert summary["parse_cluster"] == "local:2 (2 workers, 2 threads)"
    assert summary["jobs"] == 2
    assert summary["files_ingested"] == json.loads(loky_run.stdout)["files_ingested"] > 20
    assert summary["files_failed"] == 0
    assert_same_rows(loky, on_dask)


@pytest.mark.slow
def test_a_mixed_language_tree_parsed_on_dask_equals_loky_shipped_or_shared(
    tmp_path: Path,
) -> None:
    root = write_edge_cases(write_mixed_project(tmp_path / "tree", python_files=40, rust_files=30))
    loky = f"rocksdb:{tmp_path / 'loky.db'}"
    ingest(root, loky, jobs=2, files_per_task=4)
    for shared in (False, True):
        database = f"rocksdb:{tmp_path / f'dask-shared-{shared}.db'}"
        summary = ingest(root, database, dask="local:2", shared_filesystem=shared,
                         files_per_task=4)
        # Parsed there: each worker made its parsers once, not per file or task.
        assert 2 <= summary.parsers_created <= 2 * 6
        assert summary.files_skipped >= 2  # the NUL bytes and the minified bundle
        assert_same_rows(loky, database)


# -- lost workers -----------------------------------------------------------------------------


def slow_tree(root: Path, files: int = 32) -> Path:
    """Python files big enough that a worker is busy for a while on each task."""
    for index in range(files):
        write(root / "pkg" / f"mod_{index}.py", python_module(index) * 80)
    write(root / "pkg" / "__init__.py", "")
    return root


def cluster_workers(started_after: float) -> list[psutil.Process]:
    """The local cluster's worker processes (multiprocessing spawns them) started since."""
    workers = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()) and child.create_time() >= started_after:
                workers.append(child)
        except psutil.NoSuchProcess:
            continue
    return workers


@pytest.fixture
def kill_workers_once() -> Iterator[tuple[Callable[[int, int, int], None], list[int]]]:
    """A progress callback that kills every worker of the cluster at the first parsed file
    (one of them is surely in the middle of a task then), and the ids it killed."""
    started = time.time() - 1
    killed: list[int] = []

    def progress(done: int, total: int, _bytes: int) -> None:
        if done and not killed and done < total:
            for worker in cluster_workers(started):
                killed.append(worker.pid)
                worker.send_signal(signal.SIGKILL)

    yield progress, killed


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_file(tmp_path: Path, kill_workers_once) -> None:
    root = slow_tree(tmp_path / "tree")
    loky = f"rocksdb:{tmp_path / 'loky.db'}"
    ingest(root, loky, jobs=2, files_per_task=2)
    on_dask = f"rocksdb:{tmp_path / 'dask.db'}"
    progress, killed = kill_workers_once
    summary = ingest(root, on_dask, progress, dask="local:2", files_per_task=2)
    assert len(killed) == 2
    assert not any(psutil.pid_exists(pid) for pid in killed)
    # Dask ran the lost tasks again on the restarted workers.
    assert summary.files_ingested == 33 and summary.files_failed == 0
    assert_same_rows(loky, on_dask)


@pytest.mark.slow
def test_a_task_dask_gives_up_on_is_sent_again_file_by_file(
    tmp_path: Path, kill_workers_once
) -> None:
    """With no retry allowed, the killed workers' tasks fail inside Dask (KilledWorker):
    their files go out again one to a task, and the database is still complete."""
    root = slow_tree(tmp_path / "tree")
    loky = f"rocksdb:{tmp_path / 'loky.db'}"
    ingest(root, loky, jobs=2, files_per_task=2)
    on_dask = f"rocksdb:{tmp_path / 'dask.db'}"
    progress, killed = kill_workers_once
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        summary = ingest(root, on_dask, progress, dask="local:2", files_per_task=2)
    assert len(killed) == 2
    assert summary.files_resent >= 2
    assert summary.files_ingested == 33 and summary.files_failed == 0
    assert_same_rows(loky, on_dask)


@pytest.mark.slow
def test_a_file_whose_workers_keep_dying_is_recorded_as_failed(
    tmp_path: Path, kill_workers_once
) -> None:
    """One file a task and no retry allowed: a file whose worker is killed under it is a
    failed file in source_files, with why, and every other file is whole."""
    root = slow_tree(tmp_path / "tree")
    on_dask = f"rocksdb:{tmp_path / 'dask.db'}"
    progress, killed = kill_workers_once
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        summary = ingest(root, on_dask, progress, dask="local:2", files_per_task=1)
    assert len(killed) == 2
    assert summary.files_failed >= 1
    assert summary.files_ingested + summary.files_failed == 33
    with CozoDbStorage(on_dask) as storage:
        files = storage.run_named("rows_source_files")
        entity_files = {row["file_path"] for row in storage.run_named("rows_code_entities")}
    failed = [row for row in files if row["status"] == "failed"]
    assert len(failed) == summary.files_failed
    assert {row["error"] for row in failed} == {
        "its parse worker died 1 time(s) while parsing it (a crash in the parser, or out of "
        "memory)"
    }
    assert entity_files == {row["file_path"] for row in files if row["status"] == "ingested"}


@pytest.mark.slow
def test_ctrl_c_on_the_terminal_stops_the_run_and_its_workers_quietly(tmp_path: Path) -> None:
    """The terminal's SIGINT reaches the whole process group, workers included: pt01 stops
    with its one line, no worker prints a traceback, and none is left."""
    root = slow_tree(tmp_path / "tree", files=300)
    process = subprocess.Popen(
        [sys.executable, "-m", "parseltongue.cli", "pt01", str(root), "--db",
         f"rocksdb:{tmp_path / 'stopped.db'}", "--dask", "local:2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert process.stderr is not None
    while not (line := process.stderr.readline()).startswith("parsed "):
        assert line, f"pt01 ended before it was interrupted: {process.communicate()}"
    workers = psutil.Process(process.pid).children(recursive=True)
    assert len([worker for worker in workers if "spawn_main" in " ".join(worker.cmdline())]) == 2
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, f"stdout: {stdout[-500:]}\nstderr: {stderr[-2500:]}"
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted: stopped the ingestion")
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert alive == []


# -- a cluster that cannot be used ------------------------------------------------------------


@pytest.mark.slow
def test_an_unreachable_scheduler_fails_in_seconds_and_keeps_the_database(
    tmp_path: Path,
) -> None:
    root = write_mixed_project(tmp_path / "tree", python_files=3, rust_files=2)
    database = f"rocksdb:{tmp_path / 'kept.db'}"
    first = run_cli("pt01", str(root), "--db", database, "--jobs", "2")
    assert first.returncode == 0, first.stderr
    write(root / "pkg" / "mod_0.py", python_module(7))  # a change the failed run must not half-do
    started = time.perf_counter()
    failed = run_cli("pt01", str(root), "--db", database, "--dask", "tcp://127.0.0.1:9")
    assert time.perf_counter() - started < 30
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    assert "tcp://127.0.0.1:9" in lines[0] and "cannot reach the Dask scheduler" in lines[0]
    again = run_cli("pt01", str(root), "--db", database, "--jobs", "2", "--json")
    # The database still held the complete first run: the retry is an incremental update.
    assert json.loads(again.stdout)["files_changed"] == 1


def test_without_distributed_dask_is_one_line_saying_what_to_install(tmp_path: Path) -> None:
    # `distributed` made unimportable in a fresh interpreter, as when the extra is missing.
    program = (
        "import sys; sys.modules['distributed'] = None\n"
        "from parseltongue.cli import main\n"
        f"sys.argv = ['parseltongue', 'pt01', {str(FIXTURES)!r}, '--db', 'mem', "
        "'--dask', 'local:2']\n"
        "main()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        "error: --dask needs Dask's distributed package (distributed is not installed): "
        "pip install 'parseltongue[dask]'"
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dask", "local:0"], "local:N needs a number of worker processes"),
        (["--dask", "nowhere"], "is neither a scheduler address"),
        (["--dask", "local:2", "--sequential"], "choose one"),
        (["--dask", "local:2", "--jobs", "3"], "--jobs sets loky's processes"),
        (["--shared-fs"], "--shared-fs goes with --dask"),
    ],
)
def test_bad_dask_options_are_one_line_before_the_database_is_opened(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    database = tmp_path / "never.db"
    completed = run_cli("pt01", str(FIXTURES), "--db", f"rocksdb:{database}", *arguments)
    assert completed.returncode == 1
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert message in completed.stderr
    assert not database.exists()


def test_cluster_addresses() -> None:
    assert parse_cluster_address("local:3") == ClusterAddress("local:3", "", 3)
    assert parse_cluster_address("tcp://10.0.0.5:8786").scheduler == "tcp://10.0.0.5:8786"
    assert parse_cluster_address("sched.internal:8786").scheduler == "tcp://sched.internal:8786"
    with pytest.raises(ClusterError, match="local:N"):
        parse_cluster_address("local:many")


# -- a scheduler and workers started apart ----------------------------------------------------


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """A real `dask scheduler` on a free port, stopped after the test."""
    port_file = tmp_path / "scheduler.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(port_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written whole just after it appears
        yield json.loads(port_file.read_text())["address"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def start_worker(address: str, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
         "--nworkers", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
    )


def stop(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=30)


@pytest.mark.slow
def test_a_running_scheduler_parses_and_a_worker_with_other_languages_is_refused(
    tmp_path: Path, scheduler: str
) -> None:
    root = write_edge_cases(write_mixed_project(tmp_path / "tree", python_files=6, rust_files=4))
    loky = f"rocksdb:{tmp_path / 'loky.db'}"
    ingest(root, loky, jobs=2)
    worker = start_worker(scheduler, dict(os.environ))
    try:
        on_dask = f"rocksdb:{tmp_path / 'dask.db'}"
        summary = ingest(root, on_dask, dask=scheduler, dask_connect_seconds=60)
        assert summary.parse_cluster == f"{scheduler} (1 workers, 1 threads)"
        assert_same_rows(loky, on_dask)
    finally:
        stop(worker)
    # A worker that would parse with another language set would write other rows.
    extra = tmp_path / "languages"
    python = Path(__file__).parents[1] / "parseltongue" / "languages" / "python.toml"
    write(extra / "python.toml", python.read_text().replace('".pyw"]', '".pyw", ".py3"]'))
    worker = start_worker(scheduler, {**os.environ, "PARSELTONGUE_LANGUAGES_PATH": str(extra)})
    try:
        with pytest.raises(ClusterError, match="run other Parseltongue code than this one"):
            ingest(root, f"rocksdb:{tmp_path / 'refused.db'}", dask=scheduler,
                   dask_connect_seconds=60)
    finally:
        stop(worker)
