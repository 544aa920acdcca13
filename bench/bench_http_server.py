"""HTTP latency through the real server: `parseltongue pt08` in its own process, over TCP.

Run: `pytest bench/bench_http_server.py -s -p no:cacheprovider`.
The issue's target: median under 10 ms per request through HTTP on the benchmark Rust corpus,
for callers, callees and fuzzy search. A client keeps one connection alive, as an agent does.
Set PARSELTONGUE_BENCH_HTTP_DB=rocksdb:PATH to serve a database ingested before (it must not
be open elsewhere: the server owns it).
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.corpora import build_corpus
from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig

STARTUP_SECONDS = 60

SAMPLED_ENTITIES = 200
SEARCH_TEXTS = ["parse", "serialize", "Deserializer", "visit_str", "procesor", "from_utf8",
                "spawn", "Regex", "to_string", "read_exact"]
TARGET_MILLISECONDS = 10.0


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Rust corpus ingested into RocksDB (closed again, for the server to own)."""
    spec = os.environ.get("PARSELTONGUE_BENCH_HTTP_DB")
    if spec is None:
        spec = f"rocksdb:{tmp_path_factory.mktemp('bench-http-server') / 'rust.db'}"
        with CodebaseStreamer(StreamerConfig(database=spec)) as streamer:
            streamer.stream_directory(Path(build_corpus("rust")))
    return spec


@pytest.fixture(scope="module")
def entity_keys(database: str) -> list[str]:
    """Every 50th entity with a dependency in or out, in key order: hubs and leaves alike."""
    with CozoDbStorage(database) as storage:
        rows = storage.query_read_only(
            "?[key] := *entity_coupling{key, total}, total > 0 :order key"
        )
    return [row["key"] for row in rows][:: max(1, len(rows) // SAMPLED_ENTITIES)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(database: str, entity_keys: list[str]) -> Iterator[str]:
    """`parseltongue pt08` on a free port. Its output goes nowhere: an unread pipe fills with
    the access log after a few hundred requests and then stalls the server."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "parseltongue.cli", "pt08", "--db", database, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            httpx.get(f"{url}/server-health-check-status", timeout=2).raise_for_status()
            break
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("pt08 did not start") from None
            time.sleep(0.2)
    yield url
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_latency_through_the_real_server(server: str, entity_keys: list[str]) -> None:
    """Median and 95th percentile per endpoint, printed (run with -s), against the target."""
    cases = {
        "callers": [("/reverse-callers-query-graph", {"entity": k}) for k in entity_keys],
        "callees": [("/forward-callees-query-graph", {"entity": k}) for k in entity_keys],
        "search": [("/code-entities-search-fuzzy", {"q": t}) for t in SEARCH_TEXTS] * 20,
    }
    medians = {}
    with httpx.Client(base_url=server, timeout=30) as client:
        for url, params in cases["search"][:10]:  # warm the connection and the caches
            client.get(url, params=params)
        for name, requests in cases.items():
            timings = []
            for url, params in requests:
                started = time.perf_counter()
                response = client.get(url, params=params)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            medians[name] = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20)[-1]
            sys.stdout.write(
                f"{name:8s} median {medians[name]:6.2f} ms  p95 {p95:6.2f} ms"
                f"  n={len(timings)}\n"
            )
    assert all(median < TARGET_MILLISECONDS for median in medians.values()), medians



def _mixed_requests(entity_keys: list[str]) -> list[tuple[str, str, dict]]:
    """(label, path, params) of what an agent asks, over the sampled entities and texts."""
    requests: list[tuple[str, str, dict]] = []
    for key, text in zip(entity_keys, SEARCH_TEXTS * len(entity_keys), strict=False):
        requests += [
            ("search", "/code-entities-search-fuzzy", {"q": text}),
            ("callers", "/reverse-callers-query-graph", {"entity": key}),
            ("callees", "/forward-callees-query-graph", {"entity": key}),
            ("blast radius", "/blast-radius-impact-analysis", {"entity": key, "hops": 2}),
            ("entity detail", "/code-entity-detail-view", {"key": key}),
            ("context", "/smart-context-token-budget", {"focus": key, "tokens": 2000}),
        ]
    requests += [("hotspots", "/complexity-hotspots-ranking-view", {})] * 20
    requests += [("statistics", "/codebase-statistics-overview-summary", {})] * 20
    return requests


def test_load_with_concurrent_clients(server: str, entity_keys: list[str]) -> None:
    """PARSELTONGUE_BENCH_LOAD_CLIENTS clients (8) asking a mix of endpoints for
    PARSELTONGUE_BENCH_LOAD_SECONDS (60), each on its own keep-alive connection: throughput,
    p50 and p99 per kind of request, and no error."""
    import random
    import threading

    clients = int(os.environ.get("PARSELTONGUE_BENCH_LOAD_CLIENTS", "8"))
    seconds = float(os.environ.get("PARSELTONGUE_BENCH_LOAD_SECONDS", "60"))
    requests = _mixed_requests(entity_keys)
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client_loop(number: int) -> None:
        order = random.Random(number)
        with httpx.Client(base_url=server, timeout=60) as client:
            while time.monotonic() < deadline:
                label, path, params = order.choice(requests)
                started = time.perf_counter()
                try:
                    status = client.get(path, params=params).status_code
                except httpx.HTTPError as error:
                    status, label = 0, f"{label} ({type(error).__name__})"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    timings.setdefault(label, []).append(elapsed)
                    if status != 200:
                        errors.append(f"{status} {path} {params}")

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    every = [value for values in timings.values() for value in values]
    lines = [f"\n{clients} clients, {wall:.0f} s, {len(every):,} requests, "
             f"{len(every) / wall:,.0f} requests/s, {len(errors)} errors, "
             f"load {os.getloadavg()[0]:.1f}",
             "| requests | count | p50 ms | p99 ms |", "|---|---|---|---|"]
    for label, values in sorted([*timings.items(), ("all", every)]):
        cut = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        lines.append(f"| {label} | {len(values):,} | {statistics.median(values):.1f} | "
                     f"{cut[98]:.1f} |")
    sys.stdout.write("\n".join(lines) + "\n")
    assert every, "no request was made"
    assert not errors, errors[:10]
