"""TypeScript receivers typed where the code leaves the type to the compiler (what the
compiler oracle found missing on @trpc/server, `bench/ts_call_oracle.py`), each on a small tree
written for it: an interface declared inside the function, a callback's parameters typed by
the function it is given to, `Partial<T>` and its kind, and named imports that take only what
a module exports. Every tree is resolved by the product and by tests/oracles/resolve.cozo,
which must agree row for row (`resolve_tree`)."""

from __future__ import annotations

from pathlib import Path

from test_resolve_differential import (
    assert_implementations_agree,
    entity_labels,
    ingested,
    write_tree,
)

from parseltongue.extract import extract_source
from parseltongue.languages import language_for_path

Edge = tuple[str, str, str, int, str]


def resolve_tree(root: Path, files: dict[str, str]) -> set[Edge]:
    """Every site of every edge, as (from, to, edge type, line, resolution), entities as
    `file:qualified name`, once both resolvers agreed on the tree's rows."""
    with ingested(write_tree(root / "tree", files), "mem") as storage:
        resolution = assert_implementations_agree(storage)
        label = entity_labels(storage)
    return {
        (label[from_key], label[to_key], edge_type, site, how)
        for from_key, to_key, edge_type, _file, _line, how, sites in resolution.edges
        for site in sites
    }


OBSERVABLE = """
    export interface Observer<T> {
        next: (value: T) => void;
        complete: () => void;
    }
    export interface Subscription {
        unsubscribe(): void;
    }
    export function observable<T>(
        subscribe: (observer: Observer<T>) => Subscription | void,
        label?: string,
    ): void {}
    export function each<T>(items: T[], visit: (index: number, item: Observer<T>) => void) {}
"""


def test_a_type_declared_in_the_function_types_its_locals(tmp_path: Path) -> None:
    """`interface ContextManager` inside `handle` types `manager`, and hides the module's
    interface of that name (which has no `create`)."""
    edges = resolve_tree(tmp_path, {
        "src/context.ts": """
            interface ContextManager {
                value(): number;
            }
            export function handle(): void {
                interface ContextManager {
                    create(): void;
                    value(): number;
                }
                const manager: ContextManager = make();
                manager.create();
                manager.value();
            }
            function make(): any { return null; }
        """,
    })
    local = "src/context.ts:handle.ContextManager"
    assert ("src/context.ts:handle", f"{local}.create", "calls", 10, "receiver_type") in edges
    assert ("src/context.ts:handle", f"{local}.value", "calls", 11, "receiver_type") in edges
    assert not any(edge[1] == "src/context.ts:ContextManager.value" for edge in edges)


def test_a_callbacks_parameters_have_the_types_the_callee_declares(tmp_path: Path) -> None:
    """`observable((destination) => ...)`, `observable(function (o) {...})`,
    `observable(o => ...)`, the second parameter of the second argument
    (`each(xs, (i, item) => ...)`), and a callback's parameter inside an object literal's
    method given to another call: each typed by what the callee declares at its position."""
    edges = resolve_tree(tmp_path, {
        "src/observable.ts": OBSERVABLE,
        "src/operators.ts": """
            import { each, observable } from './observable';

            export function map(): void {
                observable((destination) => {
                    destination.next(1);
                    destination.complete();
                });
                observable(function (o) { o.complete(); });
                observable(o => o.next(2));
                each([1], (index, item) => item.complete());
                observable((observer) => ({
                    next: (value: number) => observer.next(value),
                }));
            }
        """,
    })
    calls = {(edge[1], edge[3]) for edge in edges
             if edge[0] == "src/operators.ts:map" and edge[4] == "receiver_type"}
    next_, complete = "src/observable.ts:Observer.next", "src/observable.ts:Observer.complete"
    assert {(next_, 5), (complete, 6), (complete, 8), (next_, 9), (complete, 10)} <= calls
    assert ("src/operators.ts:map.next", next_, "calls", 12, "receiver_type") in edges


def test_a_callback_parameter_the_callee_leaves_untyped_is_not_typed(tmp_path: Path) -> None:
    """A callback given to a function that declares no type at that position (`label` is a
    string; `run` takes `any`) types nothing: an older binding of the name is not used
    either, and nothing is guessed."""
    edges = resolve_tree(tmp_path, {
        "src/observable.ts": OBSERVABLE,
        "src/consumer.ts": """
            import { Observer, observable } from './observable';

            function run(task: any): void {}

            export function use(o: Observer<number>): void {
                run((o) => o.next(1));
                o.complete();
            }
        """,
    })
    calls = {(edge[1], edge[3]) for edge in edges if edge[0] == "src/consumer.ts:use"}
    assert ("src/observable.ts:Observer.next", 6) not in calls
    assert ("src/observable.ts:Observer.complete", 7) in calls


def test_the_declared_position_of_a_callbacks_parameter_is_recorded() -> None:
    """The callee declares `@argument.parameter` (what the oracle found: `observable`'s
    `subscribe: (observer: Observer<T>) => ...` is `@0.0`); an optional parameter counts."""
    source = OBSERVABLE.encode()
    extraction = extract_source("src/observable.ts", source, language_for_path("x.ts"))
    declared = sorted(
        (reference.from_key.split(":")[2], reference.receiver, reference.name)
        for reference in extraction.references if reference.kind == "member_type"
    )
    assert declared == [("each", "@1.1", "Observer"), ("observable", "@0.0", "Observer")]


def test_partial_and_its_kind_have_the_members_of_what_they_wrap(tmp_path: Path) -> None:
    """`observer: Partial<Observer<T>>` and `Readonly<Partial<...>>` type calls as Observer;
    `Array<Observer>` is no wrapper (an array has no `next`)."""
    edges = resolve_tree(tmp_path, {
        "src/observable.ts": OBSERVABLE,
        "src/operators.ts": """
            import { Observer } from './observable';

            export function tap(
                observer: Partial<Observer<number>>,
                frozen: Readonly<Partial<Observer<number>>>,
                many: Array<Observer<number>>,
            ): void {
                observer.next?.(1);
                frozen.complete?.();
                many.next(2);
            }
        """,
    })
    calls = {(edge[1], edge[3]) for edge in edges if edge[0] == "src/operators.ts:tap"}
    assert ("src/observable.ts:Observer.next", 8) in calls
    assert ("src/observable.ts:Observer.complete", 9) in calls
    assert ("src/observable.ts:Observer.next", 10) not in calls


def test_a_named_import_from_a_folder_takes_the_name_not_the_file(tmp_path: Path) -> None:
    """`import { handler } from './http'` takes what http/index.ts exports, though the
    folder has a file http/handler.ts too (a Python `from pkg import mod` could name it)."""
    edges = resolve_tree(tmp_path, {
        "src/http/index.ts": "export { handler } from './handler';\n",
        "src/http/handler.ts": "export function handler(): void {}\n",
        "src/app.ts": """
            import { handler } from './http';

            export function serve(): void {
                handler();
            }
        """,
        "py/pkg/__init__.py": "",
        "py/pkg/mod.py": "def run():\n    pass\n",
        "py/main.py": "from pkg import mod\n\n\ndef main():\n    mod.run()\n",
    })
    assert ("src/app.ts:serve", "src/http/handler.ts:handler", "calls", 4, "import") in edges
    assert ("py/main.py:main", "py/pkg/mod.py:run", "calls", 5, "import") in edges


def test_a_name_bound_to_a_calls_result_has_the_declared_result_type(tmp_path: Path) -> None:
    """`const s = start()` (a declared `Subscription`), `await open()` (a
    `Promise<Subscription>`) and `this.make()` in a class: each a Subscription.
    An assignment keeps the declared type (`s = other()`, which declares none)."""
    edges = resolve_tree(tmp_path, {
        "src/observable.ts": OBSERVABLE,
        "src/stream.ts": """
            import { Subscription } from './observable';

            function start(): Subscription { return null as any; }
            async function open(): Promise<Subscription> { return null as any; }
            function other(): any { return null; }

            export async function run(): Promise<void> {
                const s = start();
                s.unsubscribe();
                const t = await open();
                t.unsubscribe();
                let u: Subscription = start();
                u = other();
                u.unsubscribe();
            }

            export class Stream {
                make(): Subscription { return start(); }
                stop(): void {
                    const v = this.make();
                    v.unsubscribe();
                }
            }
        """,
    })
    unsubscribe = "src/observable.ts:Subscription.unsubscribe"
    sites = {(edge[0], edge[3]) for edge in edges if edge[1] == unsubscribe}
    assert sites == {
        ("src/stream.ts:run", 9), ("src/stream.ts:run", 11), ("src/stream.ts:run", 14),
        ("src/stream.ts:Stream.stop", 21),
    }
