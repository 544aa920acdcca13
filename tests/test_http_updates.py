"""Keeping a served graph live: POST /incremental-reindex-file-update on a real ingested copy
of the fixture project, and `pt08 --watch` as a real process seeing files change on disk."""

from __future__ import annotations

import shutil
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_support import HTTP_PROJECT, client_for, key_of
from test_http_server_process import cli, get_json, start_server

from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.server import create_app

REINDEX = "/incremental-reindex-file-update"
WAIT_SECONDS = 20

# shop/pricing.py with apply_discount gone and add_shipping added between add_tax and
# order_total, which now calls add_shipping instead of add_tax and apply_discount.
EDITED_PRICING = '''"""Prices, discounts and taxes."""

TAX_RATE = 0.2


def subtotal(items):
    return sum(item["price"] * item["quantity"] for item in items)


def add_tax(amount):
    return round(amount * (1 + TAX_RATE), 2)


def add_shipping(amount):
    return add_tax(amount) + 5


def order_total(items, code):
    return add_shipping(subtotal(items))
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(HTTP_PROJECT, root)
    return root


@pytest.fixture
def served(project: Path) -> Iterator[tuple[CozoDbStorage, TestClient]]:
    with CozoDbStorage("mem") as storage:
        config = StreamerConfig(database="mem", parallel=False)
        CodebaseStreamer(config, storage).stream_directory(project)
        yield storage, client_for(storage)


def test_reindex_reports_exactly_what_the_edit_changed(
    project: Path, served: tuple[CozoDbStorage, TestClient]
) -> None:
    storage, client = served
    apply_discount = key_of(storage, "apply_discount", "shop/pricing.py")
    # Cached before the edit: the answer after it must not be the cached one.
    assert client.get("/code-entities-search-fuzzy", params={"q": "add_shipping"}).json()[
        "data"]["total_count"] == 0
    (project / "shop" / "pricing.py").write_text(EDITED_PRICING, encoding="utf-8")

    response = client.post(REINDEX, params={"path": "shop/pricing.py"})

    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    add_shipping = key_of(storage, "add_shipping", "shop/pricing.py")
    assert data["outcome"] == "indexed" and data["incremental"]
    # The module, subtotal, add_tax and order_total stay (keys survive the lines moving).
    assert (data["entities_before_count"], data["entities_after_count"]) == (5, 5)
    assert data["entities_added_keys"] == [add_shipping]
    assert data["entities_removed_keys"] == [apply_discount]
    assert (data["entities_added_count"], data["entities_removed_count"]) == (1, 1)
    # Added: add_shipping -> add_tax, order_total -> add_shipping, module contains
    # add_shipping. Removed: order_total -> add_tax, order_total -> apply_discount, module
    # contains apply_discount. (place_order -> order_total and the import stay.)
    assert (data["edges_added_count"], data["edges_removed_count"]) == (3, 3)
    assert data["duration_seconds"] >= data["resolve_seconds"] > 0
    found = client.get("/code-entities-search-fuzzy", params={"q": "add_shipping"}).json()
    assert [entity["key"] for entity in found["data"]["entities"]] == [add_shipping]
    assert client.get("/code-entity-detail-view", params={"key": apply_discount}).status_code \
        == 404
    status = client.get("/file-watcher-status-check").json()["data"]
    assert not status["watcher_running"] and status["updates_done_count"] == 1
    assert status["last_update"]["files_changed"] == 1


def test_reindex_of_a_deleted_file_removes_its_rows_and_takes_absolute_paths(
    project: Path, served: tuple[CozoDbStorage, TestClient]
) -> None:
    storage, client = served
    before = storage.run_named("file_entities", file_path="shop/repository.py")
    assert before
    (project / "shop" / "repository.py").unlink()

    response = client.post(REINDEX, params={"path": str(project / "shop" / "repository.py")})

    data = response.json()["data"]
    assert data["file_path"] == "shop/repository.py"
    assert data["outcome"] == "removed (no such file)"
    assert (data["entities_before_count"], data["entities_after_count"]) == (len(before), 0)
    assert data["entities_removed_count"] == len(before)
    assert data["edges_added_count"] == 0 and data["edges_removed_count"] > 0
    assert not storage.run_named("file_entities", file_path="shop/repository.py")


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "parameter 'path': Field required"),
        ({"path": "../elsewhere.py"}, 400, "climbs with '..'"),
        ({"path": "shop/../shop/orders.py"}, 400, "climbs with '..'"),
        ({"path": "/etc/elsewhere.py"}, 400, "outside the ingested folder"),
        ({"path": "docs/README.md"}, 400, "not a file in a supported language"),
        ({"path": "shop/nothing_here.py"}, 404, "none indexed"),
    ],
)
def test_reindex_refuses_bad_paths_with_the_envelope(
    served: tuple[CozoDbStorage, TestClient], params: dict[str, str], status: int, message: str
) -> None:
    _, client = served
    response = client.post(REINDEX, params=params)
    body = response.json()
    assert response.status_code == status
    assert body["success"] is False and body["endpoint"] == REINDEX
    assert message in body["error"]


def test_reindex_refuses_a_link_to_a_file_outside_the_folder(
    served: tuple[CozoDbStorage, TestClient], project: Path, tmp_path: Path
) -> None:
    storage, client = served
    outside = tmp_path / "outside.py"
    outside.write_text("def leaked():\n    return 1\n")
    (project / "shop" / "leak.py").symlink_to(outside)
    response = client.post(REINDEX, params={"path": "shop/leak.py"})
    assert response.status_code == 400
    assert "symbolic link to a file outside the ingested folder" in response.json()["error"]
    assert not storage.query("?[k] := *code_entities{key: k, name: 'leaked'}")
    # A link to a file inside the folder is a file of the folder.
    (project / "shop" / "alias.py").symlink_to(project / "shop" / "orders.py")
    assert client.post(REINDEX, params={"path": "shop/alias.py"}).status_code == 200


def test_reindex_without_any_ingestion_is_a_400() -> None:
    with CozoDbStorage("mem") as storage:
        response = client_for(storage).post(REINDEX, params={"path": "a.py"})
    assert response.status_code == 400
    assert "no ingestion" in response.json()["error"]


# -- pt08 --watch, a real process -------------------------------------------------------------


def wait_for(what: str, check: Callable[[], Any]) -> Any:
    """Poll `check` until it returns something truthy, for at most WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def search_keys(url: str, name: str) -> list[str]:
    query = urllib.parse.urlencode({"q": name})
    _, body = get_json(f"{url}/code-entities-search-fuzzy?{query}")
    return [entity["key"] for entity in body["data"]["entities"] if entity["name"] == name]


def detail_status(url: str, key: str) -> int:
    return get_json(f"{url}/code-entity-detail-view?{urllib.parse.urlencode({'key': key})}")[0]


def watcher_status(url: str) -> dict[str, Any]:
    return get_json(f"{url}/file-watcher-status-check")[1]["data"]


def test_pt08_watch_sees_files_added_and_deleted_through_the_api(
    project: Path, tmp_path: Path
) -> None:
    database = f"rocksdb:{tmp_path / 'watched.db'}"
    with CozoDbStorage(database) as storage:
        CodebaseStreamer(StreamerConfig(database=database, parallel=False), storage
                         ).stream_directory(project)
    process, url = start_server(database, "--watch", str(project))
    try:
        # The startup update finds the tree as it was ingested: nothing to re-parse.
        started = wait_for("the startup update", lambda: watcher_status(url)["last_update"])
        assert started["trigger"] == "startup" and started["incremental"]
        assert started["files_changed"] == started["files_added"] == 0
        status = watcher_status(url)
        assert status["watcher_running"] and status["watched_folder"] == str(project.resolve())
        assert get_json(f"{url}/server-health-check-status")[1]["data"]["file_watcher_active"]
        repository_keys = search_keys(url, "save_order")
        assert repository_keys

        (project / "shop" / "shipping.py").write_text(
            "def freshly_watched_function(order):\n    return order\n", encoding="utf-8"
        )
        assert wait_for("the new function", lambda: search_keys(url, "freshly_watched_function"))
        (project / "shop" / "repository.py").unlink()
        wait_for("the deleted file's entity to go",
                 lambda: detail_status(url, repository_keys[0]) == 404)

        # Queries are answered while an update runs, so the 404 can come before the update
        # that removed the rows has finished (re-resolving): wait for it to.
        status = wait_for(
            "the update to finish",
            lambda: (s := watcher_status(url))["updates_done_count"] >= 3
            and not s["update_in_progress"] and s,
        )
        assert status["events_processed_count"] >= 2
        assert status["last_error"] is None
        assert status["last_update"]["trigger"] == "file change"
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert process.returncode == 0



def test_watching_a_folder_the_database_never_ingested_starts_with_a_full_ingestion(
    project: Path,
) -> None:
    with CozoDbStorage("mem") as storage, TestClient(
        create_app(storage, "test-database", watch=project)
    ) as client:
        first = wait_for(
            "the first update",
            lambda: client.get("/file-watcher-status-check").json()["data"]["last_update"],
        )
        assert not first["incremental"]
        assert first["full_rebuild_reason"] == "the database holds no earlier ingestion"
        assert first["files_added"] == 0 and first["entities"] > 0
        assert key_of(storage, "order_total", "shop/pricing.py")
        # Cozo's answers now come from the watched folder's graph, not the empty one.
        totals = client.get("/codebase-statistics-overview-summary").json()["data"]
        assert totals["all_entities_total_count"] == first["entities"]
    assert not client.app.state.context.watcher.running  # stopped with the app


def test_pt08_watch_of_a_missing_folder_fails_with_one_line(tmp_path: Path) -> None:
    result = cli("pt08", "--db", "mem", "--watch", str(tmp_path / "absent"))
    assert result.returncode == 1
    assert "not a folder" in result.stderr and "Traceback" not in result.stderr
