"""Go call edges (issue 19, item 1, and what go/types showed missing around it), each on a
small tree written for it. Every tree is resolved by the product and by
tests/oracles/resolve.cozo, which must agree row for row (`resolve_tree`); the edges are then
pinned by name, with the evidence that found them."""

from __future__ import annotations

from pathlib import Path

from test_resolve_differential import resolve_tree


def test_a_method_is_no_name_of_its_file(tmp_path: Path) -> None:
    """A bare call never reaches a method: `Equal()` inside `(a *Assertions) Equal` calls
    the package's function `Equal`, and a bare `Helper()` with only a method of that name
    stays unresolved (no codebase-wide unique-name guess)."""
    rows = resolve_tree(tmp_path, {
        "assert/forward.go": """
            package assert

            type Assertions struct{}

            func (a *Assertions) Equal(x int) bool {
                return Equal(x)
            }

            func (a *Assertions) Helper() {}

            func run() {
                Helper()
            }
        """,
        "assert/assertions.go": """
            package assert

            func Equal(x int) bool { return x == 0 }
        """,
    })
    forward = "assert/forward.go"
    assert (
        f"{forward}:Assertions.Equal", "assert/assertions.go:Equal", "calls", 6, "same_package"
    ) in rows.edges
    assert not any(edge[0] == f"{forward}:run" for edge in rows.edges)
    assert (f"{forward}:run", "Helper", "calls", 12, 0) in rows.unresolved


def test_a_bare_name_sees_the_other_files_of_its_package(tmp_path: Path) -> None:
    """`scale()` is defined in another file of the package, and in another package too:
    the package's own wins (the unique-name guess could not pin it)."""
    rows = resolve_tree(tmp_path, {
        "shapes/circle.go": """
            package shapes

            type Circle struct{ R int }

            func (c *Circle) Area() int {
                return c.R * c.R * scale()
            }
        """,
        "shapes/util.go": """
            package shapes

            func scale() int { return 3 }
        """,
        "other/util.go": """
            package other

            func scale() int { return 4 }

            func use() int { return scale() }
        """,
    })
    assert {
        ("shapes/circle.go:Circle.Area", "shapes/util.go:scale", "calls", 6, "same_package"),
        ("other/util.go:use", "other/util.go:scale", "calls", 5, "same_file"),
    } <= rows.edges


def test_an_import_binds_the_name_its_package_declares(tmp_path: Path) -> None:
    """`import "example.com/yaml.v3"` binds `yaml`, the name the package's files declare
    (not the path, nor its last element); an alias still binds the alias; the folder's
    external test package (`yaml_test`) does not make the name ambiguous."""
    rows = resolve_tree(tmp_path, {
        "example.com/yaml.v3/yaml.go": """
            package yaml

            func Marshal(v int) string { return "" }
        """,
        "example.com/yaml.v3/yaml_test.go": """
            package yaml_test

            func helper() {}
        """,
        "example.com/app/main.go": """
            package main

            import (
                "example.com/yaml.v3"
                y3 "example.com/yaml.v3"
            )

            func main() {
                yaml.Marshal(1)
                y3.Marshal(2)
            }
        """,
    })
    main = "example.com/app/main.go:main@8"
    # The edge's first site is `yaml.Marshal` (line 9); `y3.Marshal` (10) is its second.
    assert (main, "example.com/yaml.v3/yaml.go:Marshal", "calls", 9, "import") in rows.edges
    assert not any(row[0] == main for row in rows.unresolved)
