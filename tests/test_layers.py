"""The package's layers (ARCHITECTURE.md): what each part may import, and that front ends ask
the facade instead of running the database's queries themselves.

Read from the source with `ast`, so a new import across a layer fails here, naming the file
and the import, before it becomes a habit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "parseltongue"

# Each part of the package (a top-level module or a subpackage) and its layer.
LAYER_OF_PART = {
    **dict.fromkeys(
        ("_version", "model", "packed", "queries", "answers", "languages", "file_references",
         "file_outlines", "derived", "analytics", "tokens", "parameters", "closing"),
        "data",
    ),
    **dict.fromkeys(("storage", "script_guard"), "storage"),
    "extract": "extract",
    "resolve": "resolve",
    "ingest": "ingest",
    **dict.fromkeys(
        ("codebase", "codebase_updates", "agent_questions", "file_questions", "edge_pages",
         "context_pack"),
        "facade",
    ),
    # Questions over the facade that read more than the database (a diff, the files).
    "changes": "facade",
    **dict.fromkeys(
        ("cli", "repl", "export", "remote", "results", "ingest_report", "server", "mcp_server"),
        "front end",
    ),
    "__init__": "package API",
}
# What each layer may import (besides itself). Extraction runs in parse workers: it knows no
# database. Front ends ask the facade; they may name storage's and ingestion's types and
# errors, not the stages that do the work.
MAY_IMPORT = {
    "data": set(),
    "storage": {"data"},
    "extract": {"data"},
    "resolve": {"data", "storage"},
    "ingest": {"data", "storage", "extract", "resolve"},
    "facade": {"data", "storage", "extract", "resolve", "ingest"},
    "front end": {"data", "storage", "ingest", "facade"},
    "package API": {"data", "storage", "ingest", "facade"},
}
# What a front end may not do itself: run the database's queries, or drive ingestion.
FACADE_ONLY_CALLS = {
    "run_named", "run_named_table", "run_named_write", "write_rows", "query_read_only",
    "get_stats", "CodebaseStreamer",
}
# remote.py is the HTTP client that stands in for a database: these methods are its own.
OWN_QUERY_METHODS = {
    "remote.py": {"query_table", "query_read_only", "run_named", "run_named_table"}
}


def part_of(module: str) -> str:
    """`parseltongue.resolve.rules` -> `resolve`; `parseltongue` -> `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def source_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported_parts(path: Path) -> list[tuple[int, str]]:
    """(line, part) of every import of the package's own modules in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "parseltongue":
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif node.module.startswith("parseltongue."):
                found.append((node.lineno, part_of(node.module)))
        elif isinstance(node, ast.Import):
            found.extend(
                (node.lineno, part_of(alias.name))
                for alias in node.names
                if alias.name.startswith("parseltongue.")
            )
    return found


def file_part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {file_part(path) for path in source_files()}
    assert parts - set(LAYER_OF_PART) == set()


@pytest.mark.parametrize("path", source_files(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_a_module_imports_only_from_the_layers_below_it(path: Path) -> None:
    own_part = file_part(path)
    layer = LAYER_OF_PART[own_part]
    crossings = [
        f"line {line}: {own_part} ({layer}) imports {part} ({LAYER_OF_PART.get(part, '?')})"
        for line, part in imported_parts(path)
        if part != own_part
        and part != "__version__"
        and LAYER_OF_PART.get(part) not in MAY_IMPORT[layer] | {layer}
    ]
    assert crossings == []


def called_names(path: Path) -> list[tuple[int, str]]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(
                function, "id", ""
            )
            calls.append((node.lineno, name))
    return calls


@pytest.mark.parametrize(
    "path",
    [path for path in source_files() if LAYER_OF_PART[file_part(path)] == "front end"],
    ids=lambda path: str(path.relative_to(PACKAGE)),
)
def test_a_front_end_asks_the_facade(path: Path) -> None:
    allowed = OWN_QUERY_METHODS.get(path.name, set())
    done_itself = [
        f"line {line}: {name}()"
        for line, name in called_names(path)
        if name in FACADE_ONLY_CALLS and name not in allowed
    ]
    assert done_itself == []


def test_the_check_sees_a_crossing_when_there_is_one(tmp_path: Path) -> None:
    """The rules above are not vacuous: a stage importing a front end is caught."""
    stray = tmp_path / "stray.py"
    stray.write_text("from parseltongue.cli.app import app\nstorage.run_named('stats')\n")
    assert imported_parts(stray) == [(1, "cli")]
    assert LAYER_OF_PART["cli"] not in MAY_IMPORT["resolve"]
    assert (2, "run_named") in called_names(stray)
