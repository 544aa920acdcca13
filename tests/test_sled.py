"""Parseltongue on sled: `pt01 --db sled:PATH` end to end, a new process reading what it wrote,
an update, and the same answers from the CLI, the REPL and the HTTP API as out of RocksDB."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_support import HTTP_PROJECT
from sled_support import needs_sled

from parseltongue import CozoDbStorage
from parseltongue.ingest.integrity import verify_parallel_data_integrity_check
from parseltongue.server import create_app

pytestmark = needs_sled

ENGINES = ("rocksdb", "sled")
# What differs between two runs whatever the engine: timings, memory, the database's name,
# how the files fell to the parse workers.
RUN_DEPENDENT = {"database", "elapsed_seconds", "parse_seconds", "resolve_seconds",
                 "peak_memory_mb", "entities_per_second", "megabytes_per_second", "root",
                 "parsers_created"}


def run_cli(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parseltongue.cli", *arguments],
                          capture_output=True, text=True, input=stdin, timeout=300)


def stable(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in RUN_DEPENDENT}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The HTTP fixture project ingested by `parseltongue pt01` into RocksDB and into sled,
    each in its own process; the specs and pt01's JSON reports."""
    folder = tmp_path_factory.mktemp("engines")
    specs = {engine: f"{engine}:{folder / engine}.db" for engine in ENGINES}
    reports = {}
    for engine, spec in specs.items():
        result = run_cli("pt01", str(HTTP_PROJECT), "--db", spec, "--json")
        assert result.returncode == 0, result.stderr
        reports[engine] = json.loads(result.stdout)
    return {"specs": specs, "reports": reports}


def test_pt01_into_sled_reports_what_rocksdb_does(ingested: dict[str, Any]) -> None:
    reports = ingested["reports"]
    assert reports["sled"]["database"] == ingested["specs"]["sled"]
    assert reports["sled"]["entities"] > 30 and reports["sled"]["edges"] > 50
    assert stable(reports["sled"]) == stable(reports["rocksdb"])


def test_a_new_process_reads_the_same_statistics(ingested: dict[str, Any]) -> None:
    statistics = {}
    for engine, spec in ingested["specs"].items():
        result = run_cli("stats", "--db", spec, "--json")
        assert result.returncode == 0, result.stderr
        statistics[engine] = stable(json.loads(result.stdout))
    assert statistics["sled"]["total_entities"] == ingested["reports"]["sled"]["entities"]
    assert statistics["sled"] == statistics["rocksdb"]


def test_the_databases_hold_the_same_rows(ingested: dict[str, Any]) -> None:
    specs = ingested["specs"]
    with CozoDbStorage(specs["rocksdb"]) as rocksdb, CozoDbStorage(specs["sled"]) as sled:
        report = verify_parallel_data_integrity_check(rocksdb, sled)
    assert report.relations["code_entities"].rows_a > 30
    assert report.identical, report.describe()


REPL_SCRIPT = """\
:relations
?[count(key)] := *code_entities{key}
:run hotspots
?[name, file_path] := *code_entities{name, file_path}, starts_with(name, 'check')
:order name
?[a] := *no_such_relation{a}
?[key, value] <- [['x', 'y']] :put parseltongue_meta {key => value}
:run search_entities query=order
"""


def test_the_repl_answers_alike(ingested: dict[str, Any]) -> None:
    outputs = {}
    for engine, spec in ingested["specs"].items():
        result = run_cli("repl", "--db", spec, "--format", "csv", stdin=REPL_SCRIPT)
        assert result.returncode == 0, result.stderr
        # Each answer ends with how long it took: "(3 rows in 1.2 ms)".
        outputs[engine] = (re.sub(r" in [0-9.]+ ms\)", ")", result.stdout), result.stderr)
    stdout, stderr = outputs["sled"]
    assert "code_entities" in stdout and "no_such_relation" in stdout + stderr
    assert outputs["sled"] == outputs["rocksdb"]


def _get_routes_without_required_parameters(app: Any) -> list[str]:
    routes = []
    for path, operations in app.openapi()["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        if any(parameter.get("required") for parameter in operation.get("parameters", [])):
            continue
        routes.append(path)
    return sorted(routes)


@pytest.fixture(scope="module")
def opened(ingested: dict[str, Any]) -> Iterator[dict[str, CozoDbStorage]]:
    specs = ingested["specs"]
    with CozoDbStorage(specs["rocksdb"]) as rocksdb, CozoDbStorage(specs["sled"]) as sled:
        yield {"rocksdb": rocksdb, "sled": sled}


def test_every_http_answer_is_the_same_bytes(opened: dict[str, CozoDbStorage]) -> None:
    from fastapi.testclient import TestClient

    clients = {engine: TestClient(create_app(storage, "test-database"))
               for engine, storage in opened.items()}
    routes = _get_routes_without_required_parameters(clients["sled"].app)
    assert len(routes) >= 15, routes
    key = opened["sled"].query_read_only(
        "?[key] := *code_entities{key, name: 'place_order'}")[0]["key"]
    routes += [f"/reverse-callers-query-graph?entity={key}",
               f"/forward-callees-query-graph?entity={key}",
               f"/blast-radius-impact-analysis?entity={key}&hops=3",
               "/code-entities-search-fuzzy?q=order"]
    compared = 0
    for route in routes:
        answers = {engine: client.get(route) for engine, client in clients.items()}
        assert answers["sled"].status_code == answers["rocksdb"].status_code, route
        assert answers["sled"].content == answers["rocksdb"].content, route
        compared += answers["sled"].status_code == 200
    assert compared >= 20


def test_an_update_on_sled_leaves_what_it_leaves_on_rocksdb(tmp_path: Path) -> None:
    """Re-ingesting after an edit removes rows (Cozo's `:rm`): sled must forget them too."""
    project = tmp_path / "project"
    shutil.copytree(HTTP_PROJECT, project)
    specs = {engine: f"{engine}:{tmp_path / engine}.db" for engine in ENGINES}
    for spec in specs.values():
        assert run_cli("pt01", str(project), "--db", spec).returncode == 0
    [first_python_file] = sorted(project.rglob("*.py"))[:1]
    first_python_file.write_text("def only_this_is_left():\n    return 1\n")
    for spec in specs.values():
        result = run_cli("pt01", str(project), "--db", spec, "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["files_changed"] == 1
    with (CozoDbStorage(specs["rocksdb"]) as rocksdb, CozoDbStorage(specs["sled"]) as sled):
        report = verify_parallel_data_integrity_check(rocksdb, sled)
        names = {row["name"] for row in sled.query_read_only(
            "?[name] := *code_entities{name, file_path}, file_path = $file",
            {"file": first_python_file.relative_to(project).as_posix()})}
    assert report.identical, report.describe()
    assert "only_this_is_left" in names and len(names) <= 2  # the function and its module


def test_the_time_limit_stops_a_long_read_on_sled(tmp_path: Path) -> None:
    """`::running` and `::kill` reach the engine from the watchdog's thread while the read
    runs on this one (the GIL is let go during it)."""
    from parseltongue.storage import QueryTimeLimitError

    nodes = 800  # a transitive closure of 640,000 pairs, computed in steps Cozo can stop
    with CozoDbStorage(f"sled:{tmp_path / 'limit.db'}") as storage:
        storage.query(f"?[a, b] := a in int_range({nodes}), b = (a * 7 + 1) % {nodes} "
                      ":replace graph_x {a, b}")
        storage.query(f"?[a, b] := a in int_range({nodes}), b = (a * 13 + 5) % {nodes} "
                      ":put graph_x {a, b}")
        edges = storage.query_read_only("?[count(a)] := *graph_x{a}")
        storage.set_query_time_limit(0.5)
        with pytest.raises(QueryTimeLimitError, match="0.5-second time limit"):
            storage.query_read_only("reach[a, b] := *graph_x{a, b} "
                                    "reach[a, c] := reach[a, b], *graph_x{a: b, b: c} "
                                    "?[count(a)] := reach[a, b]")
        assert storage.query_read_only("?[count(a)] := *graph_x{a}") == edges
        assert not storage.query_read_only("::running")
