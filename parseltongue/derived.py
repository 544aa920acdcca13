"""The derived relations' rows (search tokens, vocabulary, coupling degrees), computed in Python.

The one implementation in the product (ingestion, updates and `refresh_derived_relations` run
it). Their Datalog statements, tests/oracles/build_search_index.cozo and build_coupling.cozo,
are test oracles: inside Cozo they spend seconds evaluating rules on a 46k-entity codebase,
where ingestion already holds the entities and edges in memory. Each
function returns exactly the rows the `.cozo` build writes (rows are sets there: no repeats);
the search postings, which Datalog cannot join into one string, build_search_index.cozo
returns one per row and search_postings groups (parseltongue/packed.py packs them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from parseltongue.packed import pack_line, unpack_lines

# build_search_index.cozo's regex_extract pattern. Cozo runs it with Rust's regex crate
# (leftmost-first alternation, like Python's re); both classes are ASCII ranges in either.
_WORD = re.compile(r"[A-Z]+[a-z0-9]*|[a-z0-9]+")

# The edge types build_coupling.cozo counts: structure (contains) and imports are not coupling.
COUPLING_EDGE_TYPES = frozenset({"calls", "uses", "implements", "extends"})

DEFAULT_BATCH_ROWS = 20_000


class DerivedStorage(Protocol):
    """What writing the derived rows needs of a CozoDbStorage."""

    def write_rows(self, query_name: str, rows: Sequence[Sequence[Any]]) -> int: ...

    def run_named_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...

    def run_named(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...


TokenRow = tuple[str, str, int, int, str]
"""An entity_name_tokens row: kind, token, chunk, posting_count, postings (packed)."""
Posting = tuple[str, str, str]
"""One entity under a token: key, name, file_path."""


def search_postings(
    entities: Iterable[tuple[str, str, str]],
) -> dict[tuple[str, str], list[Posting]]:
    """Each (kind, token) of the entities' names -> its postings (key, name, file_path),
    sorted by key: kind 'n' for the lowercased name, kind 'w' for each lowercased word of it.
    These are build_search_index.cozo's rows, grouped by token."""
    # One row per key in code_entities: a repeated key is an upsert, the last one wins.
    named = {key: (name, file_path) for key, name, file_path in entities}
    postings: dict[tuple[str, str], list[Posting]] = {}
    for key in sorted(named):
        name, file_path = named[key]
        posting = (key, name, file_path)
        # Cozo's lowercase is Rust's str::to_lowercase: the same Unicode mapping as
        # str.lower(), final sigma included.
        postings.setdefault(("n", name.lower()), []).append(posting)
        # A word repeated in a name (get_get) is one posting.
        for word in dict.fromkeys(word.lower() for word in _WORD.findall(name)):
            postings.setdefault(("w", word), []).append(posting)
    return postings


# Postings per entity_name_tokens row. Cozo copies a row once per item it unpacks from it, so
# a token's postings come in chunks: a search unpacks a few short rows, not one of the ~1,000
# entities a word like `new` has (~9 ms). Chunks of 32 keep the rows to ~1.1 per token.
POSTINGS_PER_CHUNK = 32


def token_rows(kind: str, token: str, postings: Sequence[Posting]) -> list[TokenRow]:
    """The entity_name_tokens rows of one token: its postings (sorted by key) packed, in
    chunks numbered from 0."""
    return _rows_of_lines(kind, token, [pack_line(posting) for posting in postings])


def _rows_of_lines(kind: str, token: str, lines: Sequence[str]) -> list[TokenRow]:
    """token_rows from its postings' packed lines."""
    return [
        (kind, token, chunk, len(part), "\n".join(part))
        for chunk, start in enumerate(range(0, len(lines), POSTINGS_PER_CHUNK))
        for part in (lines[start : start + POSTINGS_PER_CHUNK],)
    ]


def vocabulary_row(token: str) -> tuple[str, str]:
    """The name_vocabulary row of a token: (probe, token), the probe being the token reversed.
    Cozo's chars() splits into Unicode scalar values (Rust chars), as slicing a str does."""
    return (token[::-1], token)


def search_token_rows(
    entities: Iterable[tuple[str, str, str]],
) -> tuple[list[TokenRow], list[tuple[str, str]]]:
    """The search index's rows, from (key, name, file_path) of every entity.

    Returns the entity_name_tokens rows (kind, token, chunk, posting_count, postings): each
    (kind, token)'s postings packed as JSON Lines of [key, name, file_path] sorted by key, in
    chunks of POSTINGS_PER_CHUNK; and
    the name_vocabulary rows (probe, token): each distinct token reversed (typo search reads
    forward candidates from entity_name_tokens' keys, which are the tokens).
    """
    postings = search_postings(entities)
    # An entity's posting is in the rows of its name and of each word of it: encoded once
    # (encoding every time was 0.2 of this function's 0.35 s on the rust corpus).
    lines: dict[Posting, str] = {}
    rows = [
        row for (kind, token), entries in postings.items()
        for row in _rows_of_lines(kind, token, [
            lines.get(posting) or lines.setdefault(posting, pack_line(posting))
            for posting in entries
        ])
    ]
    tokens = {token for _, token in postings}
    return rows, [vocabulary_row(token) for token in tokens]


def pack_token_rows(rows: Iterable[Sequence[Any]]) -> list[TokenRow]:
    """Postings one per row (kind, token, key, name, file_path), as build_search_index.cozo
    returns them, packed into entity_name_tokens rows (a repeated posting counts once)."""
    grouped: dict[tuple[str, str], set[Posting]] = {}
    for kind, token, key, name, file_path in rows:
        grouped.setdefault((kind, token), set()).add((key, name, file_path))
    return [
        row
        for (kind, token), postings in sorted(grouped.items())
        for row in token_rows(kind, token, sorted(postings))
    ]


def unpack_token_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[str, str, str, str, str]]:
    """Packed entity_name_tokens rows as one (kind, token, key, name, file_path) per posting."""
    return [
        (row[0], row[1], *posting)
        for row in rows
        for posting in map(tuple, unpack_lines(row[4]))
    ]


def coupling_rows(
    entity_files: Mapping[str, str],
    edges: Iterable[tuple[str, str, str, str]],
) -> tuple[list[tuple[int, str, int, int, int, str]], list[tuple[int, str, int, int, int, int]]]:
    """The rows build_coupling.cozo writes, from every entity's file and every dependency edge.

    `entity_files` maps each entity key to its file_path; `edges` are (from_key, to_key,
    edge_type, source_file) of all dependency edges. Returns the entity_coupling rows
    (neg_total, key, inbound, outbound, total, file_path), one per coupled entity (total > 0:
    hotspots lists the uncoupled ones from code_entities, and they were ~40% of the rows),
    and the
    file_coupling rows (neg_total, file_path, inbound, outbound, total, entity_count), one per
    file holding an entity.
    """
    # dependency_edges is keyed by (from_key, to_key, edge_type): a repeat is an upsert.
    latest: dict[tuple[str, str, str], str] = {}
    for from_key, to_key, edge_type, source_file in edges:
        if edge_type in COUPLING_EDGE_TYPES:
            latest[(from_key, to_key, edge_type)] = source_file
    # Distinct pairs: a call and a use between the same two entities couple them once. A pair
    # counts whether or not its ends have entity rows, as the Datalog's pair[] does.
    pairs: set[tuple[str, str]] = set()
    # crossing[from_file, to_file, from_key, to_key]: the caller's file is the edge's
    # source_file, the callee's is its entity's (no entity, no crossing).
    crossings: set[tuple[str, str, str, str]] = set()
    for (from_key, to_key, _), source_file in latest.items():
        pairs.add((from_key, to_key))
        to_file = entity_files.get(to_key)
        if to_file is not None and to_file != source_file:
            crossings.add((source_file, to_file, from_key, to_key))

    inbound = Counter(to_key for _, to_key in pairs)
    outbound = Counter(from_key for from_key, _ in pairs)
    entity_rows = []
    for key, file_path in entity_files.items():
        total = inbound[key] + outbound[key]
        if total:
            entity_rows.append((-total, key, inbound[key], outbound[key], total, file_path))

    # Cozo's count() counts the crossing rows of a file, not distinct callers or callees.
    file_inbound = Counter(to_file for _, to_file, _, _ in crossings)
    file_outbound = Counter(from_file for from_file, _, _, _ in crossings)
    entity_counts = Counter(entity_files.values())
    file_rows = []
    for file_path, entity_count in entity_counts.items():
        total = file_inbound[file_path] + file_outbound[file_path]
        file_rows.append(
            (
                -total,
                file_path,
                file_inbound[file_path],
                file_outbound[file_path],
                total,
                entity_count,
            )
        )
    return entity_rows, file_rows


def write_derived_rows(
    storage: DerivedStorage,
    token_rows: Sequence[Sequence[Any]],
    vocabulary_rows: Sequence[Sequence[Any]],
    entity_coupling_rows: Sequence[Sequence[Any]],
    file_coupling_rows: Sequence[Sequence[Any]],
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> None:
    """Replace the four derived relations' rows with these (from search_token_rows and
    coupling_rows): clear them, then `:put` the rows in batches of `batch_rows`."""
    storage.run_named_write("clear_derived")
    batch = max(1, batch_rows)
    for query_name, rows in (
        ("put_entity_name_tokens", token_rows),
        ("put_name_vocabulary", vocabulary_rows),
        ("put_entity_coupling", entity_coupling_rows),
        ("put_file_coupling", file_coupling_rows),
    ):
        for start in range(0, len(rows), batch):
            # Tuples go to the engine as they are (its conversion takes lists and tuples alike).
            storage.write_rows(query_name, list(rows[start : start + batch]))


def rebuild_derived_relations(storage: DerivedStorage) -> None:
    """Rebuild the four derived relations from the entities and edges the database holds:
    for rows written other than by ingestion (`insert_entities_batch`, `insert_edges_batch`),
    which does this itself as it resolves."""
    entities = [
        (row["key"], row["name"], row["file_path"])
        for row in storage.run_named("resolution_entities")
    ]
    edges = [
        (row["from_key"], row["to_key"], row["edge_type"], row["source_file"])
        for row in storage.run_named("rows_dependency_edges")
    ]
    tokens, vocabulary = search_token_rows(entities)
    entity_coupling, file_coupling = coupling_rows(
        {key: file_path for key, _, file_path in entities}, edges
    )
    write_derived_rows(storage, tokens, vocabulary, entity_coupling, file_coupling)


def coupling_pairs(edges: Iterable[Sequence[Any]]) -> set[tuple[str, str]]:
    """(from_key, to_key) of the edges that couple two entities (from_key, to_key and
    edge_type first): a call and a use between the same two couple them once."""
    return {(edge[0], edge[1]) for edge in edges if edge[2] in COUPLING_EDGE_TYPES}


class CouplingChanges(NamedTuple):
    """The coupling rows an update replaces: the old rows' keys, then the new rows."""

    entity_rows_gone: list[tuple[int, str]]
    entity_rows: list[tuple[int, str, int, int, int, str]]
    file_rows_gone: list[tuple[int, str]]
    file_rows: list[tuple[int, str, int, int, int, int]]

    def write(self, storage: DerivedStorage) -> None:
        if any(self):
            storage.run_named_write(
                "replace_coupling_rows",
                entity_rows_gone=self.entity_rows_gone,
                entity_rows=self.entity_rows,
                file_rows_gone=self.file_rows_gone,
                file_rows=self.file_rows,
            )


class CouplingDegrees:
    """The coupled entities' and every file's coupling degrees (an entity without a row is
    uncoupled, as in entity_coupling), kept beside a codebase index: an update
    moves them by the coupling pairs that came and went and rewrites only the rows that
    moved. (Counting them again in Cozo for the ~90 files one edited file couples to took
    90-180 ms of the 200 ms an update may take.)"""

    def __init__(
        self, entity_rows: Iterable[Sequence[Any]], file_rows: Iterable[Sequence[Any]]
    ) -> None:
        # key -> (inbound, outbound, file_path); file -> (inbound, outbound, entity_count)
        self.entity = {row[1]: (row[2], row[3], row[5]) for row in entity_rows}
        self.file = {row[1]: (row[2], row[3], row[5]) for row in file_rows}

    def change(
        self,
        pairs_gone: Iterable[tuple[str, str]],
        pairs_new: Iterable[tuple[str, str]],
        file_of: Mapping[str, str],
        entities_gone: Iterable[str],
        entities_new: Mapping[str, str],
    ) -> CouplingChanges:
        """Apply a change and return the rows to replace. `pairs_gone` and `pairs_new` are
        the coupling pairs removed and added (never both the same pair); `file_of` knows the
        file of every entity at either end of them, removed ones included (a key names its
        file, so one mapping serves before and after); `entities_gone` lose their rows,
        `entities_new` (key -> file) gain theirs. As coupling_rows counts: a pair counts at
        each end that is an entity, and crosses files when both ends have one (an edge's
        source_file is the file of its from_key)."""
        entity_moves: dict[str, list[int]] = {}
        file_moves: dict[str, list[int]] = {}

        def move(table: dict[str, list[int]], key: str, column: int, by: int) -> None:
            table.setdefault(key, [0, 0, 0])[column] += by

        for pairs, by in ((pairs_gone, -1), (pairs_new, 1)):
            for from_key, to_key in pairs:
                move(entity_moves, to_key, 0, by)
                move(entity_moves, from_key, 1, by)
                from_file, to_file = file_of.get(from_key), file_of.get(to_key)
                if from_file is not None and to_file is not None and from_file != to_file:
                    move(file_moves, to_file, 0, by)
                    move(file_moves, from_file, 1, by)
        gone_keys = set(entities_gone)
        gone = gone_keys - entities_new.keys()
        changes = CouplingChanges([], [], [], [])
        for key in gone:
            old = self.entity.pop(key, None)
            if old is not None:
                changes.entity_rows_gone.append((-(old[0] + old[1]), key))
            file_path = old[2] if old is not None else file_of.get(key)
            if file_path is not None:
                move(file_moves, file_path, 2, -1)
        for key, file_path in entities_new.items():
            if key not in gone_keys:
                move(file_moves, file_path, 2, 1)  # a new entity
        for key, (inbound_by, outbound_by, _) in entity_moves.items():
            if key in gone:
                continue  # removed with its rows
            old = self.entity.get(key)
            if old is None:
                # An entity without a row is uncoupled; a key that is no entity has none.
                file_path = file_of.get(key) or entities_new.get(key)
                if file_path is None:
                    continue
                current = (0, 0, file_path)
            else:
                current = old
            new = (current[0] + inbound_by, current[1] + outbound_by, current[2])
            if new == current:
                continue
            if old is not None:
                changes.entity_rows_gone.append((-(old[0] + old[1]), key))
            total = new[0] + new[1]
            if total:
                self.entity[key] = new
                changes.entity_rows.append((-total, key, new[0], new[1], total, new[2]))
            else:
                self.entity.pop(key, None)
        for file_path, (inbound_by, outbound_by, count_by) in file_moves.items():
            if (inbound_by, outbound_by, count_by) == (0, 0, 0):
                continue
            old_file = self.file.pop(file_path, None)
            inbound, outbound, count = old_file or (0, 0, 0)
            if old_file is not None:
                changes.file_rows_gone.append((-(inbound + outbound), file_path))
            inbound, outbound = inbound + inbound_by, outbound + outbound_by
            count += count_by
            if count > 0:  # a file with no entity left keeps no row
                self.file[file_path] = (inbound, outbound, count)
                total = inbound + outbound
                changes.file_rows.append((-total, file_path, inbound, outbound, total, count))
        return changes


def refresh_search_tokens_for(
    storage: DerivedStorage,
    old_entities: Iterable[tuple[str, str, str]],
    new_entities: Iterable[tuple[str, str, str]],
) -> None:
    """Replace the search postings of some entities — (key, name, file_path) before and after
    an update — so that both relations equal what search_token_rows makes of all entities.

    The stored postings of every token either side has are read (both kinds, so whether a
    token is still in use is known here), the entities' postings are taken out and the new
    ones put in; a token left without postings loses its row, and its vocabulary row when
    neither kind holds it any more."""
    old_postings = search_postings(old_entities)
    new_postings = search_postings(new_entities)
    changed = {
        token_key
        for token_key in old_postings.keys() | new_postings.keys()
        if old_postings.get(token_key) != new_postings.get(token_key)
    }
    if not changed:
        return
    tokens = sorted({token for _, token in changed})
    # (kind, token) -> its stored chunks' packed postings, in chunk order.
    stored: dict[tuple[str, str], list[str]] = {}
    for row in storage.run_named(
        "search_postings_of", tokens=[[kind, token] for token in tokens for kind in "nw"]
    ):
        stored.setdefault((row["kind"], row["token"]), []).append(row["postings"])
    # An entity's postings go by key, as rows keyed (kind, token, key) used to.
    leaving = {key for rows in old_postings.values() for key, _, _ in rows}
    leaving.update(key for rows in new_postings.values() for key, _, _ in rows)
    rows: list[TokenRow] = []
    chunks_gone: list[tuple[str, str, int]] = []
    for kind, token in sorted(changed):
        chunks = stored.get((kind, token), [])
        kept = [
            tuple(posting)
            for packed in chunks
            for posting in unpack_lines(packed)
            if posting[0] not in leaving
        ]
        merged = token_rows(kind, token, sorted([*kept, *new_postings.get((kind, token), [])]))
        rows.extend(merged)
        # Chunks past the new last one go (all of them when the token has no posting left).
        chunks_gone.extend((kind, token, chunk) for chunk in range(len(merged), len(chunks)))
    holding = {token_key for token_key in stored if token_key not in changed}
    holding.update(row[:2] for row in rows)
    in_use = {token for _, token in holding}
    storage.run_named_write(
        "replace_search_rows",
        chunks_gone=chunks_gone,
        token_rows=rows,
        probes_gone=[vocabulary_row(token) for token in tokens if token not in in_use],
        probes=[vocabulary_row(token) for token in tokens if token in in_use],
    )
