"""The one response shape of every endpoint, and the errors that travel in it.

Success: `{"success": true, "endpoint": "/path", "data": {...}, "tokens": N}`.
Failure: `{"success": false, "endpoint": "/path", "error": "what was wrong", "data": {...},
"tokens": N}` with status 400 (bad parameter), 404 (unknown entity or route), 405 or 500.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from parseltongue import tokens
from parseltongue.storage import CozoQueryError, QueryTimeLimitError, StorageError


class ApiError(Exception):
    """An answer that is not a success: its HTTP status, a message a user can act on, details."""

    def __init__(self, status_code: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.details = details


def bad_parameter(parameter: str, message: str, **details: Any) -> ApiError:
    """A 400 naming the parameter that was wrong."""
    return ApiError(400, f"parameter {parameter!r}: {message}", parameter=parameter, **details)


def estimate_tokens(data: Any) -> int:
    """How many LLM tokens `data` takes as compact JSON, about: characters / 4, rounded up."""
    return tokens.estimate_tokens(tokens.compact_json(data))


def envelope(endpoint: str, data: Any) -> dict[str, Any]:
    """The success envelope around `data`."""
    return {"success": True, "endpoint": endpoint, "data": data, "tokens": estimate_tokens(data)}


def enveloped(
    router: APIRouter, path: str, *, method: str = "GET", **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers at `path` (GET unless `method` says) a handler that returns only its data:
    the answer is the success envelope around it, naming the endpoint by `path` without its
    path parameters. `options` are the router's (tags, ...)."""
    endpoint = path.split("/{")[0]

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def answer(*args: Any, **kwargs: Any) -> dict[str, Any]:
            return envelope(endpoint, handler(*args, **kwargs))

        @functools.wraps(handler)
        async def answer_awaited(*args: Any, **kwargs: Any) -> dict[str, Any]:
            return envelope(endpoint, await handler(*args, **kwargs))

        registered: Callable[..., Any] = (
            answer_awaited if inspect.iscoroutinefunction(handler) else answer
        )
        router.api_route(path, methods=[method], **options)(registered)
        return registered

    return register


def error_response(request: Request, error: ApiError) -> JSONResponse:
    """The failure envelope for `error`."""
    data = {"status": error.status_code, **error.details}
    body = {
        "success": False,
        "endpoint": request.url.path,
        "error": error.message,
        "data": data,
        "tokens": estimate_tokens({"error": error.message, **data}),
    }
    return JSONResponse(body, status_code=error.status_code)


def _validation_message(error: dict[str, Any]) -> tuple[str, str]:
    location = [str(part) for part in error.get("loc", ())]
    # The first part says where the parameter was (query, path); a parameter may be *named*
    # `path` too (/incremental-reindex-file-update), so only that first part is dropped.
    if location and location[0] in ("query", "path", "body", "header"):
        location = location[1:]
    parameter = location[-1] if location else "request"
    given = error.get("input")
    shown = "missing" if error.get("type") == "missing" else f"got {given!r}"
    return parameter, f"{error.get('msg', 'invalid value')} ({shown})"


async def handle_api_error(request: Request, error: Exception) -> JSONResponse:
    """ApiError -> its envelope."""
    assert isinstance(error, ApiError)
    return error_response(request, error)


async def handle_validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 for a missing or malformed parameter -> our 400 envelope, naming it."""
    assert isinstance(error, RequestValidationError)
    problems = [_validation_message(dict(problem)) for problem in error.errors()]
    parameter, message = problems[0]
    api_error = bad_parameter(
        parameter, message, problems=[f"{name}: {text}" for name, text in problems]
    )
    return error_response(request, api_error)


async def handle_http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's 404 (no such route) and 405 (wrong method) -> the envelope."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        message = (
            f"no endpoint {request.url.path!r}; the endpoints are listed at "
            "/api-reference-documentation-help"
        )
    elif error.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path!r}"
    else:
        message = str(error.detail)
    return error_response(request, ApiError(error.status_code, message))


async def handle_storage_error(request: Request, error: Exception) -> JSONResponse:
    """A query the database refused: a 500 in the envelope, with Cozo's message; a query
    stopped by the time limit: a 408 naming the limit."""
    if isinstance(error, QueryTimeLimitError):
        return error_response(request, ApiError(408, error.message, limit_seconds=error.seconds))
    message = error.message if isinstance(error, CozoQueryError) else str(error)
    return error_response(request, ApiError(500, f"database query failed: {message}"))


async def handle_unexpected_error(request: Request, error: Exception) -> JSONResponse:
    """Anything else: a 500 in the envelope, naming the error (the traceback goes to the log)."""
    message = f"internal error: {type(error).__name__}: {error}"
    return error_response(request, ApiError(500, message))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Exception: handle_unexpected_error,
    ApiError: handle_api_error,
    RequestValidationError: handle_validation_error,
    StarletteHTTPException: handle_http_error,
    StorageError: handle_storage_error,
}
