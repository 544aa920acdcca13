"""The MCP resources: the schema (relations, columns, what each means), the named queries
with their parameters, and a short guide to which tool answers which question.

The columns come from queries/schema.cozo (parseltongue/schema.py) and the queries from their
own headers, so these texts follow the code; only the meanings are written here.
"""

from __future__ import annotations

from parseltongue.queries import listed_named_queries
from parseltongue.results import named_queries_json
from parseltongue.storage.schema import schema_layouts

SCHEMA_URI = "parseltongue://schema"
NAMED_QUERIES_URI = "parseltongue://named-queries"
GUIDE_URI = "parseltongue://guide"

# What each relation an agent may query holds; the derived and packed ones are for search,
# ranking and resolution, and are better read through the tools.
RELATION_MEANINGS = {
    "code_entities": "one row per definition (function, method, class, struct, trait, impl, "
    "module...): where it is, its signature and source. entity_class is CODE or TEST.",
    "dependency_edges": "one row per resolved dependency from_key -> to_key; edge_type is "
    "calls, uses, implements, extends, imports or contains; source_file:source_line is where.",
    "file_unresolved_references": "per file, the references resolution could not pin to one "
    "target, packed as JSON Lines of [from_key, name, edge_type, source_line, candidates] "
    "(named query unresolved_references unpacks them).",
    "source_files": "every file the walk saw: language, size, lines, status (ingested, "
    "skipped, failed) and why.",
    "entity_test_reasons": "why an entity is classed as a test.",
    "module_paths": "every module name a file answers to, for imports.",
    "file_references": "per file, references as extracted before resolution (packed JSON).",
    "file_outlines": "per file, its entities' keys, types, names and containers (packed JSON).",
    "file_stamps": "what the last ingestion saw of each file (size, mtime).",
    "entity_name_tokens": "search postings: each lowercased name and word, packed.",
    "name_vocabulary": "search: distinct tokens reversed, for typo look-ups.",
    "entity_coupling": "coupling per entity (inbound, outbound, total), most coupled first.",
    "file_coupling": "coupling per file, most coupled first.",
}


def schema_text() -> str:
    """The relations, their columns (key columns before =>), indexes and meanings."""
    lines = [
        "# Parseltongue schema (CozoDB relations)",
        "Entity keys are language:type:name:semantic_path:Thash. Query with run_datalog, e.g. "
        "?[name, file_path] := *code_entities{name, file_path, entity_type}, "
        "entity_type == 'fn' :limit 10",
        "Cozo 0.7.6 pitfall: a constant on an indexed value column (*code_entities{file_path: "
        "'a.rs'}) answers nothing when other columns are asked for; bind a variable and filter "
        "(file_path == 'a.rs'), or read the index (*code_entities:by_file{file_path: 'a.rs', "
        "key}).",
        "",
    ]
    for relation, layout in schema_layouts().items():
        keys = [f"{name}: {kind}" for name, is_key, kind in layout.columns if is_key]
        values = [f"{name}: {kind}" for name, is_key, kind in layout.columns if not is_key]
        lines.append(f"## {relation} {{{', '.join(keys)} => {', '.join(values)}}}")
        lines.append(RELATION_MEANINGS.get(relation, "internal."))
        if layout.indexes:
            lines.append(f"indexes: {', '.join(layout.indexes)}")
        lines.append("")
    return "\n".join(lines)


def named_queries_text() -> str:
    """The named queries a person (or agent) asks, with parameters, defaults and columns."""
    return named_queries_json(listed_named_queries())


GUIDE = """# Using Parseltongue's tools
Keys: every tool about one entity takes its key; get keys from search_entities (by name)
or file_entities (by file). A wrong key answers with the closest keys ("did you mean").

| question | tool |
| --- | --- |
| where is X defined? | search_entities, then entity |
| what does this file define? | file_entities |
| what do I need to edit X? | context_pack (source + callers' and callees' signatures) |
| who calls X? what does X call? | callers, callees |
| what breaks if I change X? | blast_radius |
| where is the code most entangled? | hotspots, cycles |
| what is never called? | dead_code (candidates: check for external callers) |
| how big is this codebase? | stats |
| anything else | run_named_query (named-queries resource), run_datalog (schema resource) |
| I edited files | reindex_files (only when the server runs with --allow-writes) |

Answers are compact JSON: lists are {"columns": [...], "rows": [[...]], "total", "truncated"};
when truncated is true, ask again with a larger limit or a narrower question.
"""
