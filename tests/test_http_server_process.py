"""`parseltongue pt08` as a user runs it: a real process on a free port, driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_support import ingested_rocksdb
from pycozo.client import Client, QueryException

from parseltongue import Codebase, CozoDbStorage
from parseltongue.remote import RemoteQueryClient
from parseltongue.server.serve import bind_listening_socket
from parseltongue.storage import CozoQueryError

STARTUP_SECONDS = 60
COUNT_ENTITIES = "?[count(key)] := *code_entities{key}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", *arguments],
        input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return ingested_rocksdb(tmp_path_factory.mktemp("served"))


def start_server(database: str, *options: str) -> tuple[subprocess.Popen[str], str]:
    """A `parseltongue pt08` process on a free port (with more `options`), once it answers;
    and its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "parseltongue.cli", "pt08", "--db", database, "--port", str(port),
         *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            get_json(f"{url}/server-health-check-status")
            return process, url
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"pt08 did not start: {process.communicate()}") from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[str]:
    """The URL of a `parseltongue pt08` process serving `database`; stopped afterwards."""
    process, url = start_server(database)
    yield url
    process.send_signal(signal.SIGTERM)  # what a process manager sends
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert f"PARSELTONGUE_URL={url}" in stdout


def test_endpoints_answer_over_http(server: str) -> None:
    status, body = get_json(f"{server}/code-entities-search-fuzzy?q=place_order")
    assert status == 200
    [entity] = body["data"]["entities"]
    status, body = get_json(f"{server}/reverse-callers-query-graph?entity={entity['key']}")
    assert sorted(c["from_key"].split(":")[2] for c in body["data"]["callers"]) == [
        "checkout", "confirm_order", "test_place_order_totals_with_tax",
    ]  # fmt: skip
    status, body = get_json(f"{server}/reverse-callers-query-graph?entity=nope")
    assert (status, body["success"]) == (404, False)


def test_pycozo_http_client_reads_through_text_query(server: str) -> None:
    client = Client("http", options={"host": server}, dataframe=False)
    result = client.run("?[name] := *code_entities{name, entity_type: 'class'}")
    assert sorted(row[0] for row in result["rows"]) == [
        "AuditedOrderRepository", "BaseRepository", "OrderRepository",
    ]  # fmt: skip
    assert result["headers"] == ["name"]
    with pytest.raises(QueryException) as refused:
        client.run("?[x] := x = ", {})
    assert refused.value.resp["ok"] is False


@pytest.mark.parametrize(
    "script",
    [
        "?[key] := *code_entities{key} :rm code_entities {key}",
        "::remove code_entities",
        "?[key, value] <- [['x', 'y']] :put parseltongue_meta {key => value}",
        ":create planted {x: Int}",
        "{?[key] := *code_entities{key} :rm code_entities {key}}",
    ],
)
def test_a_write_through_text_query_is_refused_and_nothing_changes(
    server: str, script: str
) -> None:
    client = Client("http", options={"host": server}, dataframe=False)
    before = client.run(COUNT_ENTITIES)["rows"]
    with pytest.raises(QueryException) as refused:
        client.run(script, immutable=False)  # asking for a write does not make one
    assert "read-only" in refused.value.resp["message"]
    assert client.run(COUNT_ENTITIES)["rows"] == before == [[41]]
    assert "planted" not in [row[0] for row in client.run("::relations")["rows"]]


def test_file_readers_are_refused(server: str) -> None:
    client = Client("http", options={"host": server}, dataframe=False)
    with pytest.raises(QueryException) as refused:
        client.run("?[line] <~ CsvReader(url: 'file:///etc/passwd', types: ['String'])")
    assert "CsvReader" in refused.value.resp["message"]


def test_remote_client_runs_named_query_scripts(server: str) -> None:
    remote = RemoteQueryClient(server)
    assert "code_entities" in remote.relation_names()
    rows = remote.query_read_only(
        "?[key] := *code_entities{key, name}, name == $name", {"name": "order_total"}
    )
    assert len(rows) == 1
    with pytest.raises(CozoQueryError, match="read-only"):
        remote.query_read_only("::remove code_entities")


def test_remote_client_answers_as_a_local_codebase(server: str, tmp_path: Path) -> None:
    """What the REPL asks (`query`, `named_table`) is the same Table remotely as locally."""
    remote = RemoteQueryClient(server)
    with Codebase.open(ingested_rocksdb(tmp_path)) as local:
        for name, params in (("hotspots", {"limit": 3}), ("search_entities", {"query": "order"})):
            assert remote.named_table(name, **params) == local.named_table(name, **params)
        script = "?[key] := *code_entities{key, name}, name == $name"
        assert remote.query(script, {"name": "order_total"}) == local.query(
            script, {"name": "order_total"}
        )
    with pytest.raises(ValueError, match="unknown: colour"):
        remote.named_table("hotspots", colour="red")


def test_repl_runs_against_the_server(server: str) -> None:
    result = cli(
        "repl", "--server", server, "--format", "json",
        stdin="?[name] := *code_entities{name, entity_type: 'struct'}\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.split("\n(")[0]) == [{"name": "Number"}]
    named = cli(
        "repl", "--server", server, "--format", "json",
        stdin=":run search_entities query=order_total limit=1\n",
    )  # fmt: skip
    assert named.returncode == 0, named.stderr
    assert [row["name"] for row in json.loads(named.stdout.split("\n(")[0])] == ["order_total"]


def test_a_second_server_on_the_held_database_fails_in_one_line(
    server: str, database: str
) -> None:
    result = cli("pt08", "--db", database, "--port", str(free_port()))
    assert result.returncode == 1
    assert "in use by another process" in result.stderr


def test_a_busy_port_fails_in_one_line(server: str, tmp_path: Path) -> None:
    spec = ingested_rocksdb(tmp_path)
    result = cli("pt08", "--db", spec, "--port", server.rsplit(":", 1)[1])
    assert result.returncode == 1
    assert "give another --port" in result.stderr


def test_repl_reports_an_unreachable_server() -> None:
    result = cli("repl", "--server", f"http://127.0.0.1:{free_port()}", stdin="")
    assert result.returncode == 1
    assert "cannot reach the Parseltongue server" in result.stderr


def test_ctrl_c_stops_the_server_cleanly_and_frees_the_database(tmp_path: Path) -> None:
    spec = ingested_rocksdb(tmp_path)
    process, _ = start_server(spec)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 0
    with CozoDbStorage(spec) as reopened:  # the lock was released
        assert reopened.get_stats().total_entities == 41


# Four copies of every entity joined: ~10^9 rows to count, minutes of engine time, and Cozo
# 0.7 does not interrupt a join inside one step (neither `::kill` nor `:timeout` stop it).
ENDLESS_QUERY = (
    "?[count(a)] := *code_entities{key: a}, *code_entities{key: b}, "
    "*code_entities{key: c}, *code_entities{key: d}"
)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_during_a_long_query_exits_at_once_and_frees_the_database(
    tmp_path: Path, stop: signal.Signals
) -> None:
    spec = ingested_rocksdb(tmp_path)
    process, url = start_server(spec)
    request = urllib.request.Request(
        f"{url}/text-query", data=json.dumps({"script": ENDLESS_QUERY}).encode(),
        headers={"content-type": "application/json"},
    )
    asking = subprocess.Popen(  # the query, from another process, left waiting
        [sys.executable, "-c", f"import urllib.request as u; u.urlopen({request.full_url!r}, "
         f"data={request.data!r}, timeout=120)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _engine_is_busy(url):
            assert time.monotonic() < deadline, "the query never started"
            time.sleep(0.1)
        stopped = time.monotonic()
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
        assert time.monotonic() - stopped < 2
    finally:
        asking.kill()
        asking.wait()
        if process.poll() is None:  # it did not stop: do not leave it serving
            process.kill()
            process.wait()
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        "error: stopped with 1 query(ies) still running in the engine, which cannot interrupt "
        "them; they are abandoned, and the database reopens cleanly"
    )
    assert "Traceback" not in stderr
    with CozoDbStorage(spec) as reopened:  # the lock was released, the rows are all there
        assert reopened.get_stats().total_entities == 41


def _engine_is_busy(url: str) -> bool:
    request = urllib.request.Request(
        f"{url}/text-query", data=json.dumps({"script": "::running"}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return bool(json.loads(response.read())["rows"])


def test_the_listening_socket_sends_small_answers_without_delay() -> None:
    # Without TCP_NODELAY a keep-alive client waited 40 ms for every answer (Nagle + delayed
    # ACK): measured 44 ms per request before, 0.6 ms after.
    listener = bind_listening_socket("127.0.0.1", free_port())
    with listener:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
