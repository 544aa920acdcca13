"""The page of every edge (Codebase.edges_page, /dependency-edges-list-all): stored edges and
containment read in order, each stopping early, and merged; or, far in, the whole union read
once. Each page must equal the slice of the sorted union of every edge, read here without the
page's queries or indexes."""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import Any

import pytest
from http_support import client_for
from ingested_corpora import IngestedCorpus

import parseltongue.edge_pages
from parseltongue import Codebase
from parseltongue.answers import ListedEdge
from parseltongue.edge_pages import MERGED_READS_UP_TO
from parseltongue.model import DependencyEdge
from parseltongue.parameters import folder_prefix

REPOSITORY = Path(__file__).resolve().parents[1]
GRAPH_PROJECT = REPOSITORY / "tests" / "fixtures" / "graph_project"
Row = tuple[Any, ...]


def every_edge(codebase: Codebase) -> list[Row]:
    """The union the page is cut from, sorted: the stored edges' rows and each entity's
    container as a contains edge, read from the relations themselves (no index)."""
    stored = codebase.query(
        "?[f, t, e, file, line, r] := *dependency_edges{from_key: f, to_key: t, edge_type: e,"
        " source_file: file, source_line: line, resolution: r}"
    ).rows
    contained = codebase.query(
        "?[p, k, f] := *code_entities{key: k, parent_key: p, file_path: f}, p != ''"
    ).rows
    return sorted({*stored, *((p, k, "contains", f, 0, "syntax") for p, k, f in contained)})


def expected_page(
    union: list[Row], edge_type: str, scope: str, limit: int, offset: int
) -> list[ListedEdge]:
    prefix = folder_prefix(scope)
    kept = [row for row in union
            if edge_type in ("", row[2]) and row[3].startswith(prefix)]
    return [ListedEdge(*row) for row in kept[offset : offset + limit]]


def crossings(rows: list[Row], count: int) -> list[int]:
    """Up to `count` positions where a stored row follows a containment row or the reverse
    (a contains edge at line 0 is containment), spread over the rows."""
    kinds = [row[2] == "contains" and row[4] == 0 for row in rows]
    found = [i for i in range(1, len(rows)) if kinds[i] != kinds[i - 1]]
    step = max(1, len(found) // count)
    return found[::step][:count]


@pytest.fixture(scope="module")
def multi(multi_corpus: IngestedCorpus) -> Any:
    with Codebase.open(multi_corpus.database) as codebase:
        yield codebase, every_edge(codebase)


def test_the_corpus_has_both_kinds_and_pages_beyond_the_merged_reads(multi: Any) -> None:
    _, union = multi
    kinds = {row[2] for row in union}
    assert {"contains", "calls"} <= kinds
    # Both ways of reading a page are exercised below.
    assert len(union) > MERGED_READS_UP_TO + 1000


@pytest.mark.parametrize("edge_type", ["", "contains", "calls"])
def test_pages_equal_the_sorted_union_at_every_kind_of_offset(
    multi: Any, edge_type: str
) -> None:
    codebase, union = multi
    kept = expected_page(union, edge_type, "", len(union), 0)
    rows = [tuple(edge) for edge in kept]
    last = len(kept)
    cases = [(100, 0), (1, 0), (7, 1), (250, 4_000), (100, MERGED_READS_UP_TO - 100),
             (100, MERGED_READS_UP_TO - 50), (30, last - 10), (100, last), (100, last + 5_000)]
    cases += [(6, max(0, at - 3)) for at in crossings(rows, 5)]
    for limit, offset in cases:
        page = codebase.edges_page(edge_type=edge_type, limit=limit, offset=offset)
        assert page == kept[offset : offset + limit], (edge_type, limit, offset)
    if edge_type in ("", "contains"):
        assert crossings(rows, 1) or edge_type == "contains"


def test_pages_under_a_folder_equal_the_sorted_union(multi: Any) -> None:
    codebase, union = multi
    folders = sorted({row[3].split("/")[0] for row in union if "/" in row[3]})
    assert len(folders) >= 2
    for scope in folders[:3]:
        for edge_type in ("", "contains", "calls"):
            kept = expected_page(union, edge_type, scope, len(union), 0)
            assert kept, (scope, edge_type)
            for limit, offset in [(50, 0), (100, len(kept) // 2), (100, len(kept) - 20),
                                  (10, len(kept) + 1)]:
                page = codebase.edges_page(
                    edge_type=edge_type, scope=scope, limit=limit, offset=offset
                )
                assert page == kept[offset : offset + limit], (scope, edge_type, offset)


def test_the_http_page_is_the_facades(multi: Any) -> None:
    codebase, _ = multi
    storage = codebase.database()
    with client_for(storage) as client:
        for edge_type, offset in [("", 0), ("", 1_234), ("contains", 50), ("calls", 30_000)]:
            response = client.get("/dependency-edges-list-all",
                                  params={"edge_type": edge_type, "offset": offset, "limit": 40})
            data = response.json()["data"]
            page = codebase.edges_page(edge_type=edge_type, limit=40, offset=offset)
            assert [tuple(edge[field] for field in ListedEdge._fields)
                    for edge in data["edges"]] == [tuple(edge) for edge in page]
            assert data["edges"][:1] == [
                {**edge._asdict(), "source_location": f"{edge.source_file}:{edge.source_line}"}
                for edge in page[:1]
            ]
            assert data["returned_count"] == len(page)


def test_a_stored_contains_edge_is_one_row_with_the_containment_it_repeats() -> None:
    with Codebase.open("mem") as codebase:
        codebase.ingest(str(GRAPH_PROJECT), parallel=False)
        contained = codebase.query(
            "?[p, k, f] := *code_entities{key: k, parent_key: p, file_path: f}, p != ''"
            " :limit 2"
        ).rows
        calls = codebase.query(
            "?[f, t] := *dependency_edges{from_key: f, to_key: t, edge_type: 'calls'} :limit 1"
        ).rows[0]
        (same_parent, same_child, same_file), (parent, child, _) = contained
        codebase.database().insert_edges_batch([
            # A containment row itself, stored: the union holds it once.
            DependencyEdge(same_parent, same_child, "contains", same_file, 0, "syntax"),
            # Another containment edge stored with another file: two rows, by file.
            DependencyEdge(parent, child, "contains", "a/elsewhere.py", 0, "syntax"),
            # A contains edge no entity's parent_key holds.
            DependencyEdge(calls[0], calls[1], "contains", "z.py", 4, "same_file"),
        ])
        union = every_edge(codebase)
        assert sum(row[:2] == (same_parent, same_child) for row in union) == 1
        assert sum(row[:2] == (parent, child) for row in union) == 2
        for edge_type in ("", "contains"):
            kept = expected_page(union, edge_type, "", len(union), 0)
            for limit in (1, 3, 10):
                for offset in range(0, len(kept) + 2, limit):
                    page = codebase.edges_page(edge_type=edge_type, limit=limit, offset=offset)
                    assert page == kept[offset : offset + limit], (edge_type, limit, offset)


def test_a_bad_limit_or_offset_is_a_clear_error() -> None:
    with Codebase.open("mem") as codebase:
        with pytest.raises(ValueError, match="limit must be at least 1, not 0"):
            codebase.edges_page(limit=0)
        with pytest.raises(ValueError, match="offset must be at least 0, not -1"):
            codebase.edges_page(offset=-1)


def test_opening_a_database_without_the_by_parent_index_builds_it(tmp_path: Path) -> None:
    spec = f"rocksdb:{tmp_path / 'db'}"
    with Codebase.open(spec) as codebase:
        codebase.ingest(str(GRAPH_PROJECT), parallel=False)
        before = codebase.edges_page(limit=1000)
        codebase.database().query("::index drop code_entities:by_parent")
        assert "code_entities:by_parent" not in codebase.database().relation_names()
    with Codebase.open(spec) as codebase:
        assert "code_entities:by_parent" in codebase.database().relation_names()
        assert codebase.edges_page(limit=1000) == before
        assert any(edge.edge_type == "contains" for edge in before)


def test_the_docstring_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY)  # the example names the fixture project by its path
    results = doctest.testmod(parseltongue.edge_pages, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 1 and results.failed == 0
