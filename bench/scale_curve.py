"""The scale curve's figures, targets, table and plot (bench/bench_scale.py measures it).

The corpus is ingested at several sizes (1x, 2x, 4x, 8x: copies under distinct top folders)
and two targets of the performance issue are checked against the smallest size measured:
time per entity flat within ±20 %, and peak memory growing at most linearly (the peak at Nx
at most N times the peak at 1x).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from bench.results_table import _cell

DEFAULT_FACTORS = (1, 2, 4, 8)
TIME_PER_ENTITY_TOLERANCE = 0.20
PLOT_HINT = "plot not drawn: matplotlib is missing (pip install -e '.[bench]')"


def scale_factors() -> list[int]:
    """Copies of the corpus per size: `PARSELTONGUE_BENCH_SCALE_FACTORS` (default `1,2,4,8`)."""
    text = os.environ.get("PARSELTONGUE_BENCH_SCALE_FACTORS", "")
    factors = sorted({int(part) for part in text.split(",") if part.strip()}) or list(
        DEFAULT_FACTORS)
    if factors[0] < 1:
        raise ValueError(f"PARSELTONGUE_BENCH_SCALE_FACTORS must be whole numbers >= 1: {text!r}")
    return factors


def _link_or_copy(source: str, destination: str) -> str:
    try:
        os.link(source, destination)
    except OSError:
        # Another filesystem (EXDEV) or one without hard links: a real copy reads the same.
        shutil.copy2(source, destination)
    return destination


def build_copies(corpus_root: Path, destination: Path, copies: int) -> str:
    """`destination/copy-1/ ... copy-N/`, each the whole corpus; returns how the files got there
    (`hard links` or `copies`).

    Files are hard links where the filesystem allows, so eight copies cost no disk and no time;
    not symbolic links, which the walk treats differently from files. A symbolic link inside the
    corpus stays one, as in the original.
    """
    destination.mkdir(parents=True)
    for number in range(1, copies + 1):
        shutil.copytree(corpus_root, destination / f"copy-{number}", symlinks=True,
                        copy_function=_link_or_copy)
    sample = next((path for path in (destination / "copy-1").rglob("*")
                   if path.is_file() and not path.is_symlink()), None)
    if sample is None:
        return "hard links"
    linked = sample.stat().st_nlink > 1
    return "hard links" if linked else "copies"


def _ratio(value: float | None, reference: float | None) -> float | None:
    if not value or not reference:
        return None
    return round(value / reference, 3)


def _per_thousand(seconds: float | None, entities: int | None) -> float | None:
    if seconds is None or not entities:
        return None
    return round(seconds / entities * 1000, 4)


def curve_figures(runs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Per factor, the figures of its run and its ratios to the smallest factor; then whether
    each target is met (None when fewer than two sizes ran).

    `runs` maps a factor to its run's figures (bench.ingestion_runs.run_ingestion's dict, plus
    `tree`). Time per entity is the whole ingestion's (walk, parse, write, resolution, derived
    relations), as a user waits for it; the two phases are given apart too.
    """
    factors = sorted(runs)
    base_factor = factors[0]
    base = runs[base_factor]
    base_per_entity = _per_thousand(base.get("elapsed_seconds"), base.get("entities"))
    points = []
    for factor in factors:
        run = runs[factor]
        size = factor / base_factor
        per_entity = _per_thousand(run.get("elapsed_seconds"), run.get("entities"))
        time_ratio = _ratio(per_entity, base_per_entity)
        memory_ratio = _ratio(run.get("peak_memory_mb"), base.get("peak_memory_mb"))
        points.append({
            "factor": factor,
            "files": run.get("files"),
            "source_mb": run.get("source_mb"),
            "entities": run.get("entities"),
            "edges": run.get("edges"),
            # 1.0 when every copy yields the same entities and resolves as the first one did.
            "entities_over_linear": _ratio(run.get("entities"), base.get("entities", 0) * size),
            "edges_over_linear": _ratio(run.get("edges"), base.get("edges", 0) * size),
            "elapsed_seconds": run.get("elapsed_seconds"),
            "parse_seconds": run.get("parse_seconds"),
            "resolve_seconds": run.get("resolve_seconds"),
            "seconds_per_1k_entities": per_entity,
            "parse_seconds_per_1k_entities": _per_thousand(run.get("parse_seconds"),
                                                           run.get("entities")),
            "resolve_seconds_per_1k_entities": _per_thousand(run.get("resolve_seconds"),
                                                             run.get("entities")),
            "time_per_entity_vs_base": time_ratio,
            "time_per_entity_flat": None if time_ratio is None else
            abs(time_ratio - 1) <= TIME_PER_ENTITY_TOLERANCE,
            "peak_memory_mb": run.get("peak_memory_mb"),
            "peak_memory_vs_base": memory_ratio,
            "peak_memory_at_most_linear": None if memory_ratio is None else memory_ratio <= size,
            "database_mb": run.get("database_mb"),
            "load_before": (run.get("load_before") or [None])[0],
            "round_seconds": run.get("round_seconds"),
            "round_loads": run.get("round_loads"),
            "tree": run.get("tree"),
        })
    larger = points[1:]
    time_ratios = [p["time_per_entity_vs_base"] for p in larger]
    memory_slopes = [_ratio(p["peak_memory_vs_base"], p["factor"] / base_factor) for p in larger]
    flat = None if not larger or None in time_ratios else all(
        p["time_per_entity_flat"] for p in larger)
    linear = None if not larger or None in memory_slopes else all(
        p["peak_memory_at_most_linear"] for p in larger)
    targets = {
        "time_per_entity_flat": {
            # The farthest any size strays from the smallest one's time per entity.
            "value": max((round(abs(r - 1), 3) for r in time_ratios if r is not None),
                         default=None),
            "target": f"every size within ±{TIME_PER_ENTITY_TOLERANCE:.0%} of {base_factor}x",
            "met": flat,
        },
        "peak_memory_at_most_linear": {
            # Peak growth over size growth, the largest: at most 1 when growth is linear or less.
            "value": max((s for s in memory_slopes if s is not None), default=None),
            "target": "peak at Nx <= N x the 1x peak" if base_factor == 1 else
            f"peak at Nx <= N/{base_factor} x the {base_factor}x peak",
            "met": linear,
        },
    }
    return {"base_factor": base_factor, "points": points, "targets": targets}


def scale_markdown(document: dict[str, Any], plot_note: str) -> str:
    """The scale document as Markdown: a header, one row per size, the targets, the plot."""
    machine = document.get("machine", {})
    base = document.get("base_factor", 1)
    lines = [
        f"Scale curve, corpus `{document.get('corpus')}` at "
        f"{', '.join(str(p['factor']) + 'x' for p in document['points'])} "
        f"(copies under `copy-1/` ... `copy-N/`, {document['points'][0].get('tree')}); "
        f"T3 rocksdb, parallel, jobs {document.get('jobs')}; fastest of "
        f"{document.get('rounds')} round(s) per size, each a fresh process.",
        f"{machine.get('cpu_model', '?')}, nproc {machine.get('nproc')}, "
        f"{machine.get('memory_mb')} MB RAM; load at the end "
        f"{[round(load, 2) for load in machine.get('load_average', [])]}; "
        f"{machine.get('date')}",
        "",
        "| size | files | MB | entities | edges | edges / linear | wall s | parse+write s | "
        f"resolve+derived s | s / 1k entities | vs {base}x | parse · resolve s / 1k | "
        f"peak MB | peak vs {base}x | DB MB | load 1-min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in document["points"]:
        lines.append("| " + " | ".join([
            f"{p['factor']}x", _cell(p["files"]), _cell(p["source_mb"], 1),
            _cell(p["entities"]), _cell(p["edges"]), _cell(p["edges_over_linear"], 3),
            _cell(p["elapsed_seconds"], 2), _cell(p["parse_seconds"], 2),
            _cell(p["resolve_seconds"], 2), _cell(p["seconds_per_1k_entities"], 3),
            _cell(p["time_per_entity_vs_base"], 2),
            f"{_cell(p['parse_seconds_per_1k_entities'], 3)} · "
            f"{_cell(p['resolve_seconds_per_1k_entities'], 3)}",
            _cell(p["peak_memory_mb"], 0), _cell(p["peak_memory_vs_base"], 2),
            _cell(p["database_mb"], 1), _cell(p["load_before"], 2),
        ]) + " |")
    lines += ["", "| target | figure | wanted | met |", "|---|---|---|---|"]
    for name, target in document["targets"].items():
        lines.append(f"| {name} | {_cell(target['value'], 3)} | {target['target']} | "
                     f"{_cell(target['met'])} |")
    lines += ["", plot_note, ""]
    return "\n".join(lines)


def _verdict(document: dict[str, Any], target: str) -> str:
    met = document["targets"][target]["met"]
    return "target met" if met else "target not met" if met is False else "no target"


def draw_scale_plot(document: dict[str, Any], path: Path) -> bool:
    """Two panels, seconds per 1,000 entities and peak MB against the size, with the targets'
    bounds drawn; False (and nothing written) when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")  # no display: a file is all that is wanted
    import matplotlib.pyplot as plt

    points = document["points"]
    base = points[0]
    factors = [p["factor"] for p in points]
    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")

    reference = base["seconds_per_1k_entities"] or 0.0
    time_axis.axhspan(reference * (1 - TIME_PER_ENTITY_TOLERANCE),
                      reference * (1 + TIME_PER_ENTITY_TOLERANCE), color="tab:green", alpha=0.15,
                      label=f"target: {base['factor']}x value ±{TIME_PER_ENTITY_TOLERANCE:.0%}")
    time_axis.axhline(reference, color="tab:green", linewidth=0.8, linestyle=":")
    time_axis.plot(factors, [p["seconds_per_1k_entities"] for p in points], "o-",
                   color="tab:blue", linewidth=2, label="whole ingestion")
    time_axis.plot(factors, [p["parse_seconds_per_1k_entities"] for p in points], "s--",
                   color="tab:orange", label="parse + write")
    time_axis.plot(factors, [p["resolve_seconds_per_1k_entities"] for p in points], "^--",
                   color="tab:purple", label="resolve + derived")
    for p in points:
        # The ratio to the smallest size, which the target is about.
        time_axis.annotate(f"{_cell(p['time_per_entity_vs_base'], 2)}x",
                           (p["factor"], p["seconds_per_1k_entities"]),
                           textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    time_axis.set_title(f"Time per entity ({_verdict(document, 'time_per_entity_flat')})")
    time_axis.set_ylabel("seconds per 1,000 entities")
    time_axis.set_ylim(bottom=0)

    peak = base["peak_memory_mb"] or 0.0
    memory_axis.plot(factors, [peak * f / base["factor"] for f in factors], "--", color="tab:red",
                     label=f"linear bound ({base['factor']}x peak × size)")
    memory_axis.plot(factors, [p["peak_memory_mb"] for p in points], "o-", color="tab:blue",
                     linewidth=2, label="peak memory (process tree)")
    for p in points:
        memory_axis.annotate(f"{p['peak_memory_mb']:,.0f}", (p["factor"], p["peak_memory_mb"]),
                             textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    memory_axis.set_title(f"Peak memory ({_verdict(document, 'peak_memory_at_most_linear')})")
    memory_axis.set_ylabel("peak resident memory, MB")
    memory_axis.set_ylim(bottom=0)

    for axis in (time_axis, memory_axis):
        axis.set_xlabel("corpus size (copies of the corpus, log scale)")
        # Sizes double: on a log axis they are evenly spaced and their labels do not collide.
        axis.set_xscale("log", base=2)
        axis.minorticks_off()
        axis.set_xticks(factors, [f"{f}x\n{p['entities'] / 1000:,.0f}k entities" for f, p in zip(
            factors, points, strict=True)])
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8, loc="best")
    machine = document.get("machine", {})
    figure.suptitle(
        f"Parseltongue scale curve — corpus {document.get('corpus_name')} "
        f"({base['files']:,} files, {base['source_mb']:,.1f} MB at {base['factor']}x); "
        f"T3 rocksdb, {document.get('jobs')} jobs; "
        f"{str(machine.get('date', '')).replace('T', ' ').replace('+00:00', ' UTC')}",
        fontsize=11,
    )
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def write_scale_results(folder: Path, name: str, document: dict[str, Any]) -> str:
    """`<name>-scale.json`, `.png` (when matplotlib is there) and `.md` in `folder`; returns the
    Markdown, whose last line says where the plot is or how to get one."""
    folder.mkdir(parents=True, exist_ok=True)
    plot = folder / f"{name}-scale.png"
    document = {**document, "corpus_name": name}
    if draw_scale_plot(document, plot):
        note = f"Plot: `{plot.name}`."
    else:
        # A plot left from an earlier session would not show these figures.
        plot.unlink(missing_ok=True)
        note = PLOT_HINT
    (folder / f"{name}-scale.json").write_text(json.dumps(document, indent=1) + "\n")
    markdown = scale_markdown(document, note)
    (folder / f"{name}-scale.md").write_text(markdown)
    return markdown
