"""Run the app under uvicorn on a socket bound up front, so a busy port fails with one line."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import uvicorn

from parseltongue.server.app import create_app
from parseltongue.storage import CozoDbStorage

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7777


# How long a stop waits for requests in flight before cancelling them.
GRACEFUL_SHUTDOWN_SECONDS = 1


class PortUnavailableError(OSError):
    """The host and port asked for cannot be listened on."""


class StoppedWithQueriesRunning(RuntimeError):
    """The server stopped while queries still ran in the engine: Cozo 0.7 cannot interrupt
    a query inside one step (a large join), so they are abandoned to the process's exit."""


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or PortUnavailableError saying what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    # Lets a restarted server reuse a port whose old connections linger in TIME_WAIT; a port
    # another process listens on still refuses the bind.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it a keep-alive client waits 40 ms per request
    # (Nagle holds the response body until the client's delayed ACK of the headers); uvicorn
    # sets it on sockets it binds itself, not on one it is handed.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise PortUnavailableError(
            f"cannot listen on {host}:{port} ({error.strerror}); another server may hold it: "
            "give another --port"
        ) from None
    return listener


def serve_database(
    storage: CozoDbStorage,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    database_label: str | None = None,
    announce: Callable[[str], None] = print,
    watch: Path | None = None,
) -> None:
    """Serve the HTTP API over `storage` until interrupted (Ctrl-C or SIGTERM); with `watch`,
    keep the graph in step with that folder's files while serving. Requests still open a
    second after the stop are cancelled; if their queries are still running in the engine,
    StoppedWithQueriesRunning says so."""
    listener = bind_listening_socket(host, port)
    app = create_app(storage, database_label, watch)
    # Statistics and the file inventory scan whole relations: compute them before they are
    # asked for, without delaying the first answers.
    threading.Thread(target=app.state.context.warm_up, daemon=True).start()
    shown_host = f"[{host}]" if ":" in host else host
    announce(f"PARSELTONGUE_URL=http://{shown_host}:{listener.getsockname()[1]}")
    # Without a limit, a stop waits for every open request, and a request running a long
    # query kept SIGTERM and Ctrl-C waiting for as long as the query ran.
    config = uvicorn.Config(
        app, log_level="info", access_log=True,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was there before; SIGTERM's default would kill the process before the caller closes
    # the database, so both end up as a KeyboardInterrupt, caught here: a normal stop.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    quiet_cancellations = _CancelledByTheStop()
    logging.getLogger("uvicorn.error").addFilter(quiet_cancellations)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet_cancellations)
        signal.signal(signal.SIGTERM, previous)
        listener.close()
    if storage.scripts_running:
        raise StoppedWithQueriesRunning(
            f"stopped with {storage.scripts_running} query(ies) still running in the engine, "
            "which cannot interrupt them; they are abandoned, and the database reopens cleanly"
        )


class _CancelledByTheStop(logging.Filter):
    """A request cancelled because the stop's time limit ran out is expected: uvicorn would
    log its CancelledError with a full traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, asyncio.CancelledError)


def _interrupt(signal_number: int, frame: object) -> None:
    raise KeyboardInterrupt
