"""The errors a database raises: a bad specification, a schema it cannot use, Cozo's own
errors (with its message), and a query stopped at its time limit.
"""

from __future__ import annotations


class StorageError(Exception):
    """A Parseltongue database could not be opened or used."""


class DatabaseSpecificationError(StorageError, ValueError):
    """An `engine:path` database specification is malformed or names an engine we cannot use."""


class SchemaVersionError(StorageError):
    """The database was made by a Parseltongue whose schema this one cannot read."""


class CozoQueryError(StorageError):
    """Cozo refused a script; carries Cozo's own message, error code and rendered diagnostic."""

    def __init__(self, message: str, code: str | None = None, display: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.display = display


class QueryTimeLimitError(CozoQueryError):
    """A read query ran past the storage's time limit and was stopped by `::kill` (or, for a
    join Cozo cannot interrupt, left to finish unread)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the query ran past the {seconds:g}-second time limit and was stopped "
            "(--query-timeout sets the limit; 0 turns it off)",
            "query_time_limit",
        )
        self.seconds = seconds
