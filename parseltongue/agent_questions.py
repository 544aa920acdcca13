"""The facade's questions for callers that must keep answers small (coding agents, over MCP):
the totals of lists cut at a limit, dead-code candidates, a token-budgeted context pack, and
the keys or paths nearest a wrong one. `Codebase` has them as methods (it derives from
AgentQuestions); each runs one named query, as every Codebase method does.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Protocol

from parseltongue.answers import (
    ContextEntity,
    ContextPack,
    DeadCode,
    DeadCodeCandidate,
    Degree,
    Entity,
    HopCount,
    SearchHit,
    UnknownEntityError,
)
from parseltongue.context_pack import pack_context
from parseltongue.parameters import at_least_one, edge_types_parameter, folder_prefix, key_name


class _Asks(Protocol):
    """What these questions use of the Codebase they are methods of."""

    def named(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...

    def entity(self, key: str) -> Entity: ...

    def search(self, text: str, scope: str = "", limit: int = 20) -> list[SearchHit]: ...


class AgentQuestions:
    """Questions of a Codebase whose answers bound lists and say what they left out."""

    def degree(
        self: _Asks, key: str, edge_types: Sequence[str] | None = None, scope: str = ""
    ) -> Degree:
        """How many edges `callers` and `callees` of `key` would list without a limit (with
        the same `edge_types` and `scope`): the totals of lists that were cut.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     key = codebase.search("place_order", limit=1)[0].key
            ...     codebase.degree(key)[2:]
            (3, 5)
        """
        rows = self.named(
            "entity_edge_counts", key=key, prefix=folder_prefix(scope),
            **edge_types_parameter(edge_types),
        )
        if not rows:
            raise UnknownEntityError(key)
        return Degree(**rows[0])

    def blast_radius_counts(
        self: _Asks,
        key: str,
        hops: int = 3,
        edge_types: Sequence[str] | None = None,
        scope: str = "",
    ) -> list[HopCount]:
        """How many entities `blast_radius` finds at each hop, with no limit: the totals of
        a cut blast radius.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     key = codebase.search("order_total", limit=1)[0].key
            ...     codebase.blast_radius_counts(key, hops=2)
            [HopCount(hop=1, count=1), HopCount(hop=2, count=3)]
        """
        at_least_one("hops", hops)
        rows = self.named(
            "blast_radius_per_hop", entity=key, hops=hops, prefix=folder_prefix(scope),
            **edge_types_parameter(edge_types),
        )
        if not rows:
            self.entity(key)  # nothing depends on it, or no entity has the key
        return [HopCount(**row) for row in rows]

    def dead_code(self: _Asks, scope: str = "", limit: int = 100) -> DeadCode:
        """Functions and methods nothing in the codebase depends on, by file and line: not
        tests or entry points (main, dunder methods), not methods dynamic dispatch may reach
        (in a trait or interface, or a type implementing or extending another), not a name an
        unresolved reference may mean. Candidates only: calls from outside the codebase, by
        reflection or through interfaces the graph has no edge for are not seen.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     dead = codebase.dead_code(limit=1)
            ...     dead.total, [candidate.name for candidate in dead.candidates]
            (3, ['run'])
        """
        at_least_one("limit", limit)
        rows = self.named("dead_code", scope=scope, limit=limit)
        candidates = tuple(
            DeadCodeCandidate(**{name: row[name] for name in DeadCodeCandidate._fields})
            for row in rows
        )
        return DeadCode(rows[0]["total"] if rows else 0, candidates)

    def context_pack(
        self: _Asks,
        key: str,
        token_budget: int = 3000,
        edge_types: Sequence[str] | None = None,
    ) -> ContextPack:
        """Entity `key`'s context within `token_budget` tokens (characters / 4): its code
        (cut at a line to fit), then its direct callers' and callees' signatures, taken in
        turn by key while they fit (parseltongue/context_pack.py).

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     key = codebase.search("place_order", limit=1)[0].key
            ...     pack = codebase.context_pack(key, token_budget=2000)
            ...     pack.callers_total, pack.callees_total, pack.code_truncated
            (3, 5, False)
        """
        rows = self.named("context_pack", key=key, **edge_types_parameter(edge_types))
        if not rows:
            raise UnknownEntityError(key)
        return pack_context([ContextEntity(**row) for row in rows], token_budget)

    def closest_keys(self: _Asks, text: str, limit: int = 5) -> list[str]:
        """The keys nearest `text`, a key that may be wrong or a name: the entities a search
        for its name finds, most like `text` first (ties by key); [] when none is found.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     codebase.closest_keys("python:fn:place_ordr:x:T1")[0].split(":")[2]
            'place_order'
        """
        at_least_one("limit", limit)
        name = key_name(text)
        if not name:
            return []
        # A few times more than asked: the search ranks by name, the answer by the whole key.
        hits = self.search(name, limit=max(4 * limit, 20))
        similarity = difflib.SequenceMatcher(a=text)

        def likeness(key: str) -> float:
            similarity.set_seq2(key)
            return similarity.ratio()

        keys = sorted({hit.key for hit in hits}, key=lambda key: (-likeness(key), key))
        return keys[:limit]

    def closest_paths(self: _Asks, path: str, limit: int = 5) -> list[str]:
        """The stored file paths nearest `path`: `[path]` when it is stored (ingested or left
        out), else those ending in its file name, then the most alike; [] when none is near.

        Example:
            >>> from parseltongue import Codebase
            >>> with Codebase.open("mem") as codebase:
            ...     _ = codebase.ingest("tests/fixtures/http_project", parallel=False)
            ...     codebase.closest_paths("shop/order.py", limit=1)
            ['shop/orders.py']
        """
        at_least_one("limit", limit)
        paths = [row["file_path"] for row in self.named("file_inventory")]
        if path in paths:
            return [path]
        name = path.rsplit("/", 1)[-1]
        same_name = [stored for stored in paths if stored.rsplit("/", 1)[-1] == name]
        alike = difflib.get_close_matches(path, paths, n=limit, cutoff=0.6)
        return list(dict.fromkeys([*same_name, *alike]))[:limit]
