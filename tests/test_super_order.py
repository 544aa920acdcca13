"""`super().m()` follows the method resolution order of the bases as written (issue 19,
item 11): the Python resolver and resolve.cozo agree on every tree, and pin the member
Python's own C3 linearisation picks.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from test_incremental import age_tree, assert_equals_full_rebuild, named_edges
from test_resolve_differential import resolve_tree, write_tree

from parseltongue.extract import extract_source
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.languages import language_named
from parseltongue.resolve.mro import MAX_DEPTH

SHAPES = "pkg/shapes.py"
OTHER = "pkg/other.py"

MRO_TREE = {
    "pkg/__init__.py": "",
    SHAPES: """
        class Base:
            def area(self):
                return 0

            def name(self):
                return "base"


        class Sized(Base):
            def area(self):
                return 1


        class Named:
            def name(self):
                return "named"

            def area(self):
                return 2


        class Square(Sized, Named):
            def area(self):
                return super().area()

            def name(self):
                return super().name()

            def gone(self):
                return super().nowhere()


        class Root:
            def save(self):
                pass


        class Left(Root):
            pass


        class Right(Root):
            def save(self):
                pass


        class Both(Left, Right):
            def save(self):
                return super().save()


        class Again(Left, Right):
            def save(self):
                return super(Again, self).save()


        class Skip(Right):
            def save(self):
                return super(Right, self).save()
    """,
    OTHER: """
        from pkg import shapes
        from pkg.shapes import Named, Sized


        class Tri(Named, Sized):
            def area(self):
                return super().area()


        class Mixed(shapes.Sized, Named):
            def area(self):
                def inner():
                    return super().area()
                return inner()
    """,
}


def test_super_reaches_the_first_member_in_method_resolution_order(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, MRO_TREE)
    supers = {edge for edge in rows.edges if edge[4] == "super"}
    assert supers == {
        # Both bases define `area`: the first written wins (before, two candidates).
        (f"{SHAPES}:Square.area", f"{SHAPES}:Sized.area", "calls", 24, "super"),
        (f"{OTHER}:Tri.area", f"{SHAPES}:Named.area", "calls", 7, "super"),
        # Sized does not define `name`: its base Base comes before Named (C3: Square,
        # Sized, Base, Named).
        (f"{SHAPES}:Square.name", f"{SHAPES}:Base.name", "calls", 27, "super"),
        # A diamond: C3 puts Right before their common base Root (depth first would not).
        (f"{SHAPES}:Both.save", f"{SHAPES}:Right.save", "calls", 49, "super"),
        # `super(Cls, self)` starts from Cls: the enclosing class, or one above it.
        (f"{SHAPES}:Again.save", f"{SHAPES}:Right.save", "calls", 54, "super"),
        (f"{SHAPES}:Skip.save", f"{SHAPES}:Root.save", "calls", 59, "super"),
        # A base named through a module alias; a function nested in the method.
        (f"{OTHER}:Mixed.area.inner", f"{SHAPES}:Sized.area", "calls", 13, "super"),
    }
    assert (f"{SHAPES}:Square.gone", "super().nowhere", "calls", 30, 0) in rows.unresolved


def _python_mro_first(tree: dict[str, str], start: str, name: str) -> str:
    """Which class Python itself finds `name` in, from after `start` in its MRO."""
    namespace: dict[str, object] = {}
    exec(textwrap.dedent(tree[SHAPES]), namespace)  # noqa: S102 - our own fixture source
    cls = namespace[start]
    assert isinstance(cls, type)
    for klass in cls.__mro__[1:]:
        if name in vars(klass):
            return klass.__name__
    return ""


@pytest.mark.parametrize(("start", "name", "expected"), [
    ("Square", "area", "Sized"), ("Square", "name", "Base"), ("Both", "save", "Right"),
])
def test_the_fixture_agrees_with_python(start: str, name: str, expected: str) -> None:
    assert _python_mro_first(MRO_TREE, start, name) == expected


def test_bases_are_numbered_as_written() -> None:
    source = b"class A(B, mod.C, Generic[T], metaclass=M):\n    pass\n"
    extraction = extract_source("a.py", source, language_named("python"))
    bases = [(r.name, r.alias) for r in extraction.references if r.kind == "extends"]
    assert bases == [("B", "0"), ("C", "1"), ("Generic", "2")]


@pytest.mark.parametrize(("levels", "found"), [(MAX_DEPTH, True), (MAX_DEPTH + 1, False)])
def test_bases_are_followed_to_a_bound(tmp_path: Path, levels: int, found: bool) -> None:
    """Both implementations follow bases MAX_DEPTH deep, and agree past it."""
    chain = ["class C0:\n    def m(self):\n        pass\n"]
    chain += [f"class C{index}(C{index - 1}):\n    pass\n" for index in range(1, levels)]
    chain.append(f"class Top(C{levels - 1}):\n    def m(self):\n        return super().m()\n")
    rows = resolve_tree(tmp_path, {"deep.py": "\n\n".join(chain)})
    reached = {edge[1] for edge in rows.edges if edge[0] == "deep.py:Top.m"}
    assert reached == ({"deep.py:C0.m"} if found else set())
    open_supers = {
        row[1] for row in rows.unresolved if row[0] == "deep.py:Top.m" and row[1] != "super"
    }
    assert open_supers == (set() if found else {"super().m"})


def test_an_update_that_reorders_bases_equals_a_full_rebuild(tmp_path: Path) -> None:
    """Reordering bases changes what `super` reaches, also in classes below in other files."""
    tree = write_tree(tmp_path / "tree", {
        **MRO_TREE,
        "pkg/below.py": """
            from pkg.other import Tri


            class Lower(Tri):
                def area(self):
                    return super().area()

                def name(self):
                    return super().name()
        """,
    })
    age_tree(tree)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(tree)
        other = tree / OTHER
        other.write_text(
            other.read_text().replace("class Tri(Named, Sized)", "class Tri(Sized, Named)")
        )
        summary = streamer.update_files(tree, [OTHER])
        assert summary.incremental
        assert_equals_full_rebuild(streamer.storage(), tree)
        reached = {
            (source, target)
            for source, target, _, resolution in named_edges(streamer.storage())
            if resolution == "super"
        }
        assert {("Tri.area", "Sized.area"), ("Lower.name", "Base.name")} <= reached
