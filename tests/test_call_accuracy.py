"""Call edges issue 19 found wrong in Python (items 4, 5, 9, 11, 12, 13), each on a small tree
written for it. Every tree is resolved by the product and by tests/oracles/resolve.cozo,
which must agree row for row (`resolve_tree`); the edges are then pinned by name."""

from __future__ import annotations

from pathlib import Path

from test_resolve_differential import resolve_tree

SHORTCUTS = """
    def render(template):
        return template


    def helper():
        return 1
"""


def test_a_name_the_function_binds_hides_the_modules_and_the_imported_one(
    tmp_path: Path,
) -> None:
    """Item 4: a local variable, parameter, loop/with/except target or comprehension
    variable named like a module-level function is not that function."""
    rows = resolve_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/shortcuts.py": SHORTCUTS,
        "pkg/views.py": """
            from pkg.shortcuts import render


            def kml(request):
                render = request.renderer
                return render("x")


            def parameter(render):
                return render("y")


            def loop(renderers):
                for render in renderers:
                    render("z")
                with open("f") as render:
                    render()
                try:
                    pass
                except Exception as render:
                    render()
                return [render(1) for render in renderers]


            def closure(request):
                render = request.renderer

                def inner():
                    return render("w")
                return inner


            def unique(helper):
                return helper()


            def plain(request):
                return render(request)
        """,
    })
    views = "pkg/views.py"
    to_render = {edge for edge in rows.edges if edge[1] == "pkg/shortcuts.py:render"}
    assert {edge[0] for edge in to_render if edge[2] == "calls"} == {f"{views}:plain"}
    # `helper` is defined once in the codebase, but here it is the parameter.
    assert not any(edge[1] == "pkg/shortcuts.py:helper" for edge in rows.edges)
    assert {
        (f"{views}:kml", "render", "calls", 6, 0),
        (f"{views}:parameter", "render", "calls", 10, 0),
        (f"{views}:loop", "render", "calls", 15, 0),
        (f"{views}:loop", "render", "calls", 22, 0),  # the comprehension's
        (f"{views}:closure.inner", "render", "calls", 29, 0),
        (f"{views}:unique", "helper", "calls", 34, 0),
    } <= rows.unresolved


def test_a_call_of_a_class_also_reaches_the_constructor_it_runs(tmp_path: Path) -> None:
    """Item 5: `Foo()` reaches the class and its `__init__`, its own or inherited (Python);
    `new Foo()` its `constructor` (TypeScript)."""
    rows = resolve_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/models.py": """
            class Base:
                def __init__(self, x):
                    self.x = x


            class Child(Base):
                pass


            class Own(Base):
                def __init__(self):
                    super().__init__(1)


            class Bare:
                pass
        """,
        "pkg/use.py": """
            from pkg import models
            from pkg.models import Child


            def make():
                Child(1)
                models.Own()
                models.Bare()
        """,
        "web/shapes.ts": """
            export class Shape {
              constructor(public sides: number) {}
            }
            export class Square extends Shape {}
            export function square(): Square {
              return new Square(4);
            }
        """,
    })
    models = "pkg/models.py"
    assert {
        ("pkg/use.py:make", f"{models}:Child", "calls", 6, "import"),
        ("pkg/use.py:make", f"{models}:Base.__init__", "calls", 6, "import"),
        ("pkg/use.py:make", f"{models}:Own", "calls", 7, "import"),
        ("pkg/use.py:make", f"{models}:Own.__init__", "calls", 7, "import"),
        ("pkg/use.py:make", f"{models}:Bare", "calls", 8, "import"),
        (f"{models}:Own.__init__", f"{models}:Base.__init__", "calls", 12, "super"),
        ("web/shapes.ts:square", "web/shapes.ts:Shape.constructor", "calls", 6, "same_file"),
    } <= rows.edges
    # Own's own `__init__` hides Base's: the call runs one constructor.
    assert ("pkg/use.py:make", f"{models}:Base.__init__", "calls", 7, "import") not in rows.edges


def test_class_members_are_not_in_lexical_scope(tmp_path: Path) -> None:
    """Item 9: a bare name inside a method never reaches a member of its class; it reaches
    the functions enclosing the class, the module and its imports."""
    rows = resolve_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/ops.py": "def pipe(x):\n    return x\n",
        "pkg/streams.py": """
            from pkg.ops import pipe


            class Stream:
                def pipe(self, x):
                    return pipe(x)

                def to_json(self):
                    return to_json(self)


            def to_json(value):
                return value


            def factory():
                def pipe(x):
                    return x

                class Local:
                    def pipe(self, y):
                        return pipe(y)
                return Local
        """,
    })
    streams = "pkg/streams.py"
    assert {
        (f"{streams}:Stream.pipe", "pkg/ops.py:pipe", "calls", 6, "import"),
        (f"{streams}:Stream.to_json", f"{streams}:to_json", "calls", 9, "same_file"),
        # The function enclosing the class, past the class's own `pipe`.
        (f"{streams}:factory.Local.pipe", f"{streams}:factory.pipe", "calls", 22,
         "local_scope"),
    } <= rows.edges
    assert not any(edge[1] == f"{streams}:Stream.pipe" for edge in rows.edges)


def test_super_calls_reach_the_parents_method_through_the_hierarchy(tmp_path: Path) -> None:
    """Item 11: `super().m()` reaches the nearest base's `m`, inherited from further up when
    the base has none; the class's own `m` is never the target."""
    rows = resolve_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": """
            class Root:
                def save(self):
                    return 0

                def close(self):
                    return 1


            class Middle(Root):
                def save(self):
                    return super().save()
        """,
        "pkg/leaf.py": """
            from pkg import base


            class Leaf(base.Middle):
                def save(self):
                    return super().save()

                def close(self):
                    return super().close()
        """,
    })
    assert {
        ("pkg/base.py:Middle.save", "pkg/base.py:Root.save", "calls", 11, "super"),
        ("pkg/leaf.py:Leaf.save", "pkg/base.py:Middle.save", "calls", 6, "super"),
        ("pkg/leaf.py:Leaf.close", "pkg/base.py:Root.close", "calls", 9, "super"),
    } <= rows.edges


def test_a_members_type_comes_from_the_class_body_and_its_methods(tmp_path: Path) -> None:
    """Item 12: `self.preparer.quote()` reaches `IdentifierPreparer.quote` when a method
    assigns `self.preparer = IdentifierPreparer(...)` or the class body annotates it; not
    when the member is given two types, or a method's result."""
    rows = resolve_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/prep.py": """
            class IdentifierPreparer:
                def quote(self, x):
                    return x


            class Other:
                def quote(self, x):
                    return x
        """,
        "pkg/compiler.py": """
            from pkg.prep import IdentifierPreparer, Other


            class Assigned:
                def __init__(self):
                    self.preparer = IdentifierPreparer()

                def visit(self, x):
                    return self.preparer.quote(x)


            class Annotated:
                preparer: "IdentifierPreparer"

                def visit(self, x):
                    return self.preparer.quote(x)


            class Twice:
                def __init__(self, flag):
                    self.preparer = IdentifierPreparer()
                    if flag:
                        self.preparer = Other()

                def visit(self, x):
                    return self.preparer.quote(x)


            class Derived:
                def __init__(self):
                    self.preparer = self.preparer_for()
                    self.preparer = IdentifierPreparer()

                def visit(self, x):
                    return self.preparer.quote(x)
        """,
    })
    compiler, quote = "pkg/compiler.py", "pkg/prep.py:IdentifierPreparer.quote"
    assert {
        (f"{compiler}:Assigned.visit", quote, "calls", 9, "receiver_type"),
        (f"{compiler}:Annotated.visit", quote, "calls", 16, "receiver_type"),
        # A method's result gives no type: the constructor's is the only one.
        (f"{compiler}:Derived.visit", quote, "calls", 35, "receiver_type"),
    } <= rows.edges
    assert (f"{compiler}:Twice.visit", "self.preparer.quote", "calls", 26, 0) in rows.unresolved


def test_typed_locals_and_parameters_type_their_calls(tmp_path: Path) -> None:
    """Item 13: `x.m()` where `x = Foo(...)`, `x: Foo`, `def f(x: Foo)`, `Optional[Foo]`,
    `Foo | None`, `"Foo"`, `Foo[T]`, and in a function nested in the one binding it; a name
    bound again with no type known loses its type."""
    rows = resolve_tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/session.py": """
            class Session:
                def commit(self):
                    return 1


            class Query:
                def commit(self):
                    return 2
        """,
        "pkg/use.py": """
            from typing import Optional

            from pkg.session import Session


            def constructed():
                s = Session()
                s.commit()


            def annotated(a: Optional[Session], b: Session | None = None, c: "Session" = None):
                d: Session[int] = make()
                a.commit()
                b.commit()
                c.commit()
                d.commit()

                def inner():
                    return a.commit()
                return inner


            def rebound(items):
                s = Session()
                for s in items:
                    s.commit()
        """,
    })
    use, commit = "pkg/use.py", "pkg/session.py:Session.commit"
    assert {
        (f"{use}:constructed", commit, "calls", 8, "receiver_type"),
        (f"{use}:annotated", commit, "calls", 13, "receiver_type"),
        (f"{use}:annotated.inner", commit, "calls", 19, "receiver_type"),
    } <= rows.edges
    assert (f"{use}:rebound", "s.commit", "calls", 26, 0) in rows.unresolved
