"""What users ask answers exactly as the layout before packing did (tests/answers_oracle.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sled_support import SLED

from tests.answers_oracle import RECORDED, ingest_fixtures, recorded_answers


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(RECORDED.read_text())


def test_the_recorded_answers_cover_every_kind_of_question(recorded: dict) -> None:
    # A guard that recorded empty answers would pass whatever the layout does.
    assert recorded["stats"][0]["total_entities"] > 300
    assert sum(1 for rows in recorded["callers"].values() if rows) > 50
    assert sum(1 for rows in recorded["blast_radius"].values() if len(rows) > 1) > 20
    matches = {row[-2] for rows in recorded["search"].values() for row in rows}
    assert matches == {"exact", "prefix", "word", "typo"}
    # Hotspots past the coupled entities list the uncoupled ones too (total 0).
    totals = [row[3] for row in recorded["hotspots"]["|100000"]]
    assert totals[0] > 5 and 0 in totals
    assert len(recorded["unresolved"]) > 100


@pytest.mark.parametrize("engine", ["rocksdb", "sqlite", SLED])
def test_answers_are_what_they_were(engine: str, tmp_path: Path, recorded: dict) -> None:
    with ingest_fixtures(f"{engine}:{tmp_path / 'answers.db'}") as storage:
        answers = recorded_answers(storage)
    differing = [kind for kind in recorded if answers.get(kind) != recorded[kind]]
    details = {
        kind: sorted(
            key for key in recorded[kind] if answers[kind].get(key) != recorded[kind][key]
        )[:5]
        for kind in differing
        if isinstance(recorded[kind], dict)
    }
    assert not differing, f"answers changed: {differing} {details}"
