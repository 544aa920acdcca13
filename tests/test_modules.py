"""Module paths: what a file answers to as a module, and where an import points."""

from __future__ import annotations

import pytest

from parseltongue.languages import language_named
from parseltongue.languages.modules import module_paths_for_file, normalise_import_module


def test_a_python_file_answers_to_every_suffix_of_its_module_path() -> None:
    python = language_named("python")
    assert module_paths_for_file("networkx/algorithms/dag.py", python) == [
        ("networkx/algorithms/dag", 3, "networkx/algorithms/dag"),
        ("algorithms/dag", 2, "networkx/algorithms/dag"),
        ("dag", 1, "networkx/algorithms/dag"),
    ]


def test_a_package_index_file_answers_for_its_folder() -> None:
    python = language_named("python")
    assert [path for path, _, _ in module_paths_for_file("pkg/sub/__init__.py", python)] == [
        "pkg/sub",
        "sub",
    ]
    rust = language_named("rust")
    assert module_paths_for_file("serde/src/de/mod.rs", rust)[0] == (
        "serde/src/de", 3, "serde/src/de"
    )


def test_go_files_share_their_folder_as_one_module_unit() -> None:
    go = language_named("go")
    assert module_paths_for_file("cmd/server/main.go", go)[0] == ("cmd/server", 2, "cmd/server")
    assert module_paths_for_file("cmd/server/routes.go", go)[0] == (
        "cmd/server", 2, "cmd/server"
    )


def test_a_go_folder_answers_to_a_standard_library_path_only_at_its_whole_path() -> None:
    """`github.com/pkg/errors` is no `errors` (an `import "errors"` means the standard
    library's); `net/http` of `x/net/http` neither; a root folder `errors` still is."""
    go = language_named("go")
    assert [path for path, _, _ in module_paths_for_file("github.com/pkg/errors/e.go", go)] == [
        "github.com/pkg/errors", "pkg/errors",
    ]
    assert [path for path, _, _ in module_paths_for_file("x/net/http/h.go", go)] == [
        "x/net/http", "http",
    ]
    assert [path for path, _, _ in module_paths_for_file("errors/e.go", go)] == ["errors"]


@pytest.mark.parametrize(
    ("language", "written", "file_path", "expected"),
    [
        ("python", "a.b", "x.py", "a/b"),
        ("python", ".", "pkg/sub/mod.py", "pkg/sub"),
        ("python", ".util", "pkg/sub/mod.py", "pkg/sub/util"),
        ("python", "..a.b", "pkg/sub/mod.py", "pkg/a/b"),
        ("rust", "crate::de::value", "serde-1.0/src/de/mod.rs", "serde-1.0/src/de/value"),
        ("rust", "crate::x", "lib.rs", "x"),
        ("rust", "super::a", "c/src/x/y.rs", "c/src/x/a"),
        ("rust", "self::a", "c/src/lib.rs", "c/src/a"),
        ("rust", "std::fmt", "c/src/lib.rs", "std/fmt"),
        ("javascript", "./util.js", "src/app/main.js", "src/app/util"),
        ("javascript", "../lib", "src/app/main.js", "src/lib"),
        ("javascript", "../../../outside", "src/main.js", ""),
        ("typescript", "./components/index", "src/app.ts", "src/components"),
        ("go", "github.com/pkg/errors", "main.go", "github.com/pkg/errors"),
        ("java", "com.example.model", "App.java", "com/example/model"),
        ("php", "App\\Models\\User", "index.php", "App/Models/User"),
        ("c", "util/strings.h", "main.c", "util/strings"),
        ("python", "", "x.py", ""),
    ],
)
def test_imports_normalise_to_module_paths(
    language: str, written: str, file_path: str, expected: str
) -> None:
    assert normalise_import_module(written, file_path, language_named(language)) == expected
