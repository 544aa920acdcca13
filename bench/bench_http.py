"""HTTP latency of the agent-facing lookups (callers, callees, search) on the Rust corpus.

Run: `pytest bench/bench_http.py --benchmark-columns=median,mean,rounds`.
The issue's target: median under 10 ms per request through HTTP on the benchmark Rust corpus.
The corpus is ingested once into a temporary RocksDB database (about two minutes on 2 cores);
set PARSELTONGUE_BENCH_HTTP_DB=rocksdb:PATH to reuse a database ingested before.
Requests go through FastAPI's TestClient: the whole app (routing, validation, Cozo, JSON),
without the network stack.
"""

from __future__ import annotations

import itertools
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.corpora import build_corpus, corpus_root, is_built
from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.server import create_app

SAMPLED_ENTITIES = 200
SEARCH_TEXTS = ["parse", "serialize", "Deserializer", "visit_str", "procesor", "from_utf8",
                "spawn", "Regex", "to_string", "read_exact"]
TARGET_MILLISECONDS = 10.0


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CozoDbStorage]:
    spec = os.environ.get("PARSELTONGUE_BENCH_HTTP_DB")
    if spec is None:
        if not is_built("rust"):
            build_corpus("rust")
        spec = f"rocksdb:{tmp_path_factory.mktemp('bench-http') / 'rust.db'}"
        config = StreamerConfig(database=spec)
        with CodebaseStreamer(config) as streamer:
            streamer.stream_directory(Path(corpus_root("rust")))
    with CozoDbStorage(spec) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(storage: CozoDbStorage) -> Iterator[TestClient]:
    # Entered once: a TestClient used outside `with` starts an event-loop thread per request.
    with TestClient(create_app(storage)) as entered:
        yield entered


@pytest.fixture(scope="module")
def entity_keys(storage: CozoDbStorage) -> list[str]:
    """Every 50th entity with a dependency in or out, in key order: hubs and leaves alike."""
    rows = storage.query_read_only(
        "?[key] := *entity_coupling{key, total}, total > 0 :order key"
    )
    return [row["key"] for row in rows[::50]][:SAMPLED_ENTITIES]


def _cycle(client: TestClient, urls: list[tuple[str, dict]]) -> Callable[[], None]:
    requests = itertools.cycle(urls)

    def one_request() -> None:
        url, params = next(requests)
        response = client.get(url, params=params)
        assert response.status_code == 200

    return one_request


def test_reverse_callers(benchmark, client: TestClient, entity_keys: list[str]) -> None:
    urls = [("/reverse-callers-query-graph", {"entity": key}) for key in entity_keys]
    benchmark.pedantic(_cycle(client, urls), rounds=len(urls), warmup_rounds=20)


def test_forward_callees(benchmark, client: TestClient, entity_keys: list[str]) -> None:
    urls = [("/forward-callees-query-graph", {"entity": key}) for key in entity_keys]
    benchmark.pedantic(_cycle(client, urls), rounds=len(urls), warmup_rounds=20)


def test_fuzzy_search(benchmark, client: TestClient) -> None:
    urls = [("/code-entities-search-fuzzy", {"q": text}) for text in SEARCH_TEXTS] * 20
    benchmark.pedantic(_cycle(client, urls), rounds=len(urls), warmup_rounds=10)


def test_latency_report(client: TestClient, entity_keys: list[str]) -> None:
    """Median and 95th percentile per endpoint, printed (run with -s), against the target."""
    cases = {
        "callers": [("/reverse-callers-query-graph", {"entity": k}) for k in entity_keys],
        "callees": [("/forward-callees-query-graph", {"entity": k}) for k in entity_keys],
        "search": [("/code-entities-search-fuzzy", {"q": t}) for t in SEARCH_TEXTS] * 20,
    }
    medians = {}
    for name, urls in cases.items():
        timings = []
        for url, params in urls:
            started = time.perf_counter()
            client.get(url, params=params)
            timings.append((time.perf_counter() - started) * 1000)
        medians[name] = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{name:8s} median {medians[name]:6.2f} ms  p95 {p95:6.2f} ms  n={len(timings)}")
    assert all(median < TARGET_MILLISECONDS for median in medians.values()), medians


MAX_DEFAULT_ANSWER_BYTES = 50_000


def test_every_default_answer_is_bounded(client: TestClient, entity_keys: list[str]) -> None:
    """Every GET endpoint asked with its defaults (required parameters filled with a sampled
    entity or a search text) answers in at most 50 KB: what an agent can read whole."""
    listing = client.get("/api-reference-documentation-help").json()["data"]
    sizes = {}
    for category in listing["categories"]:
        for endpoint in category["endpoints"]:
            if endpoint["method"] != "GET" or "{" in endpoint["path"]:
                continue
            if endpoint["path"] == "/change-impact-analysis":
                # Needs the served folder to be a git work tree (the corpus is none); its
                # lists are cut at `limit` (tests/test_change_impact.py).
                continue
            params = {
                parameter["name"]: entity_keys[0] if parameter["name"] in ("entity", "focus", "key")
                else SEARCH_TEXTS[0]
                for parameter in endpoint["parameters"] if parameter["required"]
            }
            response = client.get(endpoint["path"], params=params)
            assert response.status_code == 200, (endpoint["path"], response.text[:300])
            sizes[endpoint["path"]] = len(response.content)
    print("\n".join(f"{size:>9,} B  {path}" for path, size in sorted(
        sizes.items(), key=lambda item: -item[1])))
    assert len(sizes) > 15
    oversized = {path: size for path, size in sizes.items() if size > MAX_DEFAULT_ANSWER_BYTES}
    assert not oversized, oversized
