"""Where an ingestion's CPU goes, by thread: one `pt01` run in this process.

Run: `python -m bench.thread_cpu pt01 FOLDER --db rocksdb:PATH` (any `parseltongue` command
line). Prints one line: the wall time; the CPU seconds of this process and of its children
(the parse workers, from `getrusage`); of the main thread and of RocksDB's own threads (read
from `/proc/self/task/*/stat` just before the database closes); and the thread CPU spent in
each write query's `write_rows` (Cozo's conversion and `:put`, on the writer threads).

CPU seconds, not the wall, are what to compare between runs on a shared machine.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from unittest.mock import patch

from parseltongue.storage import CozoDbStorage

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu_by_name() -> dict[str, float]:
    """CPU seconds (user + system) of this process's live threads, summed by thread name."""
    seconds: dict[str, float] = defaultdict(float)
    for thread_id in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{thread_id}/comm") as comm:
                name = comm.read().strip()
            with open(f"/proc/self/task/{thread_id}/stat") as stat:
                # Fields after the command name (which may hold spaces) start at the state.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        seconds[name] += (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return dict(seconds)


def measured_run(command: Sequence[str]) -> dict[str, Any]:
    """Run a `parseltongue` command line here, with every write and the threads timed."""
    from parseltongue.cli import app

    writes: dict[str, float] = defaultdict(float)
    threads: dict[str, float] = {}
    write_rows: Callable[..., int] = CozoDbStorage.write_rows
    close: Callable[..., None] = CozoDbStorage.close

    def timed_write_rows(storage: CozoDbStorage, query_name: str, rows: Any) -> int:
        started = time.thread_time()
        try:
            return write_rows(storage, query_name, rows)
        finally:
            writes[query_name] += time.thread_time() - started

    def close_after_reading_threads(storage: CozoDbStorage) -> None:
        # RocksDB's threads end with the database: read them while it is open. The run may
        # open and close other handles too; the ingestion's is the one with most CPU.
        now = thread_cpu_by_name()
        if sum(now.values()) > sum(threads.values()):
            threads.clear()
            threads.update(now)
        close(storage)

    started = time.perf_counter()
    # Wrapped for this run only: the real methods run inside.
    with (
        patch.object(CozoDbStorage, "write_rows", timed_write_rows),
        patch.object(CozoDbStorage, "close", close_after_reading_threads),
    ):
        app(list(command), standalone_mode=False)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall": time.perf_counter() - started,
        "parent": own.ru_utime + own.ru_stime,
        "children": children.ru_utime + children.ru_stime,
        "main_thread": threads.get("python", 0.0),
        "rocksdb_threads": sum(
            seconds for name, seconds in threads.items() if name.startswith("rocksdb:")
        ),
        "writes": dict(sorted(writes.items(), key=lambda item: -item[1])),
    }


def main() -> None:
    figures = measured_run(sys.argv[1:])
    writes = figures.pop("writes")
    print(
        " ".join(f"{name} {seconds:.2f}" for name, seconds in figures.items())
        + f" all_writes {sum(writes.values()):.2f} | "
        + " ".join(f"{name} {seconds:.2f}" for name, seconds in writes.items()),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
