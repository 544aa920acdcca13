"""Storage: the one place that talks to Cozo. A database is named by a specification
(`engines`), opened as a `CozoDbStorage` (`database`, its reads in `reads`) whose layout
`schema` keeps current, written from writer threads (`writer`), and read under a time limit
(`time_limit`)."""

from parseltongue.storage.database import CozoDbStorage
from parseltongue.storage.engines import (
    DEFAULT_DATABASE_SPECIFICATION,
    ROCKSDB_OPTIONS,
    DatabaseSpecification,
    available_engines,
    ensure_engine_available,
    parse_database_engine_specification,
)
from parseltongue.storage.errors import (
    CozoQueryError,
    DatabaseSpecificationError,
    QueryTimeLimitError,
    SchemaVersionError,
    StorageError,
)
from parseltongue.storage.reads import DatabaseReads, QueryResult, StorageStats, collect_stats
from parseltongue.storage.schema import SCHEMA_VERSION
from parseltongue.storage.writer import BackgroundWriter

__all__ = [
    "DEFAULT_DATABASE_SPECIFICATION",
    "SCHEMA_VERSION",
    "ROCKSDB_OPTIONS",
    "BackgroundWriter",
    "CozoDbStorage",
    "CozoQueryError",
    "DatabaseReads",
    "DatabaseSpecification",
    "DatabaseSpecificationError",
    "QueryResult",
    "QueryTimeLimitError",
    "SchemaVersionError",
    "StorageError",
    "StorageStats",
    "available_engines",
    "collect_stats",
    "ensure_engine_available",
    "parse_database_engine_specification",
]
