"""Differential: the Python resolver (parseltongue/resolve/) writes exactly the rows
tests/oracles/resolve.cozo makes, on real engines, real grammars and real source.

Each test ingests a tree with the real pipeline and reads what its resolution wrote (the
resolved edges, and the unresolved references unpacked from their per-file packs), loads
resolution's inputs back from the database (entities and their parent_key, module paths, raw
references) and resolves them again with `CodebaseIndex`, then clears the resolution and
runs resolve.cozo on the same database (it writes the edges and returns the unresolved
references: Datalog cannot pack them), and compares the three as sets of rows. The
hand-written trees also pin some edges by name, so the tests fail when both implementations
go wrong the same way.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import networkx
import pytest
from ingested_corpora import IngestedCorpus
from oracle_queries import oracle_query, run_oracle
from project_trees import write

from parseltongue.file_references import (
    pack_file_references,
    unpack_file_references,
    unpack_rows,
)
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.languages import (
    constructor_name_rows,
    locals_shadow_language_rows,
    members_in_scope_language_rows,
    methods_need_receiver_languages,
    named_imports_take_names_only_languages,
    ordered_base_language_rows,
    package_scoped_language_rows,
    provided_name_rows,
)
from parseltongue.packed import pack_lines
from parseltongue.resolve import (
    CodebaseIndex,
    EdgeRow,
    UnresolvedRow,
    load_codebase_index,
    pack_unresolved,
    resolve_everything,
    unpack_unresolved,
)
from parseltongue.storage import CozoDbStorage

# bench/ lives beside tests/ at the top of the repository, not inside the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).parent / "fixtures"
# One file per language (tests/fixtures/shapes.*, Shapes.*): every grammar and query file.
LANGUAGE_FIXTURES = sorted(path.name for path in FIXTURES.iterdir() if path.is_file())
PROJECT_FIXTURES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


# -- loading, resolving both ways, comparing ----------------------------------------------


class Resolution(NamedTuple):
    edges: frozenset[EdgeRow]
    """(from_key, to_key, edge_type, source_file, source_line, resolution, source_lines),
    no 'contains'."""
    unresolved: frozenset[UnresolvedRow]
    """(from_key, name, edge_type, source_line, candidates)."""


class ResolutionInputs(NamedTuple):
    entities: list[tuple]
    containment: list[tuple[str, str]]
    module_paths: list[tuple]
    references: list[tuple]

    def index(self) -> CodebaseIndex:
        """A fresh index (nothing cached from an earlier resolution)."""
        return CodebaseIndex(
            self.entities, self.containment, self.module_paths, self.references,
            provided_name_rows(), package_scoped_language_rows(), constructor_name_rows(),
        )


def _rows(storage: CozoDbStorage, datalog: str) -> list[tuple]:
    return [tuple(row) for row in storage.query_table(datalog).rows]


def _packed_references(storage: CozoDbStorage) -> dict[str, str]:
    """Each file's stored references, packed: file path -> JSON text."""
    return {row["file_path"]: row["references"]
            for row in storage.run_named("resolution_references")}


def load_resolution_inputs(storage: CozoDbStorage) -> ResolutionInputs:
    """What resolution reads, as resolve.cozo reads it from the stored relations."""
    return ResolutionInputs(
        entities=_rows(
            storage,
            "?[k, f, t, n, lang] := *code_entities{key: k, file_path: f, entity_type: t,"
            " name: n, language: lang}",
        ),
        containment=_rows(
            storage,
            "?[p, c] := *code_entities{key: c, parent_key: p}, p != ''",
        ),
        module_paths=_rows(
            storage,
            "?[mp, f, d, u] := *module_paths{module_path: mp, file_path: f, depth: d, unit: u}",
        ),
        references=unpack_rows(_packed_references(storage).items()),
    )


def python_resolution(inputs: ResolutionInputs) -> Resolution:
    edges, unresolved = inputs.index().resolve_all()
    # No row twice: each is written once, as a keyed :put writes it.
    assert len(set(edges)) == len(edges) and len(set(unresolved)) == len(unresolved)
    return Resolution(frozenset(edges), frozenset(unresolved))


def _stored_edges(storage: CozoDbStorage) -> frozenset[EdgeRow]:
    # The sites as a tuple, as the resolver makes them (Cozo gives a list back).
    return frozenset(
        (*row[:6], tuple(row[6]))
        for row in _rows(
            storage,
            "?[a, b, c, d, e, f, g] := *dependency_edges{from_key: a, to_key: b,"
            " edge_type: c, source_file: d, source_line: e, resolution: f, source_lines: g},"
            " c != 'contains'",
        )
    )


def stored_resolution(storage: CozoDbStorage) -> Resolution:
    """What the ingestion's resolution wrote: the edges, and every file's unresolved
    references unpacked. Each pack holds the references its file's entities make, counted,
    sorted, each once, and is the very text packing its rows makes."""
    file_of = dict(_rows(storage, "?[k, f] := *code_entities{key: k, file_path: f}"))
    unresolved: list[UnresolvedRow] = []
    for file_path, count, references in _rows(
        storage, "?[f, n, r] := *file_unresolved_references{file_path: f,"
        " reference_count: n, references: r}"
    ):
        rows = unpack_unresolved(references)
        assert rows and len(rows) == count, file_path
        assert rows == sorted(rows) and pack_lines(rows) == references, file_path
        assert {file_of[row[0]] for row in rows} == {file_path}
        unresolved.extend(rows)
    assert len(set(unresolved)) == len(unresolved)
    return Resolution(_stored_edges(storage), frozenset(unresolved))


def datalog_resolution(storage: CozoDbStorage) -> Resolution:
    """Clear what ingestion resolved and run resolve.cozo on the same database: it writes
    the edges and returns the unresolved references."""
    storage.run_named_write("clear_resolution")
    assert _rows(storage, "?[f] := *file_unresolved_references{file_path: f}") == []
    returned = run_oracle(
        storage,
        "resolve",
        references=unpack_rows(_packed_references(storage).items()),
        provided_names=provided_name_rows(),
        package_scoped_languages=package_scoped_language_rows(),
        constructor_names=constructor_name_rows(),
        methods_need_receiver=[[name] for name in sorted(methods_need_receiver_languages())],
        names_only_imports=[
            [name] for name in sorted(named_imports_take_names_only_languages())
        ],
        ordered_base_languages=ordered_base_language_rows(),
        members_in_scope_languages=members_in_scope_language_rows(),
        locals_shadow_languages=locals_shadow_language_rows(),
    )
    columns = oracle_query("resolve").columns
    unresolved = [tuple(row[column] for column in columns) for row in returned]
    assert len(set(unresolved)) == len(unresolved)
    return Resolution(_stored_edges(storage), frozenset(unresolved))


def _difference(label: str, python: frozenset, datalog: frozenset, shown: int = 15) -> str:
    only_python = sorted(python - datalog)
    only_datalog = sorted(datalog - python)
    lines = [f"{label}: {len(only_python)} only in Python, {len(only_datalog)} only in Datalog"]
    lines += [f"  python  {row}" for row in only_python[:shown]]
    lines += [f"  datalog {row}" for row in only_datalog[:shown]]
    return "\n".join(lines)


def assert_same_rows(python: Resolution, datalog: Resolution, what: str = "") -> None:
    if python != datalog:
        pytest.fail(
            f"resolve/ and resolve.cozo disagree {what}\n"
            + _difference("dependency_edges", python.edges, datalog.edges)
            + "\n"
            + _difference("unresolved_references", python.unresolved, datalog.unresolved)
        )


def assert_implementations_agree(storage: CozoDbStorage) -> Resolution:
    """Resolve the stored inputs both ways; the row sets must equal each other and what
    the ingestion wrote (its packs unpacked). Also: the Python resolver's rows do not depend
    on the order entities are resolved in, and resolving some entities gives exactly their
    rows (rows aggregate per entity). Returns the rows."""
    inputs = load_resolution_inputs(storage)
    written = stored_resolution(storage)
    python = python_resolution(inputs)
    datalog = datalog_resolution(storage)
    assert_same_rows(written, datalog, "(the rows ingestion wrote)")
    assert_same_rows(python, datalog)

    # Another order on a fresh index: its caches (members through bases, what files bind)
    # fill in another order, and must come out the same.
    from_keys = sorted({row[0] for row in inputs.references}, reverse=True)
    edges, unresolved = inputs.index().resolve_from(from_keys)
    assert_same_rows(
        Resolution(frozenset(edges), frozenset(unresolved)),
        datalog,
        "(entities resolved in reverse order)",
    )
    half = set(from_keys[::2])
    edges, unresolved = inputs.index().resolve_from(sorted(half))
    assert_same_rows(
        Resolution(frozenset(edges), frozenset(unresolved)),
        Resolution(
            frozenset(row for row in datalog.edges if row[0] in half),
            frozenset(row for row in datalog.unresolved if row[0] in half),
        ),
        "(every other entity resolved alone)",
    )
    return datalog


@contextmanager
def ingested(root: Path, engine: str, database_path: Path | str = "") -> Iterator[CozoDbStorage]:
    """`root` ingested sequentially into a new `engine` database; open while in the block."""
    config = StreamerConfig.new(engine, database_path).with_parallel(False)
    with CodebaseStreamer(config) as streamer:
        summary = streamer.stream_directory(root)
        assert summary.files_ingested > 0
        yield streamer.storage()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative_path, text in files.items():
        write(root / relative_path, textwrap.dedent(text).lstrip("\n"))
    return root


# -- readable rows, for pinning expected edges ------------------------------------------


class Readable(NamedTuple):
    edges: set[tuple[str, str, str, int, str]]
    """(from, to, edge_type, line, resolution), entities as `file:qualified name`."""
    unresolved: set[tuple[str, str, str, int, int]]
    """(from, name, edge_type, line, candidates)."""


def entity_labels(storage: CozoDbStorage) -> dict[str, str]:
    """key -> `file:qualified name`, with `@start line` where entities share that (a
    property and its setter; two `impl` blocks of a type in one file)."""
    rows = _rows(
        storage,
        "?[k, f, q, s] := *code_entities{key: k, file_path: f, qualified_name: q,"
        " start_line: s}",
    )
    shared = Counter(f"{file_path}:{name}" for _, file_path, name, _ in rows)
    labels = {}
    for key, file_path, name, line in rows:
        label = f"{file_path}:{name}"
        labels[key] = label if shared[label] == 1 else f"{label}@{line}"
    return labels


def readable(storage: CozoDbStorage, resolution: Resolution) -> Readable:
    label = entity_labels(storage)
    return Readable(
        {
            (label[from_key], label[to_key], edge_type, line, how)
            for from_key, to_key, edge_type, _file, line, how, _sites in resolution.edges
        },
        {
            (label[from_key], name, edge_type, line, candidates)
            for from_key, name, edge_type, line, candidates in resolution.unresolved
        },
    )


def resolve_tree(root: Path, files: dict[str, str], engine: str = "rocksdb") -> Readable:
    tree = write_tree(root / "tree", files)
    with ingested(tree, engine, root / "db" if engine != "mem" else "") as storage:
        return readable(storage, assert_implementations_agree(storage))


# -- every language's fixture, and the fixture projects ---------------------------------


@pytest.mark.parametrize("fixture", LANGUAGE_FIXTURES)
def test_each_language_fixture(fixture: str, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / fixture, tmp_path / fixture)
    with ingested(tmp_path, "mem") as storage:
        resolution = assert_implementations_agree(storage)
    assert resolution.edges or resolution.unresolved


@pytest.mark.parametrize("damage", ["count", "row"])
def test_a_stored_pack_unlike_resolve_cozo_fails_the_comparison(
    damage: str, tmp_path: Path
) -> None:
    """The comparison with what ingestion wrote can fail: one reference's candidates
    changed (the pack still sorted and counted right), or one reference dropped."""
    shutil.copy(FIXTURES / "shapes.py", tmp_path / "shapes.py")
    with ingested(tmp_path, "mem") as storage:
        [file_path, _count, references] = storage.run_named_table(
            "rows_file_unresolved_references"
        ).rows[0]
        rows = unpack_unresolved(references)
        if damage == "count":
            from_key, name, edge_type, line, candidates = rows[0]
            rows[0] = (from_key, name, edge_type, line, candidates + 1)
            expected = "1 only in Python, 1 only in Datalog"
        else:
            del rows[-1]
            expected = "0 only in Python, 1 only in Datalog"
        storage.write_rows("put_file_unresolved_references", [pack_unresolved(file_path, rows)])
        with pytest.raises(pytest.fail.Exception, match="the rows ingestion wrote") as failure:
            assert_implementations_agree(storage)
    assert f"unresolved_references: {expected}" in str(failure.value)


def test_the_fixtures_cover_all_fourteen_languages(tmp_path: Path) -> None:
    for fixture in LANGUAGE_FIXTURES:
        shutil.copy(FIXTURES / fixture, tmp_path / fixture)
    with ingested(tmp_path, "mem") as storage:
        languages = {row[0] for row in _rows(storage, "?[l] := *code_entities{language: l}")}
    assert len(languages) == 14, sorted(languages)


@pytest.mark.parametrize("engine", ["mem", "rocksdb", "sqlite"])
def test_all_fixtures_in_one_tree(engine: str, tmp_path: Path) -> None:
    """Every fixture together: names defined in several languages and projects meet."""
    tree = tmp_path / "tree"
    for fixture in LANGUAGE_FIXTURES:
        write(tree / "languages" / fixture, (FIXTURES / fixture).read_bytes())
    for project in PROJECT_FIXTURES:
        shutil.copytree(FIXTURES / project, tree / project)
    with ingested(tree, engine, tmp_path / "db" if engine != "mem" else "") as storage:
        resolution = assert_implementations_agree(storage)
    assert len(resolution.edges) > 50 and len(resolution.unresolved) > 100


@pytest.mark.parametrize("project", PROJECT_FIXTURES)
def test_fixture_projects(project: str, tmp_path: Path) -> None:
    with ingested(FIXTURES / project, "rocksdb", tmp_path / "db") as storage:
        resolution = assert_implementations_agree(storage)
    assert resolution.edges


def test_real_python_library_slice(tmp_path: Path) -> None:
    """networkx's graph classes and utils, with its `__init__.py` full of `*` imports."""
    source = Path(networkx.__file__).parent
    tree = tmp_path / "tree" / "networkx"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("classes", "utils", "algorithms/shortest_paths", "algorithms/traversal"):
        shutil.copytree(source / folder, tree / folder, ignore=ignore)
    for name in ("__init__.py", "exception.py", "convert.py", "relabel.py",
                 "algorithms/__init__.py"):
        shutil.copy(source / name, tree / name)
    with ingested(tree.parent, "rocksdb", tmp_path / "db") as storage:
        resolution = assert_implementations_agree(storage)
        readable_rows = readable(storage, resolution)
    assert len(resolution.edges) > 1000
    # `self.to_undirected_class()` inside DiGraph methods: `self` through the members
    # DiGraph inherits from Graph.
    assert any(
        edge[0].startswith("networkx/classes/digraph.py:DiGraph.")
        and edge[1].startswith("networkx/classes/graph.py:Graph.")
        and edge[4] == "self"
        for edge in readable_rows.edges
    )
    # `self.edges(...)` calls the view the `edges` property gives, not the property.
    assert not any(
        edge[1].startswith("networkx/classes/digraph.py:DiGraph.edges") and edge[2] == "calls"
        for edge in readable_rows.edges
    )


# -- hand-written trees, one per kind of evidence -----------------------------------------

PYTHON_TREE = {
    "pkg/__init__.py": """
        from .graph import Graph
        from pkg.util import *
    """,
    # util and more `*`-import each other: a cycle the fixpoint must end.
    "pkg/util.py": """
        from pkg.more import *


        def normalise(x):
            return x


        def unique_thing():
            return more_helper()
    """,
    "pkg/more.py": """
        from pkg.util import *


        def more_helper():
            return normalise(1)
    """,
    "pkg/sub/__init__.py": "",
    "pkg/sub/deep.py": """
        def f():
            return 1


        def g():
            return 2


        def h():
            return 3
    """,
    "pkg/graph.py": """
        class Base:
            def helper(self):
                return 1

            @classmethod
            def make(cls):
                return cls.build()

            @classmethod
            def build(cls):
                return cls


        class Middle(Base):
            def run(self):
                return self.helper()


        class Graph(Middle):
            def helper(self):
                return super().helper()

            def add_edge(self):
                def visit():
                    return self.run()
                return visit()


        class Loop1(Loop2):
            def a(self):
                return self.b()


        class Loop2(Loop1):
            def b(self):
                return self.a() + self.missing()


        class Itself(Itself):
            def spin(self):
                return self.spin() + self.nothing()
    """,
    "other.py": """
        def only_here():
            return 1


        def dup():
            return 1


        def len(items):
            return 0


        def count(items):
            return len(items)
    """,
    "other2.py": """
        def dup():
            return 2


        class Thing:
            def go(self):
                return 1
    """,
    "other3.py": """
        class Thing:
            def go(self):
                return 2
    """,
    "dupes.py": """
        from other import dup
        from other2 import dup, Thing
        from other3 import Thing


        def twice():
            t = Thing()
            t.go()
            return dup()
    """,
    "main.py": """
        import pkg
        import pkg.sub.deep as ab
        import pkg as nx
        from pkg import Graph, unique_thing, more_helper


        def run():
            def nested():
                return 1
            nested()
            g = Graph()
            g.add_edge()
            h = nx.Graph()
            h.helper()
            ab.f()
            nx.sub.deep.g()
            Graph.make()
            len([])
            unique_thing()
            more_helper()
            only_here()
            dup()
            pkg.normalise(2)
            (nx.sub
                .deep.h())
            (nx
                .sub.deep.h())
    """,
}


def test_python_evidence_tiers(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, PYTHON_TREE)
    graph, util, more, deep = "pkg/graph.py", "pkg/util.py", "pkg/more.py", "pkg/sub/deep.py"
    run = "main.py:run"
    assert {
        (f"{graph}:Middle.run", f"{graph}:Base.helper", "calls", 16, "self"),
        (f"{graph}:Base.make", f"{graph}:Base.build", "calls", 7, "self"),  # cls
        (f"{graph}:Graph.helper", f"{graph}:Base.helper", "calls", 21, "super"),
        # A nested function's `self` is its enclosing method's class.
        (f"{graph}:Graph.add_edge.visit", f"{graph}:Middle.run", "calls", 25, "self"),
        (f"{graph}:Graph.add_edge", f"{graph}:Graph.add_edge.visit", "calls", 26,
         "local_scope"),
        # A cycle of bases: each sees the other's members, and resolution ends.
        (f"{graph}:Loop1.a", f"{graph}:Loop2.b", "calls", 31, "self"),
        (f"{graph}:Loop2.b", f"{graph}:Loop1.a", "calls", 36, "self"),
        (f"{graph}:Itself.spin", f"{graph}:Itself.spin", "calls", 41, "self"),
        (f"{graph}:Graph", f"{graph}:Middle", "extends", 19, "same_file"),
        (run, "main.py:run.nested", "calls", 10, "local_scope"),
        (run, f"{graph}:Graph", "calls", 11, "import"),  # re-exported by pkg/__init__.py
        (run, f"{graph}:Graph.add_edge", "calls", 12, "receiver_type"),  # g = Graph()
        (run, f"{graph}:Graph.helper", "calls", 14, "receiver_type"),  # h = nx.Graph()
        (run, f"{deep}:f", "calls", 15, "import"),  # import pkg.sub.deep as ab
        (run, f"{deep}:g", "calls", 16, "import"),  # nx.sub.deep.g()
        (run, f"{graph}:Base.make", "calls", 17, "type_member"),  # inherited
        (run, f"{util}:unique_thing", "calls", 19, "import"),  # through `*`
        (run, f"{more}:more_helper", "calls", 20, "import"),  # through a cycle of `*`
        (run, "other.py:only_here", "calls", 21, "unique_name"),
        (run, f"{util}:normalise", "calls", 23, "import"),  # alias, then `*`
        (f"{more}:more_helper", f"{util}:normalise", "calls", 5, "import"),
        ("other.py:count", "other.py:len", "calls", 14, "same_file"),
        ("main.py:main", f"{more}:more_helper", "imports", 4, "import"),
        ("main.py:main", f"{deep}:pkg.sub.deep", "imports", 2, "import"),  # the module
    } <= rows.edges
    assert {
        ("main.py:run", "len", "calls", 18, 0),  # Python's own, whatever other.py defines
        ("main.py:run", "dup", "calls", 22, 2),  # no evidence, two definitions
        ("dupes.py:twice", "dup", "calls", 9, 2),  # imported from two modules
        ("dupes.py:twice", "Thing", "calls", 7, 2),
        # The receiver is what an ambiguous call returns: no type, so no candidates.
        ("dupes.py:twice", "t.go", "calls", 8, 0),
        (f"{graph}:Loop2.b", "self.missing", "calls", 36, 0),
        (f"{graph}:Itself.spin", "self.nothing", "calls", 41, 0),
    } <= rows.unresolved
    pinned_from_run = {(edge[1], edge[3]) for edge in rows.edges if edge[0] == run}
    assert ("other.py:len", 18) not in pinned_from_run
    assert not any(edge[1].endswith(":dup") and edge[2] == "calls" for edge in rows.edges)


RUST_TREE = {
    "geo/src/lib.rs": """
        pub mod shapes;
        pub mod ops;
        use crate::shapes::point::Point;

        pub trait Area {
            fn area(&self) -> i32;
            fn describe(&self) -> i32 {
                self.area()
            }
        }

        pub fn origin() -> Point {
            let p = Point::new(0, 0);
            p.norm() + p::norm();
            Point::dot(&p, &p);
            helper!();
            p
        }
    """,
    "geo/src/shapes/mod.rs": "pub mod point;\n",
    "geo/src/shapes/point.rs": """
        pub struct Point { pub x: i32, pub y: i32 }

        impl Point {
            pub fn new(x: i32, y: i32) -> Self {
                Self { x, y }
            }
            pub fn norm(&self) -> i32 {
                self.dot(self) + Self::scale()
            }
        }
    """,
    "geo/src/ops.rs": """
        use crate::shapes::point::Point;
        use crate::Area;

        impl Point {
            pub fn dot(&self, other: &Point) -> i32 {
                self.x * other.x + self.y * other.y
            }
            pub fn scale() -> i32 {
                2
            }
        }

        impl Area for Point {
            fn area(&self) -> i32 {
                self.norm()
            }
        }

        macro_rules! helper {
            () => {};
        }
    """,
    # Another language's `Point`: an `impl Point` adds nothing to it.
    "py/point.py": """
        class Point:
            def dot(self):
                return self.norm()
    """,
}


def test_rust_impl_blocks_across_files(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, RUST_TREE)
    lib, point, ops = "geo/src/lib.rs", "geo/src/shapes/point.rs", "geo/src/ops.rs"
    assert {
        # `self.m()` in one `impl Point` reaches methods of the `impl Point` in another file.
        (f"{point}:Point::norm", f"{ops}:Point::dot", "calls", 8, "self"),
        (f"{point}:Point::norm", f"{ops}:Point::scale", "calls", 8, "self"),
        (f"{ops}:Point::area", f"{point}:Point::norm", "calls", 15, "self"),
        (f"{lib}:Area::describe", f"{lib}:Area::area", "calls", 8, "self"),
        (f"{lib}:origin", f"{point}:Point::new", "calls", 13, "type_member"),
        (f"{lib}:origin", f"{point}:Point::norm", "calls", 14, "receiver_type"),
        (f"{lib}:origin", f"{ops}:Point::dot", "calls", 15, "type_member"),
        (f"{lib}:origin", f"{ops}:helper", "calls", 16, "unique_name"),
        (f"{lib}:origin", f"{point}:Point@1", "uses", 12, "import"),  # the struct
        (f"{ops}:Point@13", f"{lib}:Area", "implements", 13, "import"),  # `impl Area for`
    } <= rows.edges
    assert not any(edge[0] == "py/point.py:Point.dot" for edge in rows.edges)
    assert ("py/point.py:Point.dot", "self.norm", "calls", 3, 0) in rows.unresolved


# Two crates, each with its own `Error` and the `impl Error` beside it.
RUST_SAME_NAMED_TYPES = {
    f"{crate}/src/error.rs": f"""
        pub struct Error {{
            code: i32,
        }}

        impl Error {{
            pub fn kind(&self) -> i32 {{
                self.code
            }}

            pub fn {verb}(&self) -> i32 {{
                self.kind()
            }}
        }}
    """
    for crate, verb in (("alpha", "report"), ("beta", "explain"))
}


def test_a_rust_impl_adds_to_the_type_beside_it_not_every_same_named_type(
    tmp_path: Path,
) -> None:
    """`impl Error` next to `struct Error` is that type's: `self.kind()` is its own method,
    not ambiguous with another crate's `Error::kind` (nor does that crate's type get these
    methods)."""
    rows = resolve_tree(tmp_path, RUST_SAME_NAMED_TYPES)
    alpha, beta = "alpha/src/error.rs", "beta/src/error.rs"
    assert {
        (f"{alpha}:Error::report", f"{alpha}:Error::kind", "calls", 11, "self"),
        (f"{beta}:Error::explain", f"{beta}:Error::kind", "calls", 11, "self"),
    } <= rows.edges
    assert not any(
        edge[0].startswith(alpha) and edge[1].startswith(beta)
        or edge[0].startswith(beta) and edge[1].startswith(alpha)
        for edge in rows.edges
    )
    assert not any(row[1] == "self.kind" for row in rows.unresolved)


GO_TREE = {
    "app/shapes/circle.go": """
        package shapes

        type Circle struct {
            R int
        }

        func NewCircle(r int) *Circle {
            return &Circle{R: r}
        }

        func (c *Circle) Area() int {
            return c.R * c.R * scale()
        }
    """,
    "app/shapes/util.go": """
        package shapes

        func scale() int {
            return 3
        }

        func Twice(x int) int {
            return 2 * x
        }
    """,
    "app/main.go": """
        package main

        import (
            "app/shapes"
            sh "app/shapes"
        )

        func main() {
            c := shapes.NewCircle(2)
            c.Area()
            sh.NewCircle(3)
            var d sh.Circle
            d.Area()
            sh.Twice(4)
            helper()
        }

        func helper() {}
    """,
    "tools/helper.go": """
        package tools

        func helper() {}
    """,
}


def test_a_crates_name_beats_another_crates_file_ending_in_it(tmp_path: Path) -> None:
    """Both resolvers take `crate::Rng` in the rand crate to rand's lib.rs (and on to
    rng.rs), though another crate's `util/rand.rs` also answers to `rand`."""
    resolved = resolve_tree(tmp_path, {
        "rand/Cargo.toml": '[package]\nname = "rand"\n',
        "rand/src/lib.rs": "pub mod rng;\npub mod seq;\npub use rng::Rng;\n",
        "rand/src/rng.rs": "pub trait Rng {\n    fn next(&mut self) -> u32;\n}\n",
        "rand/src/seq.rs": (
            "use crate::Rng;\n\npub fn pick<R: Rng>(rng: &mut R) -> u32 {\n    rng.next()\n}\n"
        ),
        "runtime/Cargo.toml": '[package]\nname = "runtime"\n',
        "runtime/src/lib.rs": "mod util;\n",
        "runtime/src/util/rand.rs": "pub fn seed() -> u64 {\n    7\n}\n",
    })
    assert ("rand/src/seq.rs:pick", "rand/src/rng.rs:Rng", "uses", 3, "import") in (
        resolved.edges
    ), sorted(resolved.edges)


def test_go_folder_packages(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, GO_TREE)
    circle, util = "app/shapes/circle.go", "app/shapes/util.go"
    main = "app/main.go:main@8"  # the function; the file's module is `main` too
    assert {
        # One import names the folder: every file of the package answers for it. Without
        # an alias, it binds the name the package declares (`shapes`), not its path.
        (main, f"{circle}:NewCircle", "calls", 9, "import"),
        (main, f"{util}:Twice", "calls", 14, "import"),
        (main, f"{circle}:Circle", "uses", 12, "import"),
        (main, "app/main.go:helper", "calls", 15, "same_file"),  # not tools/helper.go's
        # Another file of the package: before the codebase-wide unique name.
        (f"{circle}:Circle.Area", f"{util}:scale", "calls", 12, "same_package"),
    } <= rows.edges


JAVA_TREE = {
    "com/example/model/Shape.java": """
        package com.example.model;

        public abstract class Shape {
            public int describe() {
                return this.area();
            }
            public abstract int area();
        }
    """,
    "com/example/model/Circle.java": """
        package com.example.model;

        public class Circle extends Shape {
            private int r;
            public int area() {
                return r * r;
            }
        }
    """,
    "com/example/App.java": """
        package com.example;

        import com.example.model.Circle;
        import com.example.model.Shape;

        public class App {
            public static void main(String[] args) {
                Circle c = new Circle();
                c.describe();
                Shape s = c;
                s.area();
            }
        }

        class Square extends Shape {
            public int area() {
                return super.describe() + this.side();
            }
            int side() {
                return 2;
            }
        }
    """,
}


def test_java_folder_packages_and_hierarchies(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, JAVA_TREE)
    model, app = "com/example/model", "com/example/App.java"
    assert {
        # One import names the package folder, whose files each define one class.
        (f"{app}:com.example.App", f"{model}/Circle.java:Circle", "imports", 3, "import"),
        (f"{app}:com.example.App", f"{model}/Shape.java:Shape", "imports", 4, "import"),
        (f"{app}:App.main", f"{model}/Circle.java:Circle", "calls", 8, "import"),
        (f"{app}:App.main", f"{model}/Shape.java:Shape.area", "calls", 11, "receiver_type"),
        (f"{model}/Shape.java:Shape.describe", f"{model}/Shape.java:Shape.area", "calls", 5,
         "self"),
        (f"{app}:Square", f"{model}/Shape.java:Shape", "extends", 15, "import"),
        (f"{app}:Square.area", f"{model}/Shape.java:Shape.describe", "calls", 17, "super"),
        (f"{app}:Square.area", f"{app}:Square.side", "calls", 17, "self"),
    } <= rows.edges


TYPESCRIPT_TREE = {
    # index and shapes `export *` each other: a cycle of re-exports.
    "src/lib/index.ts": """
        export * from './shapes';
        export { helper as assist } from './util';
    """,
    "src/lib/shapes.ts": """
        export * from './index';

        export class Shape {
          area(): number {
            return 0;
          }
          describe(): number {
            return this.area();
          }
        }

        export class Square extends Shape {
          area(): number {
            return super.area() + 1;
          }
        }
    """,
    "src/lib/util.ts": """
        export function helper(): number {
          return 1;
        }
    """,
    "src/app.ts": """
        import { Square, assist } from './lib';
        import * as lib from './lib/index';

        export function main(): number {
          const s = new Square();
          s.describe();
          lib.helper();
          lib.assist();
          return assist();
        }
    """,
}


def test_typescript_re_exports(tmp_path: Path) -> None:
    rows = resolve_tree(tmp_path, TYPESCRIPT_TREE)
    shapes, util, app = "src/lib/shapes.ts", "src/lib/util.ts", "src/app.ts"
    assert {
        (f"{app}:main", f"{shapes}:Square", "calls", 5, "import"),  # `export *` of index
        (f"{app}:main", f"{shapes}:Shape.describe", "calls", 6, "receiver_type"),
        (f"{app}:main", f"{util}:helper", "calls", 8, "import"),  # `lib.assist`, renamed
        (f"{shapes}:Shape.describe", f"{shapes}:Shape.area", "calls", 8, "self"),
        (f"{shapes}:Square.area", f"{shapes}:Shape.area", "calls", 14, "super"),
    } <= rows.edges
    # index re-exports `helper` only as `assist`.
    assert (f"{app}:main", "lib.helper", "calls", 7, 0) in rows.unresolved


def test_all_trees_together(tmp_path: Path) -> None:
    """The trees in one codebase: unique names become ambiguous across trees of a language
    (`helper`), and stay unique across languages."""
    files: dict[str, str] = {}
    for prefix, tree in (("py", PYTHON_TREE), ("rs", RUST_TREE), ("go", GO_TREE),
                         ("java", JAVA_TREE), ("ts", TYPESCRIPT_TREE)):
        files.update({f"{prefix}/{path}": text for path, text in tree.items()})
    files["rs/geo/src/extra.rs"] = "pub fn only_here() {}\nmacro_rules! helper { () => {}; }\n"
    rows = resolve_tree(tmp_path, files, engine="mem")
    assert not any(edge[1].endswith(":helper") for edge in rows.edges if edge[0].startswith("rs/"))
    assert any(row[:4] == ("rs/geo/src/lib.rs:origin", "helper", "calls", 16) and row[4] >= 2
               for row in rows.unresolved)
    assert ("py/main.py:run", "py/other.py:only_here", "calls", 21, "unique_name") in rows.edges


def add_raw_references(storage: CozoDbStorage, rows: list[list]) -> None:
    """Add raw references (RawReference order) to those stored: each file's packed row is
    read, extended and written back."""
    added: dict[str, list[list]] = defaultdict(list)
    for row in rows:
        added[row[7]].append(row)
    stored = _packed_references(storage)
    storage.write_rows("put_file_references", [
        pack_file_references(path, [*unpack_file_references(path, stored.get(path, "[]")), *more])
        for path, more in added.items()
    ])


def test_rows_extraction_does_not_write_today(tmp_path: Path) -> None:
    """Raw references the extractor does not produce today (it folds whitespace, and one
    call has one qualifier), written into a real database beside real ones: the two
    implementations must still agree, on the Datalog's conventions."""
    tree = write_tree(tmp_path / "tree", PYTHON_TREE)
    with ingested(tree, "rocksdb", tmp_path / "db") as storage:
        key_of = {label: key for key, label in entity_labels(storage).items()}
        run, helper = key_of["main.py:run"], key_of["pkg/graph.py:Base.helper"]

        def call(from_key: str, name: str, line: int, receiver: str = "", scope: str = "",
                 receiver_type: str = "", file_path: str = "main.py") -> list:
            return [from_key, "call", name, line, receiver, scope, "", file_path,
                    receiver_type, ""]

        add_raw_references(
            storage,
            [
                # Qualifiers and receiver types with line breaks (Cozo's regexes cut them at
                # the first '.' no line break follows).
                call(run, "h", 50, receiver="nx\n.sub.deep"),
                call(run, "h", 51, receiver="nx.sub\n.deep"),
                call(run, "h", 52, receiver="nx.sub.deep\n"),
                call(run, "f", 53, receiver="ab\n"),
                call(run, "helper", 54, receiver="q", receiver_type="nx.\nGraph"),
                call(run, "helper", 55, receiver="q", receiver_type="nx\n.Graph"),
                call(run, "h", 56, scope="nx.sub.deep"),  # a dotted scope, no receiver
                # One call written with a receiver and with a scope of the same text and
                # different receiver types: one reference, with the greater type.
                call(helper, "run", 60, receiver="x", receiver_type="Middle",
                     file_path="pkg/graph.py"),
                call(helper, "run", 60, scope="x", receiver_type="Loop1",
                     file_path="pkg/graph.py"),
                # References of a key that is no entity: nothing to draw an edge from.
                call("python:fn:ghost:__main:T0", "only_here", 3),
                ["python:module:ghost:__main:T0", "import", "Graph", 1, "", "pkg", "",
                 "main.py", "", "pkg"],
            ],
        )
        # What the pipeline's resolution writes for the references now stored.
        storage.run_named_write("clear_resolution")
        resolve_everything(storage, load_codebase_index(storage))
        rows = readable(storage, assert_implementations_agree(storage))
    assert ("main.py:run", "pkg/sub/deep.py:h", "calls", 56, "import") in rows.edges
    assert ("main.py:run", "nx.sub\n.deep.h", "calls", 51, 0) in rows.unresolved
    assert ("pkg/graph.py:Base.helper", "pkg/graph.py:Middle.run", "calls", 60,
            "receiver_type") in rows.edges
    assert not any("ghost" in edge[0] for edge in rows.edges)


# -- the real `multi` corpus ----------------------------------------------------------------


# The languages of bench/corpora.py's per-language oracle corpora (`oracle-<language>`).
ORACLE_LANGUAGES = (
    "c", "cpp", "csharp", "go", "java", "javascript", "kotlin", "php", "ruby", "rust", "sql",
    "swift", "typescript",
)


@contextmanager
def ingested_corpus(name: str, database_path: Path) -> Iterator[tuple[int, CozoDbStorage]]:
    """A bench/corpora.py corpus (built, or taken from the cache) ingested with 2 jobs."""
    from bench.corpora import build_corpus

    root = build_corpus(name)
    config = StreamerConfig.new("rocksdb", database_path).with_parallel(True)
    config.jobs = 2
    with CodebaseStreamer(config) as streamer:
        summary = streamer.stream_directory(root)
        yield summary.files_ingested, streamer.storage()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_multi_corpus(multi_corpus: IngestedCorpus, tmp_path: Path) -> None:
    """>= 1,000 real Rust, Go and Python files (bench/corpora.py's `multi`)."""
    with CozoDbStorage(multi_corpus.copy(tmp_path / "db")) as storage:
        resolution = assert_implementations_agree(storage)
        files = storage.get_stats().files_by_status["ingested"]
    assert files >= 1000
    assert len(resolution.edges) > 10_000 and len(resolution.unresolved) > 10_000
    assert {row[5] for row in resolution.edges} == {
        "local_scope", "self", "super", "receiver_type", "import", "type_member",
        "same_file", "same_package", "unique_name",
    }


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("language", ORACLE_LANGUAGES)
def test_oracle_corpus(language: str, tmp_path: Path) -> None:
    """Real code of each language the `multi` corpus has not (and of Go and Rust again)."""
    with ingested_corpus(f"oracle-{language}", tmp_path / "db") as (files, storage):
        resolution = assert_implementations_agree(storage)
    assert files >= 40
    assert resolution.edges and resolution.unresolved


GO_RECEIVERS_TREE = {
    "cli/command.go": """
        package cli

        type Command struct {
            parent *Command
        }

        func (c *Command) Run() {
            c.Flags()
        }

        func parameter(other Command) {
            other.Flags()
        }

        func declared() {
            var v *Command
            v.Flags()
        }

        func literal() {
            x := &Command{}
            x.Name()
            x := lookup()
            x.Flags()
        }

        func initialised() {
            var y = Command{}
            y.Name()
            for _, y := range list() {
                y.Flags()
            }
        }
    """,
    "cli/flags.go": """
        package cli

        func (c *Command) Flags() int { return 0 }

        func (c Command) Name() string { return "" }

        func lookup() int { return 0 }

        func list() []int { return nil }
    """,
    "other/flags.go": """
        package other

        type Command struct{}

        func (c *Command) Flags() int { return 1 }
    """,
    "app/main.go": """
        package main

        import "cli"

        func run(cmd *cli.Command) {
            cmd.Flags()
        }
    """,
}


def test_go_method_calls_through_the_receivers_type(tmp_path: Path) -> None:
    """`x.M()` reaches the method `M` declared with a receiver of x's type, in any file of the
    type's package (never the same-named method of another package's type)."""
    rows = resolve_tree(tmp_path, GO_RECEIVERS_TREE)
    command, flags = "cli/command.go", "cli/flags.go"
    assert {
        (f"{command}:Command.Run", f"{flags}:Command.Flags", "calls", 8, "receiver_type"),
        (f"{command}:parameter", f"{flags}:Command.Flags", "calls", 12, "receiver_type"),
        (f"{command}:declared", f"{flags}:Command.Flags", "calls", 17, "receiver_type"),
        (f"{command}:literal", f"{flags}:Command.Name", "calls", 22, "receiver_type"),
        (f"{command}:initialised", f"{flags}:Command.Name", "calls", 29, "receiver_type"),
        # `*cli.Command` through the import of the package.
        ("app/main.go:run", f"{flags}:Command.Flags", "calls", 6, "receiver_type"),
    } <= rows.edges
    # `x := lookup()` and `for _, y := range` declare the names again, with unknown types.
    assert (f"{command}:literal", "x.Flags", "calls", 24, 0) in rows.unresolved
    assert (f"{command}:initialised", "y.Flags", "calls", 31, 0) in rows.unresolved
    assert not any(
        edge[1].startswith("other/") for edge in rows.edges if not edge[0].startswith("other/")
    )
