"""The page of every edge (`Codebase.edges_page`, /dependency-edges-list-all): median wall and
process CPU milliseconds of 30 reads of 100 rows, for each edge type and offset, on an
ingested database. Run it with each tree first on PYTHONPATH to compare two commits; a tree
whose Codebase has no `edges_page` runs the named query its route ran.

    PYTHONPATH=TREE python bench/edge_page_latency.py rocksdb:PATH
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

from parseltongue import Codebase

EDGE_TYPES = ("", "contains", "calls")
OFFSETS = (0, 10_000, 90_000)
ROUNDS = 30


def page_latency(database: str) -> dict[str, Any]:
    """`{"TYPE@OFFSET": [wall ms, CPU ms, rows]}`, medians of ROUNDS reads after one warm-up."""
    figures: dict[str, Any] = {}
    with Codebase.open(database) as codebase:
        page = getattr(codebase, "edges_page", None)

        def read(edge_type: str, offset: int) -> list[Any]:
            if page is not None:
                return list(page(edge_type=edge_type, limit=100, offset=offset))
            return codebase.named(
                "edges_page", edge_type=edge_type, prefix="", limit=100, offset=offset
            )

        for edge_type in EDGE_TYPES:
            for offset in OFFSETS:
                rows = read(edge_type, offset)
                wall, cpu = [], []
                for _ in range(ROUNDS):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    read(edge_type, offset)
                    wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                figures[f"{edge_type or 'all'}@{offset}"] = [
                    round(statistics.median(wall), 1), round(statistics.median(cpu), 1),
                    len(rows),
                ]
    return figures


if __name__ == "__main__":
    print(json.dumps(page_latency(sys.argv[1])))
