"""A writer thread: batches of rows written in the background while the caller makes the next.
"""

from __future__ import annotations

import queue
import threading

from parseltongue.storage.database import CozoDbStorage

# Batches a background writer holds waiting: the writer is the slower side, so a longer queue
# only keeps more rows in memory (8 held ~35-40 MB more at the peak on the rust corpus, for
# the same wall time).
QUEUED_BATCHES = 2


class BackgroundWriter:
    """A thread that writes to the database, fed through a bounded queue (so parsing cannot
    run far ahead of writing and hold every row in memory). Each relation has one writer."""

    def __init__(self, storage: CozoDbStorage) -> None:
        self._storage = storage
        self._queue: queue.Queue[tuple[str, list] | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="parseltongue-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._storage.write_rows(*item)
                except BaseException as error:  # noqa: BLE001 - re-raised in the parent
                    self._error = error

    def submit(self, query_name: str, rows: list) -> None:
        self.raise_if_failed()
        self._queue.put((query_name, rows))

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Write what is queued and stop (the caller asks `raise_if_failed` after)."""
        self._queue.put(None)
        self._thread.join()
