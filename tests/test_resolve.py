"""Resolution: raw references become edges to one definition each, or stay unresolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.storage import CozoDbStorage

PYTHON_PROJECT = {
    "pkg/__init__.py": "from .graph import Graph\nfrom pkg.util import *\n",
    "pkg/graph.py": (
        "from pkg import util as u\n"
        "\n"
        "\n"
        "class Base:\n"
        "    def base_method(self):\n"
        "        return 1\n"
        "\n"
        "\n"
        "class Graph(Base):\n"
        "    def __init__(self):\n"
        "        self.nodes = []\n"
        "\n"
        "    def add_edge(self, a, b):\n"
        "        self.helper()\n"
        "        self.base_method()\n"
        "        return u.normalise(a)\n"
        "\n"
        "    def helper(self):\n"
        "        return helper_fn()\n"
        "\n"
        "\n"
        "def helper_fn():\n"
        "    def inner():\n"
        "        return 3\n"
        "    return inner()\n"
    ),
    "pkg/util.py": (
        "def normalise(x):\n"
        "    return x\n"
        "\n"
        "\n"
        "def unique_thing():\n"
        "    return normalise(2)\n"
    ),
    "pkg/other.py": "def normalise(y):\n    return y\n",
    "main.py": (
        "import pkg\n"
        "import pkg.graph as pg\n"
        "from pkg import Graph, unique_thing\n"
        "\n"
        "\n"
        "def run():\n"
        "    g = Graph()\n"
        "    g.add_edge(1, 2)\n"
        "    unique_thing()\n"
        "    pg.helper_fn()\n"
        "    h = pkg.Graph()\n"
        "    h.helper()\n"
        "    normalise(3)\n"
        "    x = []\n"
        "    x.append(1)\n"
    ),
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative_path, text in files.items():
        path = root / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def python_graph(tmp_path_factory: pytest.TempPathFactory) -> CozoDbStorage:
    root = write_tree(tmp_path_factory.mktemp("resolve") / "project", PYTHON_PROJECT)
    streamer = CodebaseStreamer(StreamerConfig(database="mem", parallel=False))
    streamer.stream_directory(root)
    return streamer.storage()


def edges(storage: CozoDbStorage, edge_type: str) -> set[tuple[str, str, str, int]]:
    rows = storage.query_read_only(
        "?[from_name, to_file, to_name, resolution, line] := "
        "*dependency_edges{from_key, to_key, edge_type, resolution, source_line: line},"
        " edge_type == $type,"
        " *code_entities{key: from_key, qualified_name: from_name},"
        " *code_entities{key: to_key, file_path: to_file, qualified_name: to_name}",
        {"type": edge_type},
    )
    # The target as `file:qualified name`: two files may define the same name.
    return {
        (r["from_name"], f"{r['to_file']}:{r['to_name']}", r["resolution"], r["line"])
        for r in rows
    }


def test_calls_resolve_through_scopes_classes_types_and_imports(
    python_graph: CozoDbStorage,
) -> None:
    graph, util = "pkg/graph.py", "pkg/util.py"
    assert edges(python_graph, "calls") == {
        ("Graph.add_edge", f"{graph}:Graph.helper", "self", 14),
        ("Graph.add_edge", f"{graph}:Base.base_method", "self", 15),  # inherited
        ("Graph.add_edge", f"{util}:normalise", "import", 16),  # module alias `u`
        ("Graph.helper", f"{graph}:helper_fn", "same_file", 19),
        ("helper_fn", f"{graph}:helper_fn.inner", "local_scope", 25),
        ("unique_thing", f"{util}:normalise", "same_file", 6),
        ("run", f"{graph}:Graph", "import", 7),  # constructor, via pkg/__init__'s re-export
        ("run", f"{graph}:Graph.__init__", "import", 7),  # and the `__init__` it runs
        ("run", f"{graph}:Graph.add_edge", "receiver_type", 8),
        ("run", f"{util}:unique_thing", "import", 9),  # via pkg/__init__'s `*` import
        ("run", f"{graph}:helper_fn", "import", 10),  # `import pkg.graph as pg`
        ("run", f"{graph}:Graph.helper", "receiver_type", 12),  # `h = pkg.Graph()`
    }


def test_an_ambiguous_or_external_call_is_kept_unresolved_with_its_candidates(
    python_graph: CozoDbStorage,
) -> None:
    [run] = python_graph.query_read_only("?[key] := *code_entities:by_name{name: 'run', key}")
    rows = python_graph.run_named("unresolved_references", limit=100_000)
    assert {
        (r["name"], r["source_line"], r["candidates"]) for r in rows if r["from_key"] == run["key"]
    } == {
        ("normalise", 13, 2),  # defined in util.py and other.py, imported by neither
        ("x.append", 15, 0),  # a list method: outside the codebase
    }


def test_bases_and_imports_become_edges(python_graph: CozoDbStorage) -> None:
    assert edges(python_graph, "extends") == {("Graph", "pkg/graph.py:Base", "same_file", 9)}
    assert edges(python_graph, "imports") == {
        ("main", "pkg/__init__.py:pkg", "import", 1),
        ("main", "pkg/graph.py:pkg.graph", "import", 2),
        ("main", "pkg/graph.py:Graph", "import", 3),  # re-exported by pkg/__init__.py
        ("main", "pkg/util.py:unique_thing", "import", 3),  # through its `*` import
        ("pkg", "pkg/graph.py:Graph", "import", 1),
        ("pkg.graph", "pkg/util.py:pkg.util", "import", 1),
    }


RUST_PROJECT = {
    "shapes/src/lib.rs": (
        "pub mod geometry;\n"
        "use crate::geometry::Point;\n"
        "\n"
        "pub fn origin() -> Point {\n"
        "    Point::new(0, 0)\n"
        "}\n"
    ),
    "shapes/src/geometry.rs": (
        "pub struct Point { x: i32, y: i32 }\n"
        "\n"
        "impl Point {\n"
        "    pub fn new(x: i32, y: i32) -> Self {\n"
        "        Point { x, y }\n"
        "    }\n"
        "    pub fn norm(&self) -> i32 {\n"
        "        self.dot(self)\n"
        "    }\n"
        "}\n"
        "\n"
        "impl Point {\n"
        "    pub fn dot(&self, other: &Point) -> i32 {\n"
        "        self.x * other.x + self.y * other.y\n"
        "    }\n"
        "}\n"
    ),
}


def test_rust_associated_and_self_calls_reach_methods_of_every_impl_block(
    tmp_path: Path,
) -> None:
    root = write_tree(tmp_path / "crate", RUST_PROJECT)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        calls = edges(streamer.storage(), "calls")
    geometry = "shapes/src/geometry.rs"
    assert ("origin", f"{geometry}:Point::new", "type_member", 5) in calls
    assert ("Point::norm", f"{geometry}:Point::dot", "self", 8) in calls


def test_names_the_language_provides_are_not_pinned_to_a_lookalike(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "project",
        {
            "helpers/sizes.py": "def len(items):\n    return 0\n",
            "app.py": "def count(items):\n    return len(items)\n",
            "consts.rs": "pub const T: u8 = 1;\n",
            "lib.rs": (
                "pub fn first<T: Clone>(items: &[T]) -> Option<T> {\n"
                "    items.first().cloned()\n"
                "}\n"
            ),
        },
    )
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        storage = streamer.storage()
        assert edges(storage, "calls") == set()  # `len` is Python's, whatever helpers/ defines
        assert edges(storage, "uses") == set()  # the generic `T` is not consts.rs's `const T`
        unresolved = storage.run_named("unresolved_references", limit=100_000)
    assert {"len", "T"} <= {row["name"] for row in unresolved}
