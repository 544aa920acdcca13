"""Go call edges (issue 19, item 1, and what go/types showed missing around it), each on a
small tree written for it. Every tree is resolved by the product and by
tests/oracles/resolve.cozo, which must agree row for row (`resolve_tree`); the edges are then
pinned by name, with the evidence that found them."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_resolve_differential import (
    assert_implementations_agree,
    ingested,
    resolve_tree,
    write_tree,
)

from parseltongue.extract.chains import assumed_package_name, split_chain


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


def test_methods_of_a_defined_type_that_is_no_struct(tmp_path: Path) -> None:
    """`type Key []string` has methods too: `key.String()` on a parameter, `k.add()` on the
    receiver, reach them."""
    rows = resolve_tree(tmp_path, {
        "toml/meta.go": """
            package toml

            type Key []string

            func (k Key) String() string { return "" }

            func (k Key) add(piece string) Key { return k.add(piece) }
        """,
        "toml/parse.go": """
            package toml

            func isImplicit(key Key) bool { return key.String() == "" }
        """,
    })
    meta = "toml/meta.go"
    assert {
        (f"{meta}:Key.add", f"{meta}:Key.add", "calls", 7, "receiver_type"),
        ("toml/parse.go:isImplicit", f"{meta}:Key.String", "calls", 3, "receiver_type"),
    } <= rows.edges


CLI_TREE = {
    "cli/command.go": """
        package cli

        import "flags"

        type Command struct {
            parent *Command
            flags  *flags.FlagSet
            Base
        }

        type Base struct {
            name string
            help *Command
        }

        func NewCommand() *Command { return &Command{} }

        func Open(path string) (*Command, error) { return nil, nil }

        func (c *Command) Flags() *flags.FlagSet { return c.flags }

        func (c *Command) Parent() *Command { return c.parent }

        func (b *Base) Name() string { return b.name }

        func lookup() int { return 0 }
    """,
    "flags/flag.go": """
        package flags

        type FlagSet struct{}

        type Value interface {
            Set(s string) error
        }

        func (f *FlagSet) Lookup(name string) Value { return nil }

        func (f *FlagSet) Parse() {}

        func NewFlagSet() *FlagSet { return nil }
    """,
    "app/main.go": """
        package main

        import (
            "cli"
            "flags"
        )

        func run(cmd *cli.Command) {
            c := cli.NewCommand()
            c.Flags()
            root, err := cli.Open("x")
            root.Parent()
            cmd.Flags().Parse()
            cmd.Parent().Flags().Lookup("v").Set("1")
            cli.NewCommand().Name()
            f := flags.NewFlagSet()
            f.Parse()
            p := c.Parent()
            p.Flags()
            value, ok := f.Lookup("v").(*flags.FlagSet)
            value.Parse()
        }
    """,
    "cli/inside.go": """
        package cli

        func (c *Command) walk() {
            c.parent.Flags()
            c.Base.Name()
            c.Name()
            c.help.Parent()
            n := new(Command)
            n.Flags()
            x := lookup()
            x.Flags()
        }
    """,
}


def test_calls_through_constructors_fields_and_results(tmp_path: Path) -> None:
    """`x := NewX()` / `pkg.NewX()` (its declared result, pointer or not), `x, err :=
    Open()` (the first result), `c.parent.M()` (a field's declared type), a field or method
    promoted from an embedded struct, call chains `c.Flags().Parse()` through results of
    methods, interfaces and functions of other packages, and `new(T)`."""
    rows = resolve_tree(tmp_path, CLI_TREE)
    command, flag, main, inside = "cli/command.go", "flags/flag.go", "app/main.go:run", (
        "cli/inside.go:Command.walk"
    )
    found = {edge for edge in rows.edges if edge[4] == "receiver_type"}
    assert {
        (main, f"{command}:Command.Flags", "calls", 10, "receiver_type"),
        (main, f"{command}:Command.Parent", "calls", 12, "receiver_type"),
        (main, f"{flag}:FlagSet.Parse", "calls", 13, "receiver_type"),
        (main, f"{flag}:FlagSet.Lookup", "calls", 14, "receiver_type"),
        (main, f"{flag}:Value.Set", "calls", 14, "receiver_type"),  # the interface's method
        (main, f"{command}:Base.Name", "calls", 15, "receiver_type"),  # promoted
        (inside, f"{command}:Command.Flags", "calls", 4, "receiver_type"),
        (inside, f"{command}:Base.Name", "calls", 5, "receiver_type"),
        (inside, f"{command}:Command.Parent", "calls", 7, "receiver_type"),  # promoted field
    } <= found
    # `p := c.Parent()` then `p.Flags()`, `f := flags.NewFlagSet()` then `f.Parse()`, `n :=
    # new(Command)` then `n.Flags()`: later sites of the edges above.
    assert {(edge[0], edge[1]) for edge in found} >= {
        (main, f"{flag}:FlagSet.Parse"), (inside, f"{command}:Command.Flags"),
    }
    # `x := lookup()`: a function with no declared type of its own: no type, no edge.
    assert (inside, "x.Flags", "calls", 11, 0) in rows.unresolved


def test_every_chain_site_of_an_edge_is_listed(tmp_path: Path) -> None:
    """The sites of one edge: `c.Flags()` (line 10), `cmd.Flags().Parse()` (13),
    `cmd.Parent().Flags()` (14), `p.Flags()` (19) all reach Command.Flags from run;
    `f.Parse()` after `f := flags.NewFlagSet()` (17) and `value.Parse()` after a type
    assertion (21) reach FlagSet.Parse; `n.Flags()` after `n := new(Command)` (9) reaches
    Command.Flags from walk."""
    tree = write_tree(tmp_path / "tree", CLI_TREE)
    with ingested(tree, "mem", "") as storage:
        assert_implementations_agree(storage)
        sites = {
            (caller, callee): lines
            for caller, callee, lines in storage.query_table(
                "?[caller, callee, lines] := *dependency_edges{from_key, to_key, edge_type,"
                " source_lines: lines}, edge_type == 'calls',"
                " *code_entities{key: from_key, qualified_name: caller},"
                " *code_entities{key: to_key, qualified_name: callee}"
            ).rows
        }
    assert sites[("run", "Command.Flags")] == [10, 13, 14, 19]
    assert sites[("run", "FlagSet.Parse")] == [13, 17, 21]
    assert sites[("Command.walk", "Command.Flags")] == [4, 9]


def test_a_standard_library_import_is_not_a_folder_of_that_name(tmp_path: Path) -> None:
    """`import "errors"` is the standard library's: `errors.New` does not reach
    `github.com/pkg/errors`'s New, which its own import path does reach."""
    rows = resolve_tree(tmp_path, {
        "github.com/pkg/errors/errors.go": """
            package errors

            func New(message string) error { return nil }
        """,
        "app/std.go": """
            package app

            import "errors"

            func standard() error { return errors.New("x") }
        """,
        "app/pkg.go": """
            package app

            import "github.com/pkg/errors"

            func wrapped() error { return errors.New("y") }
        """,
    })
    new = "github.com/pkg/errors/errors.go:New"
    assert {edge[0] for edge in rows.edges if edge[1] == new} == {"app/pkg.go:wrapped"}
    assert ("app/std.go:standard", "errors.New", "calls", 5, 0) in rows.unresolved


def test_an_embedded_type_of_another_file_promotes_its_methods(tmp_path: Path) -> None:
    """`type mockUser struct{ Mock }` in one file of the package, `Mock` in another:
    `u.On()` reaches Mock.On; `var m = new(timer)` types `m` too."""
    rows = resolve_tree(tmp_path, {
        "mock/mock.go": """
            package mock

            type Mock struct{}

            func (m *Mock) On(method string) {}
        """,
        "mock/mock_test.go": """
            package mock

            type mockUser struct {
                Mock
            }

            type timer struct{ Mock }

            func use() {
                u := &mockUser{}
                u.On("a")
                var m = new(timer)
                m.On("b")
            }
        """,
    })
    use = "mock/mock_test.go:use"
    assert (use, "mock/mock.go:Mock.On", "calls", 11, "receiver_type") in rows.edges
    assert ("mock/mock_test.go:mockUser", "mock/mock.go:Mock", "extends", 4, "same_package") in (
        rows.edges
    )
    # `m.On` (line 13) is a second site of that edge; only the builtin `new` stays open.
    assert {row for row in rows.unresolved if row[0] == use} == {(use, "new", "calls", 12, 0)}


def test_package_variables_type_their_calls(tmp_path: Path) -> None:
    """`var std = New()` types `std.Info()` in its file and in the package's other files,
    `pflag.CommandLine.Parse()` through the package's import, `var entry = std.WithField()`
    through a chain; a local `std` of a type not known hides the package's."""
    rows = resolve_tree(tmp_path, {
        "logrus/logger.go": """
            package logrus

            type Logger struct{}

            type Entry struct{}

            func New() *Logger { return &Logger{} }

            func (l *Logger) Info() {}

            func (l *Logger) WithField(key string) *Entry { return nil }

            func (e *Entry) Debug() {}
        """,
        "logrus/exported.go": """
            package logrus

            var std = New()

            var entry = std.WithField("a")

            func Info() {
                std.Info()
                entry.Debug()
            }
        """,
        "logrus/hooks.go": """
            package logrus

            func hook() {
                std.WithField("b").Debug()
            }

            func shadowed() {
                std := lookup()
                std.Info()
            }

            func lookup() int { return 0 }
        """,
        "app/main.go": """
            package main

            import "logrus"

            func main() {
                logrus.Info()
            }
        """,
        "pflag/flag.go": """
            package pflag

            type FlagSet struct{}

            func (f *FlagSet) Parse() {}

            var CommandLine = &FlagSet{}
        """,
        "cobra/command.go": """
            package cobra

            import "pflag"

            func parse() {
                pflag.CommandLine.Parse()
            }
        """,
    })
    logger = "logrus/logger.go"
    assert {
        ("logrus/exported.go:Info", f"{logger}:Logger.Info", "calls", 8, "receiver_type"),
        ("logrus/exported.go:Info", f"{logger}:Entry.Debug", "calls", 9, "receiver_type"),
        ("logrus/hooks.go:hook", f"{logger}:Logger.WithField", "calls", 4, "receiver_type"),
        ("logrus/hooks.go:hook", f"{logger}:Entry.Debug", "calls", 4, "receiver_type"),
        ("cobra/command.go:parse", "pflag/flag.go:FlagSet.Parse", "calls", 6, "receiver_type"),
    } <= rows.edges
    assert ("logrus/hooks.go:shadowed", "std.Info", "calls", 9, 0) in rows.unresolved


@pytest.mark.parametrize(("receiver", "elements"), [
    ("c", ["c"]),
    ('c.Flags().Lookup("x.(y)")', ["c", "Flags()", "Lookup()"]),
    ("c.\n\tparent.Flags()", ["c", "parent", "Flags()"]),
    ("Of[int](x).Push(f(a, b))", ["Of()", "Push()"]),
    ("r.routes[0].Path()", None),  # an index: no chain
    ("v.(*Foo).Bar()", None),  # a type assertion
    ("a + b", None),
    ("f()()", None),
    ('f("unclosed', None),
])
def test_a_receiver_splits_into_names_and_calls(receiver: str, elements: list[str] | None) -> None:
    assert split_chain(receiver) == elements


@pytest.mark.parametrize(("path", "name"), [
    ("gopkg.in/yaml.v3", "yaml"),
    ("github.com/mattn/go-isatty", "isatty"),
    ("github.com/cpuguy83/go-md2man/v2/md2man", "md2man"),
    ("example.com/lib/v2", "lib"),
    ("fmt", "fmt"),
])
def test_an_import_path_is_assumed_to_declare_a_package_as_go_tools_assume(
    path: str, name: str
) -> None:
    assert assumed_package_name(path) == name
