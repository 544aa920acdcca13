"""Python extraction checked against Python's own `ast` on a real library (networkx, 500+ files)."""

from __future__ import annotations

import ast
import random
from collections import Counter, defaultdict
from pathlib import Path

import networkx
import pytest
from ast_oracle import ast_calls_by_definition, ast_definitions

from parseltongue.extract import FileExtraction, compile_language, extract_source
from parseltongue.languages import language_named

PYTHON = language_named("python")
LIBRARY_ROOT = Path(networkx.__file__).parent
DEFINITION_TYPES = {"fn", "method", "class"}


def library_files() -> list[tuple[str, bytes]]:
    base = LIBRARY_ROOT.parent
    return [
        (path.relative_to(base).as_posix(), path.read_bytes())
        for path in sorted(LIBRARY_ROOT.rglob("*.py"))
    ]


# Parsing the whole library with both parsers takes seconds on these machines.
# One worker runs them all, so their module fixture (seconds of extraction) is made once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("python-oracle")]


@pytest.fixture(scope="module")
def library() -> list[tuple[str, bytes, FileExtraction]]:
    parser = compile_language(PYTHON).new_parser()
    return [
        (relative_path, source, extract_source(relative_path, source, PYTHON, parser))
        for relative_path, source in library_files()
    ]


@pytest.fixture(scope="module")
def ast_trees(library) -> dict[str, ast.Module]:
    return {relative_path: ast.parse(source) for relative_path, source, _ in library}


def test_the_library_is_big_enough(library) -> None:
    assert len(library) >= 200


def test_definitions_agree_with_ast_on_recall_and_precision(library, ast_trees) -> None:
    ours: set[tuple[str, str, int]] = set()
    theirs: set[tuple[str, str, int]] = set()
    for relative_path, _source, extraction in library:
        ours.update(
            (relative_path, e.qualified_name, e.start_line)
            for e in extraction.entities
            if e.entity_type in DEFINITION_TYPES
        )
        theirs.update(
            (relative_path, qualified, line)
            for qualified, line, _, _ in ast_definitions(ast_trees[relative_path])
        )
    found = ours & theirs
    recall, precision = len(found) / len(theirs), len(found) / len(ours)
    print(f"definitions: ast {len(theirs)}, ours {len(ours)}, recall {recall:.4f}, "
          f"precision {precision:.4f}")
    assert len(theirs) > 5000
    assert recall >= 0.99, sorted(theirs - ours)[:20]
    assert precision >= 0.99, sorted(ours - theirs)[:20]


def our_calls_by_definition(extraction: FileExtraction) -> dict[tuple[str, int], set[str]]:
    owners = {e.key: (e.qualified_name, e.start_line) for e in extraction.entities}
    calls: dict[tuple[str, int], set[str]] = defaultdict(set)
    for reference in extraction.references:
        if reference.kind == "call":
            calls[owners[reference.from_key]].add(reference.name)
    return calls


def test_called_names_per_function_agree_with_ast(library, ast_trees) -> None:
    agreeing = compared = 0
    disagreements = []
    for relative_path, _source, extraction in library:
        theirs = ast_calls_by_definition(ast_trees[relative_path])
        ours = our_calls_by_definition(extraction)
        for entity in extraction.entities:
            function = (entity.qualified_name, entity.start_line)
            if entity.entity_type not in {"fn", "method"} or function not in theirs:
                continue
            compared += 1
            if ours.get(function, set()) == theirs[function]:
                agreeing += 1
            else:
                difference = ours.get(function, set()) ^ theirs[function]
                disagreements.append((relative_path, function, difference))
    agreement = agreeing / compared
    print(f"calls: {compared} functions compared, agreement {agreement:.4f}")
    assert compared > 5000
    assert agreement >= 0.97, disagreements[:10]


def test_keys_are_unique_across_the_library(library) -> None:
    keys = Counter(entity.key for _, _, extraction in library for entity in extraction.entities)
    assert [key for key, count in keys.items() if count > 1] == []


def test_keys_are_stable_when_lines_move(library) -> None:
    sample = random.Random(7).sample(library, 40)
    for relative_path, source, extraction in sample:
        moved = b"\n\n\n" + source.replace(b"\n\n", b"\n\n\n")
        moved_extraction = extract_source(relative_path, moved, PYTHON)
        assert [e.key for e in moved_extraction.entities] == [e.key for e in extraction.entities]


def test_every_file_is_ingested_without_syntax_errors(library) -> None:
    assert [path for path, _, extraction in library if extraction.status != "ingested"] == []
    assert [path for path, _, extraction in library if extraction.syntax_error_count] == []
