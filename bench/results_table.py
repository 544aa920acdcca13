"""Markdown tables of a benchmark results document (bench/results/<corpus>.json)."""

from __future__ import annotations

from typing import Any

# Run name -> how BENCHMARKS.md labels it.
RUN_LABELS = {
    "t1": "T1 rocksdb, sequential, one write per file",
    "sled": "T2 sled, sequential",
    "sled_parallel": "T2' sled, parallel (the PRD's target engine)",
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


def incremental_tables(incremental: dict[str, Any]) -> str:
    """The "Incremental updates" section: the edited file, the full ingestion, the no-change
    re-runs, each kind of one-file update, the cold first update, and the targets."""
    full = incremental.get("full_ingestion", {})
    lines = ["### Incremental updates", ""]
    if full:
        lines.append(
            f"Full ingestion (`pt01` process, {_cell(full.get('jobs'))} jobs): "
            f"{_cell(full.get('wall_seconds'), 2)} s wall ({_cell(full.get('elapsed_seconds'), 2)}"
            f" s in the summary), {_cell(full.get('files'))} files, "
            f"{_cell(full.get('entities'))} entities, {_cell(full.get('edges'))} edges; "
            f"load {_cell(full.get('load_before'), 2)}."
        )
    picked = incremental.get("picked")
    if picked:
        lines.append(
            f"Edited file: `{picked['file']}` ({_cell(picked.get('entities'))} entities, "
            f"{_cell(picked.get('lines'))} lines, {_cell(picked.get('edges_in_from_other_files'))}"
            f" edges in from other files); body edit in `{picked['body_edit']}`, renamed "
            f"`{picked['renamed']}`, removed `{picked['removed']}`."
        )
    prepare = incremental.get("prepare_for_updates")
    if prepare:
        lines.append(f"prepare_for_updates (index read ahead): {_cell(prepare['seconds'], 2)} s.")
    cold = incremental.get("cold_first_update")
    if cold:
        lines.append(
            f"Cold first update ({cold['edit']}, new streamer, index read from the database): "
            f"{_cell(cold['seconds'], 2)} s (no target); load {_cell(cold.get('load_before'), 2)}."
        )
    if incremental.get("no_change"):
        lines += ["", "| no-change re-run | rounds | median s | min s | summary s | "
                      "ratio to full | resolved | load 1-min |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, rerun in incremental["no_change"].items():
            lines.append(
                f"| {name} | {_cell(rerun['rounds'])} | {_cell(rerun['median_seconds'], 3)} | "
                f"{_cell(rerun['min_seconds'], 3)} | "
                f"{_cell(rerun['summary_elapsed_median_seconds'], 3)} | "
                f"{_cell(rerun['ratio_to_full'], 3)} | {_cell(rerun['resolved'])} | "
                f"{_cell(rerun.get('load_before'), 2)} |"
            )
    if incremental.get("updates"):
        lines += ["", "| one-file update | rounds | median ms | p90 ms | min ms | parse ms | "
                      "resolve ms | restore median ms | target ms | met | load 1-min |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for kind, update in incremental["updates"].items():
            lines.append(
                f"| {kind} | {_cell(update['rounds'])} | {_cell(update['median_ms'], 1)} | "
                f"{_cell(update['p90_ms'], 1)} | {_cell(update['min_ms'], 1)} | "
                f"{_cell(update['parse_median_ms'], 1)} | "
                f"{_cell(update['resolve_median_ms'], 1)} | "
                f"{_cell(update.get('restore_median_ms'), 1)} | "
                f"{_cell(update['target_ms'], 0)} | {_cell(update['met'])} | "
                f"{_cell(update.get('load_before'), 2)} |"
            )
    if incremental.get("targets"):
        lines += ["", "| target | figure | wanted | met |", "|---|---|---|---|"]
        for name, target in incremental["targets"].items():
            lines.append(
                f"| {name} | {_cell(target['value'], 3)} | {target['target']} | "
                f"{_cell(target['met'])} |"
            )
    return "\n".join(lines)


def results_markdown(document: dict[str, Any]) -> str:
    """The whole document as Markdown: machine, runs, targets and ratios, queries, and
    incremental updates."""
    machine = document.get("machine", {})
    parts = [
        f"corpus `{document.get('corpus')}`, jobs {document.get('jobs')}; "
        f"{machine.get('cpu_model', '?')}, cpu_count {machine.get('cpu_count')}, "
        f"nproc {machine.get('nproc')}, {machine.get('memory_mb')} MB RAM; "
        f"load at the end {machine.get('load_average')}; {machine.get('date')}",
        "",
    ]
    substituted = [
        f"{p['name']} {p['version']} (pinned {p['pinned']})"
        for p in document.get("corpus_packages", [])
        if p["pinned"] != p["version"]
    ]
    if substituted:
        parts += ["Built at other versions than pinned: " + ", ".join(substituted) + ".", ""]
    if document.get("runs"):
        parts += [runs_table(document["runs"]), "", targets_table(document), ""]
    if document.get("queries"):
        parts += [queries_table(document["queries"]), ""]
    if document.get("incremental"):
        parts += [incremental_tables(document["incremental"]), ""]
    return "\n".join(parts)
