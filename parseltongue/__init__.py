"""Parseltongue: a codebase as a queryable code graph in CozoDB."""

from importlib.metadata import PackageNotFoundError, version

from parseltongue.model import CodeEntity, DependencyEdge, EntityClass
from parseltongue.storage import CozoDbStorage, parse_database_engine_specification

try:
    __version__ = version("parseltongue")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+checkout"

__all__ = [
    "CodeEntity",
    "CozoDbStorage",
    "DependencyEdge",
    "EntityClass",
    "__version__",
    "parse_database_engine_specification",
]
