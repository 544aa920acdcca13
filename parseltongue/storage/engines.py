"""Database specifications (`engine:path`) and the Cozo engines behind them: which are
installed, how each is opened (RocksDB with our options file).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from pycozo.client import Client

from parseltongue.storage.errors import DatabaseSpecificationError, StorageError
from parseltongue.storage.sled import INSTALL_HINT, SledClient, open_sled, sled_engine_installed

DEFAULT_DATABASE_SPECIFICATION = "rocksdb:analysis.db"
# Cozo opens a RocksDB folder with the RocksDB options file of this name in it, if any.
ROCKSDB_OPTIONS_FILE_NAME = "options"
ROCKSDB_OPTIONS = Path(__file__).with_name("rocksdb_options.ini")

# The engines Cozo is written for; which of them this build of cozo-embedded has is probed.
# sled comes from the native package native/cozo-sled instead (storage/sled.py).
COZO_ENGINE_NAMES = ("mem", "sqlite", "rocksdb", "sled", "tikv")
_ENGINES_WITHOUT_PATH = ("mem",)


class DatabaseSpecification(NamedTuple):
    """A parsed `engine:path` specification."""

    engine: str
    path: str

    def __str__(self) -> str:
        return self.engine if not self.path else f"{self.engine}:{self.path}"


@cache
def available_engines() -> tuple[str, ...]:
    """The Cozo engines this build of cozo-embedded has, found by opening each in a temp folder,
    and sled when its native package is installed."""
    found = []
    with tempfile.TemporaryDirectory(prefix="parseltongue-engine-probe-") as probe_folder:
        for engine in COZO_ENGINE_NAMES:
            if engine == "sled":
                if sled_engine_installed():
                    found.append(engine)
                continue
            try:
                client = Client(engine, str(Path(probe_folder) / engine), dataframe=False)
            except Exception:  # noqa: BLE001 - an engine not compiled in raises a bare Exception
                continue
            client.close()
            found.append(engine)
    return tuple(found)


def parse_database_engine_specification(specification: str) -> DatabaseSpecification:
    """Split `engine:path` at the first colon (the path may hold colons: `rocksdb:C:/a.db`)."""
    text = (specification or "").strip()
    if not text:
        raise DatabaseSpecificationError(
            "empty database specification; give ENGINE:PATH, e.g. rocksdb:analysis.db, "
            "sqlite:analysis.sqlite or mem"
        )
    engine, _, path = text.partition(":")
    engine = engine.strip().lower()
    if engine not in COZO_ENGINE_NAMES:
        raise DatabaseSpecificationError(
            f"unknown database engine {engine!r} in {specification!r}; "
            f"this build of cozo-embedded has: {', '.join(available_engines())} "
            "(give ENGINE:PATH, e.g. rocksdb:analysis.db)"
        )
    if engine in _ENGINES_WITHOUT_PATH:
        if path:
            raise DatabaseSpecificationError(
                f"the {engine} engine keeps nothing on disk and takes no path: "
                f"use {engine!r} instead of {specification!r}"
            )
        return DatabaseSpecification(engine, "")
    if not path.strip():
        raise DatabaseSpecificationError(
            f"database specification {specification!r} has no path; "
            f"give {engine}:PATH, e.g. {engine}:analysis.db"
        )
    return DatabaseSpecification(engine, path)


def ensure_engine_available(specification: DatabaseSpecification) -> None:
    """Fail with the engines this build has when the specification names one it lacks."""
    if specification.engine == "sled" and not sled_engine_installed():
        raise DatabaseSpecificationError(f"cannot open {specification}: {INSTALL_HINT}")
    if specification.engine not in available_engines():
        raise DatabaseSpecificationError(
            f"this build of the Cozo engine (cozo-embedded) lacks {specification.engine!r}: "
            f"it was not compiled in. The engines it has are: {', '.join(available_engines())}. "
            f"Use e.g. rocksdb:{specification.path or 'analysis.db'}"
        )


def install_rocksdb_options(folder: Path) -> None:
    """Give a RocksDB folder Parseltongue's options file (smaller memtables: see the file)
    unless it has one; a folder that cannot take it is left for Cozo to report on."""
    target = folder / ROCKSDB_OPTIONS_FILE_NAME
    if target.exists():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROCKSDB_OPTIONS, target)
    except OSError:
        return


def finish_interrupted_rocksdb_creation(folder: Path) -> None:
    """Let a RocksDB folder whose first creation was stopped open as a new database.

    Cozo writes its `manifest` first and then asks RocksDB to create `data/`, but only while the
    manifest is new: a process killed between the two leaves a folder Cozo will never open
    again (`CURRENT: does not exist`). RocksDB writes `CURRENT` before any row, so a `data/`
    without it and without table or log contents holds nothing: the manifest and that
    `data/` are removed and Cozo creates both afresh. Anything else is reported, not touched.
    """
    manifest = folder / "manifest"
    data = folder / "data"
    if not manifest.is_file() or (data / "CURRENT").exists():
        return
    if data.is_dir():
        holding_rows = [
            entry.name for entry in data.iterdir()
            if entry.suffix == ".sst" or (entry.suffix == ".log" and entry.stat().st_size > 0)
        ]
        if holding_rows:
            raise StorageError(
                f"database folder {folder} is damaged: {data / 'CURRENT'} is missing but "
                f"{', '.join(sorted(holding_rows))} hold data; restore the folder from a copy "
                "or ingest again into a new path"
            )
        shutil.rmtree(data)
    manifest.unlink()


def create_database_instance_from_spec(
    specification: DatabaseSpecification,
) -> Client | SledClient:
    """Open the Cozo engine a specification names, with errors a user can act on."""
    ensure_engine_available(specification)
    if specification.engine == "sqlite":
        # SQLite will not create the folder its file lives in.
        Path(specification.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    elif specification.engine == "rocksdb":
        folder = Path(specification.path).expanduser()
        finish_interrupted_rocksdb_creation(folder)
        install_rocksdb_options(folder)
    try:
        if specification.engine == "sled":
            return open_sled(specification.path)
        return Client(specification.engine, specification.path, dataframe=False)
    except Exception as error:  # noqa: BLE001 - cozo-embedded raises a bare Exception
        # Strip the box-drawing of Cozo's rendered diagnostic down to its words.
        detail = " ".join(re.sub(r"[│×╭╰─▶·]", " ", str(error)).split())
        if "LOCK" in detail and "temporarily unavailable" in detail:
            raise StorageError(
                f"database {specification} is in use by another process (a RocksDB folder "
                "admits one process at a time); stop that process, or query it through "
                "its HTTP server"
            ) from None
        if "could not acquire lock" in detail:
            raise StorageError(
                f"database {specification} is in use by another process (a sled folder "
                "admits one process at a time); stop that process, or query it through "
                "its HTTP server"
            ) from None
        raise StorageError(f"cannot open database {specification}: {detail}") from None
