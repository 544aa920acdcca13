"""Go's own type checker as an independent resolver of call sites, for judging Parseltongue's
Go call edges.

`tests/oracles/go_calls` (a small Go program over go/parser and go/types, standard library
only) type-checks every package under a folder and lists each call and composite literal with
the function, method or type it reaches and where that is declared. Its answers depend only
on the folder's Go files, the Go toolchain and the program, so they are cached beside the
corpora; our side of the comparison is computed afresh each time.

- Recall, per call site: of the calls go/types pins to a function or method declared in the
  folder, the share whose reference at that site (its entity, name and line) resolves to that
  declaration; entity level: the share whose calling entity has a call edge to it.
- Precision, on the lines where go/types tells every call apart (no call it could not type):
  per site, the share of what those lines' references resolve to that one of the line's calls
  reaches; entity level, the share of call edges with a site on such a line that go to one of
  them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path

from bench.corpora import cache_dir
from parseltongue.resolve import RawReference, load_codebase_index
from parseltongue.resolve.rows import RESOLUTION_NAMES
from parseltongue.storage import CozoDbStorage

ORACLE_SOURCE = Path(__file__).parent / "oracles" / "go_calls"
ORACLE_TIMEOUT_SECONDS = 600
# Callee kinds that name a declaration a call edge can reach.
CALLED_KINDS = frozenset({"func", "method", "interface_method"})
METHOD_KINDS = frozenset({"method", "interface_method"})
# The kinds that name no declaration but are known: a call of these has no static target.
UNKNOWN = "unknown"
Place = tuple[str, int]  # (file under the root, line of the declaration)


class GoOracleError(RuntimeError):
    """The Go oracle could not be built or run (its output says why)."""


@dataclass(frozen=True)
class GoCall:
    """One call (or composite literal) as go/types sees it (tests/oracles/go_calls)."""

    file: str
    line: int
    column: int
    name: str
    caller: str
    kind: str
    form: str = ""
    package: str = ""
    receiver: str = ""
    callee: str = ""
    decl_file: str = ""
    decl_line: int = 0

    @property
    def declared_inside(self) -> bool:
        return self.decl_file != ""


def go_toolchain() -> str | None:
    """The `go` command, or None when no Go toolchain is installed."""
    return shutil.which("go")


def _go_environment() -> dict[str, str]:
    # The oracle needs nothing but the standard library: no download, no toolchain switch.
    return {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOWORK": "off"}


def _go_version(go: str) -> str:
    return subprocess.run(
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=True,
        env=_go_environment(),
    ).stdout.strip()


def _answers_cache_file(root: Path, go: str) -> Path:
    """Where the oracle's answers for this folder's Go files are kept between runs."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(_go_version(go).encode())
    for source in sorted(ORACLE_SOURCE.iterdir()):
        if source.is_file():
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for path in sorted(root.rglob("*.go")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return cache_dir().parent / "oracle-answers" / f"go-types-{digest.hexdigest()}.jsonl"


def _run_oracle(root: Path, go: str) -> str:
    with tempfile.TemporaryDirectory(prefix="parseltongue-go-oracle-") as build_folder:
        program = Path(build_folder) / "go_calls"
        built = subprocess.run(
            [go, "build", "-o", str(program), "."], cwd=ORACLE_SOURCE, capture_output=True,
            text=True, env=_go_environment(), timeout=ORACLE_TIMEOUT_SECONDS,
        )
        if built.returncode != 0:
            raise GoOracleError(f"go build of {ORACLE_SOURCE} failed: {built.stderr.strip()}")
        ran = subprocess.run(
            [str(program), str(root)], capture_output=True, text=True,
            env=_go_environment(), timeout=ORACLE_TIMEOUT_SECONDS,
        )
    if ran.returncode != 0:
        raise GoOracleError(f"go_calls {root} failed: {ran.stderr.strip()}")
    return ran.stdout


def go_types_calls(root: Path) -> list[GoCall]:
    """go/types' answer for every call under `root` (cached by the folder's Go files)."""
    go = go_toolchain()
    if go is None:
        raise GoOracleError("no Go toolchain: `go` is not on PATH")
    cache_file = _answers_cache_file(root, go)
    if cache_file.is_file():
        text = cache_file.read_text(encoding="utf-8")
    else:
        text = _run_oracle(root, go)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # A staging file of this writer's own, swapped in whole (as tests/jedi_oracle.py).
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=cache_file.parent, suffix=".partial", delete=False
        ) as staging:
            staging.write(text)
        Path(staging.name).replace(cache_file)
    known = {item.name for item in fields(GoCall)}
    return [
        GoCall(**{name: value for name, value in json.loads(line).items() if name in known})
        for line in text.splitlines()
        if line
    ]


@dataclass
class GoScore:
    """The figures of one comparison with go/types (counts; ratios are properties)."""

    sites: int = 0
    sites_entity_level: int = 0
    sites_resolved: int = 0
    method_sites: int = 0
    method_sites_resolved: int = 0
    method_sites_entity_level: int = 0
    references_judged: int = 0
    references_agreeing: int = 0
    edges_judged: int = 0
    edges_agreeing: int = 0
    callees_not_entities: int = 0
    by_form: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_resolution: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[tuple[GoCall, str]] = field(default_factory=list)
    wrong: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def site_recall(self) -> float:
        return self.sites_resolved / max(1, self.sites)

    @property
    def entity_recall(self) -> float:
        return self.sites_entity_level / max(1, self.sites)

    @property
    def method_site_recall(self) -> float:
        """The share of method call sites resolved to go/types' method."""
        return self.method_sites_resolved / max(1, self.method_sites)

    @property
    def site_precision(self) -> float:
        return self.references_agreeing / max(1, self.references_judged)

    @property
    def entity_precision(self) -> float:
        return self.edges_agreeing / max(1, self.edges_judged)

    def as_dict(self) -> dict:
        figures = {
            item.name: getattr(self, item.name) for item in fields(self)
            if item.name not in ("misses", "wrong", "by_form", "by_resolution")
        }
        for ratio in ("site_recall", "entity_recall", "method_site_recall", "site_precision",
                      "entity_precision"):
            figures[ratio] = round(getattr(self, ratio), 4)
        figures["by_form"] = {form: dict(counts) for form, counts in sorted(self.by_form.items())}
        figures["by_resolution"] = {
            name: dict(counts) for name, counts in sorted(self.by_resolution.items())
        }
        return figures


class _Graph:
    """What the comparison reads from an ingested database, read once."""

    def __init__(self, storage: CozoDbStorage) -> None:
        self.index = load_codebase_index(storage)
        self.start_of: dict[str, int] = {}
        self.declared: dict[tuple[str, int, str], list[str]] = defaultdict(list)
        self.named_in_file: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
        spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for key, file_path, name, start, end in storage.query_table(
            "?[k, f, n, s, e] := *code_entities{key: k, file_path: f, name: n, start_line: s,"
            " end_line: e}"
        ).rows:
            self.start_of[key] = start
            self.declared[(file_path, start, name)].append(key)
            self.named_in_file[(file_path, name)].append((start, end, key))
            spans[file_path].append((start, end, key))
        self.spans = {path: sorted(rows) for path, rows in spans.items()}
        self.edges: dict[str, dict[str, tuple[tuple[int, ...], str]]] = defaultdict(dict)
        for from_key, to_key, lines, resolution in storage.query_table(
            "?[a, b, l, r] := *dependency_edges{from_key: a, to_key: b, edge_type: t,"
            " source_lines: l, resolution: r}, t == 'calls'"
        ).rows:
            self.edges[from_key][to_key] = (tuple(lines), resolution)
        self.call_references: dict[tuple[str, int], list[RawReference]] = defaultdict(list)
        for references in self.index.references.values():
            for reference in references:
                if reference.kind == "call":
                    self.call_references[(reference.file_path, reference.line)].append(reference)

    def entity_declared_at(self, call: GoCall) -> str | None:
        """Our entity for the declaration go/types names: the one of its name starting on
        its line, else the innermost one of its name holding that line."""
        keys = self.declared.get((call.decl_file, call.decl_line, call.callee))
        if keys:
            return min(keys)
        holding = [
            (end - start, key)
            for start, end, key in self.named_in_file.get((call.decl_file, call.callee), ())
            if start <= call.decl_line <= end
        ]
        return min(holding)[1] if holding else None

    def enclosing(self, file_path: str, line: int) -> str | None:
        """The innermost entity holding a line (a closure's calls belong to its function)."""
        rows = self.spans.get(file_path, [])
        holding = [
            (end - start, key)
            for start, end, key in rows[:bisect_right(rows, (line, 1 << 30, ""))]
            if start <= line <= end
        ]
        return min(holding)[1] if holding else None

    def site_targets(self, reference: RawReference) -> tuple[set[str], str]:
        """What one reference resolves to (nothing when it stays unresolved), and by which
        evidence."""
        entity = self.index.entity[reference.from_key]
        tier, targets = self.index.candidates(
            reference.from_key, reference.kind, reference.name,
            reference.receiver or reference.scope, reference.file_path,
            reference.receiver_type, entity.language,
        )
        if len(targets) != 1:
            return set(), ""
        return targets, RESOLUTION_NAMES[tier]


def score_against_go_types(
    storage: CozoDbStorage, calls: list[GoCall], path_prefixes: tuple[str, ...] = ("",)
) -> GoScore:
    """Compare the call edges in `storage` with go/types' calls, for sites in files under
    any of `path_prefixes` (relative to the ingested root)."""
    graph = _Graph(storage)
    score = GoScore()
    calls = [call for call in calls if call.file.startswith(path_prefixes)]
    on_line: dict[Place, list[GoCall]] = defaultdict(list)
    for call in calls:
        on_line[(call.file, call.line)].append(call)
    allowed: dict[Place, set[str]] = {}
    for place, line_calls in on_line.items():
        if all(call.kind != UNKNOWN for call in line_calls):
            allowed[place] = {
                key for call in line_calls if call.declared_inside
                for key in [graph.entity_declared_at(call)] if key is not None
            }
    checked_files = {call.file for call in calls}
    for call in calls:
        if call.kind not in CALLED_KINDS or not call.declared_inside:
            continue
        is_method = call.kind in METHOD_KINDS
        form = call.form or "other"
        score.sites += 1
        score.method_sites += is_method
        score.by_form[form]["sites"] += 1
        expected = graph.entity_declared_at(call)
        if expected is None:
            score.callees_not_entities += 1
            score.misses.append((call, "the callee is not an entity"))
            continue
        caller = graph.enclosing(call.file, call.line)
        if caller is None:
            score.misses.append((call, "no entity holds the call"))
            continue
        if expected in graph.edges.get(caller, {}):
            score.sites_entity_level += 1
            score.method_sites_entity_level += is_method
            score.by_form[form]["entity level"] += 1
        found = set()
        for reference in graph.call_references.get((call.file, call.line), ()):
            if reference.name == call.name and reference.from_key == caller:
                found |= graph.site_targets(reference)[0]
        if expected in found:
            score.sites_resolved += 1
            score.method_sites_resolved += is_method
            score.by_form[form]["resolved"] += 1
        else:
            score.misses.append((call, "wrong target" if found else "unresolved"))
    for (file_path, line), references in graph.call_references.items():
        if file_path not in checked_files:
            continue
        allowed_here = allowed.get((file_path, line), set() if (file_path, line) not in on_line
                                   else None)
        if allowed_here is None:
            continue  # go/types could not type some call on the line
        for reference in references:
            targets, resolution = graph.site_targets(reference)
            for target in targets:
                agrees = target in allowed_here
                score.references_judged += 1
                score.references_agreeing += agrees
                score.by_resolution[resolution]["judged"] += 1
                score.by_resolution[resolution]["agreeing"] += agrees
                if not agrees:
                    score.wrong.append((file_path, line, reference.name, target))
    for from_key, targets in graph.edges.items():
        entity = graph.index.entity.get(from_key)
        if entity is None or entity.file_path not in checked_files:
            continue
        for to_key, (lines, _resolution) in targets.items():
            judged = [
                allowed.get((entity.file_path, line), set())
                for line in lines
                if (entity.file_path, line) in allowed or (entity.file_path, line) not in on_line
            ]
            if judged:
                score.edges_judged += 1
                score.edges_agreeing += any(to_key in place for place in judged)
    return score
