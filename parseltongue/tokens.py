"""How Parseltongue measures answers in LLM tokens: characters / 4, rounded up.

An estimate (tokenizers average about four characters a token on code and JSON), used by
the HTTP API's `tokens` field, the MCP server's bounds, and context packs.
"""

from __future__ import annotations

import json
from typing import Any

CHARACTERS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Tokens `text` takes, about: its characters / 4, rounded up.

    Example:
        >>> estimate_tokens("fn main() {}")
        3
    """
    return -(-len(text) // CHARACTERS_PER_TOKEN)


def compact_json(value: Any) -> str:
    """`value` as JSON without spaces (non-ASCII kept as is): the text an answer is measured as.

    Example:
        >>> compact_json({"a": [1, "é"]})
        '{"a":[1,"é"]}'
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
