"""Peak memory of the process and, when it has parse workers, of their whole tree, sampled."""

from __future__ import annotations

import threading

import psutil

# Listing a process's descendants reads every process of the machine (~4 ms with 90 of
# them): sampled every 0.1 s that was a few percent of a core taken from ingestion, on
# two-core machines. Peaks last seconds (the resolution phase), so 0.5 s still finds them;
# the benchmarks sample more often.
SAMPLE_SECONDS = 0.5


class ProcessTreeMemorySampler:
    """Samples the resident memory of this process plus all its descendants while open.

    Workers live in a pool that outlives one task, so `getrusage(RUSAGE_CHILDREN)` (which
    counts only reaped children) would miss them; sampling sees them while they work.
    `include_children=False` counts this process alone: a run without workers then skips
    the walk over every process of the machine that listing descendants costs (~4 ms, paid
    twice by each one-file update).
    """

    def __init__(
        self, interval_seconds: float = SAMPLE_SECONDS, include_children: bool = True
    ) -> None:
        self._interval = interval_seconds
        self._include_children = include_children
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self.peak_bytes = 0

    def sample(self) -> int:
        """Resident bytes of the tree now, and update the peak."""
        total = 0
        tree = [self._process]
        if self._include_children:
            tree.extend(self._process.children(recursive=True))
        for process in tree:
            try:
                total += process.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue  # a worker that exited between listing and reading
        self.peak_bytes = max(self.peak_bytes, total)
        return total

    @property
    def measure(self) -> str:
        """What the peak is, in words a summary can print beside it."""
        # Summed RSS counts pages shared with workers once per process, so it reads higher
        # than `/usr/bin/time`'s maximum RSS of one process: say so.
        whose = "this process and its parse workers, summed" if self._include_children else (
            "this process"
        )
        return f"resident memory of {whose}, sampled every {self._interval:g} s"

    @property
    def peak_megabytes(self) -> float:
        """The peak seen so far, in MiB."""
        return self.peak_bytes / (1024 * 1024)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def __enter__(self) -> ProcessTreeMemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
