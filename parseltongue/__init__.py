"""Parseltongue: a codebase as a queryable code graph in CozoDB."""

from parseltongue._version import __version__
from parseltongue.codebase import Codebase
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.model import CodeEntity, DependencyEdge, EntityClass
from parseltongue.storage import CozoDbStorage, parse_database_engine_specification

__all__ = [
    "CodeEntity",
    "Codebase",
    "CodebaseStreamer",
    "CozoDbStorage",
    "DependencyEdge",
    "EntityClass",
    "StreamerConfig",
    "__version__",
    "parse_database_engine_specification",
]
