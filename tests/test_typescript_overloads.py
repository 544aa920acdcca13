"""TypeScript overloads are one callable: the signatures and the implementation are one entity,
so calls to an overloaded function or method resolve instead of being dropped as ambiguous."""

from __future__ import annotations

import pytest
from extraction_views import entity_rows, signatures_by_name_and_line
from test_resolve import edges, write_tree

from parseltongue.extract import FileExtraction, extract_source
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.languages import language_for_path
from parseltongue.model import build_entity_key
from parseltongue.storage import CozoDbStorage

# A small stream library laid out like the real ones: an operator with overloads (a deprecated
# one behind a doc comment), a class and an interface with overloaded methods, a barrel file,
# a declaration file of ambient overloads, and code calling all of them.
PROJECT = {
    "src/operators/map.ts": (
        "import { Stream } from '../Stream';\n"
        "\n"
        "export function map<T, R>(project: (value: T) => R): (source: Stream<T>) => Stream<R>;\n"
        "/** @deprecated pass a closure instead of a thisArg */\n"
        "export function map<T, R, A>(\n"
        "  project: (this: A, value: T) => R,\n"
        "  thisArg: A,\n"
        "): (source: Stream<T>) => Stream<R>;\n"
        "\n"
        "/** Applies `project` to every value of the source. */\n"
        "export function map<T, R>(project: (value: T) => R, thisArg?: any) {\n"
        "  return (source: Stream<T>) => source.lift((value: T) => project.call(thisArg, value));\n"
        "}\n"
    ),
    "src/Stream.ts": (
        "export class Stream<T> {\n"
        "  subscribe(next: (value: T) => void): Subscription;\n"
        "  subscribe(observer: Partial<Observer<T>>): Subscription;\n"
        "  subscribe(target: any): Subscription {\n"
        "    return new Subscription();\n"
        "  }\n"
        "\n"
        "  lift<R>(step: (value: T) => R): Stream<R> {\n"
        "    this.subscribe(step);\n"
        "    return new Stream<R>();\n"
        "  }\n"
        "}\n"
        "\n"
        "export class Subscription {\n"
        "  unsubscribe(): void {}\n"
        "}\n"
        "\n"
        "export interface Observer<T> {\n"
        "  next(value: T): void;\n"
        "}\n"
        "\n"
        "export interface Scheduler {\n"
        "  schedule(work: () => void): Subscription;\n"
        "  schedule(work: () => void, delay: number): Subscription;\n"
        "}\n"
    ),
    "src/index.ts": (
        "export { map } from './operators/map';\n"
        "export { Stream, Subscription } from './Stream';\n"
    ),
    "src/app.ts": (
        "import { map, Stream } from './index';\n"
        "import { Scheduler } from './Stream';\n"
        "\n"
        "export function double(numbers: Stream<number>, scheduler: Scheduler) {\n"
        "  const doubled = map((n: number) => n * 2)(numbers);\n"
        "  numbers.subscribe((n: number) => console.log(n));\n"
        "  scheduler.schedule(() => undefined, 10);\n"
        "  return parseLength('24px') + doubled.subscribe(() => {}).unsubscribe;\n"
        "}\n"
    ),
    "types/units.d.ts": (
        "declare function parseLength(text: string): number;\n"
        "declare function parseLength(text: string, base: number): number;\n"
    ),
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> CozoDbStorage:
    root = write_tree(tmp_path_factory.mktemp("overloads") / "project", PROJECT)
    streamer = CodebaseStreamer(StreamerConfig(database="mem", parallel=False))
    streamer.stream_directory(root)
    return streamer.storage()


def extract(path: str) -> FileExtraction:
    return extract_source(path, PROJECT[path].encode(), language_for_path(path))


def test_a_function_and_its_overload_signatures_are_one_entity() -> None:
    path = "src/operators/map.ts"
    extraction = extract(path)
    assert entity_rows(extraction) == [
        ("module", "map", "operators.map", 1, 13),
        # From the first signature (not its doc comment) to the end of the implementation.
        ("fn", "map", "map", 3, 13),
    ]
    [map_entity] = extraction.entities[1:]
    # The key is the one the first signature had: adding or removing a later overload keeps it.
    assert map_entity.key == build_entity_key("typescript", "fn", "map", path, "map", 0)
    # Every declaration's signature, one a line; the implementation's last.
    assert map_entity.signature.split("\n") == [
        "function map<T, R>(project: (value: T) => R): (source: Stream<T>) => Stream<R>",
        "function map<T, R, A>( project: (this: A, value: T) => R, thisArg: A, )"
        ": (source: Stream<T>) => Stream<R>",
        "function map<T, R>(project: (value: T) => R, thisArg?: any)",
    ]
    # The signatures' type references belong to the one entity.
    assert {(r.from_key, r.name, r.line) for r in extraction.references if r.kind == "type"} >= {
        (map_entity.key, "Stream", 3), (map_entity.key, "Stream", 8),
    }


def test_method_overloads_in_classes_and_interfaces_are_one_entity_each() -> None:
    extraction = extract("src/Stream.ts")
    assert entity_rows(extraction) == [
        ("module", "Stream", "Stream", 1, 25),
        ("class", "Stream", "Stream", 1, 12),
        ("method", "subscribe", "Stream.subscribe", 2, 6),
        ("method", "lift", "Stream.lift", 8, 11),
        ("class", "Subscription", "Subscription", 14, 16),
        ("method", "unsubscribe", "Subscription.unsubscribe", 15, 15),
        ("interface", "Observer", "Observer", 18, 20),
        ("method", "next", "Observer.next", 19, 19),
        ("interface", "Scheduler", "Scheduler", 22, 25),
        # Overloads with no implementation are one entity too.
        ("method", "schedule", "Scheduler.schedule", 23, 24),
    ]
    signatures = signatures_by_name_and_line(extraction)
    assert signatures[("Stream.subscribe", 2)] == (
        "subscribe(next: (value: T) => void): Subscription\n"
        "subscribe(observer: Partial<Observer<T>>): Subscription\n"
        "subscribe(target: any): Subscription"
    )
    # A single bodiless declaration keeps its own signature, as before.
    assert signatures[("Observer.next", 19)] == "next(value: T): void"


def test_ambient_overloads_in_a_declaration_file_are_one_entity() -> None:
    path = "types/units.d.ts"
    extraction = extract(path)
    assert entity_rows(extraction)[1:] == [("fn", "parseLength", "parseLength", 1, 2)]
    assert extraction.entities[1].key == build_entity_key(
        "typescript", "fn", "parseLength", path, "parseLength", 0
    )


def test_a_signature_is_not_merged_with_a_different_name_or_kind() -> None:
    source = (
        b"export function area(side: number): number;\n"
        b"export function perimeter(side: number): number;\n"
        b"export function tag(name: string): string;\n"
        b"export namespace tag {\n"
        b"  export const prefix = '#';\n"
        b"}\n"
    )
    extraction = extract_source("src/shapes.d.ts", source, language_for_path("a.ts"))
    assert entity_rows(extraction)[1:] == [
        ("fn", "area", "area", 1, 1),
        ("fn", "perimeter", "perimeter", 2, 2),
        ("fn", "tag", "tag", 3, 3),
        ("module", "tag", "tag", 4, 6),
    ]


def test_calls_to_overloaded_functions_and_methods_resolve(graph: CozoDbStorage) -> None:
    calls = edges(graph, "calls")
    assert {
        ("double", "src/operators/map.ts:map", "import", 5),  # through the barrel's re-export
        ("double", "src/Stream.ts:Stream.subscribe", "receiver_type", 6),  # `numbers: Stream`
        ("double", "src/Stream.ts:Scheduler.schedule", "receiver_type", 7),
        ("double", "types/units.d.ts:parseLength", "unique_name", 8),  # an ambient declaration
        ("Stream.lift", "src/Stream.ts:Stream.subscribe", "self", 9),
    } <= calls
    # No call stays unresolved for being ambiguous between overloads.
    rows = graph.run_named("unresolved_references", limit=100_000)
    assert not [row for row in rows if row["edge_type"] == "calls" and row["candidates"] > 1]


def test_a_parameter_type_in_a_signature_does_not_type_the_implementation_body() -> None:
    source = (
        b"export function area(shape: Circle): number;\n"
        b"export function area(shape: Square): number;\n"
        b"export function area(shape: any): number {\n"
        b"  return shape.area();\n"
        b"}\n"
    )
    extraction = extract_source("src/area.ts", source, language_for_path("a.ts"))
    [call] = [r for r in extraction.references if r.kind == "call"]
    # `shape` is a Circle or a Square: neither overload's type is the receiver's.
    assert (call.name, call.receiver, call.receiver_type) == ("area", "shape", "")


def test_a_function_type_inside_a_signature_does_not_part_the_overloads() -> None:
    source = (
        b"export class Stream<T> {\n"
        b"  subscribe(next: (value: T) => void): void;\n"
        b"  subscribe(observer: { next: (value: T) => void }): void;\n"
        b"  subscribe(target: unknown): void {}\n"
        b"}\n"
    )
    extraction = extract_source("src/stream.ts", source, language_for_path("a.ts"))
    # `next` of the second signature's parameter type is no entity of its own.
    assert entity_rows(extraction)[1:] == [
        ("class", "Stream", "Stream", 1, 5),
        ("method", "subscribe", "Stream.subscribe", 2, 4),
    ]
