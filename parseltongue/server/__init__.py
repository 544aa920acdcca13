"""The HTTP API of `parseltongue pt08`: `create_app(storage)` returns the FastAPI app."""

from parseltongue.server.app import create_app

__all__ = ["create_app"]
