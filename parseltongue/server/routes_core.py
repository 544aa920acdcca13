"""Health, the API reference (generated from the app's own routes), and database statistics."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from parseltongue import __version__
from parseltongue.server.envelope import enveloped
from parseltongue.server.params import ContextDependency

router = APIRouter(tags=["Core"])


@enveloped(router, "/server-health-check-status")
def server_health_check_status(context: ContextDependency) -> dict[str, Any]:
    """Whether the server is up, and for how long it has been."""
    return {
        "status": "ok",
        "server_uptime_seconds_count": int(time.monotonic() - context.started_at),
        "database_file_path": context.database_label,
        "file_watcher_active": context.watcher is not None and context.watcher.running,
    }


_CONSTRAINTS = {"minimum": "ge", "maximum": "le", "minLength": "min_length",
                "maxLength": "max_length", "enum": "allowed"}


def _parameter_entry(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter.get("schema", {})
    entry: dict[str, Any] = {
        "name": parameter["name"],
        "param_type": parameter["in"],
        "required": parameter.get("required", False),
        "description": parameter.get("description", ""),
    }
    if "default" in schema:
        entry["default"] = schema["default"]
    for source, target in _CONSTRAINTS.items():
        if source in schema:
            entry[target] = schema[source]
    return entry


def endpoint_catalogue(app: FastAPI) -> list[dict[str, Any]]:
    """Every documented endpoint of `app`, by tag, with its parameters and description.

    Read from the app's OpenAPI schema, which FastAPI builds from the routes themselves: a new
    route or parameter shows up here without anyone editing a list.
    """
    categories: dict[str, list[dict[str, Any]]] = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            description = operation.get("description") or operation.get("summary", "")
            categories.setdefault((operation.get("tags") or ["Other"])[0], []).append({
                "path": path,
                "method": method.upper(),
                "description": " ".join(description.split("\n\n")[0].split()),
                "parameters": [_parameter_entry(p) for p in operation.get("parameters", [])],
            })
    return [{"name": name, "endpoints": endpoints} for name, endpoints in categories.items()]


@enveloped(router, "/api-reference-documentation-help")
def api_reference_documentation_help(request: Request) -> dict[str, Any]:
    """Every endpoint, its parameters and what it answers (generated from the routes)."""
    categories = endpoint_catalogue(request.app)
    return {
        "api_version": __version__,
        "total_endpoints": sum(len(category["endpoints"]) for category in categories),
        "openapi_docs": "/docs",
        "categories": categories,
    }


@enveloped(router, "/codebase-statistics-overview-summary")
def codebase_statistics_overview_summary(context: ContextDependency) -> dict[str, Any]:
    """Counts of entities (code and test), edges, files, and by language and type."""
    stats = context.statistics()
    return {
        "code_entities_total_count": stats.total_entities - stats.test_entities,
        "test_entities_total_count": stats.test_entities,
        "all_entities_total_count": stats.total_entities,
        "dependency_edges_total_count": stats.total_edges,
        "unresolved_references_total_count": stats.unresolved_references,
        "source_files_total_count": stats.total_files,
        "languages_detected_list": sorted(stats.entities_by_language),
        "database_file_path": context.database_label,
        "entities_by_language": stats.entities_by_language,
        "entities_by_type": stats.entities_by_type,
        "edges_by_type": stats.edges_by_type,
        "files_by_status": stats.files_by_status,
    }
