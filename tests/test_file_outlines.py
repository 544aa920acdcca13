"""file_outlines: each file's entities in outline, packed by the parse workers, are what
reading the codebase index back reads instead of every entity row and containment edge; so
they must say exactly what code_entities and their parent_key say."""

from __future__ import annotations

import json

from parseltongue.file_outlines import pack_file_outline, unpack_file_outlines
from parseltongue.storage import CozoDbStorage


def test_a_pack_round_trips_entities_and_their_containers() -> None:
    row = pack_file_outline("src/a.py", [
        ("py:method:run:a", "method", "run", "python", "py:class:Job:a"),
        ("py:class:Job:a", "class", "Job", "python", "py:module:a"),
        ("py:module:a", "module", "a", "python", ""),
        # A container outside the file is kept by its key.
        ("py:fn:helper:a", "fn", "helper", "python", "py:module:elsewhere"),
        # A key given twice keeps its last row, as `:put` does.
        ("py:fn:helper:a", "fn", "helper", "python", "py:module:a"),
    ])
    file_path, count, packed = row
    assert (file_path, count) == ("src/a.py", 4)
    # Sorted by key, the parent as a position in that order.
    assert [entry[0] for entry in json.loads(packed)] == sorted(
        ["py:method:run:a", "py:class:Job:a", "py:module:a", "py:fn:helper:a"]
    )
    entities, containment = unpack_file_outlines([(file_path, packed)])
    assert sorted(entities) == [
        ("py:class:Job:a", "src/a.py", "class", "Job", "python"),
        ("py:fn:helper:a", "src/a.py", "fn", "helper", "python"),
        ("py:method:run:a", "src/a.py", "method", "run", "python"),
        ("py:module:a", "src/a.py", "module", "a", "python"),
    ]
    assert sorted(containment) == [
        ("py:class:Job:a", "py:method:run:a"),
        ("py:module:a", "py:class:Job:a"),
        ("py:module:a", "py:fn:helper:a"),
    ]
    other = pack_file_outline("b.rs", [("rs:fn:f:b", "fn", "f", "rust", "rs:mod:x")])
    assert unpack_file_outlines([other[::2]])[1] == [("rs:mod:x", "rs:fn:f:b")]


def test_the_stored_outlines_say_what_the_entities_and_their_parents_say(
    code_graph_storage: CozoDbStorage,
) -> None:
    storage = code_graph_storage
    entities, containment = unpack_file_outlines(
        storage.run_named_table("resolution_outlines").rows
    )
    stored = storage.query_read_only(
        "?[key, file_path, entity_type, name, language] := "
        "*code_entities{key, file_path, entity_type, name, language}"
    )
    assert len(stored) >= 20
    assert sorted(entities) == sorted(
        (row["key"], row["file_path"], row["entity_type"], row["name"], row["language"])
        for row in stored
    )
    contains = storage.query_read_only(
        "?[from_key, to_key] := *code_entities{key: to_key, parent_key: from_key}, from_key != ''"
    )
    assert len(contains) >= 10
    assert sorted(containment) == sorted((row["from_key"], row["to_key"]) for row in contains)
