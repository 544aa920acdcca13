"""The same answers whichever folder of a project is ingested: a package's edges when its
parent is ingested and when it is ingested alone, compared.

Run: `python -m bench.package_roots [CORPUS_OR_FOLDER] [PACKAGE]` (default: the `multi`
corpus's `python` folder and its `django` package). Prints the calls by resolution of each
ingestion and whether the package's edges (each end named by its path under the package, type
and qualified name) are the same.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from bench.corpora import build_corpus
from parseltongue.ingest import CodebaseStreamer, StreamerConfig

Edge = tuple[tuple[str, str, str], tuple[str, str, str], str, str, tuple[int, ...]]


def package_edges(root: Path, package: str, jobs: int) -> tuple[Counter[str], set[Edge]]:
    """Calls by resolution of the whole ingestion, and the edges among `package`'s files."""
    prefix = f"{package}/" if package else ""
    with CodebaseStreamer(StreamerConfig(database="mem", jobs=jobs)) as streamer:
        streamer.stream_directory(root)
        storage = streamer.storage()
        entities = {row["key"]: row for row in storage.run_named("rows_code_entities")}
        rows = storage.run_named("rows_dependency_edges")
    calls = Counter(row["resolution"] for row in rows if row["edge_type"] == "calls")

    def end(key: str) -> tuple[str, str, str] | None:
        entity = entities[key]
        if not entity["file_path"].startswith(prefix):
            return None
        return entity["file_path"][len(prefix):], entity["entity_type"], entity["qualified_name"]

    edges: set[Edge] = set()
    for row in rows:
        source, target = end(row["from_key"]), end(row["to_key"])
        if source and target:
            edges.add((source, target, row["edge_type"], row["resolution"],
                       tuple(row["source_lines"])))
    return calls, edges


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="multi")
    parser.add_argument("package", nargs="?", default="django")
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args(argv)
    folder = Path(arguments.corpus)
    parent = folder if folder.is_dir() else build_corpus(arguments.corpus) / "python"
    from_parent = package_edges(parent, arguments.package, arguments.jobs)
    alone = package_edges(parent / arguments.package, "", arguments.jobs)
    for label, (calls, edges) in (("parent", from_parent), ("package alone", alone)):
        print(f"{label}: {calls.get('import', 0)} import-resolved calls of "
              f"{sum(calls.values())}; {len(edges)} edges among the package's files")
    same = from_parent[1] == alone[1]
    print(f"the package's edges are {'the same' if same else 'different'}"
          f" ({len(from_parent[1] - alone[1])} only from the parent, "
          f"{len(alone[1] - from_parent[1])} only alone)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
