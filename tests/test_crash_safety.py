"""An ingestion stopped at any moment — kill -9, or SIGTERM — leaves a database that opens, and
the next run leaves exactly the rows of a clean run."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from project_trees import write_mixed_project
from sled_support import SLED

from parseltongue import CozoDbStorage
from parseltongue.ingest.integrity import verify_parallel_data_integrity_check

KILL_POINTS = 5


class CleanRun(NamedTuple):
    root: Path
    database: str
    seconds: float
    """The whole process's wall time, start-up included: kill points are drawn within it."""


def ingest_command(root: Path, database: str) -> list[str]:
    return [sys.executable, "-m", "parseltongue.cli", "pt01", str(root), "--db", database,
            "--jobs", "2", "--json"]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    folder = tmp_path_factory.mktemp("crash")
    # ~600 files: a couple of seconds of parsing, writing and resolving to stop in the middle of.
    root = write_mixed_project(folder / "project", python_files=300, rust_files=300)
    database = f"rocksdb:{folder / 'clean.db'}"
    started = time.monotonic()
    subprocess.run(ingest_command(root, database), check=True, capture_output=True, timeout=300)
    return CleanRun(root, database, time.monotonic() - started)


def assert_a_rerun_equals_the_clean_run(database: str, clean: CleanRun) -> None:
    with CozoDbStorage(database) as stopped:  # it opens, whatever moment it was stopped at
        stopped.get_stats()
    rerun = subprocess.run(ingest_command(clean.root, database), capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with CozoDbStorage(clean.database) as reference, CozoDbStorage(database) as rerun_rows:
        report = verify_parallel_data_integrity_check(
            reference, rerun_rows, include_derived=True
        )
    assert report.identical, report.describe()


# sled as RocksDB: a kill loses the transaction under way, and the rerun must still end with a
# clean run's rows.
@pytest.mark.parametrize("engine", ["rocksdb", SLED])
def test_kill_9_at_random_points_then_a_rerun_holds_a_clean_runs_rows(
    engine: str, clean_run: CleanRun, tmp_path: Path
) -> None:
    chance = random.Random(20261206)  # fixed: a failure can be replayed
    # From after start-up (~0.5 s of imports) to the end of resolution.
    points = sorted(chance.uniform(0.25, 0.95) * clean_run.seconds for _ in range(KILL_POINTS))
    for number, point in enumerate(points):
        database = f"{engine}:{tmp_path / f'killed-{number}.db'}"
        process = subprocess.Popen(ingest_command(clean_run.root, database),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(point)
        process.kill()
        process.wait()
        assert_a_rerun_equals_the_clean_run(database, clean_run)


def test_sigterm_stops_an_ingestion_cleanly_and_a_rerun_completes_it(
    clean_run: CleanRun, tmp_path: Path
) -> None:
    database = f"rocksdb:{tmp_path / 'terminated.db'}"
    process = subprocess.Popen(ingest_command(clean_run.root, database),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Sent once parsing has begun (its progress line says so), not after a fixed time: on a
    # loaded machine start-up alone can outlast any guess, and the signal would come before
    # the command's handler is installed.
    assert process.stderr is not None
    progress = []
    for line in process.stderr:
        progress.append(line)
        if line.startswith("parsing"):
            break
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, rest = process.communicate(timeout=30)
    stderr = "".join(progress) + rest
    assert time.monotonic() - sent < 2
    assert process.returncode == 128 + signal.SIGTERM
    [line] = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: terminated (SIGTERM): stopped the ingestion of ")
    assert "opens, but is incomplete" in line
    with CozoDbStorage(database) as stopped:
        status = stopped.query(
            "?[v] := *parseltongue_meta{key: 'ingestion_status', value: v}"
        )[0]["v"]
    assert status.startswith("interrupted:")
    assert_a_rerun_equals_the_clean_run(database, clean_run)
