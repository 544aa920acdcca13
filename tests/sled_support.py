"""The sled engine in tests: a skip mark for machines without its native package, and a way to
run Parseltongue as on a machine without it.

CI installs the package (.ci/run) and sets PARSELTONGUE_REQUIRE_SLED=1: there a missing
package fails the sled tests instead of skipping them.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from parseltongue.storage.sled import sled_engine_installed

SLED_REQUIRED = os.environ.get("PARSELTONGUE_REQUIRE_SLED") == "1"

needs_sled = pytest.mark.skipif(
    not sled_engine_installed() and not SLED_REQUIRED,
    reason="the sled engine is not installed (pip install ./native/cozo-sled; needs Rust)",
)

# For engine parametrizations: `["rocksdb", "sqlite", SLED]`.
SLED = pytest.param("sled", marks=needs_sled)

# Importing a module whose sys.modules entry is None raises ImportError, as when it is not
# installed; the rest of the process is the real Parseltongue.
_WITHOUT_SLED = "import sys; sys.modules['parseltongue_cozo_sled'] = None\n"


def run_without_sled(code: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run Python `code` (with `arguments` in sys.argv[1:]) where the native package cannot
    be imported."""
    return subprocess.run([sys.executable, "-c", _WITHOUT_SLED + code, *arguments],
                          capture_output=True, text=True, timeout=120)


def run_cli_without_sled(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`parseltongue ARGUMENTS` where the native package cannot be imported."""
    return run_without_sled(
        "import runpy; runpy.run_module('parseltongue.cli', run_name='__main__')", *arguments
    )
