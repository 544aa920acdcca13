"""Package roots from manifests other than go.mod (issue 19, item 6): a JavaScript or
TypeScript package's files answer to its package.json `name`, a Rust crate's to its
Cargo.toml `[package] name` (its `src/` files to the name and their path under `src/`, where
`crate::` starts), so the package has the same edges whether it or its parent is ingested.
"""

from __future__ import annotations

from pathlib import Path

from project_trees import write
from test_package_roots import package_edges

from parseltongue.languages import language_named
from parseltongue.languages.modules import module_paths_for_file, normalise_import_module
from parseltongue.languages.roots import PackageRoots, find_package_roots, read_manifest_name

RUST = language_named("rust")
TYPESCRIPT = language_named("typescript")


def write_ts_packages(parent: Path) -> Path:
    """A monorepo folder with two packages: `@acme/ui` and an app importing it by name."""
    ui = parent / "packages" / "ui"
    write(ui / "package.json", '{"name": "@acme/ui", "version": "1.0.0"}\n')
    write(ui / "index.ts", "export { Button } from './src/button';\n")
    write(ui / "src" / "button.ts", (
        "import { upper } from './text/case';\n"
        "export class Button {\n"
        "  label(text: string): string {\n"
        "    return upper(text);\n"
        "  }\n"
        "}\n"
    ))
    write(ui / "src" / "text" / "case.ts", (
        "export function upper(s: string): string {\n  return s.toUpperCase();\n}\n"
    ))
    app = parent / "packages" / "app"
    write(app / "package.json", '{"name": "app", "private": true}\n')
    write(app / "main.js", (
        "const { Button } = require('@acme/ui');\n"
        "function main() {\n  return new Button();\n}\n"
    ))
    return ui


def write_rust_workspace(parent: Path) -> Path:
    """A workspace (no `[package]`) with a crate `text-tools` and a binary using it."""
    write(parent / "Cargo.toml", '[workspace]\nmembers = ["text-tools", "app"]\n')
    crate = parent / "text-tools"
    write(crate / "Cargo.toml", '[package]\nname = "text-tools"\nversion = "0.1.0"\n')
    write(crate / "src" / "lib.rs", (
        "pub mod case;\npub mod shout;\n\nuse crate::shout::loud;\n\n"
        "pub fn run() -> String {\n    loud(\"hi\")\n}\n"
    ))
    write(crate / "src" / "shout.rs", (
        "use crate::case::upper;\n\n"
        "pub fn loud(s: &str) -> String {\n    upper(s)\n}\n"
    ))
    write(crate / "src" / "case.rs", (
        "pub fn upper(s: &str) -> String {\n    s.to_uppercase()\n}\n"
    ))
    write(parent / "app" / "Cargo.toml", '[package]\nname = "app"\n')
    write(parent / "app" / "src" / "main.rs", (
        "use text_tools::shout::loud;\n\nfn main() {\n    loud(\"x\");\n}\n"
    ))
    return crate


def test_a_typescript_package_ingested_alone_has_the_edges_it_has_in_its_parent(
    tmp_path: Path,
) -> None:
    ui = write_ts_packages(tmp_path / "repo")
    alone = package_edges(ui, "")
    assert alone == package_edges(tmp_path / "repo", "packages/ui")
    assert (("src/button.ts", "method", "Button.label"), ("src/text/case.ts", "fn", "upper"),
            "calls", "import", (4,)) in alone


def test_a_folder_inside_a_typescript_package_has_the_edges_it_has_in_the_package(
    tmp_path: Path,
) -> None:
    ui = write_ts_packages(tmp_path / "repo")
    assert package_edges(ui / "src", "") == package_edges(ui, "src")
    roots = find_package_roots(ui / "src", [("button.ts", "typescript")])
    assert roots == PackageRoots((("typescript", "", "@acme/ui/src"),))


def test_a_package_imported_by_its_name_resolves_in_the_monorepo(tmp_path: Path) -> None:
    write_ts_packages(tmp_path / "repo")
    edges = package_edges(tmp_path / "repo", "")
    # app/main.js requires `@acme/ui` (its index re-exports Button): the name reaches it.
    assert any(
        source == ("packages/app/main.js", "fn", "main")
        and target == ("packages/ui/src/button.ts", "class", "Button")
        for source, target, *_ in edges
    ), sorted(edges)
    roots = find_package_roots(tmp_path / "repo", [
        ("packages/ui/index.ts", "typescript"), ("packages/app/main.js", "javascript"),
    ])
    assert roots == PackageRoots((
        ("javascript", "packages/app", "app"), ("typescript", "packages/ui", "@acme/ui"),
    ))


def test_a_rust_crate_ingested_alone_has_the_edges_it_has_in_its_workspace(
    tmp_path: Path,
) -> None:
    crate = write_rust_workspace(tmp_path / "work")
    alone = package_edges(crate, "")
    assert alone == package_edges(tmp_path / "work", "text-tools")
    # `use crate::shout::loud` and `use crate::case::upper` resolve from the crate's root.
    assert (("src/lib.rs", "fn", "run"), ("src/shout.rs", "fn", "loud"), "calls", "import",
            (7,)) in alone
    assert (("src/shout.rs", "fn", "loud"), ("src/case.rs", "fn", "upper"), "calls", "import",
            (4,)) in alone


def test_a_rust_crate_src_folder_ingested_alone_answers_to_the_crate(tmp_path: Path) -> None:
    crate = write_rust_workspace(tmp_path / "work")
    roots = find_package_roots(crate / "src", [("shout.rs", "rust")])
    assert roots == PackageRoots((("rust", "", "text_tools"),), (("rust", ""),))
    assert package_edges(crate / "src", "") == package_edges(crate, "src")


def test_another_crate_reaches_a_crate_by_its_name(tmp_path: Path) -> None:
    write_rust_workspace(tmp_path / "work")
    edges = package_edges(tmp_path / "work", "")
    assert (("app/src/main.rs", "fn", "main"), ("text-tools/src/shout.rs", "fn", "loud"),
            "calls", "import", (4,)) in edges


def test_a_crate_answers_to_its_name_though_another_crate_has_a_file_of_that_name(
    tmp_path: Path,
) -> None:
    """`rand` is the rand crate's lib.rs, though `runtime/src/util/rand.rs` ends in `rand`
    too: a module path that is one unit's whole name names that unit."""
    work = tmp_path / "work"
    write(work / "rand" / "Cargo.toml", '[package]\nname = "rand"\n')
    write(work / "rand" / "src" / "lib.rs", "pub mod rng;\npub mod seq;\npub use rng::Rng;\n")
    write(work / "rand" / "src" / "rng.rs", "pub trait Rng {\n    fn next(&mut self) -> u32;\n}\n")
    write(work / "rand" / "src" / "seq.rs", (
        "use crate::Rng;\n\npub fn pick<R: Rng>(rng: &mut R) -> u32 {\n    rng.next()\n}\n"
    ))
    write(work / "runtime" / "Cargo.toml", '[package]\nname = "runtime"\n')
    write(work / "runtime" / "src" / "lib.rs", "mod util;\n")
    write(work / "runtime" / "src" / "util" / "rand.rs", "pub fn seed() -> u64 {\n    7\n}\n")
    edges = package_edges(work, "rand")
    assert (("src/seq.rs", "fn", "pick"), ("src/rng.rs", "trait", "Rng"), "uses", "import",
            (3,)) in edges, sorted(edges)
    assert package_edges(work / "rand", "") == edges


def test_cargo_names_are_written_as_rust_paths_and_src_is_the_crate_root(
    tmp_path: Path,
) -> None:
    crate = write_rust_workspace(tmp_path / "work")
    write(crate / "tests" / "it.rs", "mod common;\nuse crate::common::helper;\n")
    roots = find_package_roots(tmp_path / "work", [
        ("text-tools/src/lib.rs", "rust"), ("text-tools/tests/it.rs", "rust"),
        ("app/src/main.rs", "rust"),
    ])
    # The workspace's Cargo.toml names no package; an integration test is a crate of its own
    # (its `crate::` is its own), though it answers to the crate's name too.
    assert roots == PackageRoots((
        ("rust", "app", "app"), ("rust", "app/src", "app"),
        ("rust", "text-tools", "text_tools"), ("rust", "text-tools/src", "text_tools"),
    ), (("rust", "app/src"), ("rust", "text-tools/src")))
    assert PackageRoots.from_json(roots.to_json()) == roots
    assert roots.module_file_path("text-tools/tests/it.rs", "rust") == (
        "text_tools/tests/it.rs"
    )
    assert normalise_import_module(
        "crate::common::helper", "text-tools/tests/it.rs", RUST, roots
    ) == "common/helper"
    assert find_package_roots(crate / "tests", [("it.rs", "rust")]) == PackageRoots(
        (("rust", "", "text_tools/tests"),)
    )
    roots = PackageRoots((("rust", "tt/src", "text_tools"),), (("rust", "tt/src"),))
    assert roots.module_file_path("tt/src/a/b.rs", "rust") == "text_tools/a/b.rs"
    assert [path for path, _, _ in module_paths_for_file("tt/src/lib.rs", RUST, roots)] == [
        "text_tools",
    ]
    assert normalise_import_module("crate::a::b", "tt/src/c/d.rs", RUST, roots) == (
        "text_tools/a/b"
    )
    assert normalise_import_module("super::x", "tt/src/c/d.rs", RUST, roots) == (
        "text_tools/c/x"
    )
    # Without a Cargo.toml, `crate::` starts at the innermost `src/` folder, as before.
    assert normalise_import_module("crate::a", "tt/src/c/d.rs", RUST) == "tt/src/a"


def test_manifests_without_the_name_make_no_root(tmp_path: Path) -> None:
    write(tmp_path / "Cargo.toml", '[workspace]\nmembers = ["a"]\n')
    write(tmp_path / "package.json", '{"private": true}\n')
    rust_manifest, = RUST.root_manifests
    ts_manifest, = TYPESCRIPT.root_manifests
    assert read_manifest_name(tmp_path / "Cargo.toml", rust_manifest) is None
    assert read_manifest_name(tmp_path / "package.json", ts_manifest) is None
    write(tmp_path / "Cargo.toml", '[package]\nname = "my-crate"\n')
    assert read_manifest_name(tmp_path / "Cargo.toml", rust_manifest) == "my_crate"
