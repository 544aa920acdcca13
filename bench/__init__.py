"""Benchmark suites and the builder of the pinned real-code corpora they run on."""
