"""POST /text-query: Cozo's own HTTP query protocol, read-only, for pycozo's HTTP client.

pycozo's `Client('http', options={'host': URL})` posts `{"script", "params", "immutable"}` and
reads `{"ok": true, "headers", "rows"}` or `{"ok": false, "message", "display"}`, so this route
answers in Cozo's shape, not the envelope.
"""

from __future__ import annotations

import asyncio
import json
import re
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from parseltongue.server.context import server_context
from parseltongue.storage import CozoQueryError, QueryTimeLimitError, StorageError

router = APIRouter(tags=["Query"])

# Read-only mode stops writes, but not these: the readers open files and URLs on the server's
# machine, and ::kill stops other clients' queries.
# Cozo reads `::kill` with whitespace or comments between the colons and the word (`:: kill`,
# `::\tkill`, `::#x\nkill`), so the guard skips them too rather than match one spelling.
_GAP = r"(?:\s|#[^\n]*(?:\n|$)|//[^\n]*(?:\n|$)|/\*.*?\*/)*"
_REFUSED_IN_SCRIPTS = re.compile(
    rf"\b(?P<reader>CsvReader|JsonReader)\b|(?P<kill>::{_GAP}kill)\b", re.DOTALL
)
MAX_SCRIPT_CHARACTERS = 1_000_000
# Past the time limit, the engine has this long to stop a query before the answer is sent.
ABANDON_AFTER_LIMIT_SECONDS = 1.0
READ_ONLY_MESSAGE = (
    "refused: this server is read-only, so scripts that write (:put, :rm, :create, ::remove, "
    "...) are refused and nothing was written"
)


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
    refused = _REFUSED_IN_SCRIPTS.search(script)
    if refused:
        operation = refused.group("reader") or "::kill"
        return _failure(f"refused: {operation} is not allowed through this server")
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
        refused_write = "read-only" in error.message or "write lock" in error.message
        message = f"{READ_ONLY_MESSAGE} ({error.message})" if refused_write else error.message
        return _failure(message, error.display)
    except StorageError as error:
        return _failure(str(error), status_code=500)
    return {"ok": True, "headers": result.headers, "rows": result.rows,
            "took": round(result.milliseconds / 1000, 6)}
