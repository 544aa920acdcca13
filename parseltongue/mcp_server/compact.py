"""The shape of every MCP answer: compact JSON, lists as a header and arrays, cut lists saying
so with their total, and a ceiling on the characters of rows whose width nobody chose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parseltongue.tokens import CHARACTERS_PER_TOKEN, compact_json

# Every default answer stays under this many tokens (about: characters / 4); rows a caller
# chose the width of (Datalog, named queries) are cut to fit it whatever the limit.
ANSWER_TOKEN_CEILING = 4000
ANSWER_CHARACTER_CEILING = ANSWER_TOKEN_CEILING * CHARACTERS_PER_TOKEN


def location(file_path: str, line: int) -> str:
    """`file:line`, the one column an agent opens."""
    return f"{file_path}:{line}"


def listing(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    limit: int,
    total: int | None = None,
) -> dict[str, Any]:
    """`rows` (fetched with one more than `limit`, to see whether there were more) cut at
    `limit`: the columns once, the rows as arrays, `truncated`, and `total` when known (else
    the count listed when nothing was cut)."""
    listed = [list(row) for row in rows[:limit]]
    truncated = len(rows) > limit if total is None else total > len(listed)
    answer: dict[str, Any] = {"columns": list(columns), "rows": listed, "truncated": truncated}
    if total is not None or not truncated:
        answer["total"] = total if total is not None else len(listed)
    return answer


def fitted(answer: dict[str, Any], ceiling: int = ANSWER_CHARACTER_CEILING) -> dict[str, Any]:
    """`answer` (a `listing`) with its last rows dropped until its JSON fits in `ceiling`
    characters, and `truncated` set when any was. A first row too wide alone is kept."""
    rows = answer["rows"]
    if len(compact_json(answer)) <= ceiling:
        return answer
    # The longest prefix of rows that fits: row sizes add up (plus a comma each).
    room = ceiling - len(compact_json({**answer, "rows": [], "truncated": True}))
    kept = 0
    for row in rows:
        room -= len(compact_json(row)) + 1
        if room < 0:
            break
        kept += 1
    return {**answer, "rows": rows[: max(kept, 1)], "truncated": True}


def dumps(answer: Any) -> str:
    """The text an answer is sent as."""
    return compact_json(answer)
