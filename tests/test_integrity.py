"""verify_parallel_data_integrity_check: two databases compared row for row; and the PRD's proof
that sequential and parallel ingestion of real code leave identical databases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ingested_corpora import IngestedCorpus
from project_trees import write, write_mixed_project
from sled_support import SLED

from parseltongue import CodeEntity, EntityClass
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.ingest.integrity import (
    INTEGRITY_KEY_COLUMNS,
    verify_parallel_data_integrity_check,
)
from parseltongue.packed import pack_lines
from parseltongue.resolve import pack_unresolved, unpack_unresolved
from parseltongue.storage import CozoDbStorage

# bench/ lives beside tests/ at the top of the repository, not inside the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def ingested(root: Path, database: str, parallel: bool, jobs: int = 2) -> CodebaseStreamer:
    streamer = CodebaseStreamer(StreamerConfig(database=database, parallel=parallel, jobs=jobs))
    streamer.stream_directory(root)
    return streamer


def test_key_columns_match_the_schema() -> None:
    with CozoDbStorage.new_mem() as storage:
        for relation, key_columns in INTEGRITY_KEY_COLUMNS.items():
            columns = storage.query_read_only(f"::columns {relation}")
            assert sum(column["is_key"] for column in columns) == key_columns, relation


def test_a_database_is_identical_to_itself_and_counts_its_rows(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=4, rust_files=3)
    with ingested(root, "mem", parallel=False) as streamer:
        report = verify_parallel_data_integrity_check(streamer.storage(), streamer.storage())
        entities = streamer.storage().get_stats().total_entities
    assert report.identical
    assert report.differing_relations == []
    assert list(report.relations) == list(INTEGRITY_KEY_COLUMNS)
    assert report.relations["code_entities"].rows_a == entities
    assert report.relations["source_files"].rows_b == 4 + 1 + 3


def test_differences_are_reported_by_relation_with_samples(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=4, rust_files=3)
    with (
        ingested(root, "mem", parallel=False) as first,
        ingested(root, "mem", parallel=False) as second,
    ):
        storage_b = second.storage()
        changed = storage_b.run_named("rows_code_entities")[0]
        storage_b.insert_entities_batch(
            [
                CodeEntity("python:fn:extra:__x:T1", "x.py", "fn", EntityClass.CODE, "python"),
                CodeEntity(
                    changed["key"], changed["file_path"], changed["entity_type"],
                    EntityClass(changed["entity_class"]), changed["language"],
                    name="renamed",
                ),
            ]
        )
        report = verify_parallel_data_integrity_check(first.storage(), storage_b, sample_rows=1)
    entities = report.relations["code_entities"]
    assert not report.identical
    assert report.differing_relations == ["code_entities"]
    assert (entities.only_in_a_count, entities.only_in_b_count, entities.changed_count) == (
        0, 1, 1,
    )
    assert entities.rows_b == entities.rows_a + 1
    assert entities.only_in_b[0][0] == "python:fn:extra:__x:T1"
    row_a, row_b = entities.changed[0]
    assert row_a[0] == row_b[0] == changed["key"]
    assert row_b[5] == "renamed" and row_a[5] == changed["name"]
    text = report.describe()
    assert "DIFFERENT" in text and "1 only in B, 1 changed" in text


def test_sequential_and_parallel_agree_on_a_small_tree(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=40, rust_files=40)
    write(root / "bad.py", "def broken(:\n    pass\n")
    # Unresolved references of several entities in one file, made out of their sorted order.
    write(root / "external.py", "".join(
        f"def zz_{n}(x):\n    x.pop()\n    return x.append(1)\n\n\n" for n in (9, 3, 7, 1)
    ) + "class Aa:\n    def go(self, x):\n        return x.zz()\n")
    with (
        ingested(root, "mem", parallel=False) as sequential,
        ingested(root, "mem", parallel=True) as parallel,
    ):
        report = verify_parallel_data_integrity_check(sequential.storage(), parallel.storage())
        packs = [streamer.storage().run_named("rows_file_unresolved_references")
                 for streamer in (sequential, parallel)]
    assert report.identical, report.describe()
    # The parallel run resolves its entities in another order: the packs are sorted, so their
    # text is the same (the comparison above is of that text).
    assert packs[0] == packs[1] and len(packs[0]) >= 40
    [external] = [pack for pack in packs[0] if pack["file_path"] == "external.py"]
    assert external["reference_count"] == 9
    for pack in packs[0]:
        rows = unpack_unresolved(pack["references"])
        assert rows == sorted(rows) and len(rows) == pack["reference_count"]
        assert pack_lines(rows) == pack["references"]


def test_a_pack_that_differs_is_a_changed_row(tmp_path: Path) -> None:
    root = write_mixed_project(tmp_path / "project", python_files=4, rust_files=3)
    with (
        ingested(root, "mem", parallel=False) as first,
        ingested(root, "mem", parallel=False) as second,
    ):
        [file_path, count, references] = second.storage().run_named_table(
            "rows_file_unresolved_references"
        ).rows[0]
        rows = unpack_unresolved(references)
        second.storage().write_rows(
            "put_file_unresolved_references", [pack_unresolved(file_path, rows[1:])]
        )
        report = verify_parallel_data_integrity_check(first.storage(), second.storage())
    assert report.differing_relations == ["file_unresolved_references"]
    [(row_a, row_b)] = report.relations["file_unresolved_references"].changed
    assert (row_a[:2], row_b[:2]) == ((file_path, count), (file_path, count - 1))


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("engine", ["rocksdb", "sqlite", SLED])
def test_sequential_and_parallel_ingestion_of_real_code_are_identical(
    engine: str, tmp_path: Path, multi_corpus: IngestedCorpus
) -> None:
    """The PRD's integrity test, on real code we did not write.

    The session's sequential ingestion of `multi` (rocksdb) is the reference; a parallel one on
    each engine must match it row for row. Equal to one reference, they equal each other too,
    and the sqlite and sled runs prove the engines agree, at one ingestion per engine plus the
    reference (CI has 2 cores).
    """
    with (
        CozoDbStorage(multi_corpus.database) as sequential,
        ingested(multi_corpus.root, f"{engine}:{tmp_path / 'parallel'}", parallel=True) as parallel,
    ):
        report = verify_parallel_data_integrity_check(sequential, parallel.storage())
        stats = parallel.storage().get_stats()
    assert report.relations["source_files"].rows_a >= 1000
    assert stats.files_by_status["ingested"] >= 1000
    assert stats.total_entities > 10_000 and stats.total_edges > 10_000
    assert report.identical, report.describe()
