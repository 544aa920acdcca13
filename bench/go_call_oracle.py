"""Go call edges judged by go/types on the pinned Go corpus (`oracle-go`: cobra, pflag,
logrus, testify ...): every call site, per site and at entity level, by the form of the call,
and for the projects the accuracy issue names (cobra, logrus).

Run: `python -m bench.go_call_oracle [CORPUS_OR_FOLDER] [--json PATH]` (default corpus
`oracle-go`). Needs a Go toolchain (`go` on PATH; only the standard library is used). The
oracle's answers are cached beside the corpora (tests/go_types_oracle.py), so a second run
costs the ingestion only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.call_oracle import report
from bench.corpora import build_corpus
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from tests.go_types_oracle import go_types_calls, score_against_go_types

# The projects the figures are split by: (label, path prefix under the corpus root).
PROJECTS = (
    ("all", ""),
    ("cobra", "github.com/spf13/cobra/"),
    ("logrus", "github.com/sirupsen/logrus/"),
)
FLAGS_CALLERS = (
    "?[count(a), sum(n)] := *code_entities{key: b, name, file_path, entity_type},"
    " name == 'Flags', entity_type == 'method', file_path == 'github.com/spf13/cobra/command.go',"
    " *dependency_edges{from_key: a, to_key: b, edge_type, source_lines},"
    " edge_type == 'calls', n = length(source_lines)"
)


def measure(root: Path, jobs: int) -> dict:
    """Ingest `root`, ask go/types about every call, and compare."""
    calls = go_types_calls(root)
    results: dict = {"root": str(root), "oracle_calls": len(calls)}
    with CodebaseStreamer(StreamerConfig(database="mem", jobs=jobs)) as streamer:
        summary = streamer.stream_directory(root)
        storage = streamer.storage()
        results["files"] = summary.files_ingested
        for label, prefix in PROJECTS:
            results[label] = score_against_go_types(storage, calls, (prefix,)).as_dict()
        rows = storage.query_table(FLAGS_CALLERS).rows
        results["cobra_flags_callers"] = {"entities": rows[0][0], "sites": rows[0][1] or 0}
    return results


def render(result: dict) -> str:
    lines = [
        f"{result['files']} files, {result['oracle_calls']} calls and literals typed by go/types",
        "",
        "| project | method sites | resolved (per site) | entity recall / precision |"
        " per-site recall / precision |",
        "|---|---|---|---|---|",
    ]
    for label, _ in PROJECTS:
        score = result[label]
        lines.append(
            f"| {label} | {score['method_sites']} | {score['method_site_recall']:.3f} "
            f"({score['method_sites_resolved']}) | {score['entity_recall']:.3f} / "
            f"{score['entity_precision']:.3f} ({score['edges_agreeing']}/{score['edges_judged']})"
            f" | {score['site_recall']:.3f} / {score['site_precision']:.3f} "
            f"({score['references_agreeing']}/{score['references_judged']}) |"
        )
    lines += ["", "| form (all sites) | sites | per site | entity level |", "|---|---|---|---|"]
    for form, counts in result["all"]["by_form"].items():
        sites = max(1, counts.get("sites", 0))
        lines.append(
            f"| `{form}` | {counts.get('sites', 0)} | {counts.get('resolved', 0) / sites:.2f} | "
            f"{counts.get('entity level', 0) / sites:.2f} |"
        )
    lines += ["", "| resolution (all) | judged | precision |", "|---|---|---|"]
    for name, counts in result["all"]["by_resolution"].items():
        lines.append(
            f"| {name} | {counts.get('judged', 0)} | "
            f"{counts.get('agreeing', 0) / max(1, counts.get('judged', 0)):.3f} |"
        )
    flags = result["cobra_flags_callers"]
    lines += ["", f"cobra (*Command).Flags: {flags['entities']} calling entities, "
              f"{flags['sites']} sites on their edges"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="oracle-go")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every figure")
    arguments = parser.parse_args(argv)
    folder = Path(arguments.corpus)
    root = folder if folder.is_dir() else build_corpus(arguments.corpus)
    return report(measure(root, arguments.jobs), arguments.json, render)


if __name__ == "__main__":
    sys.exit(main())
