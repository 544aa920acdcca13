"""The FastAPI app of `parseltongue pt08`: one envelope, one router per endpoint family."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI

from parseltongue import __version__
from parseltongue.server import (
    routes_analytics,
    routes_changes,
    routes_core,
    routes_coverage,
    routes_entities,
    routes_graph,
    routes_text_query,
    routes_updates,
)
from parseltongue.server.context import ServerContext
from parseltongue.server.envelope import EXCEPTION_HANDLERS
from parseltongue.server.params import reject_unknown_parameters
from parseltongue.server.updates import FileWatcher, GraphUpdater
from parseltongue.storage import CozoDbStorage

ROUTERS = (
    routes_core.router,
    routes_entities.router,
    routes_graph.router,
    routes_analytics.router,
    routes_coverage.router,
    routes_text_query.router,
    routes_updates.router,
    routes_changes.router,
)


def create_app(
    storage: CozoDbStorage, database_label: str | None = None, watch: Path | None = None
) -> FastAPI:
    """The HTTP API over an open database; the caller keeps owning (and closes) `storage`.

    With `watch`, a file watcher keeps the graph in step with that folder while the app runs
    (started and stopped with the app's lifespan: under uvicorn, or a TestClient used in
    `with`).

    Example:
        with CozoDbStorage("rocksdb:analysis.db") as storage:
            uvicorn.run(create_app(storage), port=7777)
    """
    app = FastAPI(
        title="Parseltongue code graph API",
        version=__version__,
        description="The Rust Parseltongue's endpoints over a Cozo code graph. Every answer is "
        '`{"success", "endpoint", "data", "tokens"}`; lists are bounded and say when cut.',
        dependencies=[Depends(reject_unknown_parameters)],
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=_lifespan,
    )
    context = ServerContext(storage, database_label or str(storage.specification))
    context.updater = GraphUpdater(context.codebase, context.cache)
    if watch is not None:
        context.watcher = FileWatcher(context.updater, watch)
    app.state.context = context
    for router in ROUTERS:
        app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the watcher, if any, while the app serves; stop it before the database closes."""
    watcher = app.state.context.watcher
    if watcher is not None:
        watcher.start()
    try:
        yield
    finally:
        if watcher is not None:
            watcher.stop()
