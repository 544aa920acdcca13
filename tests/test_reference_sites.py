"""Every reference site: an edge keeps each line its references are on, and callers, callees,
`references` (Codebase, CLI, HTTP) list them as file:line; an update keeps them exact."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from project_trees import write
from test_incremental import age_tree, assert_equals_full_rebuild

from parseltongue import Codebase, CozoDbStorage
from parseltongue.server import create_app

STORE = """\
def save(record):
    return record


def load(key):
    return key
"""
# save() on lines 5, 7 and 9 of sync: one edge, three sites.
SYNC = """\
from app.store import save, load


def sync(records):
    save(records[0])
    first = load(1)
    save(records[1])
    if first:
        save(records[2])
    return first
"""
AUDIT = """\
from app import store


def audit(record):
    store.save(record)
    return store.save(record)
"""


def write_project(root: Path) -> Path:
    write(root / "app" / "__init__.py", "")
    write(root / "app" / "store.py", STORE)
    write(root / "app" / "sync.py", SYNC)
    write(root / "app" / "audit.py", AUDIT)
    age_tree(root)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def codebase(project: Path, tmp_path: Path) -> Iterator[Codebase]:
    opened = Codebase.open(f"rocksdb:{tmp_path / 'db'}")
    opened.ingest(project, parallel=False)
    yield opened
    opened.close()


def key(codebase: Codebase, name: str, file_path: str) -> str:
    (hit,) = [hit for hit in codebase.search(name) if hit.name == name
              and hit.file_path == file_path and hit.entity_type != "module"]
    return hit.key


def test_three_calls_on_three_lines_are_three_sites(codebase: Codebase) -> None:
    save, sync = key(codebase, "save", "app/store.py"), key(codebase, "sync", "app/sync.py")
    (edge,) = [edge for edge in codebase.callers(save) if edge.from_key == sync]
    assert (edge.source_line, edge.sites) == (5, ("app/sync.py:5", "app/sync.py:7",
                                                  "app/sync.py:9"))
    (callee,) = [edge for edge in codebase.callees(sync) if edge.to_key == save]
    assert callee == edge
    load = key(codebase, "load", "app/store.py")
    assert [edge.sites for edge in codebase.callees(sync) if edge.to_key == load] == [
        ("app/sync.py:6",)
    ]


def test_references_list_every_site_by_file_and_line(codebase: Codebase) -> None:
    save = key(codebase, "save", "app/store.py")
    sites = codebase.references(save)
    assert [(site.site, site.edge_type) for site in sites] == [
        ("app/audit.py:5", "calls"),
        ("app/audit.py:6", "calls"),
        ("app/sync.py:1", "imports"),
        ("app/sync.py:5", "calls"),
        ("app/sync.py:7", "calls"),
        ("app/sync.py:9", "calls"),
    ]
    assert [site.site for site in codebase.references(save, edge_types=["calls"],
                                                      scope="app", limit=2)] == [
        "app/audit.py:5", "app/audit.py:6"
    ]
    assert codebase.references(save, scope="lib") == []


def test_an_edit_that_only_moves_or_adds_sites_is_written_by_the_update(
    codebase: Codebase, project: Path
) -> None:
    """The edge's key stays; only its sites change. The update must still rewrite it."""
    save = key(codebase, "save", "app/store.py")
    sync_file = project / "app" / "sync.py"
    sync_file.write_text(SYNC.replace("    return first\n", "    save(first)\n    return first\n"))
    summary = codebase.update(project, ["app/sync.py"])
    assert summary.incremental
    sync = key(codebase, "sync", "app/sync.py")
    (edge,) = [edge for edge in codebase.callers(save) if edge.from_key == sync]
    assert edge.sites == ("app/sync.py:5", "app/sync.py:7", "app/sync.py:9", "app/sync.py:10")
    # Lines moved in another file: the callers' own sites move with their file.
    write(project / "app" / "audit.py", "\n\n" + AUDIT)
    codebase.update(project, ["app/audit.py"])
    assert [site.site for site in codebase.references(save, edge_types=["calls"])][:2] == [
        "app/audit.py:7", "app/audit.py:8"
    ]
    assert_equals_full_rebuild(codebase.storage, project)


def test_http_callers_and_callees_give_every_site(codebase: Codebase) -> None:
    save, sync = key(codebase, "save", "app/store.py"), key(codebase, "sync", "app/sync.py")
    client = TestClient(create_app(codebase.storage, "test-database"))
    callers = client.get("/reverse-callers-query-graph", params={"entity": save}).json()["data"]
    by_caller = {edge["from_key"]: edge for edge in callers["callers"]}
    assert by_caller[sync]["sites"] == ["app/sync.py:5", "app/sync.py:7", "app/sync.py:9"]
    assert (by_caller[sync]["source_location"], by_caller[sync]["site_count"]) == (
        "app/sync.py:5", 3
    )
    callees = client.get("/forward-callees-query-graph", params={"entity": sync}).json()["data"]
    assert [edge["sites"] for edge in callees["callees"] if edge["to_key"] == save] == [
        ["app/sync.py:5", "app/sync.py:7", "app/sync.py:9"]
    ]


def test_http_lists_at_most_twenty_sites_an_edge_and_counts_them(
    project: Path, tmp_path: Path
) -> None:
    calls = "".join(f"    save({index})\n" for index in range(30))
    write(project / "app" / "bulk.py", f"from app.store import save\n\n\ndef bulk():\n{calls}")
    with Codebase.open(f"rocksdb:{tmp_path / 'bulk.db'}") as codebase:
        codebase.ingest(project, parallel=False)
        bulk = key(codebase, "bulk", "app/bulk.py")
        (edge,) = [edge for edge in codebase.callees(bulk)]
        assert len(edge.sites) == 30  # the facade gives them all
        client = TestClient(create_app(codebase.storage, "test-database"))
        data = client.get("/forward-callees-query-graph", params={"entity": bulk}).json()["data"]
    (listed,) = data["callees"]
    assert listed["site_count"] == 30
    assert listed["sites"] == [f"app/bulk.py:{line}" for line in range(5, 25)]


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments], capture_output=True, text=True
    )


def test_the_references_command_groups_sites_by_file(project: Path, tmp_path: Path) -> None:
    database = f"rocksdb:{tmp_path / 'cli.db'}"
    assert run_cli("ingest", str(project), "--db", database, "--json").returncode == 0
    with Codebase.open(database) as codebase:
        save = key(codebase, "save", "app/store.py")
    result = run_cli("references", save, "--db", database, "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert [(group["file_path"], [site["line"] for site in group["sites"]])
            for group in answer["files"]] == [
        ("app/audit.py", [5, 6]), ("app/sync.py", [1, 5, 7, 9])
    ]
    assert (answer["site_count"], answer["file_count"], answer["truncated"]) == (6, 2, False)
    cut = json.loads(run_cli("references", save, "--db", database, "--json", "--limit", "3").stdout)
    assert (cut["site_count"], cut["truncated"]) == (3, True)
    table = run_cli("references", save, "--db", database, "--edge-types", "calls")
    assert table.returncode == 0, table.stderr
    assert "app/audit.py (2)" in table.stdout and "app/sync.py (3)" in table.stdout
    assert "5 sites in 2 files" in table.stdout
    unknown = run_cli("references", "python:fn:nope:__x:T1", "--db", database)
    assert unknown.returncode == 1
    assert "no entity with key 'python:fn:nope:__x:T1'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    containment = run_cli("references", save, "--db", database, "--edge-types", "contains")
    assert containment.returncode == 1 and "no reference sites" in containment.stderr


def test_a_database_whose_edges_have_no_sites_is_upgraded_and_rebuilt(
    project: Path, tmp_path: Path
) -> None:
    """Edges of row format 5 (one line each): the relation is made anew on opening, and the
    next ingestion rebuilds every row (a file kept unparsed would keep no sites)."""
    database = f"rocksdb:{tmp_path / 'old.db'}"
    with Codebase.open(database) as codebase:
        codebase.ingest(project, parallel=False)
    with CozoDbStorage(database) as storage:
        meta = {row["key"]: row["value"] for row in storage.run_named("meta_values")}
        settings = json.loads(meta["ingestion_settings"])
        settings["row_format"] = 5
        storage.run_named_write(
            "put_meta_values", rows=[["ingestion_settings", json.dumps(settings, sort_keys=True)]]
        )
        storage.query(textwrap.dedent("""\
            {::index drop dependency_edges:by_target}
            {::remove dependency_edges}
            {:create dependency_edges {from_key: String, to_key: String, edge_type: String
                => source_file: String, source_line: Int, resolution: String}}
            {::index create dependency_edges:by_target {to_key, edge_type, from_key}}
        """))
    with Codebase.open(database) as codebase:
        columns = [row[0] for row in codebase.query("::columns dependency_edges").rows]
        assert columns[-1] == "source_lines"
        summary = codebase.ingest(project, parallel=False)
        assert not summary.incremental
        save = key(codebase, "save", "app/store.py")
        assert len(codebase.references(save)) == 6
        assert_equals_full_rebuild(codebase.storage, project)
