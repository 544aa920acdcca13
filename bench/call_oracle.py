"""Python call edges judged by Jedi on a corpus the tests do not use (`oracle-python`,
SQLAlchemy): entity level and call site by call site, and by the form of the call.

Run: `python -m bench.call_oracle [CORPUS_OR_FOLDER] [--sites N] [--seed S] [--json PATH]`
(default corpus `oracle-python`, 2,000 sites). Needs the test extra (Jedi). Jedi's answers are
cached beside the corpora (tests/jedi_oracle.py), so a second run costs only the ingestion.

- Entity level (as tests/test_resolution_oracle.py judges networkx): a sampled call site whose
  callee Jedi finds in the corpus counts when its calling entity has our call edge to that
  definition; precision is the share of our edges first seen on a sampled line where Jedi
  pins every call that go to one of Jedi's answers (an edge to the `__init__` a constructor
  call runs agrees with Jedi's class).
- Per call site: the reference written at that site (its entity, name and line) must itself
  resolve to Jedi's definition; precision likewise per reference on the fully pinned lines.
  "As stored": the database has an edge to that definition carrying the site's line (an
  edge keeps the first line its caller reaches the target from, so later sites miss).
- By form: `f()`, `self.m()`, `super().m()`, `self.attr.m()`, `x.m()` on a name the
  function binds (parameter, assignment, loop ...), `X.m()` on any other name (a module,
  class or global), and the rest (calls on calls, subscripts, longer chains).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.corpora import build_corpus
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.resolve import RawReference, load_codebase_index
from parseltongue.resolve.rows import closure
from parseltongue.storage import CozoDbStorage
from tests.jedi_oracle import Definition, jedi_answers, sample_call_sites

FORMS = ("f()", "self.m()", "super().m()", "self.attr.m()", "local.m()", "Name.m()", "other")
SELF_NAMES = frozenset({"self", "cls"})


class _Forms(ast.NodeVisitor):
    """(line, column of the called name) -> the form of the call, for one module."""

    def __init__(self) -> None:
        self.forms: dict[tuple[int, int], str] = {}
        self._bound: list[set[str]] = [set()]

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        bound = {argument.arg for argument in ast.walk(node.args) if isinstance(argument, ast.arg)}
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                bound.add(inner.id)
            elif isinstance(inner, ast.ExceptHandler) and inner.name:
                bound.add(inner.name)
        self._bound.append(bound)
        self.generic_visit(node)
        self._bound.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Name):
            self.forms[(function.lineno, function.col_offset)] = "f()"
        elif isinstance(function, ast.Attribute) and function.end_lineno is not None:
            column = (function.end_col_offset or 0) - len(function.attr)
            self.forms[(function.end_lineno, column)] = self._attribute_form(function.value)
        self.generic_visit(node)

    def _attribute_form(self, receiver: ast.expr) -> str:
        if isinstance(receiver, ast.Name):
            if receiver.id in SELF_NAMES:
                return "self.m()"
            return "local.m()" if receiver.id in self._bound[-1] else "Name.m()"
        if (
            isinstance(receiver, ast.Call)
            and isinstance(receiver.func, ast.Name)
            and receiver.func.id == "super"
        ):
            return "super().m()"
        if (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id in SELF_NAMES
        ):
            return "self.attr.m()"
        return "other"


def call_forms(root: Path, file_path: str) -> dict[tuple[int, int], str]:
    visitor = _Forms()
    visitor.visit(ast.parse((root / file_path).read_text(encoding="utf-8")))
    return visitor.forms


class _Codebase:
    """What the comparison reads from an ingested database, read once."""

    def __init__(self, storage: CozoDbStorage) -> None:
        self.index = load_codebase_index(storage)
        self.place: dict[str, Definition] = {}
        self.spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for key, file_path, start, end in storage.query_table(
            "?[k, f, s, e] := *code_entities{key: k, file_path: f, start_line: s, end_line: e}"
        ).rows:
            self.place[key] = (file_path, start)
            self.spans[file_path].append((start, end, key))
        self.calls: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.below: dict[str, set[str]] = defaultdict(set)
        for from_key, to_key, edge_type, line in storage.query_table(
            "?[a, b, t, l] := *dependency_edges{from_key: a, to_key: b, edge_type: t,"
            " source_line: l}, t == 'calls' || t == 'extends'"
        ).rows:
            if edge_type == "calls":
                self.calls[from_key].append((to_key, line))
            else:
                self.below[to_key].add(from_key)

    def enclosing(self, file_path: str, line: int) -> str | None:
        """The innermost entity holding a line (as tests/jedi_oracle.py picks it)."""
        holding = [
            (end - start, key) for start, end, key in self.spans.get(file_path, ())
            if start <= line <= end
        ]
        return min(holding)[1] if holding else None

    def agrees(self, target: str, allowed: set[Definition]) -> bool:
        """Whether an edge to `target` goes where Jedi says: to one of its answers, or to
        the `__init__`/`__new__` a construction of one of them runs."""
        if self.place[target] in allowed:
            return True
        entity = self.index.entity.get(target)
        owner = self.index.parent.get(target)
        if entity is None or owner is None or entity.name not in ("__init__", "__new__"):
            return False
        return any(self.place[key] in allowed for key in closure([owner], self.below))

    def site_targets(self, reference: RawReference) -> set[str]:
        """The targets one reference's own edges go to (none when it stays unresolved)."""
        index = self.index
        entity = index.entity[reference.from_key]
        _, targets = index.candidates(
            reference.from_key, reference.kind, reference.name,
            reference.receiver or reference.scope, reference.file_path,
            reference.receiver_type, entity.language, reference.scope,
        )
        if len(targets) != 1:
            return set()
        constructor_run = getattr(index, "constructor_run", None)  # absent before item 5
        constructor = constructor_run("call", next(iter(targets))) if constructor_run else None
        return targets if constructor is None else {*targets, constructor}

    def references_at(self, entity: str, name: str | None, line: int) -> list[RawReference]:
        """The calls an entity writes on a line (of one name, when given): one per qualifier
        and name, the one with the greatest receiver type, as resolution keeps."""
        kept: dict[tuple[str, str], RawReference] = {}
        for reference in self.index.references.get(entity, ()):
            if reference.kind != "call" or reference.line != line or (
                name is not None and reference.name != name
            ):
                continue
            identity = (reference.name, reference.receiver or reference.scope)
            known = kept.get(identity)
            if known is None or reference.receiver_type > known.receiver_type:
                kept[identity] = reference
        return list(kept.values())


def measure(root: Path, sites_wanted: int, seed: int, jobs: int) -> dict:
    """Ingest `root`, ask Jedi about the sampled sites, and compare."""
    with CodebaseStreamer(StreamerConfig(database="mem", jobs=jobs)) as streamer:
        summary = streamer.stream_directory(root)
        codebase = _Codebase(streamer.storage())
    sites = sample_call_sites(root, sites_wanted, seed)
    answers = jedi_answers(root, sites, jobs)
    line_found: dict[tuple[str, int], bool] = defaultdict(lambda: True)
    line_allowed: dict[tuple[str, int], set[Definition]] = defaultdict(set)
    for other, (found, inside) in answers.items():
        key = (other.file_path, other.line)
        line_found[key] = line_found[key] and found
        line_allowed[key] |= inside
    forms_of_file: dict[str, dict[tuple[int, int], str]] = {}
    counts: Counter[str] = Counter()
    by_form: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[list] = []
    wrong: list[list] = []
    judged_lines: set[tuple[str, int]] = set()
    for site in sites:
        if site.file_path not in forms_of_file:
            forms_of_file[site.file_path] = call_forms(root, site.file_path)
        form = forms_of_file[site.file_path].get((site.line, site.column), "other")
        entity = codebase.enclosing(site.file_path, site.line)
        edges = codebase.calls.get(entity, []) if entity else []
        _, expected = answers[site]
        if expected:
            counts["pinned"] += 1
            by_form[form]["sites"] += 1
            if expected & {codebase.place[target] for target, _ in edges}:
                counts["entity level"] += 1
                by_form[form]["entity level"] += 1
            else:
                misses.append([site.file_path, site.line, site.name, form,
                               sorted(map(list, expected))])
            if expected & {codebase.place[target] for target, at in edges if at == site.line}:
                counts["stored line"] += 1
            references = codebase.references_at(entity, site.name, site.line) if entity else []
            if expected & {
                codebase.place[target]
                for reference in references
                for target in codebase.site_targets(reference)
            }:
                counts["per site"] += 1
                by_form[form]["per site"] += 1
        line = (site.file_path, site.line)
        if line in judged_lines or not line_found[line]:
            continue
        judged_lines.add(line)
        allowed = line_allowed[line]
        for target, first_line in edges:
            if first_line == site.line:
                counts["edges judged"] += 1
                if codebase.agrees(target, allowed):
                    counts["edges agreeing"] += 1
                else:
                    wrong.append([site.file_path, site.line, list(codebase.place[target]),
                                  sorted(map(list, allowed))])
        for reference in codebase.references_at(entity, None, site.line) if entity else []:
            for target in codebase.site_targets(reference):
                counts["references judged"] += 1
                counts["references agreeing"] += codebase.agrees(target, allowed)
    pinned = max(1, counts["pinned"])
    return {
        "root": str(root),
        "files": summary.files_ingested,
        "sites_sampled": len(sites),
        "seed": seed,
        "sites_jedi_pins_in_corpus": counts["pinned"],
        **recall_and_precision(counts, pinned),
        "by_form": {form: dict(by_form[form]) for form in FORMS if by_form[form]},
        "wrong_edges": wrong,
        "misses": misses,
    }


def render(result: dict) -> str:
    return "\n".join([
        f"{result['files']} files, {result['sites_sampled']} sampled call sites (seed "
        f"{result['seed']}), {result['sites_jedi_pins_in_corpus']} pinned by Jedi in the corpus",
        "",
        *figure_tables(result, "an edge with that line"),
    ])


def figure_tables(result: dict, stored_means: str) -> list[str]:
    """The lines of the recall and precision table and the table by form of call, of an
    oracle comparison's result (`stored_means`: what "as stored" counts, said in the row)."""
    entity, site = result["entity_level"], result["per_site"]
    lines = [
        "| measure | recall | precision |",
        "|---|---|---|",
        f"| entity level | {entity['recall']:.3f} ({entity['matched']}) | "
        f"{entity['precision']:.3f} ({entity['edges_agreeing']}/{entity['edges_judged']}) |",
        f"| per call site | {site['recall']:.3f} ({site['matched']}) | "
        f"{site['precision']:.3f} ({site['references_agreeing']}/{site['references_judged']}) |",
        f"| per call site, as stored ({stored_means}) | {site['stored_line_recall']:.3f} | |",
        "",
        "| form | sites | entity level | per site |",
        "|---|---|---|---|",
    ]
    for form, counts in result["by_form"].items():
        sites = counts.get("sites", 0)
        lines.append(
            f"| `{form}` | {sites} | {counts.get('entity level', 0) / max(1, sites):.2f} | "
            f"{counts.get('per site', 0) / max(1, sites):.2f} |"
        )
    return lines


def recall_and_precision(counts: Counter, pinned: int) -> dict[str, dict[str, Any]]:
    """The entity-level and per-site figures of an oracle comparison, from its counts
    (`entity level`, `per site`, `stored line` matched; edges and references judged and
    agreeing) and the sites the oracle pins."""
    return {
        "entity_level": {
            "recall": round(counts["entity level"] / pinned, 4),
            "matched": counts["entity level"],
            "precision": round(counts["edges agreeing"] / max(1, counts["edges judged"]), 4),
            "edges_judged": counts["edges judged"],
            "edges_agreeing": counts["edges agreeing"],
        },
        "per_site": {
            "recall": round(counts["per site"] / pinned, 4),
            "matched": counts["per site"],
            "precision": round(
                counts["references agreeing"] / max(1, counts["references judged"]), 4
            ),
            "references_judged": counts["references judged"],
            "references_agreeing": counts["references agreeing"],
            "stored_line_recall": round(counts["stored line"] / pinned, 4),
        },
    }


def report(
    result: dict[str, Any], json_path: Path | None, render: Callable[[dict[str, Any]], str]
) -> int:
    """Write every figure to `json_path` (when given) and print the tables."""
    if json_path:
        json_path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(render(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="oracle-python")
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every figure, misses and wrong edges")
    arguments = parser.parse_args(argv)
    folder = Path(arguments.corpus)
    root = folder if folder.is_dir() else build_corpus(arguments.corpus)
    return report(measure(root, arguments.sites, arguments.seed, arguments.jobs),
                  arguments.json, render)


if __name__ == "__main__":
    sys.exit(main())
