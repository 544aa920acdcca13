"""Markdown tables of a benchmark results document (bench/results/<corpus>.json)."""

from __future__ import annotations

from typing import Any

# Run name -> how BENCHMARKS.md labels it.
RUN_LABELS = {
    "t1": "T1 rocksdb, sequential, one write per file",
    "sled": "T2 sled, sequential",
    "sled_parallel": "T3' sled, parallel (the PRD's target engine)",
    "sqlite": "T2 sqlite, parallel",
    "mem": "T2 mem, parallel",
    "t3": "T3 rocksdb, parallel",
    "t3_one_job": "T3 pipeline, 1 job",
    "floor": "parse floor (tree-sitter alone)",
}


def _cell(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def runs_table(runs: dict[str, dict[str, Any]]) -> str:
    """One row per run: time, throughput, memory, disk, and identity with the reference."""
    lines = [
        "| run | jobs | wall s | parse+write s | resolve+derived s | entities | edges | "
        "entities/s | edges/s | MB/s | peak MB (tree) | DB MB | same rows | load 1-min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        label = RUN_LABELS.get(name, name)
        if "error" in run:
            lines.append(f"| {label} | | error: {run['error']} |" + " |" * 11)
            continue
        same = run.get("identical", "reference" if name == "t3" else None)
        lines.append(
            "| " + " | ".join([
                label, _cell(run.get("jobs")), _cell(run.get("elapsed_seconds"), 2),
                _cell(run.get("parse_seconds"), 2), _cell(run.get("resolve_seconds"), 2),
                _cell(run.get("entities")), _cell(run.get("edges")),
                _cell(run.get("entities_per_second"), 0), _cell(run.get("edges_per_second"), 0),
                _cell(run.get("megabytes_per_second"), 2), _cell(run.get("peak_memory_mb"), 0),
                _cell(run.get("database_mb"), 1), _cell(same),
                _cell((run.get("load_before") or [None])[0], 2),
            ]) + " |"
        )
    return "\n".join(lines)


def targets_table(document: dict[str, Any]) -> str:
    """One row per target: the figure, the target, met or not."""
    lines = ["| target | figure | wanted | met |", "|---|---|---|---|"]
    for name, target in document.get("targets", {}).items():
        lines.append(
            f"| {name} | {_cell(target['value'], 2)} | {target['target']} | "
            f"{_cell(target['met'])} |"
        )
    lines.append("")
    lines.append("| ratio | value |")
    lines.append("|---|---|")
    for name, value in document.get("ratios", {}).items():
        lines.append(f"| {name} | {_cell(value, 2)} |")
    return "\n".join(lines)


def queries_table(queries: dict[str, dict[str, Any]]) -> str:
    """One row per query: the entity it ran on, median and rounds, and its target."""
    lines = ["| query | on | rows | median ms | p90 ms | rounds | target ms | met |",
             "|---|---|---|---|---|---|---|---|"]
    for name, query in queries.items():
        lines.append(
            f"| {name} | {query.get('on', '')} | {_cell(query.get('rows'))} | "
            f"{_cell(query.get('median_ms'), 2)} | {_cell(query.get('p90_ms'), 2)} | "
            f"{_cell(query.get('rounds'))} | {_cell(query.get('target_ms'), 0)} | "
            f"{_cell(query.get('met'))} |"
        )
    return "\n".join(lines)


def results_markdown(document: dict[str, Any]) -> str:
    """The whole document as Markdown: machine, runs, targets and ratios, queries."""
    machine = document.get("machine", {})
    parts = [
        f"corpus `{document.get('corpus')}`, jobs {document.get('jobs')}; "
        f"{machine.get('cpu_model', '?')}, cpu_count {machine.get('cpu_count')}, "
        f"nproc {machine.get('nproc')}, {machine.get('memory_mb')} MB RAM; "
        f"load at the end {machine.get('load_average')}; {machine.get('date')}",
        "",
    ]
    if document.get("runs"):
        parts += [runs_table(document["runs"]), "", targets_table(document), ""]
    if document.get("queries"):
        parts += [queries_table(document["queries"]), ""]
    return "\n".join(parts)
