"""The time limit on read queries: past it, a query is stopped in the engine with a clear error;
writes, and reads within it, are not touched."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parseltongue.storage import CozoDbStorage, QueryTimeLimitError

# Every node reaches every other: a transitive closure of NODES^2 pairs, which Cozo computes in
# epochs (it checks for ::kill between them). 800 nodes: ~3 s on these machines.
NODES = 800
CLOSURE = (
    "reach[a, b] := *graph_x{a, b} "
    "reach[a, c] := reach[a, b], *graph_x{a: b, b: c} "
    "?[count(a)] := reach[a, b]"
)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[CozoDbStorage]:
    opened = CozoDbStorage(f"rocksdb:{tmp_path / 'limit.db'}")
    opened.query(f"?[a, b] := a in int_range({NODES}), b = (a * 7 + 1) % {NODES} "
                 ":replace graph_x {a, b}")
    opened.query(f"?[a, b] := a in int_range({NODES}), b = (a * 13 + 5) % {NODES} "
                 ":put graph_x {a, b}")
    yield opened
    opened.close()


def test_a_read_past_the_limit_is_stopped_with_the_limit_named(storage: CozoDbStorage) -> None:
    edges = storage.query_read_only("?[count(a)] := *graph_x{a}")
    storage.set_query_time_limit(0.5)
    started = time.monotonic()
    with pytest.raises(QueryTimeLimitError, match="0.5-second time limit") as stopped:
        storage.query_read_only(CLOSURE)
    # The error itself says it was stopped (a finished run returns rows); the time is a bound
    # with room for a loaded machine (a full run takes ~3 s on a quiet one).
    assert time.monotonic() - started < 4.0
    assert stopped.value.seconds == 0.5
    # The engine is free again, and quick reads go on under the limit.
    assert storage.query_read_only("?[count(a)] := *graph_x{a}") == edges
    assert not storage.query_read_only("::running")


def test_writes_and_reads_within_the_limit_are_not_stopped(storage: CozoDbStorage) -> None:
    storage.set_query_time_limit(0.5)
    # A write that runs as long as the read above: an ingestion's writes are never cut short.
    storage.query(CLOSURE.replace("?[count(a)] := reach[a, b]",
                                  "?[a, b] := reach[a, b] :replace closure_x {a, b}"))
    assert storage.query_read_only("?[count(a)] := *closure_x{a}") == [
        {"count(a)": NODES * NODES}
    ]
    # A short read beside a long one: only the long one is stopped.
    answers: list[object] = []

    def long_read() -> None:
        try:
            storage.query_read_only(CLOSURE)
        except QueryTimeLimitError as error:
            answers.append(error)

    worker = threading.Thread(target=long_read)
    worker.start()
    time.sleep(0.3)
    assert storage.query_read_only("?[x] := x = 7") == [{"x": 7}]
    worker.join()
    assert len(answers) == 1 and isinstance(answers[0], QueryTimeLimitError)


def test_no_limit_lets_a_long_read_finish(storage: CozoDbStorage) -> None:
    storage.set_query_time_limit(0.5)
    storage.set_query_time_limit(0)  # turned off again
    assert storage.query_time_limit is None
    assert storage.query_read_only(CLOSURE) == [{"count(a)": NODES * NODES}]


def test_text_query_answers_408_past_the_limit_and_the_server_goes_on(
    storage: CozoDbStorage,
) -> None:
    from http_support import client_for

    storage.set_query_time_limit(0.5, applies_to_every_read=False)
    client = client_for(storage)
    started = time.monotonic()
    stopped = client.post("/text-query", json={"script": CLOSURE})
    assert stopped.status_code == 408
    assert stopped.json()["message"].startswith(
        "the query ran past the 0.5-second time limit and was stopped"
    )
    # A join is one step for Cozo, which cannot interrupt it: not waited for past the limit.
    # (~25 million rows: a few seconds, so the engine is free again soon after the test.)
    storage.query("?[x] := x in int_range(5000) :replace numbers_x {x}")
    join = "?[count(a)] := *numbers_x{x: a}, *numbers_x{x: b}"
    abandoned = client.post("/text-query", json={"script": join})
    assert abandoned.status_code == 408
    assert "the engine cannot interrupt it" in abandoned.json()["message"]
    assert time.monotonic() - started < 10
    # Meanwhile and after, other requests are answered.
    assert client.post("/text-query", json={"script": "?[x] := x = 1"}).json()["rows"] == [[1]]
    assert client.get("/server-health-check-status").status_code == 200
    # The server's own reads are not limited: only what clients send through /text-query.
    assert storage.query_read_only(CLOSURE) == [{"count(a)": NODES * NODES}]
