"""POST /text-query: Cozo's own HTTP query protocol, read-only, for pycozo's HTTP client.

pycozo's `Client('http', options={'host': URL})` posts `{"script", "params", "immutable"}` and
reads `{"ok": true, "headers", "rows"}` or `{"ok": false, "message", "display"}`, so this route
answers in Cozo's shape, not the envelope.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from parseltongue.script_guard import (
    MAX_SCRIPT_CHARACTERS,
    query_error_message,
    refusal_message,
    refused_operation,
)
from parseltongue.server.context import server_context
from parseltongue.storage import CozoQueryError, QueryTimeLimitError, StorageError

router = APIRouter(tags=["Query"])

# Past the time limit, the engine has this long to stop a query before the answer is sent.
ABANDON_AFTER_LIMIT_SECONDS = 1.0


def _failure(message: str, display: str = "", status_code: int = 400) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "message": message, "display": display or message},
        status_code=status_code,
    )


def _parse_request(body: bytes) -> tuple[str, dict[str, Any]] | JSONResponse:
    try:
        payload = json.loads(body or b"null")
    except ValueError as error:
        return _failure(f'the body is not JSON: {error}; send {{"script": ..., "params": {{}}}}')
    if not isinstance(payload, dict) or not isinstance(payload.get("script"), str):
        return _failure('send a JSON object with a "script" string (and optional "params")')
    params = payload.get("params") or {}
    if not isinstance(params, dict):
        return _failure('"params" must be a JSON object of named parameters')
    script = payload["script"]
    if len(script) > MAX_SCRIPT_CHARACTERS:
        return _failure(f"the script is over {MAX_SCRIPT_CHARACTERS:,} characters")
    refused = refused_operation(script)
    if refused:
        return _failure(refusal_message(refused))
    return script, params


@router.post(
    "/text-query",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "required": ["script"],
        "properties": {"script": {"type": "string"}, "params": {"type": "object"},
                       "immutable": {"type": "boolean"}}}}}}},
)
async def text_query(request: Request) -> Any:
    """Run a Datalog script read-only (whatever `immutable` says) in Cozo's HTTP protocol.

    Body `{"script": "?[k] := *code_entities{key: k} :limit 3", "params": {}}`; answer
    `{"ok": true, "headers": [...], "rows": [...], "took": seconds}` or `{"ok": false, ...}`.
    """
    # The raw body, parsed here: a malformed one gets Cozo's error shape, not the envelope.
    parsed = _parse_request(await request.body())
    if isinstance(parsed, JSONResponse):
        return parsed
    script, params = parsed
    context = server_context(request)
    limit = context.storage.query_time_limit
    try:
        # Off the event loop: Cozo releases the GIL, so other requests go on meanwhile.
        # The engine stops a query past the limit between steps; a join it cannot interrupt
        # is not waited for past the limit (and a little): it finishes unread.
        result = await asyncio.wait_for(
            run_in_threadpool(
                partial(context.codebase.query, script, params, time_limited=True)
            ),
            None if limit is None else limit + ABANDON_AFTER_LIMIT_SECONDS,
        )
    except QueryTimeLimitError as error:
        return _failure(error.message, status_code=408)
    except TimeoutError:
        return _failure(
            f"the query ran past the {limit:g}-second time limit; the engine cannot interrupt "
            "it (one large join), so it finishes unread (--query-timeout sets the limit)",
            status_code=408,
        )
    except CozoQueryError as error:
        return _failure(query_error_message(error), error.display)
    except StorageError as error:
        return _failure(str(error), status_code=500)
    return {"ok": True, "headers": result.headers, "rows": result.rows,
            "took": round(result.milliseconds / 1000, 6)}
