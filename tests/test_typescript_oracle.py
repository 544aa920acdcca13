"""TypeScript call edges judged by the TypeScript compiler (tests/typescript_oracle.py) on a
small project written for it: overloads, object-literal members, a namespace import through a
renamed export, typed parameters, fields and constructor parameter properties. The held-out
package is measured by `python -m bench.ts_call_oracle` (README: the TypeScript oracle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_resolve import write_tree

from bench.ts_call_oracle import measure
from tests.typescript_oracle import compiler_answers, node_available

REQUIRED_RECALL = 0.90
REQUIRED_PRECISION = 0.98
REQUIRED_SITE_RECALL = 0.75

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("typescript-oracle"),
    pytest.mark.skipif(not node_available(), reason="node and npm are not installed: the "
                       "TypeScript oracle runs the compiler (npm typescript) under node"),
]

PROJECT = {
    "src/stream.ts": """export class Subscription {
  unsubscribe(): void {}
}

export class Stream<T> {
  subscribe(next: (value: T) => void): Subscription;
  subscribe(observer: { next: (value: T) => void }): Subscription;
  subscribe(target: unknown): Subscription {
    return new Subscription();
  }
}
""",
    "src/operators/map.ts": """import { Stream } from '../stream';

export function map<T, R>(project: (value: T) => R): (source: Stream<T>) => Stream<R>;
export function map<T, R>(
  project: (value: T) => R, thisArg: unknown,
): (source: Stream<T>) => Stream<R>;
export function map<T, R>(project: (value: T) => R, thisArg?: unknown) {
  return (source: Stream<T>) => {
    source.subscribe((value: T) => project(value));
    return new Stream<R>();
  };
}
""",
    "src/core/api.ts": """export function async_<T>(value: T): Promise<T> {
  return Promise.resolve(value);
}
function pipe_<T>(value: T): T {
  return value;
}
export { async_ as async, pipe_ as pipe };
""",
    "src/core/index.ts": "export * from './api';\n",
    "src/client.ts": """import * as core from './core';
import { map } from './operators/map';
import { Stream, Subscription } from './stream';

type Options = { retries: number; onError: (error: Error) => void };

export class Client {
  #stream: Stream<number>;
  private last: Subscription | undefined;

  constructor(private readonly options: Options) {
    this.#stream = new Stream<number>();
  }

  start(): void {
    this.last = this.#stream.subscribe((value: number) => this.handle(value));
    this.options.onError(new Error('none'));
  }

  handle(value: number): Promise<number> {
    core.pipe(value);
    return core.async(value);
  }

  stop(subscription: Subscription | null): void {
    subscription!.unsubscribe();
    this.last?.unsubscribe();
  }
}

export const helpers = {
  map(value: number) {
    return map((n: number) => n + value);
  },
  start(client: Client) {
    client.start();
    return new Client({ retries: 1, onError: () => undefined });
  },
};
""",
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = write_tree(tmp_path_factory.mktemp("typescript-oracle") / "project", PROJECT)
    return measure(root, jobs=1)


def test_the_compiler_answers_every_call_site(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "project", PROJECT)
    answers = {(a.file_path, a.line, a.name): a for a in compiler_answers(root)}
    # An overload picks one signature; the answer names where that one is written.
    picked = answers[("src/operators/map.ts", 9, "subscribe")]
    assert picked.form == "local.m()" and [t.line for t in picked.targets] == [6]
    constructed = answers[("src/client.ts", 12, "Stream")]
    assert constructed.form == "new X()"
    assert [(t.file_path, t.name, t.kind) for t in constructed.targets] == [
        ("src/stream.ts", "Stream", "ClassDeclaration")]
    # A parameter is no definition: found, but no target.
    assert answers[("src/operators/map.ts", 9, "project")].targets == ()
    assert [t.name for t in answers[("src/client.ts", 22, "async")].targets] == ["async_"]


def test_our_call_edges_go_where_the_compiler_says(result: dict) -> None:
    entity, site = result["entity_level"], result["per_site"]
    print(f"entity level recall {entity['recall']:.3f} precision {entity['precision']:.3f}; "
          f"per call site recall {site['recall']:.3f} "
          f"({result['sites_the_compiler_pins']} sites pinned)")
    assert result["sites_the_compiler_pins"] >= 12
    assert entity["recall"] >= REQUIRED_RECALL, result["misses"]
    assert entity["precision"] >= REQUIRED_PRECISION, result["wrong_edges"]
    assert site["recall"] >= REQUIRED_SITE_RECALL, result["site_misses"]

