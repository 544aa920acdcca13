"""The answers users see, recorded once and compared ever after: a guard for storage layouts.

The rows behind search, hotspots and unresolved references are packed (a row per file or per
token instead of one per reference or posting) to make ingestion cheaper; what the user asks
must answer exactly as before. `recorded_answers` asks the vendored fixture tree (every file
under tests/fixtures) the questions users ask — callers, callees and blast radius of every
entity, search for many texts (exact, prefix, word, typo, scoped, limited), hotspots,
unresolved references, stats — and `tests/recorded_answers.json` holds what the layout before
packing answered. Record again (`python -m tests.answers_oracle`) only when an answer is
meant to change, and say why in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from parseltongue.storage import CozoDbStorage

FIXTURES = Path(__file__).parent / "fixtures"
# Beside the fixtures, not among them: the walk would count it as a file of the tree.
RECORDED = Path(__file__).parent / "recorded_answers.json"

# Texts to search for: whole names, prefixes, words of names, typos of four characters or
# more (one substitution, a swap, a missing and an extra character), mixed case.
SEARCH_TEXTS = (
    "area", "Area", "are", "a", "s", "sh", "shape", "Shapes", "circle", "Circle", "circ",
    "rect", "rectangle", "recatngle", "rectngle", "rectanglee", "reqtangle", "new", "init",
    "perimeter", "perimetr", "draw", "get", "to", "string", "name", "main", "test", "user",
    "handler", "parse", "hndler", "servce", "service", "load", "save", "process", "config",
    "x", "zz_nothing_matches", "sqare", "square", "Square", "describe", "descrbe", "total",
)
SEARCH_LIMITS = (1, 5, 20, 200)


def _rows(storage: CozoDbStorage, name: str, **params: Any) -> list[list[Any]]:
    return [list(row) for row in storage.run_named_table(name, **params).rows]


def recorded_answers(storage: CozoDbStorage) -> dict[str, Any]:
    """Every answer of the guard, from a database holding an ingestion of FIXTURES."""
    keys = [row[0] for row in storage.query_table(
        "?[key] := *code_entities{key} :order key").rows]
    folders = sorted({row[0].split("/")[0] + "/" for row in storage.query_table(
        "?[f] := *source_files{file_path: f}, str_includes(f, '/')").rows})
    answers: dict[str, Any] = {
        "stats": storage.run_named("stats_totals"),
        "callers": {key: _rows(storage, "reverse_callers", entity=key) for key in keys},
        "callers_all_types": {
            key: _rows(storage, "reverse_callers", entity=key, edge_types=[]) for key in keys
        },
        "callees": {key: _rows(storage, "forward_callees", entity=key) for key in keys},
        "blast_radius": {key: _rows(storage, "blast_radius", entity=key, hops=3)
                         for key in keys},
        "search": {
            f"{text}|{scope}|{limit}": _rows(
                storage, "search_entities", query=text, scope=scope, limit=limit
            )
            for text in SEARCH_TEXTS
            for scope in ("", *folders)
            for limit in SEARCH_LIMITS
        },
        "hotspots": {
            f"{scope}|{limit}": _rows(storage, "hotspots", scope=scope, limit=limit)
            for scope in ("", *folders)
            for limit in (5, 20, 100_000)
        },
        "file_hotspots": {
            f"{scope}|{limit}": _rows(storage, "file_hotspots", scope=scope, limit=limit)
            for scope in ("", *folders)
            for limit in (5, 100_000)
        },
        "unresolved": sorted(unresolved_rows(storage)),
    }
    return json.loads(json.dumps(answers))  # as the recorded file reads back


def unresolved_rows(storage: CozoDbStorage) -> list[list[Any]]:
    """Every unresolved reference: from_key, name, edge_type, source_line, candidates."""
    rows = storage.run_named("unresolved_references", limit=1_000_000)
    return [[row["from_key"], row["name"], row["edge_type"], row["source_line"],
             row["candidates"]] for row in rows]


def ingest_fixtures(database: str) -> CozoDbStorage:
    """Ingest every file under FIXTURES (sequentially: the answers do not depend on jobs)."""
    from parseltongue.ingest import CodebaseStreamer, StreamerConfig

    streamer = CodebaseStreamer(StreamerConfig(database=database, parallel=False))
    streamer.stream_directory(FIXTURES)
    return streamer.storage()


if __name__ == "__main__":
    with ingest_fixtures("mem") as recorded_from:
        RECORDED.write_text(
            json.dumps(recorded_answers(recorded_from), indent=0, sort_keys=True) + "\n"
        )
    print(f"recorded {RECORDED}", file=sys.stderr)
