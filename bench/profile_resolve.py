"""Time resolution and the derived relations on an ingested database, block by block, and
prove that a rewrite of their Datalog leaves the rows unchanged.

    python -m bench.profile_resolve time    rocksdb:/tmp/rust.db            # rerun and time
    python -m bench.profile_resolve blocks  rocksdb:/tmp/rust.db            # per-block times
    python -m bench.profile_resolve dump    rocksdb:/tmp/rust.db before.pkl # rows written
    python -m bench.profile_resolve compare before.pkl after.pkl            # identical?

`time` clears what resolve.cozo writes (queries/clear_resolution.cozo), then runs
resolve.cozo, build_search_index.cozo and build_coupling.cozo (tests/oracles/: what ingestion
ran before resolution moved to Python, `parseltongue/resolve/`, `parseltongue/derived.py`),
timing each;
resolve.cozo returns the unresolved references, which are packed per file and written as
the Python resolver writes them (timed apart, as `pack_unresolved`).
`blocks` runs each `{...}` block of a script on its own: Cozo reports no per-rule times, so a
block's ephemeral relations (`_name`) are kept as stored `prof_name` relations between blocks,
and writes to the real relations go to scratch ones (all removed at the end).
"""

from __future__ import annotations

import pickle
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parseltongue.derived import pack_token_rows
from parseltongue.file_references import unpack_rows
from parseltongue.languages import (
    constructor_name_rows,
    package_scoped_language_rows,
    provided_name_rows,
)
from parseltongue.queries import named_query, parse_named_query
from parseltongue.resolve import EntityRow, unresolved_packs
from parseltongue.storage import CozoDbStorage

# What resolution and the derived-relation queries write: the rows that must not change.
RESOLVED_RELATIONS = (
    "dependency_edges",
    "file_unresolved_references",
    "entity_name_tokens",
    "name_vocabulary",
    "entity_coupling",
    "file_coupling",
)
# The Datalog statements of the rules, kept as test oracles.
ORACLES = Path(__file__).resolve().parents[1] / "tests" / "oracles"
DERIVED_QUERIES = ("resolve", "build_search_index", "build_coupling")
POSTING_COLUMNS = ("kind", "token", "key", "name", "file_path")


def _parameters(query_name: str, storage: CozoDbStorage) -> dict[str, Any]:
    """What a derived query takes: resolve, the unpacked raw references and provided names."""
    if query_name != "resolve":
        return {}
    return {
        "references": unpack_rows(
            (row["file_path"], row["references"])
            for row in storage.run_named("resolution_references")
        ),
        "provided_names": provided_name_rows(),
        "package_scoped_languages": package_scoped_language_rows(),
        "constructor_names": constructor_name_rows(),
    }


def rerun_and_time(storage: CozoDbStorage) -> dict[str, float]:
    """Clear the resolved rows, then resolve and rebuild the derived relations; seconds each
    (resolve's includes converting the references it is given as a parameter)."""
    storage.run_named_write("clear_resolution")
    seconds = {}
    for query_name in DERIVED_QUERIES:
        parameters = _parameters(query_name, storage)
        started = time.perf_counter()
        query = parse_named_query(ORACLES / f"{query_name}.cozo")
        rows = storage.query(query.script, query.bind(parameters))
        if query_name == "build_search_index":
            # Its postings come back one per row, packed as refresh_derived_relations does.
            postings = [[row[column] for column in POSTING_COLUMNS] for row in rows]
            storage.write_rows("put_entity_name_tokens", pack_token_rows(postings))
        seconds[query_name] = round(time.perf_counter() - started, 3)
        if query_name == "resolve":
            started = time.perf_counter()
            _write_unresolved_packs(storage, rows)
            seconds["pack_unresolved"] = round(time.perf_counter() - started, 3)
    return seconds


def _write_unresolved_packs(storage: CozoDbStorage, rows: list[dict[str, Any]]) -> None:
    """Pack the unresolved references resolve.cozo returned per file, and write them."""
    entity = {
        key: EntityRow(key, file_path, "", "", "")
        for key, file_path in storage.query_table(
            "?[k, f] := *code_entities{key: k, file_path: f}"
        ).rows
    }
    packs = unresolved_packs(
        (
            (row["from_key"], row["name"], row["edge_type"], row["source_line"],
             row["candidates"])
            for row in rows
        ),
        entity,
    )
    for start in range(0, len(packs), 2_000):
        storage.write_rows("put_file_unresolved_references", packs[start : start + 2_000])


def dump_rows(storage: CozoDbStorage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every relation resolution and the derived queries write, in key order."""
    dumped = {}
    for relation in RESOLVED_RELATIONS:
        query = named_query(f"rows_{relation}")
        dumped[relation] = [
            tuple(row[column] for column in query.columns)
            for row in storage.run_named(f"rows_{relation}")
        ]
    return dumped


def compare_dumps(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """One line per relation: identical (with its row count) or how it differs."""
    lines = []
    for relation in RESOLVED_RELATIONS:
        rows_before, rows_after = set(before[relation]), set(after[relation])
        if rows_before == rows_after and len(before[relation]) == len(after[relation]):
            lines.append(f"{relation}: identical ({len(rows_before):,} rows)")
        else:
            only_before, only_after = rows_before - rows_after, rows_after - rows_before
            lines.append(
                f"{relation}: DIFFERENT: {len(only_before):,} rows only before, "
                f"{len(only_after):,} only after "
                f"(e.g. {sorted(only_before)[:2]} / {sorted(only_after)[:2]})"
            )
    return lines


def script_blocks(script: str) -> list[str]:
    """The `{...}` blocks of a chained script, comments dropped."""
    body = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    blocks, depth, current = [], 0, []
    for character in body:
        if character == "{":
            depth += 1
        if depth:
            current.append(character)
        if character == "}":
            depth -= 1
            if depth == 0:
                blocks.append("".join(current)[1:-1])
                current = []
    return blocks


def profile_blocks(storage: CozoDbStorage, query_name: str) -> list[tuple[float, str]]:
    """Run each block of a write script on its own and time it (see the module's doc)."""
    created: set[str] = set()
    timings = []
    for block in script_blocks(parse_named_query(ORACLES / f"{query_name}.cozo").script):
        # Keep ephemeral relations between blocks, and leave the real relations untouched.
        block = re.sub(r"(?<![\w$])_(\w+)", r"prof_\1", block)
        block = re.sub(r":(put|rm) (\w+)", r":replace prof_out_\2", block)
        written = re.search(r":replace (\w+)", block)
        started = time.perf_counter()
        storage.query(block, _parameters(query_name))
        timings.append((time.perf_counter() - started, written.group(1) if written else "?"))
        if written:
            created.add(written.group(1))
    for relation in created:
        storage.query(f"::remove {relation}")
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    """The command line shown in the module's doc."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) < 2 or arguments[0] not in ("time", "blocks", "dump", "compare"):
        print(__doc__)
        return 2
    command = arguments[0]
    if command == "compare":
        before = pickle.loads(Path(arguments[1]).read_bytes())
        after = pickle.loads(Path(arguments[2]).read_bytes())
        lines = compare_dumps(before, after)
        print("\n".join(lines))
        return 0 if all("identical" in line for line in lines) else 1
    with CozoDbStorage(arguments[1]) as storage:
        if command == "time":
            print(rerun_and_time(storage))
        elif command == "dump":
            Path(arguments[2]).write_bytes(pickle.dumps(dump_rows(storage)))
            print(f"dumped {', '.join(RESOLVED_RELATIONS)} to {arguments[2]}")
        else:
            # Reads the rows already resolved; writes go to scratch relations.
            for query_name in DERIVED_QUERIES:
                for seconds, written in profile_blocks(storage, query_name):
                    print(f"{query_name:20s} {seconds:7.2f} s  {written}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
