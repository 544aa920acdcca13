"""ReferenceLists: a file read back from the database keeps its references packed until one
of its entities' references is read, and then reads exactly as if added one by one."""

from __future__ import annotations

from parseltongue.file_references import pack_file_references
from parseltongue.resolve.references import ReferenceLists
from parseltongue.resolve.rows import RawReference

ROWS = [
    RawReference("a.py:f", "call", "g", 3, "", "", "", "a.py", "", ""),
    RawReference("a.py:f", "call", "h", 4, "self", "", "", "a.py", "Graph", ""),
    RawReference("a.py:k", "import", "os", 1, "", "os", "", "a.py", "", "os"),
]


def packed_lists() -> ReferenceLists:
    lists = ReferenceLists()
    _, _, packed = pack_file_references("a.py", ROWS)
    lists.add_packed("a.py", ["a.py:f", "a.py:k"], packed)
    return lists


def test_a_packed_file_reads_as_its_references_added_one_by_one() -> None:
    eager = ReferenceLists()
    for row in ROWS:
        eager.append(row)
    lists = packed_lists()
    assert set(lists) == set(eager) == {"a.py:f", "a.py:k"}
    assert len(lists) == 2 and "a.py:k" in lists and "b.py:x" not in lists
    assert sorted(lists.get("a.py:f") or []) == sorted(eager.get("a.py:f") or [])
    assert lists.get("b.py:x") is None and lists.get("b.py:x", ()) == ()
    # Reading one key unpacked the whole file: its other key is there, once.
    assert lists.pop("a.py:k") == [ROWS[2]]
    assert set(lists) == {"a.py:f"} and lists.pop("a.py:k") == ()
    assert sorted(map(tuple, packed_lists().values())) == sorted(
        map(tuple, eager.values())
    )


def test_a_dropped_pack_leaves_nothing_behind() -> None:
    lists = packed_lists()
    lists.drop_packed("a.py")
    assert len(lists) == 0 and lists.get("a.py:f") is None
    lists.append(ROWS[0])
    assert lists.get("a.py:f") == [ROWS[0]]
