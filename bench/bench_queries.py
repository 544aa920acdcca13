"""Median latency of the agent-facing queries on the ingested corpus (the Rust one by default).

Run after bench_ingestion.py in the same session to reuse its T3 database, or alone (it then
ingests the corpus once; `PARSELTONGUE_BENCH_DB=rocksdb:PATH` reuses a database ingested
before). Each query runs on two entities picked from the graph itself: the most called (or
calling) function, the worst case, and one of median degree, the usual case.
Targets (median): callers and callees <= 5 ms, 3-hop blast radius <= 20 ms, fuzzy search
<= 10 ms, hotspots <= 100 ms, the first page of every edge (/dependency-edges-list-all)
<= 10 ms. Times include pycozo's round trip, as a Python caller sees it.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.ingestion_runs import bench_jobs, run_in_subprocess
from parseltongue import Codebase, CozoDbStorage

TARGET_MS = {
    "reverse_callers": 5.0,
    "forward_callees": 5.0,
    "blast_radius": 20.0,
    "search_entities": 10.0,
    "hotspots": 100.0,
    "edges_page": 10.0,
}
FUNCTION_TYPES = ("fn", "method")
ROUNDS = 30


@pytest.fixture(scope="module")
def query_storage(
    bench_results: dict[str, Any], corpus_root: Path, bench_workspace: Path
) -> Iterator[CozoDbStorage]:
    """The ingested corpus: this session's T3 database, a given one, or a new ingestion."""
    database = os.environ.get("PARSELTONGUE_BENCH_DB") or bench_results.get("reference_database")
    if not database:
        database = f"rocksdb:{bench_workspace / 'queries.db'}"
        run_in_subprocess("t3", corpus_root, bench_jobs(), database)
    with CozoDbStorage(database) as storage:
        yield storage


@pytest.fixture(scope="module")
def picked_entities(query_storage: CozoDbStorage) -> dict[str, str]:
    """Functions by degree: the most and a median called / calling one (from entity_coupling)."""
    rows = [
        row
        for row in query_storage.run_named("rows_entity_coupling")
        if row["key"].split(":")[1] in FUNCTION_TYPES
    ]
    picked = {}
    for direction in ("inbound", "outbound"):
        ranked = sorted(
            (row for row in rows if row[direction] > 0),
            key=lambda row: (row[direction], row["key"]),
        )
        picked[f"most_{direction}"] = ranked[-1]["key"]
        picked[f"median_{direction}"] = ranked[len(ranked) // 2]["key"]
    return picked


def _measure(
    benchmark: Any,
    bench_results: dict[str, Any],
    label: str,
    storage: CozoDbStorage,
    query_name: str,
    on: str,
    **params: Any,
) -> None:
    """Time a named query over ROUNDS runs; record its median against the target."""
    rows: list[Any] = []

    def run() -> None:
        if query_name == "edges_page":  # a facade method: two reads merged (edge_pages.py)
            rows[:] = Codebase(storage).edges_page(**params)
        else:
            rows[:] = storage.run_named(query_name, **params)

    benchmark.pedantic(run, rounds=ROUNDS, warmup_rounds=2, iterations=1)
    timings = sorted(benchmark.stats.stats.data)
    median_ms = statistics.median(timings) * 1000
    result = {
        "query": query_name,
        "on": on,
        "rows": len(rows),
        "median_ms": round(median_ms, 3),
        "p90_ms": round(timings[int(len(timings) * 0.9) - 1] * 1000, 3),
        "rounds": len(timings),
        "target_ms": TARGET_MS[query_name],
        "met": median_ms <= TARGET_MS[query_name],
    }
    benchmark.extra_info.update(result)
    bench_results["queries"][label] = result


# label -> (named query, entity picked from the graph or None, the query's other parameters)
QUERY_CASES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "callers (most called)": ("reverse_callers", "most_inbound", {}),
    "callers (median)": ("reverse_callers", "median_inbound", {}),
    "callees (most calling)": ("forward_callees", "most_outbound", {}),
    "callees (median)": ("forward_callees", "median_outbound", {}),
    "blast radius 3 hops (most called)": ("blast_radius", "most_inbound", {"hops": 3}),
    "blast radius 3 hops (median)": ("blast_radius", "median_inbound", {"hops": 3}),
    "search 'parse'": ("search_entities", None, {"query": "parse"}),
    "search 'deserialze' (typo)": ("search_entities", None, {"query": "deserialze"}),
    "hotspots (top 20)": ("hotspots", None, {}),
    "edges page (first 100)": ("edges_page", None, {"limit": 100}),
}


def _measure_case(
    label: str, benchmark: Any, bench_results: dict[str, Any], storage: CozoDbStorage,
    picked_entities: dict[str, str],
) -> None:
    query_name, picked, params = QUERY_CASES[label]
    entity = {"entity": picked_entities[picked]} if picked else {}
    on = entity.get("entity") or params.get("query", "")
    _measure(benchmark, bench_results, label, storage, query_name, on, **entity, **params)


# One function per case, not a parametrised one: bench/conftest.py collects the PRD-style
# `benchmark_*` names itself, without pytest's parametrisation.
def benchmark_query_reverse_callers_most_called(benchmark, bench_results, query_storage,
                                                picked_entities) -> None:
    _measure_case("callers (most called)", benchmark, bench_results, query_storage,
                  picked_entities)


def benchmark_query_reverse_callers_median(benchmark, bench_results, query_storage,
                                           picked_entities) -> None:
    _measure_case("callers (median)", benchmark, bench_results, query_storage, picked_entities)


def benchmark_query_forward_callees_most_calling(benchmark, bench_results, query_storage,
                                                 picked_entities) -> None:
    _measure_case("callees (most calling)", benchmark, bench_results, query_storage,
                  picked_entities)


def benchmark_query_forward_callees_median(benchmark, bench_results, query_storage,
                                           picked_entities) -> None:
    _measure_case("callees (median)", benchmark, bench_results, query_storage, picked_entities)


def benchmark_query_blast_radius_most_called(benchmark, bench_results, query_storage,
                                             picked_entities) -> None:
    _measure_case("blast radius 3 hops (most called)", benchmark, bench_results, query_storage,
                  picked_entities)


def benchmark_query_blast_radius_median(benchmark, bench_results, query_storage,
                                        picked_entities) -> None:
    _measure_case("blast radius 3 hops (median)", benchmark, bench_results, query_storage,
                  picked_entities)


def benchmark_query_search_prefix(benchmark, bench_results, query_storage) -> None:
    _measure_case("search 'parse'", benchmark, bench_results, query_storage, {})


def benchmark_query_search_typo(benchmark, bench_results, query_storage) -> None:
    _measure_case("search 'deserialze' (typo)", benchmark, bench_results, query_storage, {})


def benchmark_query_hotspots(benchmark, bench_results, query_storage) -> None:
    _measure_case("hotspots (top 20)", benchmark, bench_results, query_storage, {})


def benchmark_query_edges_page_first(benchmark, bench_results, query_storage) -> None:
    _measure_case("edges page (first 100)", benchmark, bench_results, query_storage, {})
