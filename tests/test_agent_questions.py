"""The facade's questions for bounded answers (parseltongue/agent_questions.py) on the fixture
project ingested for real: each total is what the uncut list holds, dead code is what nothing
depends on, a context pack keeps to its budget, and wrong keys and paths find the right ones."""

from __future__ import annotations

import doctest
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_support import ingested_rocksdb, key_of

import parseltongue.agent_questions
import parseltongue.context_pack
import parseltongue.parameters
import parseltongue.script_guard
import parseltongue.tokens
from parseltongue import Codebase
from parseltongue.answers import ContextEntity, HopCount, UnknownEntityError
from parseltongue.context_pack import entity_tokens, pack_context
from parseltongue.remote import RemoteQueryClient
from parseltongue.storage import StorageError

REPOSITORY = Path(__file__).resolve().parent.parent
EVERY_TYPE: list[str] = []


@pytest.fixture(scope="module")
def codebase(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Codebase]:
    with Codebase.open(ingested_rocksdb(tmp_path_factory.mktemp("agent"))) as opened:
        yield opened


@pytest.fixture(scope="module")
def every_key(codebase: Codebase) -> list[str]:
    return [row[0] for row in codebase.query("?[key] := *code_entities{key} :order key").rows]


def test_degree_counts_the_uncut_callers_and_callees(
    codebase: Codebase, every_key: list[str]
) -> None:
    for key in every_key:
        for edge_types, scope in ((None, ""), (EVERY_TYPE, ""), (None, "shop")):
            degree = codebase.degree(key, edge_types, scope)
            assert degree.inbound == len(codebase.callers(key, edge_types, scope, limit=10_000))
            assert degree.outbound == len(codebase.callees(key, edge_types, scope, limit=10_000))
    with pytest.raises(UnknownEntityError):
        codebase.degree("python:fn:nope:x:T1")


def test_blast_radius_counts_count_the_uncut_blast_radius(
    codebase: Codebase, every_key: list[str]
) -> None:
    reached = 0
    for key in every_key:
        for hops in (1, 2, 3):
            affected = codebase.blast_radius(key, hops, limit=10_000)
            counts = Counter(row.hop for row in affected)
            assert codebase.blast_radius_counts(key, hops) == [
                HopCount(hop, count) for hop, count in sorted(counts.items())]
            reached += bool(affected)
    assert reached > 10
    with pytest.raises(UnknownEntityError):
        codebase.blast_radius_counts("python:fn:nope:x:T1")
    with pytest.raises(ValueError, match="hops must be at least 1"):
        codebase.blast_radius_counts(every_key[0], hops=0)


def test_dead_code_is_cut_in_file_order_and_keeps_its_total(codebase: Codebase) -> None:
    everything = codebase.dead_code(limit=1000)
    assert everything.total == len(everything.candidates) == 3
    assert [(c.file_path, c.name) for c in everything.candidates] == [
        ("engine/src/lib.rs", "run"), ("shop/checkout.py", "checkout"),
        ("shop/checkout.py", "checkout_with_retry")]
    first = codebase.dead_code(limit=1)
    assert (first.total, first.candidates) == (3, everything.candidates[:1])
    assert codebase.dead_code(scope="shop").total == 2
    assert codebase.dead_code(scope="tests").total == 0  # tests are never listed
    with pytest.raises(ValueError, match="limit must be at least 1"):
        codebase.dead_code(limit=0)


@pytest.mark.parametrize("budget", [1, 60, 120, 200, 400, 3000])
def test_a_context_pack_keeps_to_its_budget(
    codebase: Codebase, every_key: list[str], budget: int
) -> None:
    for key in every_key:
        pack = codebase.context_pack(key, budget)
        bare = entity_tokens(pack.entity._replace(code=""))
        # Only the entity's own row (key, place, signature) may pass a budget too small for it.
        assert pack.tokens_used <= max(budget, bare), key
        detail = codebase.entity(key)
        assert detail.code.startswith(pack.entity.code)
        assert pack.code_truncated == (pack.entity.code != detail.code)
        assert pack.entity.code == "" or pack.entity.code.endswith("\n") or \
            pack.entity.code == detail.code  # cut at a line
        callers = sorted({edge.from_key for edge in codebase.callers(key, limit=10_000)} - {key})
        callees = sorted({edge.to_key for edge in codebase.callees(key, limit=10_000)} - {key})
        assert (pack.callers_total, pack.callees_total) == (len(callers), len(callees))
        assert [row.key for row in pack.callers] == [k for k in callers if k in
                                                     {row.key for row in pack.callers}]
        if budget >= 3000:
            assert [row.key for row in pack.callers] == callers
            assert [row.key for row in pack.callees] == callees
            assert not pack.code_truncated


def test_packing_takes_callers_and_callees_in_turn_and_skips_what_does_not_fit() -> None:
    def row(role: str, key: str, signature: str = "def f()") -> ContextEntity:
        return ContextEntity(role, key, key, "fn", "m.py", 1, 2, signature, "")

    focus = ContextEntity("entity", "e", "e", "fn", "m.py", 1, 3, "def e()",
                          "def e():\n    a()\n    b()\n")
    rows = [focus, row("caller", "c1", "x" * 400), row("caller", "c2"), row("callee", "d1")]
    pack = pack_context(rows, token_budget=60)
    assert [r.key for r in pack.callers] == ["c2"] and [r.key for r in pack.callees] == ["d1"]
    assert (pack.callers_total, pack.callees_total, pack.code_truncated) == (2, 1, False)
    tight = pack_context(rows, token_budget=30)
    assert tight.code_truncated and tight.entity.code in ("", "def e():\n", "def e():\n    a()\n")
    with pytest.raises(ValueError, match="token_budget must be at least 1"):
        pack_context(rows, token_budget=0)


def test_closest_keys_find_the_key_meant(codebase: Codebase, every_key: list[str]) -> None:
    for key in every_key:
        if ":module:" in key:
            continue
        assert key in codebase.closest_keys(key[:-2] + "99"), key
    place_order = key_of(codebase.storage, "place_order", "shop/orders.py")  # type: ignore[arg-type]
    assert codebase.closest_keys("python:fn:place_ordr:__shop_orders:T1")[0] == place_order
    assert codebase.closest_keys("place_order", limit=1) == [place_order]
    assert codebase.closest_keys("zzqqxxww") == []
    assert codebase.closest_keys(":::::") == []


def test_closest_paths_find_the_file_meant(codebase: Codebase) -> None:
    assert codebase.closest_paths("shop/orders.py") == ["shop/orders.py"]
    assert codebase.closest_paths("docs/README.md") == ["docs/README.md"]  # stored, skipped
    assert codebase.closest_paths("src/orders.py")[0] == "shop/orders.py"
    assert codebase.closest_paths("shop/order.py", limit=1) == ["shop/orders.py"]
    assert codebase.closest_paths("zzz/qqq.xx") == []


def test_a_codebase_over_a_server_asks_but_does_not_write() -> None:
    served = Codebase(RemoteQueryClient("http://127.0.0.1:9"))
    assert "127.0.0.1:9" in repr(served)
    with pytest.raises(StorageError, match="served database"):
        served.database()
    with pytest.raises(StorageError, match="served database"):
        served.update(REPOSITORY, ["a.py"])


@pytest.mark.parametrize("module", [
    parseltongue.agent_questions, parseltongue.context_pack, parseltongue.parameters,
    parseltongue.script_guard, parseltongue.tokens,
])
def test_the_docstring_examples_run(module: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY)  # the examples name the fixture project by its path
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert results.attempted >= 1 and results.failed == 0
