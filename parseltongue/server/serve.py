"""Run the app under uvicorn on a socket bound up front, so a busy port fails with one line."""

from __future__ import annotations

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


class PortUnavailableError(OSError):
    """The host and port asked for cannot be listened on."""


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
    keep the graph in step with that folder's files while serving."""
    listener = bind_listening_socket(host, port)
    app = create_app(storage, database_label, watch)
    # Statistics and the file inventory scan whole relations: compute them before they are
    # asked for, without delaying the first answers.
    threading.Thread(target=app.state.context.warm_up, daemon=True).start()
    shown_host = f"[{host}]" if ":" in host else host
    announce(f"PARSELTONGUE_URL=http://{shown_host}:{listener.getsockname()[1]}")
    config = uvicorn.Config(app, log_level="info", access_log=True)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was there before; SIGTERM's default would kill the process before the caller closes
    # the database, so both end up as a KeyboardInterrupt, caught here: a normal stop.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        uvicorn.Server(config).run(sockets=[listener])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        listener.close()


def _interrupt(signal_number: int, frame: object) -> None:
    raise KeyboardInterrupt
