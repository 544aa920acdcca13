"""The native sled binding (native/cozo-sled) and its wrapper (parseltongue/storage/sled.py),
on real Cozo engines: every function, its errors, the GIL, and a second process."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pycozo.client import QueryException
from sled_support import needs_sled

from parseltongue.storage.sled import SledClient, SledOpenError, open_sled

pytestmark = needs_sled


@pytest.fixture
def native() -> Any:
    import parseltongue_cozo_sled

    return parseltongue_cozo_sled


@pytest.fixture
def sled(native: Any, tmp_path: Path) -> Any:
    engine = native.CozoEngine("sled", str(tmp_path / "graph.db"))
    yield engine
    engine.close()


def fill(engine: Any) -> None:
    engine.run_script(":create person {name: String => age: Int, note: Any?}")
    engine.run_script(
        "?[name, age, note] <- $rows :put person {name => age, note}",
        {"rows": [["ada", 36, None], ["bo", 7, [1, "x"]], ["cy", 51, {"k": 2}]]},
    )


def people(engine: Any) -> list[list[Any]]:
    return engine.run_script("?[name, age, note] := *person{name, age, note}",
                             immutable=True)["rows"]


def error_report(raised: pytest.ExceptionInfo[BaseException]) -> dict[str, Any]:
    [report] = raised.value.args
    assert isinstance(report, dict)
    return report


# -- open and close ----------------------------------------------------------------------------


def test_opening_creates_a_sled_folder(native: Any, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "graph.db"
    engine = native.CozoEngine("sled", str(folder))
    try:
        assert (engine.engine, engine.closed) == ("sled", False)
        assert (folder / "conf").is_file() and (folder / "db").is_file()
        assert native.ENGINES == ("mem", "sled") and native.COZO_VERSION == "0.7.6"
    finally:
        engine.close()
    assert engine.closed
    assert repr(engine) == 'CozoEngine("sled", closed)'


def test_a_path_under_a_file_fails_with_the_os_error(native: Any, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(native.CozoError) as raised:
        native.CozoEngine("sled", str(tmp_path / "a-file" / "graph.db"))
    assert "Not a directory" in error_report(raised)["message"]


def test_an_engine_it_was_not_built_with_is_refused(native: Any, tmp_path: Path) -> None:
    with pytest.raises(native.CozoError) as raised:
        native.CozoEngine("rocksdb", str(tmp_path / "r.db"))
    assert "'rocksdb' is not in this package" in error_report(raised)["message"]
    assert not (tmp_path / "r.db").exists()


def test_a_closed_engine_refuses_every_call_and_closes_twice(native: Any, sled: Any) -> None:
    sled.close()
    sled.close()
    calls = [
        lambda: sled.run_script("?[x] := x = 1"),
        lambda: sled.export_relations(["person"]),
        lambda: sled.import_relations({}),
        lambda: sled.backup("/nowhere"),
        lambda: sled.restore("/nowhere"),
        lambda: sled.import_from_backup("/nowhere", []),
    ]
    for call in calls:
        with pytest.raises(native.CozoError) as raised:
            call()
        assert error_report(raised)["message"] == "the database is closed"


def test_closing_releases_the_folder_and_keeps_what_was_written(
    native: Any, tmp_path: Path
) -> None:
    path = str(tmp_path / "graph.db")
    first = native.CozoEngine("sled", path)
    fill(first)
    first.close()
    again = native.CozoEngine("sled", path)  # the lock is gone with the last handle
    try:
        assert sorted(people(again)) == [["ada", 36, None], ["bo", 7, [1, "x"]],
                                         ["cy", 51, {"k": 2}]]
    finally:
        again.close()


def test_a_second_process_cannot_open_a_folder_in_use(native: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "graph.db")
    opener = ("import sys, parseltongue_cozo_sled as n\n"
              "try:\n"
              "    e = n.CozoEngine('sled', sys.argv[1])\n"
              "except n.CozoError as error:\n"
              "    print(error.args[0]['message']); sys.exit(3)\n"
              "print(e.run_script('?[name] := *person{name}', immutable=True)['rows'])\n")
    engine = native.CozoEngine("sled", path)
    fill(engine)
    refused = subprocess.run([sys.executable, "-c", opener, path], capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 3, refused.stderr
    assert "could not acquire lock" in refused.stdout
    engine.close()
    admitted = subprocess.run([sys.executable, "-c", opener, path], capture_output=True,
                              text=True, timeout=60)
    assert admitted.returncode == 0, admitted.stderr
    assert "ada" in admitted.stdout and "cy" in admitted.stdout


# -- run_script ----------------------------------------------------------------------------------


def test_run_script_answers_headers_and_rows(sled: Any) -> None:
    fill(sled)
    answer = sled.run_script("?[name, age] := *person{name, age}, age > $min :order name",
                             {"min": 10})
    assert answer == {"headers": ["name", "age"], "rows": [["ada", 36], ["cy", 51]],
                      "next": None}


def test_removed_rows_are_gone(sled: Any) -> None:
    """Cozo 0.7.6's own sled storage kept a removed key with its values gone; ours deletes it."""
    fill(sled)
    sled.run_script("?[name] <- [['bo']] :rm person {name}")
    assert sorted(people(sled)) == [["ada", 36, None], ["cy", 51, {"k": 2}]]
    assert sled.run_script("?[count(n)] := *person{name: n}")["rows"] == [[2]]


def test_a_write_under_the_read_only_flag_is_refused_and_changes_nothing(
    native: Any, sled: Any
) -> None:
    fill(sled)
    for script in ("?[name, age, note] <- [['dee', 1, null]] :put person {name => age, note}",
                   "?[name] <- [['ada']] :rm person {name}",
                   "::remove person"):
        with pytest.raises(native.CozoError) as raised:
            sled.run_script(script, immutable=True)
        assert error_report(raised)["message"] in ("write lock required for read-only query",
                                                   "Cannot remove relations in read-only mode")
    assert len(people(sled)) == 3


def test_malformed_datalog_raises_cozos_report(native: Any, sled: Any) -> None:
    with pytest.raises(native.CozoError) as raised:
        sled.run_script("?[a] := *person{name: a")
    report = error_report(raised)
    assert report["code"] == "parser::pest"
    assert "unexpected input" in report["message"]
    assert "╭" in report["display"], "the rendered diagnostic points at the position"
    assert report["ok"] is False


def test_an_unknown_relation_is_named(native: Any, sled: Any) -> None:
    with pytest.raises(native.CozoError) as raised:
        sled.run_script("?[a] := *nobody{a}")
    assert "nobody" in error_report(raised)["message"]


def test_a_panic_in_the_engine_is_an_error_and_the_engine_goes_on(
    native: Any, sled: Any
) -> None:
    # Cozo 0.7.6's `slice` indexes without a check: the ends swapped panic inside the engine.
    with pytest.raises(native.CozoError) as raised:
        sled.run_script("?[x] := x = slice([1, 2, 3], 2, 1)")
    report = error_report(raised)
    assert report["code"] == "engine::panic"
    assert "slice index starts at 2 but ends at 1" in report["message"]
    assert sled.run_script("?[x] := x = slice([1, 2, 3], 1, 2)")["rows"] == [[[2]]]


def test_a_value_cozo_cannot_hold_is_refused(native: Any, sled: Any) -> None:
    with pytest.raises(native.CozoError) as raised:
        sled.run_script("?[x] <- [[$x]]", {"x": object()})
    assert "cannot convert <object object" in error_report(raised)["message"]
    with pytest.raises(native.CozoError, match="names must be strings"):
        sled.run_script("?[x] <- [[1]]", {1: 2})


VALUES = [
    None, True, False, 0, -7, 2**62, 2**70, 1.5, -0.0, math.inf, "", "é ✓ \"q\"\n", b"\x00\xff",
    [], [1, [2, [None]]], (1, "a"), {"k": [1, 2.5, None, {"n": True}], "t": (1,)}, {1: "a"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_parameters_come_back_as_cozo_embedded_gives_them(native: Any, value: Any) -> None:
    """Differential: the same script and parameter through the cozo-embedded wheel."""
    from cozo_embedded import CozoDbPy

    ours = native.CozoEngine("mem", "")
    theirs = CozoDbPy("mem", "", "{}")
    try:
        answer = ours.run_script("?[x] <- [[$x]]", {"x": value})["rows"]
        assert answer == theirs.run_script("?[x] <- [[$x]]", {"x": value}, False)["rows"]
        assert repr(answer) == repr(theirs.run_script("?[x] <- [[$x]]", {"x": value},
                                                      False)["rows"]), "same types too"
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("expression", [
    "to_uuid('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')", "vec([1, 2, 3])",
    "vec([1, 2], 'F64')", "decode_base64('YWJj')", "1 / 0", "to_bool(1)",
    "json_object('a', [1, 2])", "concat([1], [2.5, 'x'])", "-9223372036854775807",
], ids=str)
def test_cozo_values_come_out_as_cozo_embedded_gives_them(native: Any, expression: str) -> None:
    from cozo_embedded import CozoDbPy

    ours = native.CozoEngine("mem", "")
    theirs = CozoDbPy("mem", "", "{}")
    script = f"?[x] := x = {expression}"
    try:
        answer = ours.run_script(script)["rows"]
        assert answer == theirs.run_script(script, {}, False)["rows"]
        assert answer != [[None]]
    finally:
        ours.close()
        theirs.close()


def test_a_validity_comes_out_as_timestamp_and_assertion(native: Any, sled: Any) -> None:
    mem = native.CozoEngine("mem", "")
    try:
        mem.run_script(":create h {k: Int, at: Validity => v: String}")
        mem.run_script("?[k, at, v] <- [[1, [10, true], 'a']] :put h {k, at => v}")
        assert mem.run_script("?[k, at, v] := *h{k, at, v}")["rows"] == [[1, [10, True], "a"]]
    finally:
        mem.close()


# -- the GIL -------------------------------------------------------------------------------------


def test_python_threads_run_while_the_engine_works(sled: Any) -> None:
    """A long script must not hold the GIL: this thread keeps ticking while it runs."""
    sled.run_script("?[x] := x in int_range(1500) :create numbers {x}")
    finished = threading.Event()
    started = time.perf_counter()

    def long_join() -> None:
        sled.run_script("?[count(a)] := *numbers{x: a}, *numbers{x: b}", immutable=True)
        finished.set()

    worker = threading.Thread(target=long_join)
    worker.start()
    longest_gap, last = 0.0, time.perf_counter()
    while not finished.is_set():
        now = time.perf_counter()
        longest_gap, last = max(longest_gap, now - last), now
        time.sleep(0.001)
    worker.join()
    engine_seconds = time.perf_counter() - started
    assert engine_seconds > 0.3, "the script was too short to tell"
    assert longest_gap < engine_seconds / 3, (longest_gap, engine_seconds)


# -- relations in and out, backups ---------------------------------------------------------------


def test_exported_relations_import_into_another_engine(native: Any, sled: Any) -> None:
    fill(sled)
    exported = sled.export_relations(["person"])
    assert exported["person"]["headers"] == ["name", "age", "note"]
    assert len(exported["person"]["rows"]) == 3
    other = native.CozoEngine("mem", "")
    try:
        other.run_script(":create person {name: String => age: Int, note: Any?}")
        other.import_relations(exported)
        assert sorted(people(other)) == sorted(people(sled))
    finally:
        other.close()


def test_export_and_import_errors_name_the_problem(native: Any, sled: Any) -> None:
    fill(sled)
    with pytest.raises(native.CozoError) as raised:
        sled.export_relations(["nobody"])
    assert "nobody" in error_report(raised)["message"]
    with pytest.raises(native.CozoError) as raised:
        sled.import_relations({"nobody": {"headers": ["a"], "rows": [[1]]}})
    assert "nobody" in error_report(raised)["message"]
    with pytest.raises(native.CozoError) as raised:
        sled.import_relations({"person": [["zed", 1, None]]})
    assert "'headers' and 'rows'" in error_report(raised)["message"]
    assert len(people(sled)) == 3


def test_a_backup_restores_into_a_new_sled_database(
    native: Any, sled: Any, tmp_path: Path
) -> None:
    fill(sled)
    backup = tmp_path / "graph.backup"
    sled.backup(str(backup))
    assert backup.is_file()
    with pytest.raises(native.CozoError):
        sled.backup(str(backup))  # Cozo will not overwrite a backup
    restored = native.CozoEngine("sled", str(tmp_path / "restored.db"))
    try:
        restored.restore(str(backup))
        assert sorted(people(restored)) == sorted(people(sled))
    finally:
        restored.close()
    with pytest.raises(native.CozoError) as raised:
        sled.restore(str(backup))  # only into a new database
    assert "data exists in the current database" in error_report(raised)["message"]


def test_relations_are_imported_from_a_backup(native: Any, sled: Any, tmp_path: Path) -> None:
    fill(sled)
    backup = tmp_path / "graph.backup"
    sled.backup(str(backup))
    target = native.CozoEngine("mem", "")
    try:
        target.run_script(":create person {name: String => age: Int, note: Any?}")
        target.import_from_backup(str(backup), ["person"])
        assert sorted(people(target)) == sorted(people(sled))
        with pytest.raises(native.CozoError):
            target.import_from_backup(str(tmp_path / "missing.backup"), ["person"])
    finally:
        target.close()


# -- the wrapper CozoDbStorage uses -------------------------------------------------------------


def test_the_client_raises_what_pycozo_raises(tmp_path: Path) -> None:
    client = open_sled(str(tmp_path / "graph.db"))
    try:
        assert client.run("?[x] <- [[$n]]", {"n": 4}, immutable=True)["rows"] == [[4]]
        with pytest.raises(QueryException) as raised:
            client.run("?[a] := b")
        assert raised.value.resp["code"] == "eval::unbound_variable"
        with pytest.raises(QueryException) as raised:
            client.run(":create t {a}", immutable=True)
        assert raised.value.resp["message"] == "write lock required for read-only query"
        client.run(":create t {a: Int}")
        client.run("?[a] <- [[1], [2]] :put t {a}")
        exported = client.export_relations(["t"])
        assert exported["t"]["rows"] == [[1], [2]]
        client.import_relations({"t": {"headers": ["a"], "rows": [[3]]}})
        client.backup(str(tmp_path / "b.backup"))
        with pytest.raises(QueryException):
            client.export_relations(["nobody"])
    finally:
        client.close()
    other = SledClient("mem", "")
    try:
        other.restore(str(tmp_path / "b.backup"))
        assert other.run("?[a] := *t{a}")["rows"] == [[1], [2], [3]]
        other.run(":create u {a: Int}")
        with pytest.raises(QueryException):
            other.import_from_backup(str(tmp_path / "b.backup"), ["nobody"])
    finally:
        other.close()


def test_the_client_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "main.rs").write_text("fn main() {}")
    with pytest.raises(SledOpenError, match="not a sled database"):
        open_sled(str(folder))
    assert sorted(path.name for path in folder.iterdir()) == ["main.rs"]
    with pytest.raises(SledOpenError, match="Not a directory"):
        open_sled(str(folder / "main.rs" / "db"))
