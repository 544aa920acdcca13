"""The Datalog twins of rules the product runs in Python (tests/oracles/*.cozo): test
oracles, loaded and run here only, never by the product."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parseltongue.queries import NamedQuery, parse_named_query
from parseltongue.storage import CozoDbStorage

ORACLES = Path(__file__).parent / "oracles"


def oracle_query(name: str) -> NamedQuery:
    """The oracle `tests/oracles/NAME.cozo`, with its declared parameters and columns."""
    return parse_named_query(ORACLES / f"{name}.cozo")


def run_oracle(storage: CozoDbStorage, name: str, /, **params: Any) -> list[dict[str, Any]]:
    """Run an oracle (they write) with its declared parameters; the rows it returns."""
    query = oracle_query(name)
    return storage.query(query.script, query.bind(params))
