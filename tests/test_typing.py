"""The package type-checks: mypy finds no error in parseltongue/ (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_package_type_checks() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "parseltongue"],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=600,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("Success: no issues found")
