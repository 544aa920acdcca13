"""search_entities answers equal an independent Python computation of what search returns over
the entities: exact, prefix, word and typo matches, scoped and limited, each tier stopping
after $limit rows in token order (then key order), and after an incremental rename."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from project_trees import write
from test_incremental import age_tree

from parseltongue import CodeEntity, CozoDbStorage
from parseltongue.ingest import CodebaseStreamer, StreamerConfig

FIXTURES = Path(__file__).parent / "fixtures"
# build_search_index.cozo's words (snake_case / CamelCase parts), restated here.
WORD = re.compile(r"[A-Z]+[a-z0-9]*|[a-z0-9]+")

Entity = tuple[str, str, str]
Row = tuple[str, str, str, int]


def tokens_of(entities: list[Entity]) -> dict[tuple[str, str], list[Entity]]:
    """(kind, token) -> the entities under it, by key."""
    tokens: dict[tuple[str, str], list[Entity]] = {}
    for entity in sorted(entities):
        _, name, _ = entity
        tokens.setdefault(("n", name.lower()), []).append(entity)
        for word in {word.lower() for word in WORD.findall(name)}:
            tokens.setdefault(("w", word), []).append(entity)
    return tokens


def first_rows(rows: Iterator[Row], limit: int, count_repeats: bool = False) -> list[Row]:
    """The distinct rows among the first ones, as a limited Datalog rule keeps them: it stops
    at `limit` distinct rows, or, for the typo tier, after `limit` rows with repeats counted
    (what Cozo 0.7.6 does there, before and after the index was packed)."""
    kept: dict[Row, None] = {}
    for seen, row in enumerate(rows, start=1):
        kept.setdefault(row)
        if (seen if count_repeats else len(kept)) >= limit:
            break
    return list(kept)


def is_near(head: str, text: str) -> bool:
    """One edit (substitution, swap of neighbours, one character more or less) between the
    text and the head's first characters."""
    n = len(text)
    same = head[:n]
    if len(same) == n:
        if sum(a != b for a, b in zip(same, text, strict=True)) == 1:
            return True
        for i in range(n - 1):
            swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            if swapped != text and swapped == same:
                return True
    longer = head[: n + 1]
    if len(longer) == n + 1 and any(longer[:i] + longer[i + 1 :] == text for i in range(n + 1)):
        return True
    shorter = head[: n - 1]
    return len(shorter) == n - 1 and any(text[:i] + text[i + 1 :] == shorter for i in range(n))


def expected_search(entities: list[Entity], query: str, scope: str, limit: int) -> list[Row]:
    """What search_entities should return: (key, name, match, rank), best first."""
    text = query.strip().lower()
    folder = scope.rstrip("/") + "/"
    tokens = tokens_of(entities)

    def lines(kind: str, token: str, rank: int) -> Iterator[Row]:
        for key, name, file_path in tokens.get((kind, token), []):
            if not scope or file_path.startswith(folder):
                yield key, name, file_path, rank

    def prefixed(kind: str) -> list[str]:
        return sorted(token for k, token in tokens if k == kind and token.startswith(text))

    by_name = first_rows(
        (row for token in prefixed("n") for row in lines("n", token, 0 if token == text else 1)),
        limit,
    )
    by_word = first_rows((row for token in prefixed("w") for row in lines("w", token, 2)), limit)
    by_typo: list[Row] = []
    found = {row[0] for row in (*by_name, *by_word)}
    n = len(query.strip())
    if n >= 4 and len(found) < limit:
        words = {token for _, token in tokens}
        half, end = text[: n // 2], text[n // 2 :]
        candidates = {
            (token, token[: n + 1])
            for token in words
            if token.startswith(half) and not token.startswith(text)
        }
        candidates |= {
            (token, token)
            for token in words
            if token.endswith(end) and abs(len(token) - n) <= 1 and not token.startswith(text)
        }
        near = sorted({head for _, head in candidates if is_near(head, text)})
        by_typo = first_rows(
            (
                row
                for head in near
                for token in sorted(token for token, h in candidates if h == head)
                for kind in ("n", "w")
                for row in lines(kind, token, 3)
            ),
            limit,
            count_repeats=True,
        )
    best: dict[tuple[str, str], int] = {}
    for key, name, _, rank in (*by_name, *by_word, *by_typo):
        best[(key, name)] = min(rank, best.get((key, name), rank))
    ranked = sorted((rank, name, key) for (key, name), rank in best.items())[:limit]
    matches = ("exact", "prefix", "word", "typo")
    return [(key, name, matches[rank], rank) for rank, name, key in ranked]


def answered(storage: CozoDbStorage, query: str, scope: str, limit: int) -> list[Row]:
    rows = storage.run_named("search_entities", query=query, scope=scope, limit=limit)
    return [(row["key"], row["name"], row["match"], row["rank"]) for row in rows]


def entities_of(storage: CozoDbStorage) -> list[Entity]:
    rows = storage.query_table("?[key, name, file_path] := *code_entities{key, name, file_path}")
    return [tuple(row) for row in rows.rows]


def typo_of(word: str, index: int) -> str:
    """A deterministic one-edit misspelling, the edit chosen by `index`."""
    i = index % len(word)
    return (
        word[:i] + "q" + word[i + 1 :],
        word[:i] + word[i + 1 :],
        word[:i] + "x" + word[i:],
        word[: max(i - 1, 0)] + word[i : i + 1] + word[max(i - 1, 0) : i] + word[i + 1 :],
    )[index % 4]


def queries_for(entities: list[Entity]) -> list[tuple[str, str, int]]:
    names = sorted({name for _, name, _ in entities if name})
    words = sorted({word.lower() for name in names for word in WORD.findall(name)})
    folders = sorted({path.rsplit("/", 1)[0] + "/" for _, _, path in entities if "/" in path})
    texts = ["get", "new", "Area", "shape", "sh", "s", "circel", "sqaure", "  Circle "]
    texts += names[::3] + [name[: 1 + index % 4] for index, name in enumerate(names[::5])]
    texts += words + [typo_of(word, index) for index, word in enumerate(words) if len(word) >= 4]
    scopes = ["", *folders[:3], "nowhere"]
    return [
        (text, scopes[index % len(scopes)] if index % 3 else "", (1, 3, 20)[index % 3])
        for index, text in enumerate(texts)
        if text.strip()
    ]


@pytest.fixture(scope="module")
def fixtures_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CozoDbStorage]:
    database = f"rocksdb:{tmp_path_factory.mktemp('search') / 'db'}"
    with CodebaseStreamer(StreamerConfig.new("rocksdb", database.split(":", 1)[1])) as streamer:
        streamer.stream_directory(FIXTURES)
    with CozoDbStorage(database) as storage:
        yield storage


def test_search_answers_equal_the_python_computation(fixtures_storage: CozoDbStorage) -> None:
    entities = entities_of(fixtures_storage)
    cases = queries_for(entities)
    assert len(cases) > 300
    kinds = set()
    for text, scope, limit in cases:
        expected = expected_search(entities, text, scope, limit)
        assert answered(fixtures_storage, text, scope, limit) == expected, (text, scope, limit)
        kinds.update(row[2] for row in expected)
    assert kinds == {"exact", "prefix", "word", "typo"}


def test_a_tier_stops_after_limit_rows_in_token_order() -> None:
    """Many entities under one word: a limit of 2 keeps the first two keys of the first
    tokens, and the typo tier reads heads, tokens and kinds in order."""
    with CozoDbStorage.new_mem() as storage:
        names = ["load_data", "load", "Loader", "loadAll", "lead_time", "load_z", "lode"]
        entities = [(f"py:{index:02d}", name, f"pkg/m{index % 2}.py")
                    for index, name in enumerate(names)]
        storage.insert_entities_batch(
            CodeEntity(key=key, file_path=path, entity_type="function", name=name)
            for key, name, path in entities
        )
        storage.refresh_derived_relations()
        for text in ("load", "loa", "lo", "laod", "loadd", "lod", "leod", "LOAD"):
            for scope in ("", "pkg/m1", "pkg/m0/"):
                for limit in (1, 2, 3, 20):
                    assert answered(storage, text, scope, limit) == expected_search(
                        entities, text, scope, limit
                    ), (text, scope, limit)


def test_search_after_an_incremental_rename_equals_the_python_computation(
    tmp_path: Path,
) -> None:
    root = tmp_path / "tree"
    write(root / "a.py", "def parse_file():\n    pass\n\ndef parse_line():\n    pass\n")
    write(root / "b.py", "def parse_file():\n    pass\n\ndef other():\n    pass\n")
    age_tree(root)
    with CodebaseStreamer(StreamerConfig.new("rocksdb", tmp_path / "db")) as streamer:
        streamer.stream_directory(root)
        storage = streamer.storage()
        assert [row[1] for row in answered(storage, "parse_file", "", 20)] == ["parse_file"] * 2
        write(root / "a.py", "def read_file():\n    pass\n\ndef parse_line():\n    pass\n")
        streamer.update_files(root, ["a.py"])
        entities = entities_of(storage)
        for text in ("parse_file", "parse", "file", "read", "pars_file", "raed", "line", "other"):
            for scope in ("", "b.py"):
                assert answered(storage, text, scope, 20) == expected_search(
                    entities, text, scope, 20
                ), text
        # The old posting of a.py's parse_file is gone from the token it was under.
        keys = [row[0] for row in answered(storage, "parse_file", "", 20)]
        assert len(keys) == 1 and "_b" in keys[0]
