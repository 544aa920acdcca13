"""`parseltongue rename`: a function used in three files renamed on a real git repository; the
diff applies with `git apply`, and ingesting the renamed tree gives the same edges under the
new name. Same-named references left unresolved are listed, never edited; a taken name and a
file changed since ingestion are refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from http_support import HTTP_PROJECT
from test_change_impact import git, run_cli

from parseltongue import Codebase
from parseltongue.changes.rename import (
    CONFIDENCE_OF_RESOLUTION,
    RenameError,
    apply_rename,
    plan_rename,
)

# A call of the same name on a value of unknown type: resolution cannot pin it.
AUDIT = 'def audit(store):\n    return store.place_order([], "")\n'


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(HTTP_PROJECT, root)
    (root / "shop" / "audit.py").write_text(AUDIT)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the fixture project")
    return root


def ingested(root: Path, database: Path) -> str:
    with Codebase.open(f"rocksdb:{database}") as codebase:
        codebase.ingest(root, parallel=False)
    return f"rocksdb:{database}"


def place_order_key(codebase: Codebase) -> str:
    return next(hit.key for hit in codebase.search("place_order")
                if hit.name == "place_order" and hit.entity_type == "fn")


def graph(database: str, renamed: dict[str, str] | None = None) -> tuple[set, set]:
    """Every edge as (from, to, type, sites) with entities as `file:qualified name` (a
    renamed name mapped to its new one), and every unresolved reference."""
    renamed = renamed or {}
    with Codebase.open(database) as codebase:
        label = {
            row["key"]: f"{row['file_path']}:"
                        f"{renamed.get(row['qualified_name'], row['qualified_name'])}"
            for row in codebase.named("rows_code_entities")
        }
        edges = {
            (label[row["from_key"]], label[row["to_key"]], row["edge_type"],
             tuple(row["source_lines"]))
            for row in codebase.named("rows_dependency_edges")
        }
        unresolved = {
            (label[row["from_key"]], row["name"], row["edge_type"], row["source_line"])
            for row in codebase.named("unresolved_references", limit=100_000)
        }
    return edges, unresolved


def test_a_function_used_in_three_files_is_renamed_by_a_diff_git_applies(
    repository: Path, tmp_path: Path
) -> None:
    database = ingested(repository, tmp_path / "before.db")
    with Codebase.open(database) as codebase:
        key = place_order_key(codebase)
    result = run_cli("rename", key, "submit_order", "--db", database)
    assert result.returncode == 0, result.stderr
    diff = result.stdout
    assert [line for line in diff.splitlines() if line.startswith("+++ ")] == [
        "+++ b/shop/checkout.py", "+++ b/shop/orders.py", "+++ b/tests/test_orders.py"
    ]
    assert "shop/audit.py:2 store.place_order (calls): unresolved" in result.stderr
    (tmp_path / "rename.patch").write_text(diff)
    git(repository, "apply", "--check", str(tmp_path / "rename.patch"))
    git(repository, "apply", str(tmp_path / "rename.patch"))
    assert "def submit_order(items, code):" in (repository / "shop/orders.py").read_text()
    # The unresolved same-named call is left as it was.
    assert (repository / "shop" / "audit.py").read_text() == AUDIT
    before = graph(database, {"place_order": "submit_order"})
    after = graph(ingested(repository, tmp_path / "after.db"))
    assert after == before
    assert any("submit_order" in edge[1] for edge in after[0])


def test_the_plan_tags_each_edit_with_a_confidence_and_apply_writes_it(
    repository: Path, tmp_path: Path
) -> None:
    database = ingested(repository, tmp_path / "db")
    with Codebase.open(database) as codebase:
        key = place_order_key(codebase)
        sites_before = [site.site for site in codebase.references(key)]
        plan = plan_rename(codebase, key, "submit_order")
        assert [(edit.file_path, edit.line, edit.kind) for edit in plan.edits] == [
            ("shop/checkout.py", 3, "imports"),
            ("shop/checkout.py", 7, "calls"),
            ("shop/orders.py", 7, "definition"),
            ("shop/orders.py", 25, "calls"),
            ("tests/test_orders.py", 1, "imports"),
            ("tests/test_orders.py", 5, "calls"),
        ]
        for edit in plan.edits:
            expected = 1.0 if edit.kind == "definition" else CONFIDENCE_OF_RESOLUTION[
                edit.resolution]
            assert edit.confidence == expected
            assert edit.after == edit.before.replace("place_order", "submit_order")
        assert [(item.file_path, item.line, item.name) for item in plan.review] == [
            ("shop/audit.py", 2, "store.place_order")
        ]
        written = apply_rename(codebase, plan)
        assert written == ["shop/checkout.py", "shop/orders.py", "tests/test_orders.py"]
        # The database was brought up to date: the new name has the old one's sites.
        new_key = next(hit.key for hit in codebase.search("submit_order")
                       if hit.entity_type == "fn")
        assert [site.site for site in codebase.references(new_key)] == sites_before
    as_json = run_cli("rename", new_key, "place_order", "--db", database, "--json")
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert (answer["old_name"], answer["new_name"], answer["applied"]) == (
        "submit_order", "place_order", False
    )
    assert answer["files"] == ["shop/checkout.py", "shop/orders.py", "tests/test_orders.py"]


def test_a_taken_name_a_changed_file_and_bad_names_are_refused(
    repository: Path, tmp_path: Path
) -> None:
    database = ingested(repository, tmp_path / "db")
    with Codebase.open(database) as codebase:
        key = place_order_key(codebase)
        with pytest.raises(RenameError, match="'next_order_id' already names an entity in the "
                                              "same scope"):
            plan_rename(codebase, key, "next_order_id")
        # The same name in another scope is no conflict: a method of a class elsewhere.
        assert plan_rename(codebase, key, "save").new_name == "save"
        for bad in ("2fast", "with space", "a-b", ""):
            with pytest.raises(RenameError, match="is not an identifier"):
                plan_rename(codebase, key, bad)
        module = next(hit.key for hit in codebase.search("orders")
                      if hit.entity_type == "module")
        with pytest.raises(RenameError, match="a module is not renamed"):
            plan_rename(codebase, module, "purchases")
    checkout = repository / "shop" / "checkout.py"
    checkout.write_text(checkout.read_text() + "\n# edited after ingestion\n")
    result = run_cli("rename", key, "submit_order", "--db", database, "--apply")
    assert result.returncode == 1
    assert "files changed on disk since they were ingested: shop/checkout.py" in result.stderr
    assert "Traceback" not in result.stderr
    assert "def place_order(" in (repository / "shop" / "orders.py").read_text()
    unknown = run_cli("rename", "python:fn:nope:__x:T1", "other", "--db", database)
    assert unknown.returncode == 1 and "no entity with key" in unknown.stderr


def test_a_file_without_a_final_line_break_gets_a_diff_that_applies(
    repository: Path, tmp_path: Path
) -> None:
    tests_file = repository / "tests" / "test_orders.py"
    tests_file.write_text(tests_file.read_text().rstrip("\n") + "\n    place_order([], '')")
    git(repository, "commit", "-q", "-am", "no final line break")
    database = ingested(repository, tmp_path / "db")
    with Codebase.open(database) as codebase:
        plan = plan_rename(codebase, place_order_key(codebase), "submit_order")
    assert "\\ No newline at end of file" in plan.diff
    patch = tmp_path / "rename.patch"
    patch.write_text(plan.diff)
    applied = subprocess.run(["git", "apply", str(patch)], cwd=repository, capture_output=True,
                             text=True)
    assert applied.returncode == 0, applied.stderr
    assert tests_file.read_text().endswith("    submit_order([], '')")
