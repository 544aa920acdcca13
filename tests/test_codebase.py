"""Codebase, the facade: each method's typed answer is its named query's rows, on the fixture
project ingested for real; unknown keys, bad parameters, and ingest/update round trips."""

from __future__ import annotations

import doctest
import inspect
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_support import HTTP_PROJECT, ingested_rocksdb, key_of
from project_trees import write

import parseltongue.codebase
import parseltongue.codebase_updates
import parseltongue.file_questions
from parseltongue import Codebase, CozoDbStorage
from parseltongue.answers import (
    Affected,
    CycleMember,
    Edge,
    Entity,
    FileEdge,
    FileEntity,
    FileHotspot,
    Hotspot,
    ReferenceSite,
    SearchHit,
    UnknownEntityError,
    UnresolvedReference,
)
from parseltongue.queries import named_query
from parseltongue.storage import CozoQueryError, StorageError

REPOSITORY = Path(__file__).resolve().parent.parent
UNKNOWN_KEY = "python:fn:no_such_thing:__nowhere:T1"


def as_items(rows: list[Any]) -> list[list[tuple[str, Any]]]:
    """Rows (answers or query dicts) as (column, value) lists: equal only in the same order,
    as the JSON the HTTP routes write from them (where a tuple and a list are one array)."""
    return [
        [(column, tuple(value) if isinstance(value, list) else value)
         for column, value in (row if isinstance(row, dict) else row._asdict()).items()]
        for row in rows
    ]


@pytest.fixture(scope="module")
def codebase(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Codebase]:
    with Codebase.open(ingested_rocksdb(tmp_path_factory.mktemp("codebase"))) as opened:
        yield opened


@pytest.fixture(scope="module")
def storage(codebase: Codebase) -> CozoDbStorage:
    return codebase.storage


@pytest.fixture(scope="module")
def place_order(storage: CozoDbStorage) -> str:
    """The fixture's most coupled entity: callers, callees and a blast radius of its own."""
    return key_of(storage, "place_order", "shop/orders.py")


@pytest.mark.parametrize(
    ("row_type", "query"),
    [
        (SearchHit, "search_entities"),
        (Entity, "entity_detail"),
        (Edge, "reverse_callers"),
        (Edge, "forward_callees"),
        (ReferenceSite, "reference_sites"),
        (Affected, "blast_radius"),
        (Hotspot, "hotspots"),
        (FileHotspot, "file_hotspots"),
        (CycleMember, "cycles"),
        (UnresolvedReference, "unresolved_references"),
        (FileEntity, "file_entities"),
        (FileEdge, "file_edges"),
    ],
)
def test_each_answer_has_its_query_s_columns_in_order(row_type: type, query: str) -> None:
    assert row_type._fields == named_query(query).columns


@pytest.mark.parametrize(
    ("method", "query"),
    [
        ("search", "search_entities"),
        ("callers", "reverse_callers"),
        ("callees", "forward_callees"),
        ("references", "reference_sites"),
        ("blast_radius", "blast_radius"),
        ("hotspots", "hotspots"),
        ("file_hotspots", "file_hotspots"),
        ("unresolved", "unresolved_references"),
    ],
)
def test_method_defaults_are_the_query_s_declared_defaults(method: str, query: str) -> None:
    declared = named_query(query).defaults
    parameters = inspect.signature(getattr(Codebase, method)).parameters
    defaults = {
        name: parameter.default
        for name, parameter in parameters.items()
        if parameter.default is not inspect.Parameter.empty and name != "edge_types"
    }
    assert defaults
    for name, value in defaults.items():
        assert declared[name] == value, name


def test_stats_are_the_totals_and_breakdowns(codebase: Codebase, storage: CozoDbStorage) -> None:
    stats = codebase.stats()
    totals = storage.run_named("stats_totals")[0]
    assert {name: getattr(stats, name) for name in totals} == totals
    assert stats.total_entities == 41
    assert stats.entities_by_language == {"python": 28, "rust": 13}
    assert stats.files_by_status == {"ingested": 8, "skipped": 1}
    assert stats.edges_by_type == storage.get_stats().edges_by_type


def test_search_is_search_entities(codebase: Codebase, storage: CozoDbStorage) -> None:
    hits = codebase.search("order")
    assert len(hits) > 3
    assert as_items(hits) == as_items(storage.run_named("search_entities", query="order"))
    scoped = codebase.search("order", scope="tests", limit=2)
    assert as_items(scoped) == as_items(storage.run_named(
        "search_entities", query="order", scope="tests", limit=2
    ))
    assert scoped and all(hit.file_path.startswith("tests/") for hit in scoped)
    assert codebase.search("chekout")[0].match == "typo"


def test_entity_is_entity_detail(
    codebase: Codebase, storage: CozoDbStorage, place_order: str
) -> None:
    entity = codebase.entity(place_order)
    assert as_items([entity]) == as_items(storage.run_named("entity_detail", key=place_order))
    # Its callees: order_total, next_order_id, OrderRepository and the `__init__` it runs.
    assert (entity.name, entity.callers_count, entity.callees_count) == ("place_order", 3, 5)


def test_callers_and_callees_are_the_edge_queries(
    codebase: Codebase, storage: CozoDbStorage, place_order: str
) -> None:
    callers = codebase.callers(place_order)
    assert len(callers) == 3
    assert as_items(callers) == as_items(storage.run_named(
        "reverse_callers", entity=place_order
    ))
    callees = codebase.callees(place_order, limit=2)
    assert len(callees) == 2
    assert as_items(callees) == as_items(storage.run_named(
        "forward_callees", entity=place_order, limit=2
    ))
    every_type = codebase.callers(place_order, edge_types=[], scope="shop")
    assert as_items(every_type) == as_items(storage.run_named(
        "reverse_callers", entity=place_order, edge_types=[], scope="shop"
    ))
    assert "contains" in {edge.edge_type for edge in every_type}
    assert all(isinstance(edge.sites, tuple) for edge in every_type)
    assert {edge.sites for edge in every_type if edge.edge_type == "contains"} == {()}


def test_references_are_reference_sites(
    codebase: Codebase, storage: CozoDbStorage, place_order: str
) -> None:
    sites = codebase.references(place_order)
    assert as_items(sites) == as_items(storage.run_named("reference_sites", entity=place_order))
    assert [site.site for site in sites] == [
        "shop/checkout.py:3", "shop/checkout.py:7", "shop/orders.py:25",
        "tests/test_orders.py:1", "tests/test_orders.py:5",
    ]
    with pytest.raises(UnknownEntityError):
        codebase.references(UNKNOWN_KEY)


def test_an_entity_nobody_calls_has_no_callers(codebase: Codebase, storage: CozoDbStorage) -> None:
    test_key = key_of(storage, "test_place_order_totals_with_tax", "tests/test_orders.py")
    assert codebase.entity(test_key).callers_count == 0
    assert codebase.callers(test_key) == []
    assert codebase.blast_radius(test_key) == []


def test_blast_radius_is_blast_radius(
    codebase: Codebase, storage: CozoDbStorage, place_order: str
) -> None:
    affected = codebase.blast_radius(place_order, hops=2)
    assert {row.hop for row in affected} == {1, 2}
    assert as_items(affected) == as_items(storage.run_named(
        "blast_radius", entity=place_order, hops=2
    ))
    assert len(codebase.blast_radius(place_order, hops=1)) < len(affected)


def test_hotspots_file_hotspots_unresolved_and_file_entities(
    codebase: Codebase, storage: CozoDbStorage
) -> None:
    hotspots = codebase.hotspots(limit=3)
    assert as_items(hotspots) == as_items(storage.run_named("hotspots", limit=3))
    assert hotspots[0].total >= hotspots[-1].total and len(hotspots) == 3
    files = codebase.file_hotspots(scope="shop")
    assert as_items(files) == as_items(storage.run_named("file_hotspots", scope="shop"))
    assert files and all(row.file_path.startswith("shop/") for row in files)
    unresolved = codebase.unresolved(file_prefix="engine", limit=5)
    assert as_items(unresolved) == as_items(storage.run_named(
        "unresolved_references", file_prefix="engine", limit=5
    ))
    assert unresolved and all(row.file_path.startswith("engine") for row in unresolved)
    named = codebase.unresolved(name="String")
    assert named and {row.name for row in named} == {"String"}
    entities = codebase.file_entities("shop/orders.py")
    assert as_items(entities) == as_items(storage.run_named(
        "file_entities", file_path="shop/orders.py"
    ))
    assert "place_order" in [row.name for row in entities]
    assert codebase.file_entities("no/such/file.py") == []


def test_cycles_group_the_cycles_rows(codebase: Codebase, storage: CozoDbStorage) -> None:
    cycles = codebase.cycles()
    assert [cycle.size for cycle in cycles] == [2, 2, 1]
    members = [member for cycle in cycles for member in cycle.members]
    assert as_items(members) == as_items(storage.run_named("cycles"))
    assert all(len(cycle.members) == cycle.size for cycle in cycles)
    engine = [cycle.cycle_id for cycle in codebase.cycles(scope="engine")]
    assert engine == list(
        dict.fromkeys(row["cycle_id"] for row in storage.run_named("cycles", scope="engine"))
    )
    assert len(engine) == 1 and engine[0].startswith("rust:")


def test_query_and_named(codebase: Codebase, storage: CozoDbStorage) -> None:
    table = codebase.query(
        "?[name] := *code_entities{name, file_path}, file_path == $file :order name",
        {"file": "shop/pricing.py"},
    )
    assert table.headers == ("name",)
    assert ("order_total",) in table.rows
    assert table.as_dicts()[0] == {"name": table.rows[0][0]}
    assert codebase.named("hotspots", limit=2) == storage.run_named("hotspots", limit=2)
    with pytest.raises(CozoQueryError):
        codebase.query("?[key] <- [['x']] :put parseltongue_meta {key => value: 'y'}")
    with pytest.raises(KeyError, match="no named query"):
        codebase.named("no_such_query")


def test_named_table_is_the_named_query_s_table(
    codebase: Codebase, storage: CozoDbStorage
) -> None:
    table = codebase.named_table("hotspots", limit=3)
    expected = storage.run_named_table("hotspots", limit=3)
    assert list(table.headers) == expected.headers == list(named_query("hotspots").columns)
    assert [list(row) for row in table.rows] == expected.rows
    assert table.milliseconds > 0
    empty = codebase.named_table("file_entities", file_path="no/such/file.py")
    assert empty.rows == () and empty.headers == named_query("file_entities").columns


@pytest.mark.parametrize("time_limited", [None, True, False])
def test_query_passes_time_limited_through(
    codebase: Codebase, monkeypatch: pytest.MonkeyPatch, time_limited: bool | None
) -> None:
    """The server's /text-query asks for the time limit its own reads go without."""
    asked: list[bool | None] = []
    real = codebase.storage.query_table

    def spy(datalog: str, params: Any = None, limited: bool | None = None) -> Any:
        asked.append(limited)
        return real(datalog, params, limited)

    monkeypatch.setattr(codebase.storage, "query_table", spy)
    assert codebase.query("?[x] := x = 1", time_limited=time_limited).rows == ((1,),)
    assert asked == [time_limited]


@pytest.mark.parametrize("method", ["entity", "callers", "callees", "blast_radius"])
def test_an_unknown_key_raises_unknown_entity_error(codebase: Codebase, method: str) -> None:
    with pytest.raises(UnknownEntityError) as raised:
        getattr(codebase, method)(UNKNOWN_KEY)
    assert isinstance(raised.value, KeyError)
    assert raised.value.key == UNKNOWN_KEY
    assert str(raised.value) == f"no entity with key {UNKNOWN_KEY!r}"


def test_bad_parameters_are_value_errors(codebase: Codebase, place_order: str) -> None:
    with pytest.raises(ValueError, match="hops must be at least 1"):
        codebase.blast_radius(place_order, hops=0)
    with pytest.raises(ValueError, match="limit must be at least 1"):
        codebase.hotspots(limit=0)
    with pytest.raises(ValueError, match="not the string"):
        codebase.callers(place_order, edge_types="calls")
    with pytest.raises(ValueError, match="must not be empty"):
        codebase.search("  ")
    with pytest.raises(ValueError, match="unknown: colour"):
        codebase.named("hotspots", colour="red")


def test_open_owns_its_database_and_a_given_storage_is_left_open(tmp_path: Path) -> None:
    with Codebase.open(f"sqlite:{tmp_path / 'a.sqlite'}") as opened:
        assert opened.stats().total_entities == 0
    with pytest.raises(StorageError, match="closed"):
        opened.stats()
    with CozoDbStorage.new_mem() as storage:
        Codebase(storage).close()
        assert Codebase(storage).stats().total_files == 0


def test_file_edges_is_file_edges(codebase: Codebase, storage: CozoDbStorage) -> None:
    edges = codebase.file_edges("shop/orders.py")
    assert edges
    assert as_items(edges) == as_items(storage.run_named("file_edges", file_path="shop/orders.py"))
    assert codebase.file_edges("no/such/file.py") == []


def test_refresh_re_does_what_changed_in_the_tree(tmp_path: Path, codebase: Codebase) -> None:
    root = tmp_path / "project"
    shutil.copytree(HTTP_PROJECT, root)
    with Codebase.open("mem") as fresh:
        assert fresh.ingested_root() is None
        fresh.prepare_updates()  # nothing ingested: nothing to read, no error
        first = fresh.refresh(root)
        assert not first.incremental and first.files_ingested == 8
        assert fresh.ingested_root() == root
        assert fresh.stats() == codebase.stats()
        (root / "shop" / "repository.py").unlink()
        fresh.prepare_updates()
        again = fresh.refresh(root)
        assert again.incremental
        assert (again.files_unchanged, again.files_removed) == (7, 1)
        assert fresh.file_entities("shop/repository.py") == []


def test_ingest_then_update_round_trip(tmp_path: Path, codebase: Codebase) -> None:
    root = tmp_path / "project"
    shutil.copytree(HTTP_PROJECT, root)
    with Codebase.open("mem") as fresh:
        summary = fresh.ingest(root, parallel=False)
        assert summary.files_ingested == 8
        assert fresh.stats() == codebase.stats()
        assert fresh.search("place_order") != []

        write(root / "shop" / "pricing.py",
              (root / "shop" / "pricing.py").read_text() + "\n\ndef rebate_total(x):\n"
              "    return x\n")
        (root / "shop" / "repository.py").unlink()
        updated = fresh.update(root, ["shop/pricing.py", "shop/repository.py"])
        assert updated.incremental
        assert (updated.files_changed, updated.files_removed) == (1, 1)
        assert "rebate_total" in [row.name for row in fresh.file_entities("shop/pricing.py")]
        assert fresh.file_entities("shop/repository.py") == []
        assert fresh.search("rebate_total")[0].match == "exact"

        with Codebase.open("mem") as rebuilt:
            rebuilt.ingest(root, parallel=False)
            assert rebuilt.stats() == fresh.stats()
            assert rebuilt.hotspots(limit=50) == fresh.hotspots(limit=50)


def test_the_docstring_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples name the fixture project by its path from the repository's root.
    monkeypatch.chdir(REPOSITORY)
    results = doctest.testmod(parseltongue.codebase, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 15
    assert results.failed == 0
    writes = doctest.testmod(parseltongue.codebase_updates, optionflags=doctest.ELLIPSIS)
    assert writes.attempted >= 5
    assert writes.failed == 0
    files = doctest.testmod(parseltongue.file_questions, optionflags=doctest.ELLIPSIS)
    assert files.attempted >= 4
    assert files.failed == 0
