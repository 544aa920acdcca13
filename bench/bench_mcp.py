"""`parseltongue mcp` on the Rust corpus, through the MCP SDK's own client over stdio: tool-call
latency end to end, and the size in tokens of every tool's default answer on a hub entity.

Run: `pytest bench/bench_mcp.py -s --benchmark-columns=median,mean,rounds`.
Targets (issue 21): callers, callees and search_entities at most 10 ms median per call, and
every default answer at most 4,000 tokens. Tokens are counted as parseltongue/tokens.py does:
the answer's characters / 4, rounded up (no tokenizer is installed offline; four characters a
token is what LLM tokenizers average on code and JSON).
The corpus is ingested once into a temporary RocksDB database (about 20 s on 2 cores); set
PARSELTONGUE_BENCH_MCP_DB=rocksdb:PATH to reuse one. The server process holds the database, so
the sampled keys are read before it starts.
"""

from __future__ import annotations

import itertools
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.corpora import build_corpus, corpus_root, is_built
from bench.mcp_client import McpSession, stdio_session
from parseltongue import CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.tokens import estimate_tokens

SAMPLED_ENTITIES = 200
SEARCH_TEXTS = ["parse", "serialize", "Deserializer", "visit_str", "procesor", "from_utf8",
                "spawn", "Regex", "to_string", "read_exact"]
TARGET_MILLISECONDS = 10.0
TARGET_TOKENS = 4000


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    spec = os.environ.get("PARSELTONGUE_BENCH_MCP_DB")
    if spec is None:
        if not is_built("rust"):
            build_corpus("rust")
        spec = f"rocksdb:{tmp_path_factory.mktemp('bench-mcp') / 'rust.db'}"
        with CodebaseStreamer(StreamerConfig(database=spec)) as streamer:
            streamer.stream_directory(Path(corpus_root("rust")))
    return spec


@pytest.fixture(scope="module")
def samples(database: str) -> dict[str, Any]:
    """Every 50th entity with a dependency in or out (hubs and leaves alike), as
    bench_http.py samples them, and the hub: the entity with the most callers."""
    with CozoDbStorage(database) as storage:
        keys = [row["key"] for row in storage.query_read_only(
            "?[key] := *entity_coupling{key, total}, total > 0 :order key")]
        [hub] = storage.query_read_only(
            "?[key, name, file_path, inbound] := *entity_coupling{key, inbound, file_path},"
            " *code_entities{key, name} :order -inbound, key :limit 1")
    return {"keys": keys[::50][:SAMPLED_ENTITIES], "hub": hub}


@pytest.fixture(scope="module")
def mcp(database: str, samples: dict[str, Any]) -> Iterator[McpSession]:
    with stdio_session("--db", database) as session:
        yield session


def _cycle(mcp: McpSession, calls: list[tuple[str, dict[str, Any]]]) -> Callable[[], None]:
    pending = itertools.cycle(calls)

    def one_call() -> None:
        name, arguments = next(pending)
        failed, text = mcp.raw(name, arguments)
        assert not failed, text

    return one_call


def _calls(samples: dict[str, Any]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    return {
        "callers": [("callers", {"key": key}) for key in samples["keys"]],
        "callees": [("callees", {"key": key}) for key in samples["keys"]],
        "search_entities": [("search_entities", {"query": text}) for text in SEARCH_TEXTS] * 20,
    }


@pytest.mark.parametrize("tool", ["callers", "callees", "search_entities"])
def test_tool_call(benchmark, mcp: McpSession, samples: dict[str, Any], tool: str) -> None:
    calls = _calls(samples)[tool]
    benchmark.pedantic(_cycle(mcp, calls), rounds=len(calls), warmup_rounds=20)


def test_latency_report(mcp: McpSession, samples: dict[str, Any]) -> None:
    """Median and 95th percentile per tool through stdio, printed (-s), against the target."""
    medians = {}
    for name, calls in _calls(samples).items():
        call = _cycle(mcp, calls)
        for _ in range(20):
            call()
        timings = []
        for _ in calls:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        medians[name] = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{name:16s} median {medians[name]:6.2f} ms  p95 {p95:6.2f} ms  n={len(timings)}")
    assert all(median <= TARGET_MILLISECONDS for median in medians.values()), medians


def test_default_answers_on_the_hub_fit_the_token_target(
    mcp: McpSession, samples: dict[str, Any]
) -> None:
    """Every tool asked with its defaults about the hub (or the whole codebase) answers in at
    most 4,000 tokens; run_datalog and run_named_query asked for every row are cut to fit."""
    hub = samples["hub"]
    key = hub["key"]
    asked = {
        "search_entities": {"query": hub["name"]},
        "entity": {"key": key},
        "callers": {"key": key},
        "callees": {"key": key},
        "blast_radius": {"key": key},
        "file_entities": {"path": hub["file_path"]},
        "context_pack": {"key": key},
        "hotspots": {},
        "cycles": {},
        "dead_code": {},
        "stats": {},
        "run_datalog": {"query": "?[key, code] := *code_entities{key, code}"},
        "run_named_query": {"name": "unresolved_references", "params": {"limit": 5000}},
    }
    assert sorted(asked) == sorted(mcp.tool_names())
    sizes = {}
    print(f"\nhub: {key} ({hub['inbound']} entities depend on it)")
    for tool, arguments in asked.items():
        started = time.perf_counter()
        failed, text = mcp.raw(tool, arguments)
        milliseconds = (time.perf_counter() - started) * 1000
        assert not failed, (tool, text[:300])
        sizes[tool] = estimate_tokens(text)
        print(f"{tool:16s} {sizes[tool]:>6,} tokens  {len(text):>7,} characters  "
              f"{milliseconds:8.1f} ms")
    oversized = {tool: size for tool, size in sizes.items() if size > TARGET_TOKENS}
    assert not oversized, oversized
