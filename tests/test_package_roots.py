"""Package roots: the same answers whichever folder of a project is ingested (issue 19,
item 6). A Python package ingested alone keeps its package prefix (`__init__.py` above
the folder); a Go module's files answer to its `go.mod` path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project_trees import write
from test_incremental import age_tree, assert_equals_full_rebuild

from bench.package_roots import Edge
from bench.package_roots import package_edges as ingested_package_edges
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.ingest.package_roots import ROOTS_CHANGED
from parseltongue.languages import (
    LanguageFileError,
    RootManifest,
    language_named,
    read_language_file,
)
from parseltongue.languages.modules import module_paths_for_file, normalise_import_module
from parseltongue.languages.roots import PackageRoots, find_package_roots, read_manifest_name

PYTHON = language_named("python")
GO = language_named("go")


def write_python_package(parent: Path) -> Path:
    """`shop/` (a package, absolute and relative imports) inside a folder that is none."""
    write(parent / "shop" / "__init__.py", "from shop.orders import place\n")
    write(parent / "shop" / "orders.py", (
        "from shop.pricing.rules import discount\n"
        "import shop.pricing.tax as tax\n"
        "from . import stock\n\n\n"
        "def place(order):\n"
        "    stock.reserve(order)\n"
        "    return discount(order) + tax.vat(order)\n"
    ))
    write(parent / "shop" / "stock.py", "def reserve(order):\n    return order\n")
    write(parent / "shop" / "pricing" / "__init__.py", "")
    write(parent / "shop" / "pricing" / "tax.py", "def vat(order):\n    return 0.2\n")
    write(parent / "shop" / "pricing" / "rules.py", (
        "from .. import stock\n"
        "from ...shop import orders\n\n\n"
        "def discount(order):\n"
        "    stock.reserve(order)\n"
        "    return 0\n\n\n"
        "def again(order):\n"
        "    return orders.place(order)\n"
    ))
    write(parent / "README.md", "not a package\n")
    return parent / "shop"


def write_go_module(parent: Path) -> Path:
    """A module `example.com/tool` in the folder `tool/`, one package importing another."""
    write(parent / "tool" / "go.mod", "// the tool\nmodule example.com/tool\n\ngo 1.21\n")
    write(parent / "tool" / "main.go", (
        'package main\n\nimport txt "example.com/tool/text"\n\n'
        "func main() {\n\ttxt.Shout(\"hi\")\n}\n"
    ))
    write(parent / "tool" / "text" / "shout.go", (
        "package text\n\nimport \"strings\"\n\n"
        "func Shout(s string) string {\n\treturn strings.ToUpper(s)\n}\n"
    ))
    return parent / "tool"


def package_edges(root: Path, package_folder: str) -> set[Edge]:
    """The non-containment edges among the files under `package_folder` (a path under
    `root`, "" for all), each end named by its file under that folder, type and qualified
    name (a module's is its module path's: the same whichever folder was ingested)."""
    _, edges = ingested_package_edges(root, package_folder, jobs=1)
    return {edge for edge in edges if edge[2] != "contains"}


def test_a_python_package_ingested_alone_has_the_edges_it_has_in_its_parent(
    tmp_path: Path,
) -> None:
    package = write_python_package(tmp_path / "project")
    from_parent = package_edges(tmp_path / "project", "shop")
    alone = package_edges(package, "")
    assert alone == from_parent
    calls = {(source[2], target[2], how) for source, target, kind, how, _ in alone
             if kind == "calls"}
    # Modules are named by their module paths: the package's own `__init__.py` is `shop`.
    modules = {source for source, *_ in alone if source[1] == "module"}
    assert {("__init__.py", "module", "shop"), ("pricing/rules.py", "module",
                                                 "shop.pricing.rules")} <= modules
    # Absolute imports of the package's own modules, `from . import`, and `from ...shop`
    # (which climbs to the folder above the package) all resolve.
    assert calls >= {
        ("place", "discount", "import"),
        ("place", "vat", "import"),
        ("place", "reserve", "import"),
        ("discount", "reserve", "import"),
        ("again", "place", "import"),
    }


def test_a_subpackage_ingested_alone_keeps_every_package_above_it(tmp_path: Path) -> None:
    package = write_python_package(tmp_path / "project")
    roots = find_package_roots(package / "pricing", [("rules.py", "python")])
    assert roots == PackageRoots((("python", "", "shop/pricing"),))
    assert package_edges(package / "pricing", "") == package_edges(package, "pricing")


def test_a_go_module_ingested_from_its_folder_or_its_parent_has_the_same_edges(
    tmp_path: Path,
) -> None:
    module = write_go_module(tmp_path / "work")
    alone = package_edges(module, "")
    assert alone == package_edges(tmp_path / "work", "tool")
    assert (("main.go", "fn", "main"), ("text/shout.go", "fn", "Shout"), "calls", "import",
            (6,)) in alone


def test_a_folder_inside_a_go_module_answers_to_the_module_path(tmp_path: Path) -> None:
    module = write_go_module(tmp_path / "work")
    roots = find_package_roots(module / "text", [("shout.go", "go")])
    assert roots == PackageRoots((("go", "", "example.com/tool/text"),))
    # Not `text` alone: Go provides a `text` module (`text/template`), and a folder answers
    # to a path starting like one only at its whole path (go.toml's `provided_modules`).
    assert [path for path, _, _ in module_paths_for_file("shout.go", GO, roots)] == [
        "example.com/tool/text", "tool/text",
    ]


def test_without_a_root_module_paths_are_paths_under_the_ingested_folder(
    tmp_path: Path,
) -> None:
    write(tmp_path / "scripts" / "run.py", "import helpers\n")
    roots = find_package_roots(tmp_path / "scripts", [("run.py", "python")])
    assert roots == PackageRoots()
    assert [path for path, _, _ in module_paths_for_file("run.py", PYTHON, roots)] == ["run"]


def test_the_nearest_root_names_a_file() -> None:
    roots = PackageRoots((
        ("go", "", "example.com/outer"),
        ("go", "vendor/lib", "example.com/lib"),
    ))
    assert roots.module_file_path("vendor/lib/a/b.go", "go") == "example.com/lib/a/b.go"
    assert roots.module_file_path("cmd/main.go", "go") == "example.com/outer/cmd/main.go"
    assert roots.module_file_path("cmd/main.py", "python") == "cmd/main.py"
    assert PackageRoots.from_json(roots.to_json()) == roots
    assert PackageRoots.from_json("not json") == PackageRoots()


def test_python_relative_imports_climb_into_the_packages_above_the_folder() -> None:
    roots = PackageRoots((("python", "", "django/db"),))
    # `from ... import forms` in django/db/models/base.py names django itself.
    assert normalise_import_module("...", "models/base.py", PYTHON, roots) == "django"
    assert normalise_import_module("..utils", "models/base.py", PYTHON, roots) == (
        "django/db/utils"
    )
    assert normalise_import_module("...", "models/base.py", PYTHON) == ""


def test_manifest_names_come_from_a_field_or_a_pattern(tmp_path: Path) -> None:
    write(tmp_path / "package.json", '{"name": "@acme/ui", "author": {"name": "x"}}')
    write(tmp_path / "Cargo.toml", '[package]\nname = "serde_json"\n')
    write(tmp_path / "go.mod", "module  example.com/m/v2 // note\n")
    write(tmp_path / "broken.json", "{")
    assert read_manifest_name(tmp_path / "package.json", RootManifest("package.json", "name"))\
        == "@acme/ui"
    assert read_manifest_name(
        tmp_path / "Cargo.toml", RootManifest("Cargo.toml", "package.name")
    ) == "serde_json"
    assert read_manifest_name(tmp_path / "go.mod", GO.root_manifests[0]) == "example.com/m/v2"
    assert read_manifest_name(tmp_path / "broken.json", RootManifest("broken.json", "name"))\
        is None
    assert read_manifest_name(tmp_path / "missing.json", RootManifest("x", "name")) is None


@pytest.mark.parametrize("entry", [
    '{ file = "go.mod" }',
    '{ file = "go.mod", field = "a", pattern = "b" }',
    '{ file = "go.mod", pattern = "(" }',
    '"go.mod"',
])
def test_a_bad_root_manifest_entry_is_a_clear_error(tmp_path: Path, entry: str) -> None:
    path = write(tmp_path / "toy.toml", (
        'name = "toy"\ngrammar = "python"\nextensions = [".toy"]\n'
        f"root_manifests = [{entry}]\n"
    ))
    with pytest.raises(LanguageFileError, match="root_manifests"):
        read_language_file(path)


def test_a_root_that_changes_between_runs_rebuilds(tmp_path: Path) -> None:
    package = write_python_package(tmp_path / "project")
    age_tree(tmp_path)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(package)
        again = streamer.stream_directory(package)
        assert again.incremental
        # The folder above becomes a package: every module path gains its name.
        write(tmp_path / "project" / "__init__.py", "")
        rebuilt = streamer.stream_directory(package)
        assert not rebuilt.incremental
        assert rebuilt.full_rebuild_reason == ROOTS_CHANGED
        paths = {row["module_path"] for row in streamer.storage().run_named("rows_module_paths")}
        assert "project/shop/orders" in paths
        # A named update whose files would answer to other paths rebuilds too.
        (tmp_path / "project" / "__init__.py").unlink()
        updated = streamer.update_files(package, ["orders.py"])
        assert not updated.incremental
        assert_equals_full_rebuild(streamer.storage(), package)


def test_updates_inside_a_package_equal_a_full_rebuild(tmp_path: Path) -> None:
    package = write_python_package(tmp_path / "project")
    age_tree(tmp_path)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(package)
        (package / "stock.py").unlink()
        write(package / "pricing" / "tax.py", "def vat(order):\n    return 0.25\n")
        summary = streamer.stream_directory(package)
        assert summary.incremental and summary.files_removed == 1
        paths = streamer.storage().run_named("rows_module_paths")
        assert not [row for row in paths if row["file_path"] == "stock.py"]
        assert_equals_full_rebuild(streamer.storage(), package)
        write(package / "stock.py", "def reserve(order):\n    return None\n")
        summary = streamer.update_files(package, ["stock.py"])
        assert summary.incremental
        assert_equals_full_rebuild(streamer.storage(), package)
