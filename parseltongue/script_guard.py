"""The read-only guard on Datalog a client sends: what `POST /text-query` and the MCP server's
`run_datalog` both refuse before running a script, and how they word a refused write.

Scripts run read-only (`Codebase.query`), which makes Cozo refuse every write; these checks
cover what read-only mode lets through.
"""

from __future__ import annotations

import re

from parseltongue.storage import CozoQueryError

# Read-only mode stops writes, but not these: the readers open files and URLs on the server's
# machine, and ::kill stops other clients' queries.
# Cozo reads `::kill` with whitespace or comments between the colons and the word (`:: kill`,
# `::\tkill`, `::#x\nkill`), so the guard skips them too rather than match one spelling.
_GAP = r"(?:\s|#[^\n]*(?:\n|$)|//[^\n]*(?:\n|$)|/\*.*?\*/)*"
_REFUSED_IN_SCRIPTS = re.compile(
    rf"\b(?P<reader>CsvReader|JsonReader)\b|(?P<kill>::{_GAP}kill)\b", re.DOTALL
)
# Longer scripts are refused unread.
MAX_SCRIPT_CHARACTERS = 1_000_000
READ_ONLY_MESSAGE = (
    "refused: this server is read-only, so scripts that write (:put, :rm, :create, ::remove, "
    "...) are refused and nothing was written"
)


def refused_operation(script: str) -> str | None:
    """The operation read-only mode would let `script` run that a client may not (a file
    reader, `::kill`), or None when there is none.

    Example:
        >>> refused_operation("?[x] <~ CsvReader(url: 'file:///etc/passwd', types: ['String'])")
        'CsvReader'
        >>> refused_operation("?[k] := *code_entities{key: k}") is None
        True
    """
    refused = _REFUSED_IN_SCRIPTS.search(script)
    if refused is None:
        return None
    return refused.group("reader") or "::kill"


def refusal_message(operation: str) -> str:
    """The one line that says `operation` (from `refused_operation`) was refused."""
    return f"refused: {operation} is not allowed through this server"


def query_error_message(error: CozoQueryError) -> str:
    """Cozo's message for a script it refused, saying so plainly when it was a write."""
    # A served database's refusal (RemoteQueryClient) is worded already.
    if error.message.startswith(READ_ONLY_MESSAGE):
        return error.message
    refused_write = "read-only" in error.message or "write lock" in error.message
    return f"{READ_ONLY_MESSAGE} ({error.message})" if refused_write else error.message
