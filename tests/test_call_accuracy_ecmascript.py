"""Call edges issue 19 found wrong in TypeScript and JavaScript (items 3, 9, 10), each on a
small tree written for it. As in tests/test_call_accuracy.py, every tree is resolved by the
product and by tests/oracles/resolve.cozo, which must agree row for row (`resolve_tree`);
the edges are then pinned by name."""

from __future__ import annotations

from pathlib import Path

from test_resolve_differential import resolve_tree

OPS = """
    export function pipe(x: number) { return x; }
    export function toJSON(value: unknown) { return value; }
"""


def test_object_literal_members_are_not_in_lexical_scope(tmp_path: Path) -> None:
    """Item 9: a bare `pipe(x)` in a method of an object literal names the imported `pipe`,
    not the object's own (named or not, at the top level or in a function); a bare
    `setTimeout` in an object's `setTimeout` member names the global, so it stays open."""
    rows = resolve_tree(tmp_path, {
        "src/ops.ts": OPS,
        "src/stream.ts": """
            import { pipe, toJSON } from "./ops";

            export const stream = {
              pipe(x: number) { return pipe(x); },
              toJSON() { return toJSON(this); },
            };

            export function make() {
              return {
                pipe: (y: number) => pipe(y),
              };
            }

            export const provider = {
              setTimeout: (run: () => void) => setTimeout(run, 1),
            };
        """,
        "lib/legacy.js": """
            function format(text) { return text; }
            module.exports = {
              format: function (text) { return format(text); },
            };
        """,
    })
    stream = "src/stream.ts"
    assert {
        (f"{stream}:stream.pipe", "src/ops.ts:pipe", "calls", 4, "import"),
        (f"{stream}:stream.toJSON", "src/ops.ts:toJSON", "calls", 5, "import"),
        (f"{stream}:make.pipe", "src/ops.ts:pipe", "calls", 10, "import"),
        ("lib/legacy.js:format@3", "lib/legacy.js:format@1", "calls", 3, "same_file"),
    } <= rows.edges
    # No member of an object literal is the target of a bare call.
    assert not [edge for edge in rows.edges if edge[2] == "calls" and edge[0] == edge[1]]
    assert (f"{stream}:provider.setTimeout", "setTimeout", "calls", 15, 0) in rows.unresolved


def test_a_namespace_import_reaches_a_renamed_export(tmp_path: Path) -> None:
    """Item 10: `import * as core from "./core"` then `core.async(...)`, where core's index
    re-exports a file that exports `async_ as async`; and a plain `import { async }`."""
    rows = resolve_tree(tmp_path, {
        "src/core/api.ts": """
            export function async_(x: number) { return x; }
            function parse_(text: string) { return text; }
            export { async_ as async, parse_ as parse };
        """,
        "src/core/index.ts": 'export * from "./api";\n',
        "src/use.ts": """
            import * as core from "./core";
            import { async, parse } from "./core/api";

            export function run() {
              core.async(1);
              core.parse("x");
              return async(2) + parse("y");
            }
        """,
    })
    api = "src/core/api.ts"
    calls = {(edge[0], edge[1]) for edge in rows.edges if edge[2] == "calls"}
    assert {("src/use.ts:run", f"{api}:async_"), ("src/use.ts:run", f"{api}:parse_")} <= calls
    assert ("src/use.ts:use", f"{api}:async_", "imports", 2, "import") in rows.edges
    assert not [row for row in rows.unresolved if row[0] == "src/use.ts:run"]


def test_prototype_and_exports_assignments_are_entities() -> None:
    """Item 3: `X.prototype.m = function`, `module.exports.f =`, `exports.f =` define."""
    from extraction_views import entity_rows

    from parseltongue.extract import extract_source
    from parseltongue.languages import language_for_path

    source = (
        b"function Cache() { this.data = {}; }\n"
        b"Cache.prototype.get = function (key) { return this.data[key]; };\n"
        b"module.exports.make = function () { return new Cache(); };\n"
        b"exports.clear = (cache) => { cache.data = {}; };\n"
    )
    extraction = extract_source("lib/cache.js", source, language_for_path("a.js"))
    assert entity_rows(extraction)[1:] == [
        ("fn", "Cache", "Cache", 1, 1),
        ("method", "get", "Cache.get", 2, 2),
        ("fn", "make", "make", 3, 3),
        ("fn", "clear", "clear", 4, 4),
    ]
