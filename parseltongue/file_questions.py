"""The facade's questions about places in files: every site an entity is referred to from,
the references left unresolved in files, and what one file defines and the edges it takes part
in. `Codebase` has them as methods (it derives from FileQuestions); each runs one named query,
as every Codebase method does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from parseltongue.answers import FileEdge, FileEntity, ReferenceSite, UnresolvedReference
from parseltongue.parameters import at_least_one, edge_types_parameter

Row = TypeVar("Row")


class _Asks(Protocol):
    """What these questions use of the Codebase they are methods of."""

    def _rows(self, row_type: Callable[..., Row], query: str, /, **params: Any) -> list[Row]: ...

    def _known(self, key: str, rows: list[Row]) -> list[Row]: ...


class FileQuestions:
    """Questions of a Codebase answered by files and lines."""

    def references(
        self: _Asks,
        key: str,
        edge_types: Sequence[str] | None = None,
        scope: str = "",
        limit: int = 1000,
    ) -> list[ReferenceSite]:
        """Every place entity `key` is referred to, by file and line (each line of each edge
        into it: three calls on three lines are three sites). `edge_types` None follows
        calls, uses, implements, extends and imports; `scope` keeps referring files under a
        folder.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     key = codebase.search("place_order", limit=1)[0].key
            ...     [site.site for site in codebase.references(key)][:2]
            ['shop/checkout.py:3', 'shop/checkout.py:7']
        """
        at_least_one("limit", limit)
        rows = self._rows(
            ReferenceSite, "reference_sites", entity=key, scope=scope, limit=limit,
            **edge_types_parameter(edge_types),
        )
        return self._known(key, rows)

    def unresolved(
        self: _Asks, file_prefix: str = "", name: str = "", limit: int = 100
    ) -> list[UnresolvedReference]:
        """References resolution could not pin to one target, in files whose path starts
        with `file_prefix`, shown as exactly `name` ("" for any).

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.unresolved(name="self.norm")
            []
        """
        at_least_one("limit", limit)
        return self._rows(
            UnresolvedReference, "unresolved_references",
            file_prefix=file_prefix, name=name, limit=limit,
        )

    def file_entities(self: _Asks, path: str) -> list[FileEntity]:
        """The entities defined in the file `path` (as stored: relative to the ingested
        root), in source order; [] for a file holding none or not ingested.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.file_entities("src/auth.rs")
            []
        """
        return self._rows(FileEntity, "file_entities", file_path=path)

    def file_edges(self: _Asks, path: str) -> list[FileEdge]:
        """The dependency edges out of or into the entities of the file `path` (as stored),
        of every type: what re-indexing that file can add or remove.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     codebase.file_edges("src/auth.rs")
            []
        """
        return self._rows(FileEdge, "file_edges", file_path=path)
