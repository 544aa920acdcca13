"""What was ingested: the folder tree, coverage by folder, and files skipped or failed."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from parseltongue.server.context import ServerContext
from parseltongue.server.envelope import enveloped
from parseltongue.server.params import ContextDependency, ScopeParameter, folder_prefix

router = APIRouter(tags=["Coverage"])

MAX_DEPTH = 32
MAX_LISTED_FILES = 1000
# Lists are cut here unless asked for more: every ignored file of a large tree was ~320 KB.
DEFAULT_LISTED_FILES = 50
STATUS_INGESTED = "ingested"


def _inventory(context: ServerContext, prefix: str) -> list[dict[str, Any]]:
    rows = context.cached_named("file_inventory")
    return [row for row in rows if row["file_path"].startswith(prefix)]


def _folder_of(file_path: str, depth: int) -> str:
    """The first `depth` folders of a file's path ("." for a file at the root); 0 = full."""
    parts = file_path.split("/")[:-1]
    if depth:
        parts = parts[:depth]
    return "/".join(parts) or "."


@enveloped(router, "/folder-structure-discovery-tree")
def folder_structure_discovery_tree(
    context: ContextDependency,
    depth: Annotated[
        int, Query(ge=1, le=MAX_DEPTH, description=f"Folder levels shown (1..{MAX_DEPTH}).")
    ] = 2,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Folders holding ingested code, as a tree: files and entities per folder (Python fold
    over the per-file counts; Cozo has no path-tree rule)."""
    prefix = folder_prefix(context, scope)
    folders: dict[str, dict[str, Any]] = {}
    for row in _inventory(context, prefix):
        parts = row["file_path"].split("/")[:-1][:depth]
        for level in range(len(parts) + 1):
            path = "/".join(parts[:level]) or "."
            folder = folders.setdefault(
                path, {"path": path, "depth": level, "file_count": 0, "entity_count": 0,
                       "children": set()}
            )
            folder["file_count"] += 1
            folder["entity_count"] += row["entity_count"]
            if level < len(parts):
                folder["children"].add("/".join(parts[: level + 1]))
    listed = [{**folder, "children": sorted(folder["children"])}
              for _, folder in sorted(folders.items())]
    # The Rust tool's shape: top folders with their second-level children.
    top = [
        {"l1": folder["path"],
         "l2_children": [child.split("/")[-1] for child in folder["children"]],
         "entity_count": folder["entity_count"]}
        for folder in listed if folder["depth"] == 1
    ]
    return {"depth": depth, "folder_count": len(listed), "folders": top, "tree": listed}


def _is_source(row: dict[str, Any]) -> bool:
    """A file in a language Parseltongue parses (its language was recognised at ingestion)."""
    return bool(row["language"])


def _coverage(ingested: int, seen: int) -> float:
    return round(100.0 * ingested / seen, 2) if seen else 100.0


@enveloped(router, "/ingestion-coverage-folder-report")
def ingestion_coverage_folder_report(
    context: ContextDependency,
    depth: Annotated[
        int, Query(ge=0, le=MAX_DEPTH, description="Folder levels grouped by; 0 = every folder.")
    ] = 2,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Per folder: files seen, source files among them, how many were ingested, coverage %.

    Read from the database's source_files (what pt01 saw), not by walking the server's folder;
    the least covered folders come first.
    """
    rows = _inventory(context, folder_prefix(context, scope))
    folders: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = folders.setdefault(
            _folder_of(row["file_path"], depth),
            {"total_files": 0, "eligible_files": 0, "parsed_files": 0, "entity_count": 0},
        )
        counts["total_files"] += 1
        counts["eligible_files"] += _is_source(row)
        counts["parsed_files"] += row["status"] == STATUS_INGESTED
        counts["entity_count"] += row["entity_count"]
    report = sorted(
        ({"folder_path": path, "depth": depth, **counts,
          "coverage_pct": _coverage(counts["parsed_files"], counts["eligible_files"])}
         for path, counts in folders.items()),
        key=lambda folder: (folder["coverage_pct"], folder["folder_path"]),
    )
    eligible = [row for row in rows if _is_source(row)]
    unparsed = [{"file_path": row["file_path"], "status": row["status"], "reason": row["error"]}
                for row in eligible if row["status"] != STATUS_INGESTED]
    parsed = sum(row["status"] == STATUS_INGESTED for row in rows)
    summary = {
        "total_files": len(rows),
        "eligible_files": len(eligible),
        "parsed_files": parsed,
        "coverage_pct": _coverage(parsed, len(eligible)),
        "entity_count": sum(row["entity_count"] for row in rows),
        "error_count": len(unparsed),
        "unparsed_files": unparsed[:MAX_LISTED_FILES],
        "unparsed_truncated": len(unparsed) > MAX_LISTED_FILES,
    }
    return {"summary": summary, "folders": report}


class DiagnosticsSection(StrEnum):
    """The parts of the diagnostics report."""

    ALL = "all"
    SUMMARY = "summary"
    TEST_ENTITIES = "test_entities"
    IGNORED_FILES = "ignored_files"
    FAILED_FILES = "failed_files"


def _file_entry(row: dict[str, Any]) -> dict[str, Any]:
    folder, _, filename = row["file_path"].rpartition("/")
    extension = filename.rpartition(".")[2] if "." in filename else ""
    return {"file_path": row["file_path"], "folder_path": folder or ".", "filename": filename,
            "extension": extension, "language": row["language"], "status": row["status"],
            "reason": row["error"]}


@enveloped(router, "/ingestion-diagnostics-coverage-report")
def ingestion_diagnostics_coverage_report(
    context: ContextDependency,
    section: Annotated[
        DiagnosticsSection, Query(description="all, summary, test_entities, ignored_files, "
                                  "failed_files.")
    ] = DiagnosticsSection.ALL,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LISTED_FILES,
                   description=f"Most files or entities listed per section (1..{MAX_LISTED_FILES})")
    ] = DEFAULT_LISTED_FILES,
    scope: ScopeParameter = "",
) -> dict[str, Any]:
    """Files skipped or failed at ingestion and why, and the entities classified as tests:
    counts in full, lists cut at `limit` (each says its total and whether it was cut)."""
    rows = _inventory(context, folder_prefix(context, scope))
    ignored = [_file_entry(row) for row in rows if row["status"] not in (STATUS_INGESTED,
                                                                          "failed")]
    failed = [_file_entry(row) for row in rows if row["status"] == "failed"]
    tests = context.cached_named("test_entities", limit=limit + 1)
    by_extension: dict[str, int] = {}
    for entry in ignored:
        by_extension[entry["extension"]] = by_extension.get(entry["extension"], 0) + 1
    stats = context.statistics()
    parts: dict[str, Any] = {
        "summary": {
            "test_entities_count": stats.test_entities,
            "total_files": len(rows),
            "ignored_files_count": len(ignored),
            "failed_files_count": len(failed),
            "files_by_status": dict(sorted(_status_counts(rows).items())),
        },
        "test_entities": {"total_count": stats.test_entities,
                          "truncated": len(tests) > limit,
                          "entities": tests[:limit]},
        "ignored_files": {"total_count": len(ignored), "by_extension": dict(sorted(
            by_extension.items())), "truncated": len(ignored) > limit,
            "files": ignored[:limit]},
        "failed_files": {"total_count": len(failed), "truncated": len(failed) > limit,
                         "files": failed[:limit]},
    }
    return parts if section is DiagnosticsSection.ALL else {section.value: parts[section.value]}


def _status_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts
