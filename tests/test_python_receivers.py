"""Python receivers typed by inference (issue 19, items 12 and 13): members typed in a
class or a base class of another module, typed locals and parameters, functions' result
types, `-> Self` chains, and overload signatures. The Python resolver and resolve.cozo
agree on every tree (`resolve_tree`), and an update equals a full rebuild.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from test_incremental import age_tree, assert_equals_full_rebuild, named_edges
from test_resolve_differential import (
    assert_implementations_agree,
    entity_labels,
    ingested,
    readable,
    write_tree,
)

from parseltongue.ingest import CodebaseStreamer, StreamerConfig

SQL = "pkg/sql.py"
COMPILER = "pkg/compiler.py"
USE = "pkg/use.py"

TREE = {
    "pkg/__init__.py": "",
    SQL: """
        from typing import Optional, Self, overload


        class Preparer:
            def quote(self, text):
                return text


        class Dialect:
            preparer: Preparer

            def connect(self):
                return None


        class Select:
            def where(self, clause) -> Self:
                return self

            def order_by(self, column) -> "Select":
                return self

            def limit(self, count) -> Optional[Self]:
                return self


        class Query(Select):
            def one(self):
                return None


        @overload
        def select(column: int) -> Select: ...
        @overload
        def select(column: str) -> Select: ...
        def select(column) -> Select:
            return Select()


        def query() -> Query | None:
            return Query()
    """,
    COMPILER: """
        from pkg import sql
        from pkg.sql import Dialect, Preparer


        class Compiled:
            def __init__(self, dialect: Dialect):
                self.dialect = dialect
                self.preparer = sql.Preparer()
                self.cached = self.cached.copy()

            @property
            def main(self) -> Preparer:
                return self.preparer
    """,
    USE: """
        from pkg.compiler import Compiled
        from pkg.sql import Dialect, Preparer, Query, select, query


        class SQLCompiler(Compiled):
            def visit(self, name):
                self.preparer.quote(name)
                self.dialect.connect()
                self.dialect.preparer.quote(name)
                self.main.quote(name)
                preparer = self.preparer
                preparer.quote(name)
                self.cached.quote(name)


        def statements(dialect: Dialect, other: "Preparer", maybe: Preparer | None):
            dialect.connect()
            other.quote(1)
            maybe.quote(2)
            typed: Preparer = make()
            typed.quote(3)
            select(1).where(2).order_by(3).limit(4).where(5)
            stmt = query()
            stmt.where(1).one()
            with Dialect() as entered:
                entered.connect()
    """,
}


def test_members_locals_results_and_overloads_type_their_receivers(tmp_path: Path) -> None:
    with ingested(write_tree(tmp_path / "tree", TREE), "mem") as storage:
        resolution = assert_implementations_agree(storage)
        label = entity_labels(storage)
        rows = readable(storage, resolution)
    # Every site of every edge: (caller, callee, line).
    calls = {
        (label[source], label[target], site)
        for source, target, edge_type, _file, _line, how, sites in resolution.edges
        if edge_type == "calls" and how == "receiver_type"
        for site in sites
    }
    visit, statements = f"{USE}:SQLCompiler.visit", f"{USE}:statements"
    quote, connect = f"{SQL}:Preparer.quote", f"{SQL}:Dialect.connect"
    assert {
        # A member typed in a base class of another module: by a constructor call through a
        # module alias, by a typed parameter it is assigned; a chain through a class
        # annotation; a property's result type; a local bound to a member.
        (visit, quote, 7), (visit, connect, 8), (visit, quote, 9), (visit, quote, 10),
        (visit, quote, 12),
        # Parameters typed `Dialect`, `"Preparer"`, `Preparer | None`; an annotated local.
        (statements, connect, 17), (statements, quote, 18), (statements, quote, 19),
        (statements, quote, 21),
        # The implementation's result, not an overload's; `-> Self` keeps the receiver's
        # type; a quoted result type; `Optional[Self]`.
        (statements, f"{SQL}:Select.where", 22), (statements, f"{SQL}:Select.order_by", 22),
        (statements, f"{SQL}:Select.limit", 22),
        # `Query | None`, then `where` (a base's, returning Self: still a Query).
        (statements, f"{SQL}:Select.where", 24), (statements, f"{SQL}:Query.one", 24),
        # `with Dialect() as entered`.
        (statements, connect, 26),
    } <= calls
    # A member typed only through itself (`self.cached = self.cached.copy()`) has no type.
    assert (visit, "self.cached.quote", "calls", 13, 0) in rows.unresolved
    # An overloaded function's calls reach its implementation.
    select_edges = {
        (target, line) for source, target, edge_type, line, _ in rows.edges
        if source == statements and target.startswith(f"{SQL}:select")
    }
    assert select_edges == {(f"{SQL}:select@36", 22)}


def test_an_update_of_a_base_class_member_retypes_subclass_calls(tmp_path: Path) -> None:
    """A member's type declared in another file (a base class's `__init__`) reaches the calls
    in a subclass: an update that changes it equals a full rebuild."""
    tree = write_tree(tmp_path / "tree", TREE)
    age_tree(tree)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(tree)
        compiler = tree / COMPILER
        compiler.write_text(compiler.read_text().replace(
            "self.preparer = sql.Preparer()", "self.preparer = sql.Dialect()"
        ))
        summary = streamer.update_files(tree, [COMPILER])
        assert summary.incremental
        assert_equals_full_rebuild(streamer.storage(), tree)
        visit_calls = {
            target
            for source, target, edge_type, _ in named_edges(streamer.storage())
            if source == "SQLCompiler.visit" and edge_type == "calls"
        }
        assert "Preparer.quote" in visit_calls  # still through `self.dialect.preparer`
        assert "Dialect.connect" in visit_calls


MORE = {
    "pkg/__init__.py": "",
    "pkg/base.py": """
        from typing import Optional


        class Cursor:
            def close(self):
                return None


        class Context:
            def create_cursor(self) -> Cursor:
                return Cursor()


        class Result:
            def scalar(self):
                return None


        class Map:
            def replace(self, state):
                return None


        class WeakMap(Map):
            def replace(self, state):
                return None


        def maybe() -> Optional[Result[int]]:
            return None


        def cast(kind, value):
            return value


        class Graph:
            @property
            def edges(self):
                return self

            def nodes(self):
                return self
    """,
    "pkg/use.py": """
        from typing import Optional, cast

        from pkg import base
        from pkg.base import Context, Map


        class DefaultContext(Context):
            def create_cursor(self):
                return base.Cursor()

            def run(self):
                cursor = self.create_cursor()
                cursor.close()  # an overridden method's result type


        class Session:
            identity_map: Map

            def __init__(self):
                self.identity_map = base.WeakMap()

            def merge(self, state):
                self.identity_map.replace(state)  # the construction, over the annotation

            @classmethod
            def make(cls):
                made = cls()
                made.merge(1)  # `cls()` makes one of its class


        def steps(result: Optional[base.Result[int]]):
            result.scalar()  # `Optional[mod.Generic[T]]`
            base.maybe().scalar()  # `-> Optional[Result[int]]`
            base.Map.replace(None, 1)  # a class of an aliased module
            return cast(int, 1)  # imported from outside: not the codebase's `cast`


        def views(graph: base.Graph):
            graph.edges()  # calls what the property gives, not the property
            graph.nodes()
    """,
}


def _line(tree: dict[str, str], path: str, marker: str) -> int:
    lines = textwrap.dedent(tree[path]).lstrip("\n").splitlines()
    return next(number for number, text in enumerate(lines, 1) if marker in text)


def test_overridden_results_constructions_and_module_classes(tmp_path: Path) -> None:
    with ingested(write_tree(tmp_path / "tree", MORE), "mem") as storage:
        resolution = assert_implementations_agree(storage)
        label = entity_labels(storage)
    calls = {
        (label[source], label[target], site)
        for source, target, edge_type, _file, _line, _how, sites in resolution.edges
        if edge_type == "calls"
        for site in sites
    }
    use, base = "pkg/use.py", "pkg/base.py"
    assert {
        (f"{use}:DefaultContext.run", f"{base}:Cursor.close", _line(MORE, use, "cursor.close")),
        (f"{use}:Session.merge", f"{base}:WeakMap.replace", _line(MORE, use, ".replace(state)")),
        (f"{use}:Session.make", f"{use}:Session.merge", _line(MORE, use, "made.merge")),
        (f"{use}:steps", f"{base}:Result.scalar", _line(MORE, use, "result.scalar")),
        (f"{use}:steps", f"{base}:Result.scalar", _line(MORE, use, "maybe().scalar")),
        (f"{use}:steps", f"{base}:Map.replace", _line(MORE, use, "base.Map.replace")),
    } <= calls
    assert not {call for call in calls if call[1] == f"{base}:cast"}
    assert {target for source, target, _ in calls if source == f"{use}:views"} == {
        f"{base}:Graph.nodes"
    }
