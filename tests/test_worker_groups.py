"""The suite's command (`-n auto --dist loadgroup`) keeps each xdist group in one worker
process: the tests sharing a session-wide ingestion or Jedi's answers rely on it to do that
work once, and the suite's time budget relies on that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GROUPED_TESTS = '''
import os
import pytest

pytestmark = pytest.mark.xdist_group("shared")


@pytest.mark.parametrize("number", range(8))
def test_grouped(number):
    with open(os.environ["WORKERS_SEEN"], "a") as seen:
        seen.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")


@pytest.mark.parametrize("number", range(8))
def test_free(number):
    pass
'''


def test_a_group_runs_in_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED_TESTS)
    seen = tmp_path / "workers_seen"
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("PYTEST_XDIST")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q",
         "-p", "no:cacheprovider", "-p", "no:benchmark", "test_grouped.py"],
        cwd=tmp_path, env={**environment, "WORKERS_SEEN": str(seen)},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "16 passed" in completed.stdout
    workers = seen.read_text().split()
    assert len(workers) == 8 and len(set(workers)) == 1, workers
