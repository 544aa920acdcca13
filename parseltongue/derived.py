"""The derived relations' rows (search tokens, vocabulary, coupling degrees), computed in Python.

build_search_index.cozo and build_coupling.cozo derive them inside Cozo, which on a 46k-entity
codebase spends seconds evaluating rules; ingestion already holds the entities and edges in
memory, so the same rows are computed here and written with plain `:put` batches. Each
function returns exactly the rows the `.cozo` build writes (rows are sets there: no repeats).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

# build_search_index.cozo's regex_extract pattern. Cozo runs it with Rust's regex crate
# (leftmost-first alternation, like Python's re); both classes are ASCII ranges in either.
_WORD = re.compile(r"[A-Z]+[a-z0-9]*|[a-z0-9]+")

# The edge types build_coupling.cozo counts: structure (contains) and imports are not coupling.
COUPLING_EDGE_TYPES = frozenset({"calls", "uses", "implements", "extends"})

DEFAULT_BATCH_ROWS = 20_000


class DerivedStorage(Protocol):
    """What writing the derived rows needs of a CozoDbStorage."""

    def write_rows(self, query_name: str, rows: list[Sequence[Any]]) -> int: ...

    def run_named_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...

    def run_named(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...


def search_token_rows(
    entities: Iterable[tuple[str, str, str]],
) -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str, str]]]:
    """The rows build_search_index.cozo writes, from (key, name, file_path) of every entity.

    Returns the entity_name_tokens rows (kind, token, key, name, file_path): kind 'n' for the
    lowercased name, kind 'w' for each lowercased word of it; and the name_vocabulary rows
    (direction, probe, token): each distinct token forward ('f') and reversed ('r').
    """
    # One row per key in code_entities: a repeated key is an upsert, the last one wins.
    named = {key: (name, file_path) for key, name, file_path in entities}
    token_rows: list[tuple[str, str, str, str, str]] = []
    tokens: set[str] = set()
    for key, (name, file_path) in named.items():
        # Cozo's lowercase is Rust's str::to_lowercase: the same Unicode mapping as
        # str.lower(), final sigma included.
        lowered = name.lower()
        token_rows.append(("n", lowered, key, name, file_path))
        tokens.add(lowered)
        # A word repeated in a name (get_get) is one row: (kind, token, key) is the row's key.
        for word in dict.fromkeys(word.lower() for word in _WORD.findall(name)):
            token_rows.append(("w", word, key, name, file_path))
            tokens.add(word)
    vocabulary_rows: list[tuple[str, str, str]] = []
    for token in tokens:
        vocabulary_rows.append(("f", token, token))
        # Cozo's chars() splits into Unicode scalar values (Rust chars), as slicing a str does.
        vocabulary_rows.append(("r", token[::-1], token))
    return token_rows, vocabulary_rows


def coupling_rows(
    entity_files: Mapping[str, str],
    edges: Iterable[tuple[str, str, str, str]],
) -> tuple[list[tuple[int, str, int, int, int, str]], list[tuple[int, str, int, int, int, int]]]:
    """The rows build_coupling.cozo writes, from every entity's file and every dependency edge.

    `entity_files` maps each entity key to its file_path; `edges` are (from_key, to_key,
    edge_type, source_file) of all dependency edges. Returns the entity_coupling rows
    (neg_total, key, inbound, outbound, total, file_path), one per entity, and the
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
    """Every entity's and file's coupling degrees, kept beside a codebase index: an update
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
        gone = set(entities_gone) - entities_new.keys()
        changes = CouplingChanges([], [], [], [])
        for key in gone:
            if key not in self.entity:
                continue  # never had a row
            inbound, outbound, file_path = self.entity.pop(key)
            changes.entity_rows_gone.append((-(inbound + outbound), key))
            move(file_moves, file_path, 2, -1)
        added = {key for key in entities_new if key not in self.entity}
        for key in added:
            self.entity[key] = (0, 0, entities_new[key])
            entity_moves.setdefault(key, [0, 0, 0])
            move(file_moves, entities_new[key], 2, 1)
        for key, (inbound_by, outbound_by, _) in entity_moves.items():
            old = self.entity.get(key)
            if old is None:
                continue  # no entity (or a removed one): no row
            inbound, outbound, file_path = old
            new = (inbound + inbound_by, outbound + outbound_by, file_path)
            if key not in added:
                if new == old:
                    continue
                changes.entity_rows_gone.append((-(inbound + outbound), key))
            self.entity[key] = new
            total = new[0] + new[1]
            changes.entity_rows.append((-total, key, new[0], new[1], total, file_path))
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
    """Replace the search tokens of some entities — (key, name, file_path) before and after an
    update — and keep the vocabulary to the tokens some entity still has, so both relations
    equal what build_search_index writes."""
    old_rows, old_vocabulary = search_token_rows(old_entities)
    new_rows, new_vocabulary = search_token_rows(new_entities)
    kept = {row[:3] for row in new_rows}
    gone = [row[:3] for row in old_rows if row[:3] not in kept]
    if gone:
        storage.run_named_write("remove_entity_name_tokens", rows=gone)
    if new_rows:
        storage.write_rows("put_entity_name_tokens", new_rows)
    tokens = sorted({row[2] for row in (*old_vocabulary, *new_vocabulary)})
    if not tokens:
        return
    in_use = {row["token"] for row in storage.run_named("tokens_in_use", tokens=tokens)}
    probes = {*old_vocabulary, *new_vocabulary}
    unused = [row for row in probes if row[2] not in in_use]
    used = [row for row in probes if row[2] in in_use]
    if unused:
        storage.run_named_write("remove_name_vocabulary", rows=unused)
    if used:
        storage.write_rows("put_name_vocabulary", used)
