"""TypeScript call edges judged by the TypeScript compiler on a package the tests do not tune
on (the held-out package of `oracle-typescript`, @trpc/server): entity level and call site by
call site, by the form of the call, and precision by resolution kind. The sibling of
`bench/call_oracle.py` (Python, judged by Jedi).

Run: `python -m bench.ts_call_oracle [FOLDER] [--package NAME] [--json PATH]`. With no
folder, the `--package` folder (default `trpc-server-11.25.2`, the held-out one) of the
`oracle-typescript` corpus. Needs node and npm: the pinned `typescript` package is installed
into a cache folder on first use, and the compiler's answers are cached beside the corpora
(tests/typescript_oracle.py), so a second run costs only the ingestion.

Every call and `new` expression of the folder is a site (no sampling: the compiler answers
the whole package in seconds). A site the compiler pins to definitions inside the folder
(functions, methods, classes, constructors, interface members) counts:
- at entity level when its calling entity (ours, the innermost holding the line) has a call
  edge to one of them;
- per call site when the reference written there (its entity, name and line) resolves to one;
  "as stored" when the database's edge to one lists the site's line among its sites.
Precision: on each line where the compiler knows a symbol for every call, each of our call
edges listing that line (and each reference written there) must go to one of the compiler's
definitions for the line's calls; by resolution kind too.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bench.call_oracle import _Codebase, figure_tables, recall_and_precision, report
from bench.corpora import build_corpus
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.storage import CozoDbStorage
from tests.typescript_oracle import CallAnswer, Target, compiler_answers

HELD_OUT_PACKAGE = "trpc-server-11.25.2"
FORMS = ("f()", "this.m()", "super.m()", "this.x.m()", "local.m()", "Name.m()", "new X()",
         "other")


class _TypedCodebase(_Codebase):
    """What the comparison reads, with every site of an edge and its resolution kind."""

    def __init__(self, storage: CozoDbStorage) -> None:
        super().__init__(storage)
        self.edge_sites: dict[str, list[tuple[str, tuple[int, ...], str]]] = defaultdict(list)
        for from_key, to_key, lines, resolution in storage.query_table(
            "?[a, b, l, r] := *dependency_edges{from_key: a, to_key: b, edge_type: 'calls',"
            " source_lines: l, resolution: r}"
        ).rows:
            self.edge_sites[from_key].append((to_key, tuple(lines), resolution))
        # Files the walk left out (vendored code, say): neither their calls nor calls into
        # them are judged, as Jedi's answers outside the library are not.
        self.files = {
            row[0] for row in storage.query_table(
                "?[f] := *source_files{file_path: f, status: 'ingested'}"
            ).rows
        }
        self.names: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
        for key, file_path, name, start, end in storage.query_table(
            "?[k, f, n, s, e] := *code_entities{key: k, file_path: f, name: n,"
            " start_line: s, end_line: e}, *code_entities{key: k, entity_type: t},"
            " t != 'module'"
        ).rows:
            self.names[(file_path, name)].append((start, end, key))

    def key_of(self, target: Target) -> str | None:
        """Our entity for a definition the compiler names: the innermost of that name
        holding the line its name is written on (an overload's line lies in the entity that
        merges the overloads)."""
        holding = [
            (end - start, key) for start, end, key in self.names.get(
                (target.file_path, target.name), ()
            )
            if start <= target.line <= end
        ]
        return min(holding)[1] if holding else None

    def agrees_with(self, target: str, allowed: set[str]) -> bool:
        """Whether an edge to `target` goes where the compiler says: to one of its
        definitions, or to the constructor of a class it names (what `new X()` runs)."""
        if target in allowed:
            return True
        entity = self.index.entity.get(target)
        return (
            entity is not None and entity.name == "constructor"
            and self.index.parent.get(target) in allowed
        )


def measure(root: Path, jobs: int = 2) -> dict:
    """Ingest `root`, ask the compiler about every call site, and compare."""
    with CodebaseStreamer(StreamerConfig(database="mem", jobs=jobs)) as streamer:
        summary = streamer.stream_directory(root)
        codebase = _TypedCodebase(streamer.storage())
    answers = compiler_answers(root)
    return compare(codebase, answers, summary.files_ingested)


def compare(codebase: _TypedCodebase, answers: list[CallAnswer], files: int) -> dict:
    """The figures of one comparison of our edges with the compiler's answers."""
    expected_of: dict[CallAnswer, set[str]] = {}
    no_entity: list[list] = []
    line_found: dict[tuple[str, int], bool] = defaultdict(lambda: True)
    line_allowed: dict[tuple[str, int], set[str]] = defaultdict(set)
    answers = [answer for answer in answers if answer.file_path in codebase.files]
    for answer in answers:
        keys = {
            codebase.key_of(target) for target in answer.targets
            if target.file_path in codebase.files
        }
        expected_of[answer] = {key for key in keys if key is not None}
        if None in keys:
            no_entity.append([answer.file_path, answer.line, answer.name,
                              [list(target.__dict__.values()) for target in answer.targets]])
        at = (answer.file_path, answer.line)
        line_found[at] = line_found[at] and answer.found
        line_allowed[at] |= expected_of[answer]
    counts: Counter[str] = Counter()
    by_form: dict[str, Counter[str]] = defaultdict(Counter)
    by_resolution: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[list] = []
    site_misses: list[list] = []
    wrong: list[list] = []
    for answer in answers:
        expected = expected_of[answer]
        if not expected:
            continue
        entity = codebase.enclosing(answer.file_path, answer.line)
        edges = codebase.edge_sites.get(entity, []) if entity else []
        counts["pinned"] += 1
        by_form[answer.form]["sites"] += 1
        if expected & {target for target, _, _ in edges}:
            counts["entity level"] += 1
            by_form[answer.form]["entity level"] += 1
        else:
            misses.append([answer.file_path, answer.line, answer.name, answer.form,
                           sorted(expected)])
        if expected & {target for target, lines, _ in edges if answer.line in lines}:
            counts["stored line"] += 1
        references = codebase.references_at(entity, answer.name, answer.line) if entity else []
        if expected & {
            target for reference in references for target in codebase.site_targets(reference)
        }:
            counts["per site"] += 1
            by_form[answer.form]["per site"] += 1
        else:
            site_misses.append([answer.file_path, answer.line, answer.name, answer.form])
    # Precision: every edge site and every reference on a line the compiler fully knows.
    lines_of_entity: dict[str, set[int]] = defaultdict(set)
    for file_path, line in line_found:
        if line_found[(file_path, line)]:
            entity = codebase.enclosing(file_path, line)
            if entity:
                lines_of_entity[entity].add(line)
    for entity, lines in lines_of_entity.items():
        file_path = codebase.place[entity][0]
        for target, sites, resolution in codebase.edge_sites.get(entity, ()):
            for line in lines.intersection(sites):
                allowed = line_allowed[(file_path, line)]
                agrees = codebase.agrees_with(target, allowed)
                counts["edges judged"] += 1
                counts["edges agreeing"] += agrees
                by_resolution[resolution]["judged"] += 1
                by_resolution[resolution]["agreeing"] += agrees
                if not agrees:
                    wrong.append([file_path, line, target, resolution, sorted(allowed)])
        for line in lines:
            allowed = line_allowed[(file_path, line)]
            for reference in codebase.references_at(entity, None, line):
                for target in codebase.site_targets(reference):
                    counts["references judged"] += 1
                    counts["references agreeing"] += codebase.agrees_with(target, allowed)
    pinned = max(1, counts["pinned"])
    return {
        "files": files,
        "call_sites": len(answers),
        "sites_the_compiler_pins": counts["pinned"],
        "targets_we_have_no_entity_for": len(no_entity),
        **recall_and_precision(counts, pinned),
        "by_form": {form: dict(by_form[form]) for form in FORMS if by_form[form]},
        "by_resolution": {name: dict(found) for name, found in sorted(by_resolution.items())},
        "wrong_edges": wrong,
        "misses": misses,
        "site_misses": site_misses,
        "no_entity": no_entity,
    }


def render(result: dict) -> str:
    lines = [
        f"{result['files']} files, {result['call_sites']} call sites, "
        f"{result['sites_the_compiler_pins']} pinned by the compiler in the folder "
        f"({result['targets_we_have_no_entity_for']} reach a definition we have no entity for)",
        "",
        *figure_tables(result, "an edge listing that line"),
    ]
    lines += ["", "| resolution | edge sites judged | precision |", "|---|---|---|"]
    for name, counts in result["by_resolution"].items():
        judged = counts.get("judged", 0)
        lines.append(
            f"| {name} | {judged} | {counts.get('agreeing', 0) / max(1, judged):.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--package", default=HELD_OUT_PACKAGE,
                        help="a package folder of the oracle-typescript corpus")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every figure, misses and wrong edges")
    arguments = parser.parse_args(argv)
    root = arguments.folder or build_corpus("oracle-typescript") / arguments.package
    return report(measure(root, arguments.jobs), arguments.json, render)


if __name__ == "__main__":
    sys.exit(main())
