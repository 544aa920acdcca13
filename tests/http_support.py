"""Shared by the HTTP API tests: the fixture project, ingested for real, and key look-ups."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.server import create_app

HTTP_PROJECT = Path(__file__).parent / "fixtures" / "http_project"


def ingest_http_project(storage: CozoDbStorage) -> CozoDbStorage:
    """Ingest tests/fixtures/http_project into `storage` with the real pipeline."""
    config = StreamerConfig(database=str(storage.specification), parallel=False)
    CodebaseStreamer(config, storage).stream_directory(HTTP_PROJECT)
    return storage


def ingested_rocksdb(folder: Path) -> str:
    """The spec of a RocksDB database in `folder` holding the fixture project, closed."""
    spec = f"rocksdb:{folder / 'http.db'}"
    with CozoDbStorage(spec) as storage:
        ingest_http_project(storage)
    return spec


def key_named(storage: CozoDbStorage, name: str) -> str:
    """The key of the one function, method or type called `name` (modules aside)."""
    rows = storage.query_read_only(
        "?[key] := *code_entities:by_name{name: $name, key}, !starts_with(key, 'python:module')",
        {"name": name},
    )
    assert len(rows) == 1, rows
    return rows[0]["key"]


def key_of(storage: CozoDbStorage, name: str, file_path: str, entity_type: str = "") -> str:
    """The key of the one entity called `name` in `file_path` (of `entity_type` if given)."""
    rows = storage.query_read_only(
        "?[key, entity_type] := *code_entities:by_name{name: $name, key},"
        " *code_entities{key, file_path, entity_type}, file_path == $file",
        {"name": name, "file": file_path},
    )
    keys = [row["key"] for row in rows if not entity_type or row["entity_type"] == entity_type]
    assert len(keys) == 1, f"{name} in {file_path}: {keys}"
    return keys[0]


def client_for(storage: CozoDbStorage) -> TestClient:
    """A TestClient on a fresh app over `storage` (fresh app = empty result cache)."""
    return TestClient(create_app(storage, "test-database"))
