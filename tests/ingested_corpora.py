"""Real corpora ingested once and shared: the database is a closed RocksDB folder."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from parseltongue.ingest import CodebaseStreamer, StreamerConfig

REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class IngestedCorpus:
    """A real corpus ingested once per session, sequentially, into a closed RocksDB folder.

    Ingesting `multi` takes ~20 s on 2 cores and several tests need it: they read `database`
    (one at a time: one process owns a RocksDB folder, so each opens and closes it) or, to
    write, take a `copy` of it.
    """

    root: Path
    folder: Path

    @property
    def database(self) -> str:
        return f"rocksdb:{self.folder}"

    def copy(self, destination: Path) -> str:
        """The spec of a private copy of the database, for a test that writes to it."""
        shutil.copytree(self.folder, destination)
        return f"rocksdb:{destination}"


def ingest_corpus_once(name: str, folder: Path) -> IngestedCorpus:
    """Build bench/corpora.py's corpus `name` (or take it from the cache) and ingest it
    sequentially into a new RocksDB folder, closed when this returns."""
    if str(REPOSITORY) not in sys.path:  # bench/ lives beside tests/, not in the package
        sys.path.insert(0, str(REPOSITORY))
    from bench.corpora import build_corpus

    corpus = IngestedCorpus(build_corpus(name), folder)
    config = StreamerConfig(database=corpus.database, parallel=False)
    with CodebaseStreamer(config) as streamer:
        streamer.stream_directory(corpus.root)
    return corpus
