"""CodebaseStreamer: one parser per worker, bad files reported not fatal, re-ingestion replaces,
statistics that match the rows, and a run that stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil
import pytest
from project_trees import python_module, write, write_mixed_project

from parseltongue.extract import DEFAULT_LIMITS
from parseltongue.ingest import (
    PHASE_COLLECTING,
    PHASE_DONE,
    PHASE_PARSING,
    PHASE_RESOLVING,
    CodebaseStreamer,
    FileProblem,
    IngestionInterrupted,
    IngestionSummary,
    StreamerConfig,
)
from parseltongue.ingest.workers import count_outcome, process_file_chunk


def ingest(root: Path, database: str = "mem", **config: object) -> CodebaseStreamer:
    streamer = CodebaseStreamer(StreamerConfig(database=database, **config))  # type: ignore[arg-type]
    streamer.stream_directory(root)
    return streamer


def count_rows(streamer: CodebaseStreamer, relation: str) -> int:
    return len(streamer.storage().run_named(f"rows_{relation}"))


# -- one parser per worker --------------------------------------------------------------------


def test_parallel_workers_make_one_parser_per_grammar_not_per_file(tmp_path: Path) -> None:
    """The PRD's test_rayon_parallel_respects_thread_local_parser, for loky processes."""
    root = write_mixed_project(tmp_path / "project", python_files=70, rust_files=60)
    config = StreamerConfig(database="mem", jobs=2, files_per_task=16)
    with CodebaseStreamer(config) as streamer:
        summary = streamer.stream_directory_parallel(root)
    grammars_used = 2  # python and rust
    assert summary.jobs == 2
    assert summary.files_ingested == 131  # 70 modules, __init__.py, 60 Rust files
    # Each worker made each grammar's parser at most once, however many files it parsed.
    assert 2 <= summary.parsers_created <= summary.jobs * grammars_used
    assert summary.parsers_created * 30 < summary.files_ingested


def test_stream_directory_sets_the_mode_it_is_asked_for(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=3, rust_files=2)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=True, jobs=2)) as streamer:
        assert streamer.stream_directory(root, parallel=False).jobs == 1
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False, jobs=2)) as streamer:
        assert streamer.stream_directory(root).jobs == 1
        assert streamer.stream_directory(root, parallel=True).jobs == 2


def _worker_processes() -> list[psutil.Process]:
    """This process's live children but the resource trackers multiprocessing and loky keep
    (a worker that has exited holds no memory, reaped or not)."""
    workers = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                workers.append(child)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
    return workers


def _workers_left_after(seconds: float) -> list[psutil.Process]:
    """The workers still alive once they had `seconds` to exit: they are told to stop, not
    waited for, so they exit on their own (on the other core) while resolution runs."""
    deadline = time.monotonic() + seconds
    while _worker_processes() and time.monotonic() < deadline:
        time.sleep(0.02)
    return _worker_processes()


def test_parse_workers_stop_before_resolution_and_start_again_for_the_next_run(
    tmp_path: Path,
) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=30, rust_files=20)
    seen_while_resolving: list[int] = []

    def on_phase(name: str) -> None:
        if name == PHASE_RESOLVING:
            seen_while_resolving.append(len(_workers_left_after(10)))

    config = StreamerConfig(database="mem", jobs=2, files_per_task=8, full_rebuild=True)
    with CodebaseStreamer(config) as streamer:
        first = streamer.stream_directory_parallel(root, phase=on_phase)
        second = streamer.stream_directory_parallel(root, phase=on_phase)
    assert seen_while_resolving == [0, 0]
    # Parsed again in full, by new workers.
    assert second.files_ingested == first.files_ingested == 51
    assert second.parsers_created >= 2
    assert not _workers_left_after(10)


def test_two_parallel_ingestions_at_once_share_the_workers_and_the_last_stops_them(
    tmp_path: Path,
) -> None:
    """The pool is one per process: the first ingestion to finish must not stop the
    workers under the other's tasks."""
    roots = [
        write_mixed_project(tmp_path / name, python_files=files, rust_files=files)
        for name, files in (("small", 8), ("large", 60))
    ]
    summaries: dict[str, IngestionSummary] = {}
    failures: list[BaseException] = []

    def ingest(root: Path) -> None:
        config = StreamerConfig(database="mem", jobs=2, files_per_task=2)
        try:
            with CodebaseStreamer(config) as streamer:
                summaries[root.name] = streamer.stream_directory_parallel(root)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    # Daemons: a pool stopped under a run leaves it waiting for results that never come.
    threads = [threading.Thread(target=ingest, args=(root,), daemon=True) for root in roots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an ingestion hung"
    assert not failures, failures
    assert summaries["small"].files_ingested == 17  # 8 modules, __init__.py, 8 Rust files
    assert summaries["large"].files_ingested == 121
    assert not summaries["small"].problems and not summaries["large"].problems
    assert not _workers_left_after(10)


def test_sequential_ingestion_makes_exactly_one_parser_per_grammar(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=20, rust_files=20)
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        summary = streamer.stream_directory(root)
    assert summary.jobs == 1
    assert summary.parsers_created == 2


# -- broken files -----------------------------------------------------------------------------


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    root = write_mixed_project(tmp_path / "project", python_files=3, rust_files=2)
    write(root / "bad" / "syntax.py", "def broken(:\n    pass\n\ndef fine():\n    pass\n")
    write(root / "bad" / "latin1.py", b"# caf\xe9\ndef cafe():\n    return '\xff'\n")
    write(root / "bad" / "binary.rs", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    # A link out of the tree (to a file no read of which succeeds) is left out by the walk.
    os.symlink("/proc/self/mem", root / "bad" / "unreadable.py")
    os.symlink(root / "bad" / "gone.py", root / "bad" / "dangling.py")  # its target never existed
    os.mkfifo(root / "bad" / "pipe.py")
    with open(root / "bad" / "huge.py", "wb") as huge:  # 50 MB: over the 2 MB default limit
        huge.write(b"value = 12345678\n" * (50 * 1024 * 1024 // 17 + 1))
    return root


def test_broken_files_are_reported_and_everything_else_is_ingested(broken_tree: Path) -> None:
    with CodebaseStreamer(StreamerConfig(database="mem", jobs=2)) as streamer:
        summary = streamer.stream_directory(broken_tree)
        files = {row["file_path"]: row for row in streamer.storage().run_named("rows_source_files")}
        entity_files = {row["file_path"] for row in streamer.storage().run_named(
            "rows_code_entities")}
    huge_size = (50 * 1024 * 1024 // 17 + 1) * 17
    expected = {
        "bad/binary.rs": (
            "skipped", "binary content (NUL bytes) in a source-named file"),
        "bad/dangling.py": ("skipped", "broken symbolic link (its target does not exist)"),
        "bad/huge.py": (
            "skipped", f"larger than the 2,097,152-byte limit ({huge_size:,} bytes)"),
        "bad/latin1.py": ("ingested", "undecodable bytes replaced"),
        "bad/pipe.py": ("skipped", "not a regular file (a pipe, socket or device)"),
        "bad/syntax.py": ("ingested", "1 syntax error(s) (line 1); recovered what parsed"),
        "bad/unreadable.py": ("skipped", "symbolic link to a file outside the ingested root"),
    }
    assert {path: (row["status"], row["error"]) for path, row in files.items()
            if path.startswith("bad/")} == expected
    assert [FileProblem(path, status, reason) for path, (status, reason) in expected.items()] == (
        summary.problems
    )
    # The healthy files and the recoverable ones are all in.
    assert summary.files_ingested == 3 + 1 + 2 + 2  # modules, __init__, Rust, syntax + latin1
    assert summary.files_failed == 0
    # binary, dangling, huge, pipe, the link out; no non-source files
    assert summary.files_skipped == 5
    assert {"pkg/mod_0.py", "src/unit_1.rs", "bad/syntax.py", "bad/latin1.py"} <= entity_files


def test_a_file_that_cannot_be_read_fails_alone_with_the_error() -> None:
    # Unreadable as root too: chmod 000 does not stop root, but /proc/self/mem is a regular
    # file that fails every read at offset 0 with EIO (nothing is mapped at address 0). The
    # walk leaves links out of the tree out, so the parse task is given its path directly.
    failed = process_file_chunk([("bad/unreadable.py", "/proc/self/mem", "python", 0)],
                                DEFAULT_LIMITS)
    assert [(outcome.file_path, outcome.status, outcome.note) for outcome in failed.outcomes] == [
        ("bad/unreadable.py", "failed", "cannot read: Input/output error")
    ]
    # Its source_files row says so, and it brings no other row.
    assert failed.rows["put_source_files"] == [
        ("bad/unreadable.py", "python", "", 0, 0, "failed", "cannot read: Input/output error")
    ]
    assert not any(rows for name, rows in failed.rows.items() if name != "put_source_files")
    summary = IngestionSummary("root", "mem", 1)
    for outcome in failed.outcomes:
        count_outcome(outcome, summary)
    assert (summary.files_failed, summary.files_ingested, summary.files_skipped) == (1, 0, 0)
    assert summary.problems == [
        FileProblem("bad/unreadable.py", "failed", "cannot read: Input/output error")
    ]


# -- re-ingestion -----------------------------------------------------------------------------


def test_re_ingesting_replaces_rows_and_drops_deleted_files(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=6, rust_files=4)
    database = f"rocksdb:{tmp_path / 'db'}"
    with CodebaseStreamer(StreamerConfig(database=database)) as streamer:
        first = streamer.stream_directory(root)
    (root / "pkg" / "mod_2.py").unlink()
    write(root / "pkg" / "mod_3.py", python_module(3).replace("Worker3", "Renamed3"))
    with CodebaseStreamer(StreamerConfig(database=database)) as streamer:
        second = streamer.stream_directory(root)
        entities = streamer.storage().run_named("rows_code_entities")
        files = [row["file_path"] for row in streamer.storage().run_named("rows_source_files")]
    names = {row["name"] for row in entities}
    assert "Worker2" not in names and "entry_2" not in names
    assert "Worker3" not in names and "Renamed3" in names
    assert not any(row["file_path"] == "pkg/mod_2.py" for row in entities)
    assert "pkg/mod_2.py" not in files
    assert len(entities) == len({row["key"] for row in entities}) == second.entities
    # One module of 5 entities (module, class, 2 methods, function) fewer.
    assert second.entities == first.entities - 5


def test_re_ingesting_an_unchanged_tree_gives_the_same_rows(tmp_path: Path) -> None:
    from parseltongue.ingest.integrity import verify_parallel_data_integrity_check

    root = write_mixed_project(tmp_path / "project", python_files=5, rust_files=5)
    once = ingest(root, f"sqlite:{tmp_path / 'once.sqlite'}")
    twice = ingest(root, f"sqlite:{tmp_path / 'twice.sqlite'}")
    twice.stream_directory(root)
    report = verify_parallel_data_integrity_check(once.storage(), twice.storage())
    once.close()
    twice.close()
    assert report.identical, report.describe()


# Layouts of earlier row formats, as a database of that time holds them: the relation that
# replaced the old one goes, the old one comes back with a row.
EARLIER_LAYOUTS = {
    # Raw references one row each (`raw_references`), row format 2.
    "raw references": (
        "sqlite", 2, "file_references", "raw_references",
        "{::remove file_references}\n"
        "{:create raw_references {from_key: String, kind: String, name: String, line: Int, "
        "receiver: String, scope: String, alias: String => file_path: String, "
        "receiver_type: String, module_path: String}}\n"
        "{?[from_key, kind, name, line, receiver, scope, alias, file_path, receiver_type, "
        "module_path] <- [['k', 'call', 'n', 1, '', '', '', 'x.py', '', '']] "
        ":put raw_references {from_key, kind, name, line, receiver, scope, alias => file_path, "
        "receiver_type, module_path}}",
    ),
    # Unresolved references one row each (`unresolved_references`), row format 3.
    "unresolved references": (
        "rocksdb", 3, "file_unresolved_references", "unresolved_references",
        "{::remove file_unresolved_references}\n"
        "{:create unresolved_references {from_key: String, name: String, edge_type: String, "
        "source_line: Int => candidates: Int}}\n"
        "{?[from_key, name, edge_type, source_line, candidates] <- [['k', 'n', 'calls', 1, 0]] "
        ":put unresolved_references {from_key, name, edge_type, source_line => candidates}}",
    ),
}


@pytest.mark.parametrize("layout", sorted(EARLIER_LAYOUTS))
def test_a_database_of_an_unpacked_layout_is_upgraded_and_rebuilt(
    tmp_path: Path, layout: str
) -> None:
    """A database of an earlier layout opens in the packed one, and its next ingestion
    rebuilds it to what a new one holds, with the same totals."""
    import json

    from parseltongue import CozoDbStorage
    from parseltongue.ingest.integrity import verify_parallel_data_integrity_check

    engine, row_format, packed, unpacked, old_layout = EARLIER_LAYOUTS[layout]
    root = write_mixed_project(tmp_path / "project", python_files=4, rust_files=3)
    database = f"{engine}:{tmp_path / 'old.db'}"
    ingest(root, database).close()
    with CozoDbStorage(database) as storage:
        settings = json.loads(storage.query("?[v] := *parseltongue_meta{key: "
                                            "'ingestion_settings', value: v}")[0]["v"])
        settings["row_format"] = row_format
        storage.run_named_write("put_meta_values",
                                rows=[["ingestion_settings", json.dumps(settings, sort_keys=True)]])
        storage.query(old_layout)
    with CodebaseStreamer(StreamerConfig(database=database)) as upgraded:
        names = set(upgraded.storage().relation_names())
        assert packed in names and unpacked not in names
        summary = upgraded.stream_directory(root)
        assert not summary.incremental
        assert summary.full_rebuild_reason == (
            "the ingestion settings or the Parseltongue version changed"
        )
        with ingest(root, f"{engine}:{tmp_path / 'new.db'}") as fresh:
            report = verify_parallel_data_integrity_check(
                fresh.storage(), upgraded.storage(), include_derived=True
            )
            stats = fresh.storage().get_stats()
    assert report.identical, report.describe()
    assert report.relations[packed].rows_a > 0
    assert summary.unresolved_references == stats.unresolved_references > 0


# -- statistics -------------------------------------------------------------------------------


def test_stats_totals_equal_the_rows_counted_by_query(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=12, rust_files=8)
    write(root / "README.md", "# not source\n")
    with ingest(root, f"rocksdb:{tmp_path / 'db'}", jobs=2) as streamer:
        stats = streamer.storage().get_stats()
        entities = count_rows(streamer, "code_entities")
        edges = count_rows(streamer, "dependency_edges")
        # Packed one row per file: the references are counted, not the rows.
        unresolved = len(streamer.storage().run_named("unresolved_references", limit=10**9))
        files = count_rows(streamer, "source_files")
        tests = count_rows(streamer, "entity_test_reasons")
    assert stats.total_entities == entities
    assert stats.total_edges == edges
    assert stats.unresolved_references == unresolved
    assert stats.total_files == files == 12 + 1 + 8 + 1
    assert stats.test_entities == tests == 0
    assert sum(stats.entities_by_language.values()) == entities
    assert sum(stats.edges_by_type.values()) == edges
    assert stats.files_by_status == {"ingested": 21, "skipped": 1}
    # 13 Python files: a module entity each, 12 with a class, two methods and a function.
    assert stats.entities_by_language["python"] == 13 + 12 * 4
    assert stats.entities_by_language["rust"] == entities - stats.entities_by_language["python"]


# -- progress and interruption ----------------------------------------------------------------


def test_progress_and_phases_are_reported_in_order(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=30, rust_files=30)
    phases: list[str] = []
    progress: list[tuple[int, int]] = []
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(
            root, lambda done, total, _bytes: progress.append((done, total)), phases.append
        )
    assert phases == [PHASE_COLLECTING, PHASE_PARSING, PHASE_RESOLVING, PHASE_DONE]
    assert progress[0] == (0, 61) and progress[-1] == (61, 61)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_an_interrupt_leaves_whole_files_and_an_interrupted_status(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=40, rust_files=0)
    database = f"rocksdb:{tmp_path / 'db'}"

    def interrupt_at_half(done: int, total: int, _bytes: int) -> None:
        if done >= total // 2:
            raise KeyboardInterrupt

    config = StreamerConfig(database=database, parallel=False, files_per_task=4,
                            write_batch_rows=1)
    with CodebaseStreamer(config) as streamer:
        with pytest.raises(IngestionInterrupted) as interrupted:
            streamer.stream_directory(root, interrupt_at_half)
        status = streamer.storage().query_read_only(
            "?[value] := *parseltongue_meta{key: 'ingestion_status', value}"
        )
        written = {row["file_path"] for row in streamer.storage().run_named("rows_code_entities")}
    assert interrupted.value.summary.files_written == 20
    assert status[0]["value"].startswith("interrupted: 20 of 41 files written")
    assert len(written) == 20  # every file's entities, or none of them
