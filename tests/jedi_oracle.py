"""Jedi as an independent resolver of call sites, for judging Parseltongue's call edges.

A call site is judged where Jedi (`Script.goto(..., follow_imports=True)`) names the
definition the call reaches. Recall: of the sampled sites whose callee Jedi finds inside the
library, the share whose calling entity has our call edge to that same definition (entity
level), and the share where that edge also lists the site's line among its sites (site level).
Precision: on sampled lines where Jedi pins every call, the share of our call edges with a
site on that line that go to one of Jedi's answers.
"""

from __future__ import annotations

import ast
import hashlib
import json
import multiprocessing
import os
import random
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import astuple, dataclass, field
from pathlib import Path

import jedi

from bench.corpora import cache_dir
from parseltongue.storage import CozoDbStorage

JEDI_TIMEOUT_SECONDS = 1500
Definition = tuple[str, int]  # (file path under the root, line of the `def`/`class`)


@dataclass(frozen=True)
class CallSite:
    """A call in the source: its file, line, and where its called name starts."""

    file_path: str
    line: int
    column: int
    name: str


@dataclass
class OracleScore:
    """The figures of one comparison with Jedi."""

    sites_sampled: int = 0
    sites_jedi_pins_in_library: int = 0
    sites_we_match: int = 0
    sites_we_match_at_line: int = 0
    lines_fully_pinned: int = 0
    our_edges_on_pinned_lines: int = 0
    our_edges_jedi_agrees: int = 0
    misses: list[tuple[CallSite, set[Definition]]] = field(default_factory=list)
    wrong_edges: list[tuple[str, int, Definition, set[Definition]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.sites_we_match / max(1, self.sites_jedi_pins_in_library)

    @property
    def site_recall(self) -> float:
        """Recall per call site: the edge to Jedi's target lists the call's own line."""
        return self.sites_we_match_at_line / max(1, self.sites_jedi_pins_in_library)

    @property
    def precision(self) -> float:
        return self.our_edges_jedi_agrees / max(1, self.our_edges_on_pinned_lines)


def call_sites_in(root: Path, relative_path: str) -> list[CallSite]:
    """Every call whose callee is a name or an attribute, at the position of that name."""
    source = (root / relative_path).read_text(encoding="utf-8")
    sites = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name):
            sites.append(CallSite(relative_path, function.lineno, function.col_offset, function.id))
        elif isinstance(function, ast.Attribute) and function.end_lineno is not None:
            column = (function.end_col_offset or 0) - len(function.attr)
            sites.append(CallSite(relative_path, function.end_lineno, column, function.attr))
    return sites


def sample_call_sites(root: Path, count: int, seed: int) -> list[CallSite]:
    """A fixed-seed sample of call sites across every `.py` file under `root`."""
    every_site = [
        site
        for path in sorted(root.rglob("*.py"))
        for site in call_sites_in(root, path.relative_to(root).as_posix())
    ]
    return random.Random(seed).sample(every_site, min(count, len(every_site)))


class JediResolver:
    """Asks Jedi where calls go, one `Script` per file, answers cached."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.project = jedi.Project(self.root, added_sys_path=[str(self.root)])
        self._scripts: dict[str, jedi.Script] = {}

    def _script(self, relative_path: str) -> jedi.Script:
        if relative_path not in self._scripts:
            path = self.root / relative_path
            self._scripts[relative_path] = jedi.Script(
                path.read_text(encoding="utf-8"), path=path, project=self.project
            )
        return self._scripts[relative_path]

    def goto(self, site: CallSite) -> tuple[bool, set[Definition]]:
        """(whether Jedi found any definition, the ones inside the library)."""
        names = self._script(site.file_path).goto(site.line, site.column, follow_imports=True)
        inside: set[Definition] = set()
        for name in names:
            if name.module_path is None or name.line is None:
                continue
            try:
                relative = Path(name.module_path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                continue  # the standard library or another package
            if name.type in ("function", "class"):
                inside.add((relative, name.line))
        return bool(names), inside


def _enclosing_entity(storage: CozoDbStorage, file_path: str, line: int) -> str | None:
    rows = storage.query_read_only(
        "?[key, start_line, end_line] := *code_entities{key, file_path, start_line, end_line},"
        " file_path == $file, start_line <= $line, end_line >= $line",
        {"file": file_path, "line": line},
    )
    if not rows:
        return None
    innermost = min(rows, key=lambda row: (row["end_line"] - row["start_line"], row["key"]))
    return innermost["key"]


def _call_edges_from(
    storage: CozoDbStorage, entity: str
) -> list[tuple[Definition, tuple[int, ...]]]:
    """The entity's call edges: each target's definition and the edge's sites (lines)."""
    rows = storage.query_read_only(
        "?[file_path, start_line, source_lines] := "
        "*dependency_edges{from_key: $entity, to_key, edge_type, source_lines},"
        " edge_type == 'calls', *code_entities{key: to_key, file_path, start_line}",
        {"entity": entity},
    )
    return [((row["file_path"], row["start_line"]), tuple(row["source_lines"])) for row in rows]


def _classes_constructed_by(storage: CozoDbStorage, target: Definition) -> set[Definition]:
    """The classes whose construction runs `target` when it is an `__init__` or `__new__`:
    its own class and every class below it. Jedi names the class a constructor call makes;
    our edge to the constructor the call runs agrees with that."""
    rows = storage.query_read_only(
        "below[c, c] := *code_entities{key: init, file_path, start_line, name},"
        " file_path == $file, start_line == $line, (name == '__init__' || name == '__new__'),"
        " *code_entities{key: init, parent_key: c}, c != ''\n"
        "below[c, d] := below[c, m], *dependency_edges{from_key: d, to_key: m,"
        " edge_type: 'extends'}\n"
        "?[file_path, start_line] := below[_, d], *code_entities{key: d, file_path, start_line}",
        {"file": target[0], "line": target[1]},
    )
    return {(row["file_path"], row["start_line"]) for row in rows}


def _jedi_answers_for_file(
    root: Path, file_path: str, sites: list[CallSite]
) -> dict[CallSite, tuple[bool, set[Definition]]]:
    """Jedi's answers for the sampled sites of one file and every call on their lines."""
    # Jedi's on-disk parse cache is not safe for two processes writing it at once.
    jedi.settings.cache_directory = os.path.join(
        tempfile.gettempdir(), f"parseltongue-jedi-cache-{os.getpid()}"
    )
    resolver = JediResolver(root)
    lines = {site.line for site in sites}
    every_site = [site for site in call_sites_in(root, file_path) if site.line in lines]
    return {site: resolver.goto(site) for site in {*sites, *every_site}}


def _answers_cache_file(sites: list[CallSite]) -> Path:
    """Where Jedi's answers for these exact sites are kept between runs.

    Jedi needs minutes for a thousand call sites, and its answers depend only on the pinned
    library, Jedi's version and the sites; so they are cached beside the corpora. Our own side
    of the comparison is computed afresh on every run.
    """
    identity = json.dumps([jedi.__version__, [list(astuple(site)) for site in sites]])
    digest = hashlib.blake2b(identity.encode(), digest_size=12).hexdigest()
    return cache_dir().parent / "oracle-answers" / f"jedi-{digest}.json"


def jedi_answers(
    root: Path, sites: list[CallSite], jobs: int = 2
) -> dict[CallSite, tuple[bool, set[Definition]]]:
    """Jedi's answers for the sites and their lines' other calls, files spread over processes."""
    cache_file = _answers_cache_file(sites)
    if cache_file.is_file():
        return {
            CallSite(*site): (found, {tuple(definition) for definition in inside})
            for site, found, inside in json.loads(cache_file.read_text(encoding="utf-8"))
        }
    by_file: dict[str, list[CallSite]] = defaultdict(list)
    for site in sites:
        by_file[site.file_path].append(site)
    # A pool of its own, made afresh (spawn) and bounded in time: the suite's other tests use
    # and interrupt joblib's shared worker pool, and a dead worker there once left this waiting
    # for ever; here a dead worker raises and a stuck one times out.
    files = sorted(by_file.items())
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(
            _jedi_answers_for_file, [root] * len(files), [path for path, _ in files],
            [file_sites for _, file_sites in files], timeout=JEDI_TIMEOUT_SECONDS,
        ))
    answers = {site: answer for result in results for site, answer in result.items()}
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    # A staging file of this writer's own, swapped in whole: a cut-short run leaves no half
    # answer, and two test processes writing at once never share one half-written file.
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=cache_file.parent, suffix=".partial", delete=False
    ) as staging:
        json.dump([
            [list(astuple(site)), found, sorted(inside)]
            for site, (found, inside) in sorted(answers.items(), key=lambda item: astuple(item[0]))
        ], staging)
    Path(staging.name).replace(cache_file)
    return answers


def score_against_jedi(
    storage: CozoDbStorage, root: Path, sites: list[CallSite], jobs: int = 2
) -> OracleScore:
    """Compare our call edges with Jedi's answers on the sampled call sites."""
    answers = jedi_answers(root, sites, jobs)
    sites_by_line: dict[tuple[str, int], list[CallSite]] = defaultdict(list)
    for site in answers:
        sites_by_line[(site.file_path, site.line)].append(site)
    score = OracleScore(sites_sampled=len(sites))
    judged_lines: set[tuple[str, int]] = set()
    for site in sites:
        entity = _enclosing_entity(storage, site.file_path, site.line)
        edges = _call_edges_from(storage, entity) if entity else []
        _, expected = answers[site]
        if expected:
            score.sites_jedi_pins_in_library += 1
            if expected & {target for target, _ in edges}:
                score.sites_we_match += 1
                if expected & {target for target, lines in edges if site.line in lines}:
                    score.sites_we_match_at_line += 1
            else:
                score.misses.append((site, expected))
        line_key = (site.file_path, site.line)
        if line_key in judged_lines:
            continue
        judged_lines.add(line_key)
        line_answers = [answers[other] for other in sites_by_line[line_key]]
        if not all(found for found, _ in line_answers):
            continue
        score.lines_fully_pinned += 1
        allowed = set().union(*(inside for _, inside in line_answers))
        for target, lines in edges:
            if site.line not in lines:
                continue
            score.our_edges_on_pinned_lines += 1
            if target in allowed or not allowed.isdisjoint(
                _classes_constructed_by(storage, target)
            ):
                score.our_edges_jedi_agrees += 1
            else:
                score.wrong_edges.append((site.file_path, site.line, target, allowed))
    return score
