"""The binding's own sled storage (native/cozo-sled/src/sled_store.rs) under Cozo, on real
sled folders: deletes really delete, a write transaction reads its own changes, time travel
answers as Cozo's in-memory storage does, and two writers lose no update.

What sled itself holds is read through a backup: Cozo copies every stored key and value into
the backup's SQLite table `cozo`, so a key left behind shows there."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sled_support import needs_sled

pytestmark = needs_sled


@pytest.fixture
def native() -> Any:
    import parseltongue_cozo_sled

    return parseltongue_cozo_sled


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "graph.db"


@pytest.fixture
def sled(native: Any, folder: Path) -> Any:
    engine = native.CozoEngine("sled", str(folder))
    yield engine
    engine.close()


def stored_keys(engine: Any, backup: Path) -> int:
    """How many keys the storage holds (relations' rows and Cozo's own), via a backup."""
    engine.backup(str(backup))
    with sqlite3.connect(backup) as connection:
        [(count,)] = connection.execute("select count(*) from cozo").fetchall()
    return int(count)


def fill_pairs(engine: Any, count: int) -> None:
    engine.run_script(":create pair {k: Int => v: String}")
    engine.run_script("?[k, v] := k in int_range($n), v = to_string(k) :put pair {k => v}",
                      {"n": count})


def test_rm_then_read_gives_no_row(sled: Any, tmp_path: Path) -> None:
    """Cozo 0.7.6's own sled storage wrote a delete as an empty value: `:rm` left the key, and
    a read answered it with its values gone. Ours deletes the key."""
    fill_pairs(sled, 6)
    before = stored_keys(sled, tmp_path / "before.sqlite")
    sled.run_script("?[k] <- [[2], [4]] :rm pair {k}")
    assert sled.run_script("?[k, v] := *pair{k, v}")["rows"] == [
        [0, "0"], [1, "1"], [3, "3"], [5, "5"]]
    assert sled.run_script("?[k] := *pair{k}")["rows"] == [[0], [1], [3], [5]]
    assert sled.run_script("?[v] := *pair{k: 2, v}")["rows"] == []
    assert sled.run_script("?[count(k)] := *pair{k}")["rows"] == [[4]]
    assert stored_keys(sled, tmp_path / "after.sqlite") == before - 2


def test_a_delete_outlives_the_process(native: Any, sled: Any, folder: Path) -> None:
    fill_pairs(sled, 3)
    sled.run_script("?[k] <- [[1]] :rm pair {k}")
    sled.close()
    again = native.CozoEngine("sled", str(folder))
    try:
        assert again.run_script("?[k, v] := *pair{k, v}")["rows"] == [[0, "0"], [2, "2"]]
    finally:
        again.close()


def test_a_closed_folder_opens_again_at_once(native: Any, folder: Path) -> None:
    """sled's background writes hold the folder's lock for a moment after the last handle
    goes; `close` returns only once it is free, so the next open never finds it held."""
    for round_number in range(30):
        engine = native.CozoEngine("sled", str(folder))
        if round_number == 0:
            fill_pairs(engine, 0)
        engine.run_script("?[k, v] := k in int_range($n), v = to_string(k) :put pair {k => v}",
                          {"n": 2_000 + round_number})
        engine.close()
    engine = native.CozoEngine("sled", str(folder))
    try:
        assert engine.run_script("?[count(k)] := *pair{k}")["rows"] == [[2_029]]
    finally:
        engine.close()


def test_a_transaction_reads_its_own_puts_and_deletes(sled: Any) -> None:
    """One script, one transaction: the last query sees the changes made before it."""
    fill_pairs(sled, 4)
    answer = sled.run_script("""
        { ?[k] <- [[1]] :rm pair {k} }
        { ?[k, v] <- [[9, 'nine'], [2, 'two']] :put pair {k => v} }
        { ?[k, v] := *pair{k, v} }
    """)
    assert answer["rows"] == [[0, "0"], [2, "two"], [3, "3"], [9, "nine"]]
    assert sled.run_script("?[k, v] := *pair{k, v}")["rows"] == answer["rows"]


def test_a_failed_script_leaves_nothing_behind(native: Any, sled: Any) -> None:
    fill_pairs(sled, 3)
    with pytest.raises(native.CozoError):
        sled.run_script("""
            { ?[k] <- [[0]] :rm pair {k} }
            { ?[k, v] <- [[7, 'seven']] :put pair {k => v} }
            { ?[x] := x = 1 / 'not a number' }
        """)
    assert sled.run_script("?[k] := *pair{k}")["rows"] == [[0], [1], [2]]


def test_a_removed_relation_leaves_no_key(sled: Any, tmp_path: Path) -> None:
    empty = stored_keys(sled, tmp_path / "empty.sqlite")
    fill_pairs(sled, 50)
    assert stored_keys(sled, tmp_path / "full.sqlite") > empty + 50
    sled.run_script("::remove pair")
    assert stored_keys(sled, tmp_path / "removed.sqlite") == empty


@pytest.mark.parametrize("moment", ["5", "15", "25", "35", "'NOW'", "'END'"])
def test_time_travel_answers_as_the_memory_storage_does(
    native: Any, sled: Any, moment: str
) -> None:
    """Rows with a Validity key: at each moment the newest version not after it counts, and
    a retraction hides the row."""
    history = [
        [1, [10, True], "a1"], [1, [20, True], "a2"], [1, [30, False], "gone"],
        [2, [10, True], "b1"], [2, [30, True], "b3"],
        [3, [20, False], "never"], [3, [25, True], "c"],
    ]
    mem = native.CozoEngine("mem", "")
    try:
        answers = []
        for engine in (sled, mem):
            engine.run_script(":create h {k: Int, at: Validity => v: String}")
            engine.run_script("?[k, at, v] <- $rows :put h {k, at => v}", {"rows": history})
            answers.append(engine.run_script(f"?[k, v] := *h{{k, v @ {moment}}}")["rows"])
        assert answers[0] == answers[1]
    finally:
        mem.close()
    expected = {"5": [], "15": [[1, "a1"], [2, "b1"]], "25": [[1, "a2"], [2, "b1"], [3, "c"]],
                "35": [[2, "b3"], [3, "c"]]}
    if moment in expected:
        assert answers[0] == expected[moment]


def test_two_writers_lose_no_update(sled: Any) -> None:
    """Each script reads the counter and writes it plus one; Cozo locks relations only for
    sharing, so the storage must run one writer at a time or increments are lost."""
    sled.run_script(":create counter {k: Int => n: Int}")
    sled.run_script("?[k, n] <- [[0, 0]] :put counter {k => n}")
    rounds = 150
    errors: list[BaseException] = []

    def increment() -> None:
        try:
            for _ in range(rounds):
                sled.run_script("?[k, n] := *counter{k, n: old}, n = old + 1 :put counter {k => n}")
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    writers = [threading.Thread(target=increment) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    assert sled.run_script("?[n] := *counter{k: 0, n}")["rows"] == [[2 * rounds]]


def test_a_restore_writes_every_key(native: Any, sled: Any, tmp_path: Path) -> None:
    fill_pairs(sled, 200)
    keys = stored_keys(sled, tmp_path / "first.sqlite")
    restored = native.CozoEngine("sled", str(tmp_path / "restored.db"))
    try:
        restored.restore(str(tmp_path / "first.sqlite"))
        assert stored_keys(restored, tmp_path / "second.sqlite") == keys
        assert (restored.run_script("?[k, v] := *pair{k, v}")["rows"]
                == sled.run_script("?[k, v] := *pair{k, v}")["rows"])
    finally:
        restored.close()
