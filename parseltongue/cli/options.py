"""The options several commands take, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--db",
        help="Database as ENGINE:PATH: rocksdb:analysis.db, sqlite:analysis.sqlite or mem.",
        envvar="PARSELTONGUE_DB",
    ),
]
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
