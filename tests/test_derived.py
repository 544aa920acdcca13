"""parseltongue.derived: the derived relations' rows computed in Python equal what the `.cozo`
builds write, and coupling degrees moved by the pairs that changed leave what a full
build_coupling would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from http_support import key_named
from ingested_corpora import IngestedCorpus
from oracle_queries import run_oracle
from project_trees import python_module, write, write_mixed_project
from test_incremental import age_tree

from parseltongue import CodeEntity, CozoDbStorage, DependencyEdge
from parseltongue.derived import (
    COUPLING_EDGE_TYPES,
    POSTINGS_PER_CHUNK,
    CouplingChanges,
    CouplingDegrees,
    coupling_pairs,
    coupling_rows,
    pack_token_rows,
    refresh_search_tokens_for,
    search_token_rows,
    unpack_token_rows,
    write_derived_rows,
)
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.packed import unpack_lines

FIXTURES = Path(__file__).parent / "fixtures"
GRAPH_PROJECT = FIXTURES / "graph_project"
DERIVED = ("entity_name_tokens", "name_vocabulary", "entity_coupling", "file_coupling")
COUPLING = ("entity_coupling", "file_coupling")

Edge = tuple[str, str, str, str, int, str, tuple[int, ...]]


# -- reading the database back -----------------------------------------------------------------


def relation_rows(storage: CozoDbStorage, relation: str) -> set[tuple]:
    return {tuple(row) for row in storage.run_named_table(f"rows_{relation}").rows}


def entity_rows(storage: CozoDbStorage) -> list[tuple[str, str, str]]:
    rows = storage.query_table("?[key, name, file_path] := *code_entities{key, name, file_path}")
    return [tuple(row) for row in rows.rows]


def edge_rows(storage: CozoDbStorage) -> set[Edge]:
    # The sites come back as a list: a tuple, to be hashable.
    return {
        (*row[:6], tuple(row[6]))
        for row in storage.run_named_table("rows_dependency_edges").rows
    }


def built_by_cozo(storage: CozoDbStorage, *queries: str) -> dict[str, set[tuple]]:
    """Run the `.cozo` builds themselves (not refresh_derived_relations, which may come to use
    this module) and read the four relations back. build_search_index returns the postings
    one per row (Datalog cannot join strings): they are kept under "postings" and packed into
    entity_name_tokens here, so the relation can be compared whole."""
    postings: set[tuple] = set()
    for query in queries or ("build_search_index", "build_coupling"):
        rows = [tuple(row.values()) for row in run_oracle(storage, query)]
        if query == "build_search_index":
            postings = set(rows)
            assert len(postings) == len(rows), "build_search_index: repeated postings"
            storage.write_rows("put_entity_name_tokens", pack_token_rows(rows))
    built = {relation: relation_rows(storage, relation) for relation in DERIVED}
    return {**built, "postings": postings} if postings else built


def computed_in_python(storage: CozoDbStorage) -> dict[str, list[tuple]]:
    entities = entity_rows(storage)
    edges = [edge[:4] for edge in edge_rows(storage)]
    tokens, vocabulary = search_token_rows(entities)
    entity_coupling, file_coupling = coupling_rows(
        {key: file_path for key, _, file_path in entities}, edges
    )
    return dict(zip(DERIVED, (tokens, vocabulary, entity_coupling, file_coupling), strict=True))


def assert_python_rows_equal_the_cozo_builds(storage: CozoDbStorage) -> dict[str, list[tuple]]:
    built = built_by_cozo(storage)
    computed = computed_in_python(storage)
    # The postings one by one, as Datalog derives them, equal Python's unpacked.
    unpacked = unpack_token_rows(computed["entity_name_tokens"])
    assert len(unpacked) == len(set(unpacked)), "repeated postings"
    assert set(unpacked) == built["postings"]
    for relation in DERIVED:
        rows = computed[relation]
        assert len(rows) == len(set(rows)), f"{relation}: repeated rows"
        missing, extra = built[relation] - set(rows), set(rows) - built[relation]
        assert not missing and not extra, (
            f"{relation}: {len(missing)} rows only Cozo wrote (e.g. {sorted(missing)[:3]}), "
            f"{len(extra)} only Python computed (e.g. {sorted(extra)[:3]})"
        )
    # Written back through the put queries, the relations hold exactly the same rows.
    write_derived_rows(storage, *(computed[relation] for relation in DERIVED), batch_rows=1000)
    for relation in DERIVED:
        assert relation_rows(storage, relation) == built[relation], relation
    return computed


@pytest.fixture
def ingest(tmp_path: Path) -> Iterator:
    opened: list[CodebaseStreamer] = []

    def ingest_folder(folder: Path, name: str = "db") -> CodebaseStreamer:
        streamer = CodebaseStreamer(StreamerConfig.new("rocksdb", tmp_path / name))
        opened.append(streamer)
        streamer.stream_directory(folder)
        return streamer

    yield ingest_folder
    for streamer in opened:
        streamer.close()


# -- the rows equal the .cozo builds' ------------------------------------------------------------


def test_rows_of_the_multi_language_fixtures_equal_the_cozo_builds(ingest) -> None:
    storage = ingest(FIXTURES).storage()
    computed = assert_python_rows_equal_the_cozo_builds(storage)
    languages = {row[0] for row in storage.query_table(
        "?[language] := *code_entities{language}"
    ).rows}
    assert len(languages) >= 10, languages
    postings = unpack_token_rows(computed["entity_name_tokens"])
    assert len(postings) > len(computed["entity_name_tokens"]) > len(computed["file_coupling"])
    assert len(computed["entity_coupling"]) > 100
    assert any(row[2] for row in computed["file_coupling"])  # some file has inbound crossings


def test_rows_of_awkward_names_and_edges_equal_the_cozo_builds() -> None:
    """Names Unicode lowercases and reverses, and edges build_coupling treats specially."""
    names = {
        "py:a": ("HTTPServer_getURL2x", "a.py"),
        "py:b": ("ΟΔΥΣΣΕΥΣ", "a.py"),  # final sigma
        "py:c": ("İstanbulÉtéﬁ", "b.py"),  # lowercases to more code points
        "py:d": ("get_get__GET", "b.py"),  # a word repeated, in two cases
        "py:e": ("x\u0301y_n\u0303", "c.py"),  # combining marks: reversed by code point
        "py:f": ("__init__", "c.py"),
        "py:g": ("", "c.py"),
        "py:h": ("_9lives", "d.py"),
    }
    edges = [
        ("py:a", "py:b", "calls", "a.py"),  # within a file
        ("py:a", "py:c", "calls", "a.py"),
        ("py:a", "py:c", "uses", "a.py"),  # the same pair again: counts once
        ("py:a", "py:a", "calls", "a.py"),  # a self-loop: both in and out
        ("py:c", "py:a", "extends", "b.py"),
        ("py:d", "py:e", "implements", "b.py"),
        ("py:d", "py:e", "contains", "b.py"),  # not coupling
        ("py:d", "py:h", "imports", "b.py"),  # not coupling
        ("py:e", "py:gone", "calls", "c.py"),  # to no entity: outbound, no crossing
        ("py:gone", "py:e", "calls", "x.py"),  # from no entity, out of a file without any
        ("py:f", "py:a", "uses", "d.py"),  # source_file not the caller's own file
        ("py:f", "py:a", "calls", "c.py"),  # ... and the same pair from its own file
    ]
    storage = CozoDbStorage.new_mem()
    storage.insert_entities_batch(
        CodeEntity(key=key, file_path=file_path, entity_type="function", name=name)
        for key, (name, file_path) in names.items()
    )
    storage.insert_edges_batch(
        DependencyEdge(from_key, to_key, edge_type, source_file)
        for from_key, to_key, edge_type, source_file in edges
    )
    computed = assert_python_rows_equal_the_cozo_builds(storage)
    assert ("ςυεσσυδο", "οδυσσευς") in computed["name_vocabulary"]
    # A word repeated in a name is one posting; postings are sorted by key.
    tokens = {row[:3]: row for row in computed["entity_name_tokens"]}
    assert tokens[("w", "get", 0)][3:] == (
        2, '["py:a","HTTPServer_getURL2x","a.py"]\n["py:d","get_get__GET","b.py"]'
    )
    assert unpack_lines(tokens[("w", "url2x", 0)][4]) == [
        ["py:a", "HTTPServer_getURL2x", "a.py"]
    ]
    files = {row[1]: row for row in computed["file_coupling"]}
    assert "x.py" not in files  # no entity there: no row, though a pair leaves it
    assert files["a.py"][2:5] == (3, 1, 4)  # in: c->a (b.py), f->a (d.py), f->a (c.py)


def test_write_derived_rows_replaces_every_earlier_row(ingest) -> None:
    storage = ingest(GRAPH_PROJECT).storage()
    storage.run_named_write(
        "put_entity_name_tokens", rows=[["n", "stale", 0, 1, '["k","stale","f"]']]
    )
    storage.run_named_write("put_file_coupling", rows=[[-9, "stale.py", 4, 5, 9, 1]])
    computed = computed_in_python(storage)
    write_derived_rows(storage, *(computed[relation] for relation in DERIVED))
    written = {relation: relation_rows(storage, relation) for relation in DERIVED}
    built = built_by_cozo(storage)
    del built["postings"]
    assert built == written
    write_derived_rows(storage, [], [], [], [])
    assert all(not relation_rows(storage, relation) for relation in DERIVED)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_rows_of_the_real_multi_corpus_equal_the_cozo_builds(
    multi_corpus: IngestedCorpus, tmp_path: Path
) -> None:
    with CozoDbStorage(multi_corpus.copy(tmp_path / "db")) as storage:
        computed = assert_python_rows_equal_the_cozo_builds(storage)
        assert len(computed["entity_coupling"]) > 10_000
        assert len(computed["file_coupling"]) >= 1000
        # A targeted refresh on real code: some files' entities lose their edges, and one file
        # loses its entities.
        edges_before = edge_rows(storage)
        files_before = {key: file_path for key, _, file_path in entity_rows(storage)}
        chosen = sorted(set(files_before.values()))[::97]
        storage.query(
            "?[from_key, to_key, edge_type] <- $rows\n"
            ":rm dependency_edges {from_key, to_key, edge_type}",
            {"rows": [list(e[:3]) for e in edges_before if files_before.get(e[0]) in chosen]},
        )
        remove_entities_of(storage, chosen[0])
        refreshed = refresh_and_compare(storage, edges_before, files_before)
        assert chosen[0] not in {row[1] for row in refreshed["file_coupling"]}


# -- coupling degrees moved by a change -------------------------------------------------------




def remove_edges(storage: CozoDbStorage, edges: list[tuple[str, str, str]]) -> None:
    storage.query(
        "?[from_key, to_key, edge_type] <- $rows\n"
        ":rm dependency_edges {from_key, to_key, edge_type}",
        {"rows": [list(edge) for edge in edges]},
    )


def remove_entities_of(storage: CozoDbStorage, file_path: str) -> None:
    """Drop a file's entities and every edge from or to them, as removing the file does."""
    storage.query(
        """
        {?[key] := *code_entities:by_file{file_path: $file, key} :replace _gone {key}}
        {
            ?[from_key, to_key, edge_type] :=
                *_gone{key: from_key}, *dependency_edges{from_key, to_key, edge_type}
            ?[from_key, to_key, edge_type] :=
                *_gone{key: to_key}, *dependency_edges:by_target{to_key, edge_type, from_key}
            :rm dependency_edges {from_key, to_key, edge_type}
        }
        {?[key] := *_gone{key} :rm code_entities {key}}
        """,
        {"file": file_path},
    )


def refresh_and_compare(
    storage: CozoDbStorage,
    edges_before: set[Edge],
    files_before: dict[str, str],
) -> dict[str, set[tuple]]:
    """Move the coupling degrees the database still holds from before the change by what
    changed since `edges_before` / `files_before` (found as an update does: the coupling
    pairs and entities that differ), write the rows that moved, then check the relations
    and the degrees kept in memory equal a full build_coupling's. Returns the refreshed rows."""
    degrees = CouplingDegrees(
        relation_rows(storage, "entity_coupling"), relation_rows(storage, "file_coupling")
    )
    entities_after = {key: file_path for key, _, file_path in entity_rows(storage)}
    pairs_before, pairs_after = coupling_pairs(edges_before), coupling_pairs(edge_rows(storage))
    changes = degrees.change(
        pairs_before - pairs_after,
        pairs_after - pairs_before,
        # A key's file never changes (the key names it), so one mapping holds old and new.
        {**files_before, **entities_after},
        set(files_before) - set(entities_after),
        {key: file_path for key, file_path in entities_after.items() if key not in files_before},
    )
    changes.write(storage)
    refreshed = {relation: relation_rows(storage, relation) for relation in COUPLING}
    rebuilt = built_by_cozo(storage, "build_coupling")
    for relation in COUPLING:
        assert refreshed[relation] == rebuilt[relation], (
            relation,
            sorted(refreshed[relation] - rebuilt[relation])[:5],
            sorted(rebuilt[relation] - refreshed[relation])[:5],
        )
    kept = CouplingDegrees(rebuilt["entity_coupling"], rebuilt["file_coupling"])
    assert (degrees.entity, degrees.file) == (kept.entity, kept.file)
    return refreshed


def test_refresh_after_removing_and_adding_edges_equals_a_full_build(ingest) -> None:
    storage = ingest(GRAPH_PROJECT).storage()
    built_by_cozo(storage, "build_coupling")
    edges_before = edge_rows(storage)
    files_before = {key: file_path for key, _, file_path in entity_rows(storage)}
    coupling_before = {relation: relation_rows(storage, relation) for relation in COUPLING}

    # An entity loses every edge, in and out; a file loses every entity (and so its edges).
    isolated = key_named(storage, "process_order")
    isolated_edges = [
        edge[:3] for edge in edges_before if isolated in (edge[0], edge[1])
    ]
    assert len(isolated_edges) >= 3
    remove_edges(storage, isolated_edges)
    emptied = "app/util.py"
    assert any(file_coupling[1] == emptied for file_coupling in coupling_before["file_coupling"])
    remove_entities_of(storage, emptied)
    # New edges: across files, within a file, a second type for a pair, a self-loop, and one
    # into the isolated entity from a file that had no edge to it.
    main, helper = key_named(storage, "main"), key_named(storage, "validate")
    lib_entity = next(key for key, file_path in files_before.items() if file_path == "src/lib.rs")
    added: list[Edge] = [
        (main, lib_entity, "calls", files_before[main], 3, "test", (3,)),
        (main, helper, "uses", files_before[main], 4, "test", (4,)),
        (main, helper, "calls", files_before[main], 4, "test", (4,)),
        (helper, helper, "calls", files_before[helper], 5, "test", (5,)),
        (lib_entity, isolated, "implements", "src/lib.rs", 6, "test", (6,)),
    ]
    storage.write_rows("put_edges", [list(edge) for edge in added])

    refreshed = refresh_and_compare(storage, edges_before, files_before)
    assert refreshed != coupling_before
    assert emptied not in {row[1] for row in refreshed["file_coupling"]}
    isolated_row = next(row for row in refreshed["entity_coupling"] if row[1] == isolated)
    assert isolated_row[2:5] == (1, 0, 1)
    # Taking the added edge away leaves the isolated entity with no coupling at all: no row
    # (hotspots lists it with zeros from code_entities).
    remove_edges(storage, [(lib_entity, isolated, "implements")])
    edges_before = edge_rows(storage) | {added[-1]}
    files_now = {key: file_path for key, _, file_path in entity_rows(storage)}
    refreshed = refresh_and_compare(storage, edges_before, files_now)
    assert isolated not in {row[1] for row in refreshed["entity_coupling"]}
    assert all(row[4] > 0 for row in refreshed["entity_coupling"])
    listed = storage.run_named("hotspots", limit=100_000)
    assert {"key": isolated, "inbound": 0, "outbound": 0, "total": 0,
            "file_path": files_before[isolated]} in listed
    assert len(listed) == len(entity_rows(storage))


def test_refresh_after_re_indexing_edited_files_equals_a_full_build(
    tmp_path: Path, ingest
) -> None:
    """The incremental case: files edited and deleted, update_files re-indexes them; the
    coupling of the old database refreshed for what changed equals the rebuilt coupling."""
    root = write_mixed_project(tmp_path / "project", python_files=4, rust_files=3)
    age_tree(root)
    streamer = ingest(root)
    storage = streamer.storage()
    edges_before = edge_rows(storage)
    files_before = {key: file_path for key, _, file_path in entity_rows(storage)}
    coupling_before = built_by_cozo(storage)

    # mod_1 now calls mod_3 instead of mod_2, and defines one more function; unit_2 is gone.
    write(
        root / "pkg" / "mod_1.py",
        python_module(1).replace("mod_2 as following", "mod_3 as following").replace(
            "following.entry_2()", "following.entry_3()"
        )
        + "\n\ndef added_later():\n    return entry_1()\n",
    )
    (root / "src" / "unit_2.rs").unlink()
    streamer.update_files(root, ["pkg/mod_1.py", "src/unit_2.rs"])
    assert edge_rows(storage) != edges_before
    # Put back the coupling the database held before the update, then refresh it.
    current = computed_in_python(storage)
    write_derived_rows(
        storage,
        current["entity_name_tokens"],
        current["name_vocabulary"],
        sorted(coupling_before["entity_coupling"]),
        sorted(coupling_before["file_coupling"]),
    )
    refreshed = refresh_and_compare(storage, edges_before, files_before)
    assert "src/unit_2.rs" not in {row[1] for row in refreshed["file_coupling"]}


def test_refresh_finds_old_rows_of_any_total(tmp_path: Path) -> None:
    """Rows keyed by their total: a hub falling from 20 to 14 and an entity rising from 16 to
    17 lose their old rows and get new ones."""
    storage = CozoDbStorage(f"rocksdb:{tmp_path / 'db'}")
    callers = [f"py:c{index}" for index in range(20)]
    files = {"py:hub": "hub.py", "py:h16": "hub.py", **{key: f"{key[3:]}.py" for key in callers}}
    storage.insert_entities_batch(
        CodeEntity(key=key, file_path=file_path, entity_type="function", name=key[3:])
        for key, file_path in files.items()
    )
    edges = [(key, "py:hub", "calls", files[key]) for key in callers]
    edges += [(key, "py:h16", "uses", files[key]) for key in callers[:16]]
    storage.insert_edges_batch(DependencyEdge(*edge) for edge in edges)
    before = built_by_cozo(storage, "build_coupling")
    assert (-20, "py:hub", 20, 0, 20, "hub.py") in before["entity_coupling"]
    assert (-36, "hub.py", 36, 0, 36, 2) in before["file_coupling"]
    edges_before = edge_rows(storage)

    remove_edges(storage, [edge[:3] for edge in edges[:6]])
    storage.insert_edges_batch([DependencyEdge(callers[16], "py:h16", "calls", "c16.py")])
    refreshed = refresh_and_compare(storage, edges_before, files)
    assert (-14, "py:hub", 14, 0, 14, "hub.py") in refreshed["entity_coupling"]
    assert (-17, "py:h16", 17, 0, 17, "hub.py") in refreshed["entity_coupling"]
    assert (-31, "hub.py", 31, 0, 31, 2) in refreshed["file_coupling"]
    storage.close()


def test_degrees_move_by_the_pairs_that_came_and_went() -> None:
    files = {"a": "a.py", "b": "b.py", "c": "c.py", "gone": "old.py", "new": "b.py"}
    entity_rows, file_rows = coupling_rows(
        {key: files[key] for key in ("a", "b", "c", "gone")},
        [("a", "b", "calls", "a.py"), ("c", "gone", "uses", "c.py"), ("a", "a", "calls", "a.py")],
    )
    degrees = CouplingDegrees(entity_rows, file_rows)
    changes = degrees.change(
        pairs_gone=[("c", "gone")],
        pairs_new=[("new", "a"), ("a", "c")],
        file_of=files,
        entities_gone=["gone"],
        entities_new={"new": "b.py"},
    )
    # The old rows go by their (neg_total, key) keys, the moved ones come back.
    assert sorted(changes.entity_rows_gone) == [(-3, "a"), (-1, "c"), (-1, "gone")]
    assert sorted(changes.entity_rows) == [
        (-5, "a", 2, 3, 5, "a.py"), (-1, "c", 1, 0, 1, "c.py"), (-1, "new", 0, 1, 1, "b.py"),
    ]
    assert sorted(changes.file_rows_gone) == [
        (-1, "a.py"), (-1, "b.py"), (-1, "c.py"), (-1, "old.py"),  # old.py: no entity left
    ]
    assert sorted(changes.file_rows) == [
        (-3, "a.py", 1, 2, 3, 1), (-2, "b.py", 1, 1, 2, 2), (-1, "c.py", 1, 0, 1, 1),
    ]
    after_rows, after_files = coupling_rows(
        {key: files[key] for key in ("a", "b", "c", "new")},
        [("a", "b", "calls", "a.py"), ("a", "a", "calls", "a.py"), ("new", "a", "uses", "b.py"),
         ("a", "c", "calls", "a.py")],
    )
    rebuilt = CouplingDegrees(after_rows, after_files)
    assert (degrees.entity, degrees.file) == (rebuilt.entity, rebuilt.file)
    assert {"calls", "uses", "implements", "extends"} == COUPLING_EDGE_TYPES
    assert coupling_pairs([("a", "b", "calls"), ("a", "b", "uses"), ("a", "c", "contains"),
                           ("a", "d", "imports")]) == {("a", "b")}


def test_a_change_that_moves_nothing_writes_nothing(ingest) -> None:
    storage = ingest(GRAPH_PROJECT).storage()
    before = built_by_cozo(storage, "build_coupling")
    degrees = CouplingDegrees(before["entity_coupling"], before["file_coupling"])
    key, file_path = entity_rows(storage)[0][0], entity_rows(storage)[0][2]
    # A key that stays (listed as gone and new, as a re-parsed file's entities are) and a
    # pair to no entity that comes and goes again are no change.
    nothing = degrees.change([], [], {}, [key], {key: file_path})
    assert nothing == CouplingChanges([], [], [], [])
    nothing.write(storage)
    assert {relation: relation_rows(storage, relation) for relation in DERIVED} == before


def test_a_token_of_many_entities_is_chunked_and_updates_keep_the_chunks_exact() -> None:
    entities = [(f"py:item_{n:03}", f"item_{n:03}", f"m{n % 3}.py") for n in range(70)]
    tokens, _ = search_token_rows(entities)
    item_rows = sorted(row for row in tokens if row[:2] == ("w", "item"))
    # 70 postings of the word `item`: chunks of POSTINGS_PER_CHUNK, numbered from 0, in key order.
    assert [row[2:4] for row in item_rows] == [
        (0, POSTINGS_PER_CHUNK), (1, POSTINGS_PER_CHUNK), (2, 70 - 2 * POSTINGS_PER_CHUNK)
    ]
    assert [posting[2] for posting in unpack_token_rows(item_rows)] == sorted(
        key for key, _, _ in entities
    )
    with CozoDbStorage("mem") as storage:
        write_derived_rows(storage, tokens, search_token_rows(entities)[1], [], [])
        # 40 entities go, one is renamed: `item` keeps 29 postings, one chunk; the others go.
        kept = entities[:30]
        renamed = ("py:item_000", "thing", "m0.py")
        refresh_search_tokens_for(storage, entities[30:] + [entities[0]], [renamed])
        expected_tokens, expected_vocabulary = search_token_rows([renamed, *kept[1:]])
        assert relation_rows(storage, "entity_name_tokens") == set(expected_tokens)
        assert relation_rows(storage, "name_vocabulary") == set(expected_vocabulary)
        assert [row[2:4] for row in sorted(relation_rows(storage, "entity_name_tokens"))
                if row[:2] == ("w", "item")] == [(0, 29)]
        # Search reads the entity rows of what it found.
        storage.insert_entities_batch(
            CodeEntity(key=key, file_path=file_path, entity_type="function", name=name)
            for key, name, file_path in [renamed, *kept[1:]]
        )
        found = storage.run_named("search_entities", query="item", limit=100)
        assert [row["key"] for row in found] == [key for key, _, _ in kept[1:]]
