"""Filling a token budget with an entity's context: its code, then its callers' and callees'
signatures (the rows of queries/context_pack.cozo), nearest questions first.

Pure functions over rows, so the packing is the same whichever front end asks
(`Codebase.context_pack`). Sizes are estimated as parseltongue/tokens.py says.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from parseltongue.answers import ContextEntity, ContextPack
from parseltongue.tokens import CHARACTERS_PER_TOKEN, compact_json, estimate_tokens

# When callers or callees wait, the entity's code takes at most this share of the budget.
CODE_SHARE_WITH_NEIGHBOURS = 0.5


def entity_tokens(entity: ContextEntity) -> int:
    """What one entity of a pack costs: its values (less role and name, which its key holds)
    as compact JSON, in tokens."""
    return estimate_tokens(compact_json([
        entity.key, entity.entity_type, entity.file_path, entity.start_line, entity.end_line,
        entity.signature, entity.code,
    ]))  # fmt: skip


def cut_code(code: str, tokens: int) -> str:
    """The first whole lines of `code` that fit in `tokens` (at least nothing)."""
    if estimate_tokens(compact_json(code)) <= tokens:
        return code
    kept: list[str] = []
    # JSON escapes character by character, so a string's JSON is its lines' JSON, less each
    # line's quotes, between two quotes.
    characters = 2
    for line in code.splitlines(keepends=True):
        characters += len(compact_json(line)) - 2
        if -(-characters // CHARACTERS_PER_TOKEN) > tokens:
            break
        kept.append(line)
    return "".join(kept)


def pack_context(rows: Sequence[ContextEntity], token_budget: int) -> ContextPack:
    """The pack of the one row of role "entity" and its "caller" and "callee" rows.

    The entity always comes (its code cut at a line to fit); the code takes at most half the
    budget while callers or callees wait. Then callers and callees are taken in turn, each
    side in key order, every one that still fits; the totals say how many each side had.

    Example:
        >>> focus = ContextEntity("entity", "py:fn:f:m:T1", "f", "fn", "m.py", 1, 2,
        ...                       "def f()", "def f():\\n    g()\\n")
        >>> callee = ContextEntity("callee", "py:fn:g:m:T2", "g", "fn", "m.py", 4, 5, "def g()", "")
        >>> pack = pack_context([focus, callee], token_budget=100)
        >>> [pack.entity.code, [entity.key for entity in pack.callees], pack.code_truncated]
        ['def f():\\n    g()\\n', ['py:fn:g:m:T2'], False]
    """
    if token_budget < 1:
        raise ValueError(f"token_budget must be at least 1, not {token_budget}")
    [entity] = [row for row in rows if row.role == "entity"]
    callers = [row for row in rows if row.role == "caller"]
    callees = [row for row in rows if row.role == "callee"]
    bare = entity._replace(code="")
    used = entity_tokens(bare)
    neighbour_tokens = sum(entity_tokens(row) for row in (*callers, *callees))
    code_room = token_budget - used
    if neighbour_tokens:
        code_room -= min(neighbour_tokens, int(token_budget * CODE_SHARE_WITH_NEIGHBOURS))
    code = cut_code(entity.code, max(code_room, 0))
    packed = entity._replace(code=code)
    used = entity_tokens(packed)
    taken: dict[str, list[ContextEntity]] = {"caller": [], "callee": []}
    for pair in zip_longest(callers, callees):
        for row in pair:
            if row is None:
                continue
            cost = entity_tokens(row)
            if used + cost <= token_budget:
                taken[row.role].append(row)
                used += cost
    return ContextPack(
        entity=packed,
        code_truncated=code != entity.code,
        callers=tuple(taken["caller"]),
        callees=tuple(taken["callee"]),
        callers_total=len(callers),
        callees_total=len(callees),
        token_budget=token_budget,
        tokens_used=used,
    )
