"""The options several commands take, declared once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--db",
        help="Database as ENGINE:PATH: rocksdb:analysis.db, sqlite:analysis.sqlite or mem.",
        envvar="PARSELTONGUE_DB",
    ),
]


def edge_types_option(what: str, kinds: Sequence[str]) -> Any:
    """The --edge-types option: some of `kinds`, comma-separated, or all."""
    return typer.Option(
        "--edge-types", help=f"{what}, comma-separated ({', '.join(kinds)}), or all."
    )


def limit_option(what: str) -> Any:
    """The --limit option of a list that says when it was cut."""
    return typer.Option(
        "--limit", min=1, help=f"Most {what} listed; past it the list is cut and says so."
    )


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]
# A read query past this many seconds is stopped in the engine (storage/time_limit.py).
DEFAULT_QUERY_TIMEOUT_SECONDS = 10.0
QueryTimeoutOption = Annotated[
    float,
    typer.Option(
        "--query-timeout", min=0,
        help="Stop a query that runs longer than this many seconds (0: no limit). The engine "
        "stops recursive queries at once; one large join it cannot interrupt is not waited for.",
    ),
]
