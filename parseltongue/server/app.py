"""The FastAPI app of `parseltongue pt08`: one envelope, one router per endpoint family."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from parseltongue import __version__
from parseltongue.server import (
    routes_analytics,
    routes_core,
    routes_coverage,
    routes_entities,
    routes_graph,
    routes_text_query,
)
from parseltongue.server.context import ServerContext
from parseltongue.server.envelope import EXCEPTION_HANDLERS
from parseltongue.server.params import reject_unknown_parameters
from parseltongue.storage import CozoDbStorage

ROUTERS = (
    routes_core.router,
    routes_entities.router,
    routes_graph.router,
    routes_analytics.router,
    routes_coverage.router,
    routes_text_query.router,
)


def create_app(storage: CozoDbStorage, database_label: str | None = None) -> FastAPI:
    """The HTTP API over an open database; the caller keeps owning (and closes) `storage`.

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
    )
    app.state.context = ServerContext(storage, database_label or str(storage.specification))
    for router in ROUTERS:
        app.include_router(router)
    return app
