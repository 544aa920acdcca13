"""The MCP tools: each parses its input, makes one Codebase call, and answers in compact JSON.

Their docstrings are the descriptions agents read (what the tool is for, in a sentence to act
on), and their parameters' Field descriptions and bounds become the input schema. A failure an
agent can recover from is a ToolError with one line saying what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from parseltongue.answers import Edge, Table, UnknownEntityError
from parseltongue.codebase import Codebase
from parseltongue.context_pack import cut_code
from parseltongue.mcp_server.compact import dumps, fitted, listing, location
from parseltongue.queries import named_query
from parseltongue.script_guard import (
    MAX_SCRIPT_CHARACTERS,
    query_error_message,
    refusal_message,
    refused_operation,
)
from parseltongue.server.context import ResultCache
from parseltongue.server.updates import GraphUpdater, ReindexRefused, reindex_path
from parseltongue.storage import CozoQueryError, StorageError

# Defaults keep each answer under ~4,000 tokens on a hub of a 46k-entity codebase
# (bench/bench_mcp.py measures them); the maxima stop a request from asking for everything.
MAX_KEY_CHARACTERS = 2000
MAX_TEXT_CHARACTERS = 500
ENTITY_CODE_TOKENS = 3000
MEMBERS_LISTED = 10
MAX_REINDEX_PATHS = 20
DID_YOU_MEAN = 5

Key = Annotated[
    str,
    Field(min_length=1, max_length=MAX_KEY_CHARACTERS,
          description="An entity key, as search_entities returns it "
          "(language:type:name:path:Thash)."),
]


def _limit(default: int, maximum: int, what: str) -> Any:
    return Field(default=default, ge=1, le=maximum, description=f"{what} (1..{maximum}).")


RowLimit = Annotated[int, _limit(100, 10000, "Most rows listed")]


def _rows_answer(table: Table, limit: int) -> str:
    """A query's rows as compact JSON: the first `limit`, fitted to the token ceiling."""
    return dumps(fitted(listing(table.headers, table.rows, limit, total=len(table.rows))))


class GraphTools:
    """The tools over one Codebase. Whole-graph answers (statistics, cycles, dead code) are
    kept until a re-index: only reindex_files writes to a database this process holds."""

    def __init__(self, codebase: Codebase, cache: ResultCache | None = None) -> None:
        self.codebase = codebase
        # A served database may change under this process (pt08 --watch): nothing is kept.
        self.cache = cache
        self.updater = GraphUpdater(codebase, cache) if cache is not None else None

    def _kept(self, name: Hashable, compute: Callable[[], Any]) -> Any:
        return compute() if self.cache is None else self.cache.get_or_compute(name, compute)

    def _unknown(self, error: UnknownEntityError) -> ToolError:
        near = self.codebase.closest_keys(error.key, limit=DID_YOU_MEAN)
        hint = (
            f"did you mean: {', '.join(near)}" if near
            else "no similar name; find keys with search_entities"
        )
        return ToolError(f"{error}; {hint}")

    def _ask(self, question: Any, *args: Any, **kwargs: Any) -> Any:
        """One Codebase call, its failures turned into errors an agent can act on."""
        try:
            return question(*args, **kwargs)
        except UnknownEntityError as error:
            raise self._unknown(error) from None
        except CozoQueryError as error:
            raise ToolError(query_error_message(error)) from None
        except (StorageError, ValueError) as error:
            raise ToolError(str(error)) from None

    # -- finding and reading entities -----------------------------------------------------

    def search_entities(
        self,
        query: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARACTERS,
                                    description="A name or part of one; one typo is forgiven.")],
        limit: Annotated[int, _limit(20, 200, "Most entities listed")] = 20,
    ) -> str:
        """Find functions, classes, methods... by name (exact, prefix, word, then one typo),
        best first. Start here: it gives the keys every other tool takes."""
        if not query.strip():
            raise ToolError("query must not be blank; give a name or part of one")
        hits = self._ask(self.codebase.search, query, limit=limit + 1)
        rows = [[hit.key, hit.name, hit.entity_type, location(hit.file_path, hit.start_line),
                 hit.match] for hit in hits]
        return dumps({"query": query,
                      **listing(["key", "name", "type", "at", "match"], rows, limit)})

    def entity(
        self,
        key: Key,
        include_code: Annotated[bool, Field(
            description="Send the source too (cut at a line past ~3,000 tokens).")] = True,
    ) -> str:
        """Read one entity: where it is (file, lines), its signature and source, and how many
        entities call or use it and it calls or uses. Use it to read a key you found."""
        found = self._ask(self.codebase.entity, key)
        answer: dict[str, Any] = {
            "key": found.key, "name": found.name, "type": found.entity_type,
            "class": found.entity_class, "language": found.language,
            "qualified_name": found.qualified_name, "file": found.file_path,
            "lines": [found.start_line, found.end_line], "signature": found.signature,
            "callers": found.callers_count, "callees": found.callees_count,
        }
        if include_code:
            code = cut_code(found.code, ENTITY_CODE_TOKENS)
            answer["code"] = code
            answer["code_truncated"] = code != found.code
        return dumps(answer)

    def file_entities(
        self,
        path: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARACTERS,
                                   description="A file path relative to the ingested folder, "
                                   "e.g. src/auth.rs.")],
        limit: Annotated[int, _limit(100, 1000, "Most entities listed")] = 100,
    ) -> str:
        """List what a file defines, in source order (name, type, lines, key). Use it to see a
        file's outline before reading entities."""
        stored = path.strip().removeprefix("./")
        entities = self._ask(self.codebase.file_entities, stored)
        if not entities:
            near = self._ask(self.codebase.closest_paths, stored, DID_YOU_MEAN)
            if near != [stored]:
                hint = f"did you mean: {', '.join(near)}" if near else "list files with stats"
                raise ToolError(f"no ingested file {stored!r}; {hint}")
        rows = [[entity.name, entity.entity_type, f"{entity.start_line}-{entity.end_line}",
                 entity.key] for entity in entities]
        return dumps({"file": stored, **listing(["name", "type", "lines", "key"], rows, limit,
                                                total=len(rows))})

    # -- who depends on what ---------------------------------------------------------------

    def _edges(self, direction: str, key: str, limit: int) -> str:
        question = self.codebase.callers if direction == "in" else self.codebase.callees
        edges: list[Edge] = self._ask(question, key, limit=limit + 1)
        total = None
        if len(edges) > limit:
            degree = self._ask(self.codebase.degree, key)
            total = degree.inbound if direction == "in" else degree.outbound
        other = "caller" if direction == "in" else "callee"
        rows = [[edge.from_key if direction == "in" else edge.to_key, edge.edge_type,
                 location(edge.source_file, edge.source_line)] for edge in edges]
        return dumps({"entity": key, **listing([other, "edge", "at"], rows, limit, total)})

    def callers(
        self, key: Key, limit: Annotated[int, _limit(50, 1000, "Most edges listed")] = 50
    ) -> str:
        """Who calls or uses an entity (calls, uses, implements, extends edges into it), by
        caller key, with where. Use it before changing a function's behaviour or signature."""
        return self._edges("in", key, limit)

    def callees(
        self, key: Key, limit: Annotated[int, _limit(50, 1000, "Most edges listed")] = 50
    ) -> str:
        """What an entity calls or uses (edges out of it), by callee key, with where. Use it to
        see what a function depends on."""
        return self._edges("out", key, limit)

    def blast_radius(
        self,
        key: Key,
        hops: Annotated[int, Field(ge=1, le=10, description="Reverse edges followed (1..10).")]
        = 3,
        limit: Annotated[int, _limit(60, 2000, "Most entities listed")] = 60,
    ) -> str:
        """Everything that depends on an entity directly or through others, up to `hops`
        away, nearest first, with counts per hop. Use it to judge the impact of a change."""
        affected = self._ask(self.codebase.blast_radius, key, hops, limit=limit + 1)
        by_hop: list[list[int]] | None = None
        total = None
        if len(affected) > limit:
            counts = self._ask(self.codebase.blast_radius_counts, key, hops)
            by_hop = [[count.hop, count.count] for count in counts]
            total = sum(count.count for count in counts)
        else:
            hops_seen: dict[int, int] = {}
            for row in affected:
                hops_seen[row.hop] = hops_seen.get(row.hop, 0) + 1
            by_hop = [[hop, count] for hop, count in sorted(hops_seen.items())]
        rows = [[row.key, row.hop, row.file_path] for row in affected]
        return dumps({"entity": key, "hops": hops, "by_hop": by_hop,
                      **listing(["key", "hop", "file"], rows, limit, total)})

    def context_pack(
        self,
        key: Key,
        token_budget: Annotated[int, Field(ge=200, le=20000, description="Tokens the pack may "
                                           "take, about characters / 4 (200..20000).")] = 3000,
    ) -> str:
        """An entity's source plus its direct callers' and callees' signatures, within a
        token budget. Use it to get what you need to edit one function in a single call."""
        pack = self._ask(self.codebase.context_pack, key, token_budget)
        entity = pack.entity

        def side(rows: Any, total: int) -> dict[str, Any]:
            listed = [[row.key, location(row.file_path, row.start_line), row.signature]
                      for row in rows]
            return {"columns": ["key", "at", "signature"], "rows": listed, "total": total,
                    "truncated": total > len(listed)}

        return dumps({
            "entity": {"key": entity.key, "type": entity.entity_type, "file": entity.file_path,
                       "lines": [entity.start_line, entity.end_line],
                       "signature": entity.signature, "code": entity.code},
            "code_truncated": pack.code_truncated,
            "callers": side(pack.callers, pack.callers_total),
            "callees": side(pack.callees, pack.callees_total),
            "token_budget": pack.token_budget, "tokens_used": pack.tokens_used,
        })

    # -- the whole codebase ----------------------------------------------------------------

    def hotspots(self, limit: Annotated[int, _limit(20, 500, "Most entities listed")] = 20) -> str:
        """The most coupled entities (distinct entities depending on each plus those it depends
        on), most first. Use it to find the risky centres of a codebase."""
        rows = [[row.key, row.inbound, row.outbound, row.total]
                for row in self._ask(self.codebase.hotspots, limit=limit)]
        total = self._kept("statistics", lambda: self._ask(self.codebase.stats)).total_entities
        return dumps(listing(["key", "inbound", "outbound", "total"], rows, limit, total))

    def cycles(self, limit: Annotated[int, _limit(20, 500, "Most cycles listed")] = 20) -> str:
        """Groups of entities that depend on each other in a loop (and self-loops), largest
        first, with their first members by key. Use it to find circular dependencies."""
        found = self._kept("cycles", lambda: self._ask(self.codebase.cycles))
        rows = [[cycle.size, [member.key for member in cycle.members[:MEMBERS_LISTED]]]
                for cycle in found]
        return dumps({"members_listed": MEMBERS_LISTED,
                      **listing(["size", "members"], rows, limit, total=len(rows))})

    def dead_code(self, limit: Annotated[int, _limit(50, 1000, "Most listed")] = 50) -> str:
        """Functions and methods nothing in the codebase calls or uses, other than tests and
        entry points (main, dunder methods), by file. Candidates to check before deleting:
        it cannot see calls from outside the codebase (a library's public API, frameworks),
        reflection or dynamic dispatch the graph has no implements/extends edge for."""
        dead = self._kept(("dead_code", limit), lambda: self._ask(self.codebase.dead_code,
                                                                   limit=limit))
        rows = [[row.key, row.entity_type, location(row.file_path, row.start_line)]
                for row in dead.candidates]
        return dumps(listing(["key", "type", "at"], rows, limit, total=dead.total))

    def stats(self) -> str:
        """How big the codebase is: entities, edges, files, by language, type and status. Use
        it first on an unknown codebase."""
        return dumps(asdict(self._kept("statistics", lambda: self._ask(self.codebase.stats))))

    # -- Datalog ---------------------------------------------------------------------------

    def run_datalog(
        self,
        query: Annotated[str, Field(min_length=1, max_length=MAX_SCRIPT_CHARACTERS,
                                    description="CozoScript, e.g. ?[name] := "
                                    "*code_entities{name, entity_type: 'fn'} :limit 5")],
        params: Annotated[dict[str, Any] | None, Field(
            description="Values for $name parameters in the query.")] = None,
        limit: RowLimit = 100,
    ) -> str:
        """Run read-only Datalog (CozoScript) over the graph for questions no other tool
        answers; the schema resource lists the relations. Writes are refused."""
        refused = refused_operation(query)
        if refused:
            raise ToolError(refusal_message(refused))
        table = self._ask(self.codebase.query, query, params or {}, time_limited=True)
        return _rows_answer(table, limit)

    def run_named_query(
        self,
        name: Annotated[str, Field(min_length=1, max_length=200,
                                   description="A named query, as the named-queries "
                                   "resource lists them.")],
        params: Annotated[dict[str, Any] | None, Field(
            description="Its parameters by name; declared defaults fill the rest.")] = None,
        limit: RowLimit = 100,
    ) -> str:
        """Run one of Parseltongue's named queries (see the named-queries resource) with its
        parameters, for the questions the other tools do not ask directly."""
        try:
            declared = named_query(name)
        except KeyError as error:
            raise ToolError(str(error.args[0])) from None
        if declared.writes:
            raise ToolError(f"refused: {name!r} writes to the database; only reads run here")
        table = self._ask(self.codebase.named_table, name, **(params or {}))
        return _rows_answer(table, limit)

    # -- writing (registered with --allow-writes only) -------------------------------------

    def reindex_files(
        self,
        paths: Annotated[list[str], Field(min_length=1, max_length=MAX_REINDEX_PATHS,
                                          description="Files to re-index, relative to the "
                                          "ingested folder (or absolute inside it).")],
    ) -> str:
        """Re-index files you just edited (or deleted), so later answers see the change; says
        what each re-index added and removed. Writes to the database."""
        if self.updater is None:
            raise ToolError("re-indexing runs where the database is; this server asks another")
        root = self._ask(self.codebase.ingested_root)
        if root is None or not Path(root).is_dir():
            raise ToolError(f"no ingested folder to re-index from (found {root})")
        relative_paths = []
        for given in paths:
            try:
                relative = reindex_path(root, given.strip())
            except ReindexRefused as error:
                raise ToolError(f"refused: {error}; nothing was re-indexed") from None
            if not (root / relative).exists() and self._ask(
                self.codebase.closest_paths, relative, 1
            ) != [relative]:
                raise ToolError(f"no file {relative!r} in {str(root)!r}, and none indexed; "
                                "nothing was re-indexed")
            relative_paths.append(relative)
        reports = [self._ask(self.updater.reindex_file, root, relative)
                   for relative in relative_paths]
        return dumps({"reindexed": reports})
