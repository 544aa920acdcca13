"""Parsing on a Dask cluster (`pt01 --dask ADDRESS`), through joblib's own `dask` backend.

Only the parse tasks (`ingest/workers.py`) leave this process: it still walks, writes and
resolves. By default the parent reads each file and ships its bytes with the task, so workers
need no view of the folder (`shared_filesystem` sends paths instead). Tasks go out in windows,
at most two in flight, so the parent holds a bounded number of results however large the tree
and however many workers outpace its writer. A worker that dies costs nothing: Dask runs its
tasks again elsewhere; a task Dask gives up on (its workers kept dying: `KilledWorker`) has its
files sent again one to a task, and a file that still kills its worker is recorded as failed.

`distributed` is an optional dependency (`parseltongue[dask]`), imported only here and only
when a cluster is asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import signal
import warnings
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any

from joblib import Parallel, delayed

from parseltongue._version import __version__
from parseltongue.extract import ExtractionLimits
from parseltongue.ingest.workers import (
    ChunkResult,
    failed_chunk_result,
    process_file_chunk,
    read_error,
)
from parseltongue.languages import LANGUAGES
from parseltongue.languages.roots import NO_ROOTS, PackageRoots

INSTALL_HINT = "pip install 'parseltongue[dask]'"
LOCAL_PREFIX = "local:"
# `dask scheduler` listens here when no port is given.
DEFAULT_SCHEDULER_PORT = 8786
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_PORT = re.compile(r"^[\w.-]+:\d+$")
# Windows of tasks in flight per worker thread: one running, one queued behind it.
TASKS_PER_THREAD_IN_A_WINDOW = 2

Chunk = list[tuple[str, str, str, int]]


class ClusterError(RuntimeError):
    """`--dask` could not be used; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class ClusterAddress:
    """Where to parse: a running scheduler, or a local cluster started for the run."""

    text: str
    """As the user gave it."""
    scheduler: str
    """The scheduler's address (`tcp://host:8786`); empty for a local cluster."""
    local_workers: int
    """Worker processes of the local cluster (`local:N`); 0 for a scheduler."""


def parse_cluster_address(text: str) -> ClusterAddress:
    """`local:N`, `tcp://host:port` (or another Dask scheme) or `host:port`; a ClusterError
    naming what is wrong otherwise."""
    text = text.strip()
    if text.lower().startswith(LOCAL_PREFIX):
        count = text[len(LOCAL_PREFIX):]
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(
                f"--dask {text}: local:N needs a number of worker processes, 1 or more "
                "(local:2)"
            )
        return ClusterAddress(text, "", int(count))
    if _SCHEME.match(text):
        return ClusterAddress(text, text, 0)
    if _HOST_PORT.match(text):
        return ClusterAddress(text, f"tcp://{text}", 0)
    raise ClusterError(
        f"--dask {text!r} is neither a scheduler address (tcp://host:{DEFAULT_SCHEDULER_PORT}) "
        "nor local:N (N worker processes started for the run)"
    )


def require_distributed() -> None:
    """A ClusterError saying what to install when Dask's `distributed` is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        raise ClusterError(
            f"--dask needs Dask's distributed package ({error.name or error} is not "
            f"installed): {INSTALL_HINT}"
        ) from None


def worker_identity() -> str:
    """What a worker's rows depend on: Parseltongue's version, and every language's settings
    and queries. Run on each worker; a worker that differs from the parent would write other
    rows (or none, if it cannot import Parseltongue at all)."""
    digest = hashlib.blake2b(digest_size=8)
    for spec in LANGUAGES:
        for spec_field in fields(spec):
            if spec_field.name == "folder":  # where it is installed, not what it says
                continue
            value = getattr(spec, spec_field.name)
            digest.update(repr(sorted(value) if isinstance(value, frozenset) else value).encode())
        digest.update((spec.query_text() or "").encode())
    return f"parseltongue {__version__}, languages {digest.hexdigest()}"


@contextlib.contextmanager
def _logs_silenced(*names: str) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class ParseCluster:
    """A Dask client for one ingestion: connected to a running scheduler when opened (so an
    unreachable one fails before the database is touched), or to a local cluster started on
    first use (an incremental run that parses a few files here never starts one)."""

    def __init__(self, address: ClusterAddress, connect_seconds: float = 5.0) -> None:
        self.address = address
        self._connect_seconds = connect_seconds
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> ParseCluster:
        require_distributed()
        if self.address.scheduler:
            self._connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # Stopped mid-run (Ctrl-C, an error): results still on their way fail as the workers
        # go, and Dask logs each with a traceback; the reason the run stopped is the news.
        with _logs_silenced("distributed", "tornado.application"):
            self.close()

    def client(self) -> Any:
        """The `distributed.Client`, connecting (or starting the local cluster) if needed."""
        if self._client is None:
            self._connect()
        return self._client

    def threads(self) -> int:
        """Worker threads of the cluster now: how many tasks run at once."""
        return max(1, sum(self.client().nthreads().values()))

    def describe(self) -> str:
        """The cluster in a few words, for the summary."""
        workers = self.client().nthreads()
        return (f"{self.address.text} ({len(workers)} workers, "
                f"{sum(workers.values())} threads)")

    def close(self) -> None:
        """Disconnect, and stop the local cluster's workers (a scheduler's stay up)."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def _connect(self) -> None:
        from distributed import Client, LocalCluster

        if self.address.local_workers:
            self._cluster = LocalCluster(
                n_workers=self.address.local_workers,
                # One task at a time per process: parsing holds the GIL.
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster, set_as_default=False)
            self._client.register_plugin(_quiet_workers())
            return
        scheduler = self.address.scheduler
        try:
            self._client = Client(
                scheduler, timeout=f"{self._connect_seconds}s", set_as_default=False
            )
        except OSError as error:
            # Dask's own message repeats the address and the time; another one is news.
            detail = "" if "Timed out" in str(error) else f" ({error})"
            raise ClusterError(
                f"cannot reach the Dask scheduler at {scheduler} within "
                f"{self._connect_seconds:g} s{detail}; is `dask scheduler` running there, "
                "and its port open from here?"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=self._connect_seconds)
        except TimeoutError:
            self.close()
            raise ClusterError(
                f"the Dask scheduler at {scheduler} has no workers after "
                f"{self._connect_seconds:g} s; start some with `dask worker {scheduler} "
                "--nthreads 1`"
            ) from None
        self._check_workers()

    def _check_workers(self) -> None:
        ours = worker_identity()
        try:
            theirs = self._client.run(worker_identity)
        except Exception as error:  # noqa: BLE001 - any failure means the workers cannot parse
            self.close()
            raise ClusterError(
                f"the Dask workers at {self.address.scheduler} cannot run Parseltongue "
                f"({type(error).__name__}: {error}); install {ours.split(',')[0]} where "
                "they run"
            ) from None
        different = sorted(worker for worker, identity in theirs.items() if identity != ours)
        if different:
            self.close()
            raise ClusterError(
                f"{len(different)} Dask worker(s) at {self.address.scheduler} run other "
                f"Parseltongue code than this one ({theirs[different[0]]} at {different[0]}; "
                f"here: {ours}); install the same version and PARSELTONGUE_LANGUAGES_PATH"
            )


def _quiet_workers() -> Any:
    """A plugin for the local cluster's workers (restarted ones too): they ignore SIGINT and
    log nothing, since they share pt01's terminal.

    A terminal's Ctrl-C reaches every process of its group: each worker would print a
    KeyboardInterrupt traceback, and then Dask's errors about results it could not send, while
    the parent stops the run and closes the cluster. What a user needs from a worker (a file
    it could not parse, a task lost with it) reaches the summary through the parent."""
    from distributed import WorkerPlugin

    class QuietWorkers(WorkerPlugin):  # type: ignore[misc]
        name = "parseltongue-quiet-workers"

        def setup(self, worker: Any) -> None:
            logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
            # Runs on the worker's event loop, its main thread, where handlers may be set.
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return QuietWorkers()


class ParseTaskLost(Exception):
    """Dask gave up on a parse task: the workers that ran it died (`KilledWorker`)."""

    def __init__(self, files: list[str], error: BaseException) -> None:
        super().__init__(f"{len(files)} file(s) lost with their worker: {error}")
        self.files = files
        self.attempts = int(getattr(error, "allowed_failures", 0)) + 1


def _reporting_backend(client: Any) -> Any:
    """joblib's dask backend, told to report a task that fails inside Dask.

    joblib 1.6 sets such a failure (KilledWorker, a cancelled task) on the task's future but
    never calls Parallel's completion callback, so a `generator_unordered` Parallel waits
    forever. This calls it with the error, which Parallel then raises; a lost task is raised
    as ParseTaskLost, naming its files."""
    from distributed import KilledWorker
    from joblib._dask import DaskDistributedBackend

    class ReportingDaskBackend(DaskDistributedBackend):  # type: ignore[misc]
        def submit(self, func: Any, callback: Callable[[Any], None] | None = None) -> Any:
            future = super().submit(func, callback)
            files = [collected[0] for _, args, _ in func.items for collected in args[0]]

            def report(done: Any) -> None:
                if done.cancelled():
                    return
                error = done.exception()
                if error is None or callback is None:
                    return
                callback(ParseTaskLost(files, error) if isinstance(error, KilledWorker)
                         else error)

            future.add_done_callback(report)
            return future

    return ReportingDaskBackend(client=client)


def read_for_shipping(chunk: Chunk) -> list[bytes | str]:
    """Each file's bytes, or why it could not be read (as a worker would say it)."""
    sources: list[bytes | str] = []
    for _, absolute_path, _, _ in chunk:
        try:
            with open(absolute_path, "rb") as handle:
                sources.append(handle.read())
        except OSError as error:
            sources.append(read_error(error))
    return sources


class _Window:
    """Some chunks sent at once as one joblib Parallel call, results taken as they finish."""

    def __init__(
        self,
        cluster: ParseCluster,
        chunks: list[Chunk],
        limits: ExtractionLimits,
        ship: bool,
        roots: PackageRoots = NO_ROOTS,
    ) -> None:
        self.chunks = chunks
        self._first_files = {chunk[0][0]: index for index, chunk in enumerate(chunks)}
        self.returned: set[int] = set()
        parallel = Parallel(
            backend=_reporting_backend(cluster.client()), return_as="generator_unordered",
            pre_dispatch="all", batch_size=1,
        )
        # pre_dispatch="all" submits (and so reads, when shipping) the window's files here,
        # in this thread, rather than from the callback thread as tasks finish.
        self._results: Iterator[ChunkResult] = parallel(
            delayed(process_file_chunk)(chunk, limits, False,
                                        read_for_shipping(chunk) if ship else None, roots)
            for chunk in chunks
        )

    def __iter__(self) -> Iterator[ChunkResult]:
        for result in self._results:
            self.returned.add(self._first_files[result.outcomes[0].file_path])
            yield result

    def unreturned(self, lost: ParseTaskLost | None) -> tuple[list[Chunk], Chunk]:
        """The chunks to send again, and the lost task's own files."""
        lost_files = set(lost.files) if lost else set()
        again = [chunk for index, chunk in enumerate(self.chunks)
                 if index not in self.returned and chunk[0][0] not in lost_files]
        lost_chunk = [collected for chunk in self.chunks for collected in chunk
                      if collected[0] in lost_files]
        return again, lost_chunk

    def close(self) -> None:
        """Cancel what is still out (the run stopped, or another window lost a task)."""
        close = getattr(self._results, "close", None)
        if close is not None:
            with warnings.catch_warnings():
                # joblib's note that finished results go unread: here they are meant to.
                warnings.simplefilter("ignore", UserWarning)
                close()


def parse_on_cluster(
    cluster: ParseCluster,
    chunks: list[Chunk],
    limits: ExtractionLimits,
    ship: bool,
    on_resend: Callable[[int], None] | None = None,
    roots: PackageRoots = NO_ROOTS,
) -> Generator[ChunkResult, None, None]:
    """Parse `chunks` on the cluster; each chunk's result as it finishes (a chunk lost with
    its worker comes back file by file, or as failed files). `on_resend` is told how many
    files are sent again. Closing the generator cancels the tasks still out."""
    window_size = max(2, TASKS_PER_THREAD_IN_A_WINDOW * cluster.threads())
    pending: deque[Chunk] = deque(chunks)
    live: deque[_Window] = deque()
    try:
        while pending or live:
            # The next window goes out while this one finishes: workers stay busy, and the
            # parent holds two windows' results at most.
            while len(live) < 2 and pending:
                sent = [pending.popleft() for _ in range(min(window_size, len(pending)))]
                live.append(_Window(cluster, sent, limits, ship, roots))
            current = live[0]
            lost: ParseTaskLost | None = None
            try:
                yield from current
            except ParseTaskLost as error:
                lost = error
            except (Exception, asyncio.CancelledError) as error:
                raise ClusterError(
                    f"parsing on the Dask cluster {cluster.address.text} failed: "
                    f"{type(error).__name__}: {error}"
                ) from None
            live.popleft()
            if lost is None:
                continue
            again, lost_chunk = current.unreturned(lost)
            if len(lost_chunk) == 1:
                yield failed_chunk_result(
                    lost_chunk,
                    f"its parse worker died {lost.attempts} time(s) while parsing it "
                    "(a crash in the parser, or out of memory)",
                )
            else:
                # One file a task: the file that kills its workers is then found alone.
                if on_resend:
                    on_resend(len(lost_chunk))
                again += [[collected] for collected in lost_chunk]
            pending.extendleft(reversed(again))
    finally:
        for unfinished in live:
            unfinished.close()
