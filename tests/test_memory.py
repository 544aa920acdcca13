"""The memory sampler counts a child's resident memory only when asked to."""

from __future__ import annotations

import mmap
import subprocess
import sys
import time

import psutil

from parseltongue.ingest.memory import ProcessTreeMemorySampler

CHILD_MEGABYTES = 200


def test_a_child_counts_in_the_tree_and_not_in_the_process_alone() -> None:
    # The child writes every byte it allocates, so its resident set really holds them.
    with subprocess.Popen(
        [sys.executable, "-c",
         f"import sys, time; b = b'x' * ({CHILD_MEGABYTES} << 20); "
         "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
            child_bytes = psutil.Process(holder.pid).memory_info().rss
            assert child_bytes > CHILD_MEGABYTES << 20
            alone = ProcessTreeMemorySampler(include_children=False).sample()
            tree = ProcessTreeMemorySampler().sample()
            own = psutil.Process().memory_info().rss
            # Both include this process; only the tree includes the child.
            assert tree - alone > 0.9 * child_bytes
            assert abs(alone - own) < 0.5 * child_bytes
        finally:
            holder.kill()  # else leaving the block waits out its sleep


def test_the_peak_outlives_the_memory_it_saw() -> None:
    block_bytes = 128 << 20
    # A mapping of its own, not a bytes object: malloc may serve a large block from memory
    # the process already holds (a test worker that ran ingestions has plenty), and keep it
    # after `del`, so the resident size need not move at all. Unmapped on leaving the block,
    # its pages go back to the system at once.
    with (
        ProcessTreeMemorySampler(interval_seconds=0.01, include_children=False) as sampler,
        mmap.mmap(-1, block_bytes) as block,
    ):
        page_run = b"x" * (1 << 20)
        for _ in range(block_bytes // len(page_run)):
            block.write(page_run)  # every page written, so every page resident
        time.sleep(0.05)
    after = sampler.sample()
    assert sampler.peak_bytes - after > 0.75 * block_bytes
    assert sampler.peak_megabytes == sampler.peak_bytes / (1024 * 1024)
