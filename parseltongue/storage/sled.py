"""The sled engine: Cozo 0.7.6 over our sled storage, from `native/cozo-sled`.

The cozo-embedded wheel has no sled, so `sled:PATH` databases open through the native
package `parseltongue_cozo_sled` (Rust, built from the repository; see the README). This
module puts it behind the two calls CozoDbStorage makes of pycozo's Client (`run`, `close`)
and raises what pycozo raises: `QueryException` carrying Cozo's error report, so a script
on sled fails exactly as one on RocksDB does.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from pycozo.client import QueryException

NATIVE_MODULE = "parseltongue_cozo_sled"
# sled keeps its settings in a file of this name in every database folder it made.
SLED_MARKER_FILE = "conf"
INSTALL_HINT = (
    "the sled engine is not installed: from a Parseltongue checkout run "
    "`pip install ./native/cozo-sled` (it compiles Cozo with sled, which needs a Rust "
    "toolchain: cargo and rustc)"
)


class SledEngineMissing(ImportError):
    """The native package that brings the sled engine is not installed."""


class SledOpenError(Exception):
    """A sled folder could not be opened: Cozo's own message, or why we refused it."""


@cache
def _native() -> ModuleType | None:
    try:
        return importlib.import_module(NATIVE_MODULE)
    except ImportError:
        return None


def sled_engine_installed() -> bool:
    """Whether `sled:PATH` can be opened here."""
    return _native() is not None


def _native_or_raise() -> ModuleType:
    native = _native()
    if native is None:
        raise SledEngineMissing(INSTALL_HINT)
    return native


def _report(error: BaseException) -> dict[str, Any]:
    """Cozo's error report from a native CozoError (a dict in args[0])."""
    report = error.args[0] if error.args else None
    if isinstance(report, dict):
        return report
    return {"ok": False, "message": str(error), "display": str(error), "causes": []}


class SledClient:
    """A Cozo database on sled (or, for the binding's own tests, in memory), answering as
    pycozo's embedded Client does: rows as lists, errors as QueryException.

    Example:
        client = SledClient("sled", "graph.db")
        client.run("?[x] <- [[$n]]", {"n": 1}, immutable=True)["rows"]  # [[1]]
    """

    def __init__(self, engine: str, path: str) -> None:
        native = _native_or_raise()
        self._error_type: type[BaseException] = native.CozoError
        try:
            self._engine = native.CozoEngine(engine, path)
        except native.CozoError as error:
            report = _report(error)
            raise SledOpenError(str(report.get("message") or report)) from None

    def run(
        self, script: str, params: Mapping[str, Any] | None = None, immutable: bool = False
    ) -> dict[str, Any]:
        """Run a script; `immutable` makes a write fail. `{"headers", "rows", "next"}`."""
        return self._call(self._engine.run_script, script, dict(params or {}), immutable)

    def export_relations(self, relations: list[str]) -> dict[str, dict[str, Any]]:
        """The named stored relations, each `{"headers", "rows"}`."""
        return self._call(self._engine.export_relations, list(relations))

    def import_relations(self, data: Mapping[str, Mapping[str, Any]]) -> None:
        """Put rows (the shape export_relations gives) into existing relations."""
        self._call(self._engine.import_relations, {name: dict(rows) for name, rows in
                                                   data.items()})

    def backup(self, path: str) -> None:
        """Write the whole database to a new backup file (SQLite format) at `path`."""
        self._call(self._engine.backup, str(path))

    def restore(self, path: str) -> None:
        """Load a backup file into this database, which must be empty."""
        self._call(self._engine.restore, str(path))

    def import_from_backup(self, path: str, relations: list[str]) -> None:
        """Copy the named relations out of a backup file into existing relations."""
        self._call(self._engine.import_from_backup, str(path), list(relations))

    def close(self) -> None:
        """Release the database (and the sled folder's lock once no script runs in it)."""
        self._engine.close()

    def _call(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except self._error_type as error:
            raise QueryException(_report(error)) from None


def open_sled(path: str) -> SledClient:
    """Open (or create) the sled database in folder `path`. A folder that holds files but
    not sled's (a RocksDB database, a source tree) is refused: sled would add its own."""
    folder = Path(path)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / SLED_MARKER_FILE).is_file():
        raise SledOpenError(
            f"{path} holds files but is not a sled database (it has no {SLED_MARKER_FILE!r} "
            "file); give a new or empty folder"
        )
    return SledClient("sled", path)
