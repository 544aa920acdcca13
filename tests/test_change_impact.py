"""`parseltongue impact` on a real git repository: the fixture project committed in a temp
folder, ingested, then changed (a body edited, a method renamed, a function deleted, a call
added); the changed, impacted and test sets are asserted exactly for `--base`, `--staged`,
and the HTTP forms (a posted diff, and GET ?base=), each on its own copy of the database
ingested before the change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_support import HTTP_PROJECT

from parseltongue import Codebase, CozoDbStorage
from parseltongue.changes import DiffError, diff_text_impact, git_change_impact
from parseltongue.server import create_app

GIT = ["git", "-c", "user.name=Parseltongue Tests", "-c", "user.email=tests@example.com",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def git(repository: Path, *arguments: str) -> str:
    done = subprocess.run([*GIT, *arguments], cwd=repository, capture_output=True, text=True,
                          check=True)
    return done.stdout


def run_cli(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parseltongue.cli", *arguments],
                          capture_output=True, text=True, cwd=cwd)


class Repository:
    """The fixture project committed in a git work tree, and a database ingested from it
    before any change; `fresh_database()` copies that database for one form of the question."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / "repo"
        shutil.copytree(HTTP_PROJECT, self.root)
        git(self.root, "init", "-q")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", "the fixture project")
        self.pristine = folder / "pristine.db"
        with Codebase.open(f"rocksdb:{self.pristine}") as codebase:
            codebase.ingest(self.root, parallel=False)
        self.copies = 0

    def fresh_database(self) -> str:
        self.copies += 1
        copy = self.pristine.parent / f"copy-{self.copies}.db"
        shutil.copytree(self.pristine, copy)
        return f"rocksdb:{copy}"

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text()
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1))


@pytest.fixture
def repository(tmp_path: Path) -> Repository:
    return Repository(tmp_path)


def summary(answer: dict[str, Any]) -> dict[str, Any]:
    """What the tests pin: changed (status, name, file), impacted (hop, name), tests, the
    paths' names, and the risk order's first entity."""
    name = {entity["key"]: entity["name"] for entity in (*answer["changed"],
                                                         *answer["impacted"])}

    def named(key: str) -> str:
        return name.get(key) or key.split(":")[2]

    return {
        "changed": {(entity["status"], entity["name"], entity["file_path"])
                    for entity in answer["changed"]},
        "impacted": {(entity["hop"], entity["name"]) for entity in answer["impacted"]},
        "paths": {tuple(named(key) for key in entity["path"]) for entity in answer["impacted"]},
        "tests": {named(key) for key in answer["tests"]},
        "test_files": set(answer["test_files"]),
    }


def cli_form(repository: Repository, *arguments: str) -> dict[str, Any]:
    result = run_cli("impact", "--db", repository.fresh_database(), "--json", *arguments)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def http_forms(repository: Repository, diff: str, hops: int) -> list[dict[str, Any]]:
    """The POST form (the diff as the body) and the GET form, each on a fresh database."""
    answers = []
    for form in ("post", "get"):
        with CozoDbStorage(repository.fresh_database()) as storage:
            client = TestClient(create_app(storage, "test-database"))
            if form == "post":
                response = client.post("/change-impact-analysis", params={"hops": hops},
                                       content=diff.encode())
            else:
                response = client.get("/change-impact-analysis",
                                      params={"base": "HEAD", "hops": hops})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] and not body["data"]["impacted_truncated"]
        answers.append(body["data"])
    return answers


def every_form(repository: Repository, hops: int) -> list[dict[str, Any]]:
    """The change asked every way: --base (files against HEAD), --staged (after git add),
    and over HTTP; all must answer the same."""
    diff = git(repository.root, "diff", "--unified=0", "HEAD")
    answers = [cli_form(repository, "--base", "HEAD", "--hops", str(hops))]
    git(repository.root, "add", "-A")
    answers.append(cli_form(repository, "--staged", "--hops", str(hops)))
    answers.extend(http_forms(repository, diff, hops))
    first = summary(answers[0])
    for answer in answers[1:]:
        assert summary(answer) == first
    return answers


def test_an_edited_body_impacts_its_callers_hop_by_hop(repository: Repository) -> None:
    repository.edit("shop/pricing.py", "        return amount / 2\n",
                    "        return amount * 0.5\n")
    answers = every_form(repository, hops=3)
    assert summary(answers[0]) == {
        "changed": {("modified", "apply_discount", "shop/pricing.py")},
        "impacted": {(1, "order_total"), (2, "place_order"), (3, "checkout"),
                     (3, "confirm_order"), (3, "test_place_order_totals_with_tax")},
        "paths": {
            ("order_total", "apply_discount"),
            ("place_order", "order_total", "apply_discount"),
            ("checkout", "place_order", "order_total", "apply_discount"),
            ("confirm_order", "place_order", "order_total", "apply_discount"),
            ("test_place_order_totals_with_tax", "place_order", "order_total",
             "apply_discount"),
        },
        "tests": {"test_place_order_totals_with_tax"},
        "test_files": {"tests/test_orders.py"},
    }
    (changed,) = answers[0]["changed"]
    assert (changed["fan_in"], changed["impacted"], changed["tests"], changed["risk_rank"]) == (
        1, 5, 1, 1
    )
    # The first form re-read the edited file; the database it used was left up to date.
    assert answers[0]["files_reread"] == ["shop/pricing.py"]


def test_a_renamed_method_is_deleted_and_added_and_its_old_callers_are_found(
    repository: Repository,
) -> None:
    repository.edit("shop/repository.py", "    def save_order(self, order):\n        return self",
                    "    def store_order(self, order):\n        return self")
    repository.edit("shop/orders.py", "OrderRepository().save_order(order)",
                    "OrderRepository().store_order(order)")
    answers = every_form(repository, hops=2)
    assert summary(answers[0]) == {
        "changed": {
            ("deleted", "save_order", "shop/repository.py"),
            ("added", "store_order", "shop/repository.py"),
            ("modified", "place_order", "shop/orders.py"),
        },
        "impacted": {
            # What called the old method: from the database, before its rows went.
            (1, "save_order"),
            # What depends on the modified caller; the modules importing it.
            (1, "checkout"), (1, "confirm_order"), (1, "test_place_order_totals_with_tax"),
            (1, "checkout"), (1, "test_orders"),
            (2, "retry_order"),
        },
        "paths": {
            ("save_order", "save_order"),
            ("checkout", "place_order"), ("confirm_order", "place_order"),
            ("test_place_order_totals_with_tax", "place_order"), ("test_orders", "place_order"),
            ("retry_order", "confirm_order", "place_order"),
        },
        "tests": {"test_place_order_totals_with_tax", "test_orders"},
        "test_files": {"tests/test_orders.py"},
    }
    # The override whose super() call the old method answered (its own key is unchanged).
    (override,) = [entity for entity in answers[0]["impacted"] if entity["name"] == "save_order"]
    assert (override["file_path"], override["start_line"]) == ("shop/repository.py", 25)
    risk = {entity["name"]: entity for entity in answers[0]["changed"]}
    # Untested first: the deleted method (reached by place_order's
    # `OrderRepository().save_order()` and an untested override) outranks place_order, which a
    # test reaches.
    assert risk["save_order"]["risk_rank"] < risk["place_order"]["risk_rank"]
    assert (risk["save_order"]["fan_in"], risk["place_order"]["tests"]) == (2, 2)


def test_a_deleted_function_impacts_what_called_it(repository: Repository) -> None:
    repository.edit("shop/orders.py", "def next_order_id():\n    return 42\n\n\n", "")
    answers = every_form(repository, hops=2)
    assert summary(answers[0]) == {
        "changed": {("deleted", "next_order_id", "shop/orders.py")},
        "impacted": {(1, "place_order"), (2, "checkout"), (2, "confirm_order"),
                     (2, "test_place_order_totals_with_tax")},
        "paths": {
            ("place_order", "next_order_id"),
            ("checkout", "place_order", "next_order_id"),
            ("confirm_order", "place_order", "next_order_id"),
            ("test_place_order_totals_with_tax", "place_order", "next_order_id"),
        },
        "tests": {"test_place_order_totals_with_tax"},
        "test_files": {"tests/test_orders.py"},
    }
    assert all(answer["notes"] == [] for answer in answers)


def test_an_added_call_changes_the_caller_and_the_graph(repository: Repository) -> None:
    repository.edit("shop/orders.py", "    if attempts == 0:\n",
                    "    next_order_id()\n    if attempts == 0:\n")
    answers = every_form(repository, hops=2)
    assert summary(answers[0]) == {
        "changed": {("modified", "retry_order", "shop/orders.py")},
        "impacted": {(1, "confirm_order"), (1, "checkout_with_retry"), (1, "checkout")},
        "paths": {("confirm_order", "retry_order"), ("checkout_with_retry", "retry_order"),
                  ("checkout", "retry_order")},
        "tests": set(),
        "test_files": set(),
    }
    # The re-read put the new call in the graph.
    with Codebase.open(f"rocksdb:{repository.pristine.parent / 'copy-1.db'}") as codebase:
        retry = next(hit.key for hit in codebase.search("retry_order")
                     if hit.entity_type == "fn")
        assert "next_order_id" in {edge.to_key.split(":")[2]
                                   for edge in codebase.callees(retry)}


# -- bad input: each a clear error or a recorded skip -----------------------------------------


def test_a_folder_outside_git_is_a_clear_error(tmp_path: Path) -> None:
    root = shutil.copytree(HTTP_PROJECT, tmp_path / "plain")
    database = f"rocksdb:{tmp_path / 'db'}"
    with Codebase.open(database) as codebase:
        codebase.ingest(root, parallel=False)
        with pytest.raises(DiffError, match="is not in a git work tree"):
            git_change_impact(codebase)
    result = run_cli("impact", "--db", database)
    assert result.returncode == 1
    assert "is not in a git work tree" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_revision_is_a_clear_error(repository: Repository) -> None:
    result = run_cli("impact", "--db", repository.fresh_database(), "--base", "no-such-branch")
    assert result.returncode == 1
    assert "unknown revision 'no-such-branch'" in result.stderr
    assert "Traceback" not in result.stderr
    with CozoDbStorage(repository.fresh_database()) as storage:
        client = TestClient(create_app(storage, "test-database"))
        response = client.get("/change-impact-analysis", params={"base": "--output=x"})
    assert response.status_code == 400 and "unknown revision" in response.json()["error"]


def test_a_binary_file_and_a_file_of_no_language_are_recorded_skips(
    repository: Repository,
) -> None:
    (repository.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary\x00")
    (repository.root / "docs" / "README.md").write_text("# changed\n")
    repository.edit("shop/pricing.py", "TAX_RATE = 0.2", "TAX_RATE = 0.25")
    git(repository.root, "add", "-A")
    answer = cli_form(repository, "--staged")
    assert {(skip["path"], skip["reason"]) for skip in answer["skipped"]} == {
        ("logo.png", "a binary file"),
        ("docs/README.md", "not a source file Parseltongue reads"),
    }
    assert {entity["name"] for entity in answer["changed"]} == {"pricing"}


def test_a_diff_that_does_not_apply_is_refused(repository: Repository) -> None:
    repository.edit("shop/pricing.py", "        return amount / 2\n",
                    "        return amount * 0.5\n")
    diff = git(repository.root, "diff", "--unified=0", "HEAD")
    stale = diff.replace("+        return amount * 0.5", "+        return amount * 0.75")
    with CozoDbStorage(repository.fresh_database()) as storage:
        client = TestClient(create_app(storage, "test-database"))
        refused = client.post("/change-impact-analysis", content=stale.encode())
        garbage = client.post("/change-impact-analysis", content=b"this is no diff\n")
        empty = client.post("/change-impact-analysis", content=b"")
        binary = client.post("/change-impact-analysis", content=b"\xff\xfe\x00")
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "the diff does not apply to the ingested files (shop/pricing.py: shop/pricing.py: "
        "line 12 on disk is not the line the diff adds)"
    )
    assert garbage.status_code == 400 and "not a unified diff" in garbage.json()["error"]
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    assert binary.status_code == 400 and "not UTF-8" in binary.json()["error"]


def test_paths_relative_to_the_ingested_folder_inside_a_larger_work_tree(
    tmp_path: Path,
) -> None:
    """The ingested folder is a subfolder of the work tree: git's paths (from the top) and a
    posted diff's paths relative to the folder both map to the stored paths."""
    top = tmp_path / "top"
    shutil.copytree(HTTP_PROJECT, top / "services" / "shop")
    (top / "elsewhere.py").write_text("def unrelated():\n    return 1\n")
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    root = top / "services" / "shop"
    (root / "shop" / "pricing.py").write_text(
        (root / "shop" / "pricing.py").read_text().replace("amount / 2", "amount * 0.5")
    )
    (top / "elsewhere.py").write_text("def unrelated():\n    return 2\n")
    with Codebase.open(f"rocksdb:{tmp_path / 'db'}") as codebase:
        codebase.ingest(root, parallel=False)
        from_git = git_change_impact(codebase)
        local_diff = git(root, "diff", "--unified=0", "--relative", "HEAD")
        from_text = diff_text_impact(codebase, local_diff)
    for report in (from_git, from_text):
        assert [(entity.name, entity.file_path) for entity in report.changed] == [
            ("apply_discount", "shop/pricing.py")
        ]
    assert from_git.skipped == ()  # elsewhere.py is outside the folder: not in its diff


@pytest.fixture
def untracked_repository(repository: Repository) -> Iterator[Repository]:
    (repository.root / "shop" / "refunds.py").write_text(
        "from shop.orders import place_order\n\n\ndef refund(items):\n"
        "    return place_order(items, 'REFUND')\n"
    )
    yield repository


def test_an_untracked_file_counts_as_added(untracked_repository: Repository) -> None:
    answer = cli_form(untracked_repository)
    assert {(entity["status"], entity["name"]) for entity in answer["changed"]} == {
        ("added", "refunds"), ("added", "refund")
    }
    assert answer["files_reread"] == ["shop/refunds.py"]
    staged_only = cli_form(untracked_repository, "--staged")
    assert staged_only["changed"] == []
