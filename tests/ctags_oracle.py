"""Universal Ctags as an independent oracle for the definitions we extract.

For each language, ctags lists the definitions of the kinds below in a corpus of real code;
a ctags tag counts as found when our extraction of the same file holds an entity of the same
name whose start line is within the declaration's annotations/decorators of the tag's line
(`ANNOTATION_WINDOW` lines either side, and not past our entity's end).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from parseltongue.extract import STATUS_INGESTED, extract_file
from parseltongue.languages import LANGUAGES, LanguageSpec

ANNOTATION_WINDOW = 8

# Our language -> (ctags language name, the ctags kinds that are functions, methods,
# classes, structs, interfaces, enums, traits or modules in that language).
CTAGS_KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "rust": ("Rust", frozenset({"function", "method", "struct", "enum", "trait", "module",
                                "implementation"})),
    "python": ("Python", frozenset({"function", "class", "member"})),
    "go": ("Go", frozenset({"func", "struct", "interface"})),
    "java": ("Java", frozenset({"class", "interface", "enum", "method"})),
    "kotlin": ("Kotlin", frozenset({"class", "interface", "object", "method"})),
    "c": ("C", frozenset({"function", "struct", "enum"})),
    "cpp": ("C++", frozenset({"function", "class", "struct", "enum", "namespace"})),
    "csharp": ("C#", frozenset({"class", "interface", "struct", "enum", "method", "namespace"})),
    "ruby": ("Ruby", frozenset({"class", "module", "method", "singletonMethod"})),
    "php": ("PHP", frozenset({"class", "interface", "trait", "function", "namespace"})),
    # Unused while ctags 5.9 has no Swift parser: tests/swift_oracle.py (Pygments) stands in.
    "swift": ("Swift", frozenset({"class", "struct", "enum", "protocol", "function", "method"})),
    # ctags 5.9 names generators, getters and setters apart from functions and methods.
    "javascript": ("JavaScript", frozenset({"function", "class", "method", "generator",
                                            "getter", "setter"})),
    "typescript": ("TypeScript", frozenset({"function", "class", "interface", "enum", "method",
                                            "namespace", "generator"})),
    "sql": ("SQL", frozenset({"table", "view", "function", "procedure"})),
}


# Tags of a counted kind that are still not definitions of that kind, per language.
# ctags 5.9's JavaScript parser gives kind `class` to object literals (`const desc = {...}`,
# `'assignAll': { 'start': 0 }`) and to a constructor function at the line of its first
# `Hash.prototype.clear = hashClear;`: a JavaScript `class` tag counts when its line declares
# a class.
CTAGS_NOT_DEFINITIONS: dict[str, tuple[str, re.Pattern[str]]] = {
    "javascript": ("class", re.compile(r"\bclass\b")),
    # ctags 5.9's Kotlin parser tags every lambda as a method `<lambda>` (often at line 2, the
    # licence comment) and each lambda parameter (`{ acc, id ->`) as a method scoped in it:
    # a Kotlin `method` tag counts when its line declares a function.
    "kotlin": ("method", re.compile(r"\bfun\b")),
}


@dataclass(frozen=True)
class Tag:
    """One ctags definition."""

    file_path: str
    name: str
    line: int
    kind: str


@dataclass
class CtagsComparison:
    """How many ctags definitions our extraction found, and which it missed."""

    language: str
    tags: int = 0
    found: int = 0
    missed: list[Tag] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.tags if self.tags else 0.0

    def missed_by_kind(self) -> Counter[str]:
        return Counter(tag.kind for tag in self.missed)


# Options ctags needs to name things as the language's own tools do. gtest's TEST(Suite, Name)
# defines a test function `Name`; told the macro, ctags names it so too (instead of `TEST`).
CTAGS_EXTRA_OPTIONS: dict[str, tuple[str, ...]] = {
    "cpp": tuple(
        f"-D{macro}(suite,name)=void name()"
        for macro in ("TEST", "TEST_F", "TEST_P", "TYPED_TEST", "TYPED_TEST_P")
    ),
}

# SQL dialects the tree-sitter SQL grammar does not parse (T-SQL's `[dbo].[x]` and `GO`,
# Oracle's PL/SQL bodies): the oracle judges the dialects we claim, PostgreSQL/MySQL/SQLite.
EXCLUDED_FROM_ORACLE: dict[str, tuple[str, ...]] = {
    "sql": ("/mssql", "/oracle"),
}


def ctags_available() -> bool:
    """Whether Universal Ctags is on the PATH."""
    executable = shutil.which("ctags")
    if executable is None:
        return False
    version = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
    return "Universal Ctags" in version


def _specs_for(language: str) -> list[LanguageSpec]:
    return [spec for spec in LANGUAGES if spec.name == language]


def source_files(root: Path, language: str) -> list[str]:
    """The corpus files of a language, relative to the root, by our registry's extensions."""
    extensions = {ext for spec in _specs_for(language) for ext in spec.extensions}
    excluded = EXCLUDED_FROM_ORACLE.get(language, ())
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and path.suffix in extensions and not any(
            part in "/" + relative for part in excluded
        ):
            files.append(relative)
    return sorted(files)


def ctags_tags(root: Path, language: str, files: list[str]) -> list[Tag]:
    """The definitions ctags finds in `files`, of the kinds that count for the language."""
    ctags_language, kinds = CTAGS_KINDS[language]
    not_definition = CTAGS_NOT_DEFINITIONS.get(language)
    result = subprocess.run(
        # `--extras=-{anonymous}`: no tags for lambdas ctags names `AnonymousFunction0f6f7d5a0100`.
        ["ctags", "--output-format=json", "--fields=+nKSe", "--extras=-{anonymous}",
         *CTAGS_EXTRA_OPTIONS.get(language, ()), f"--languages={ctags_language}",
         f"--language-force={ctags_language}", "-f", "-", *files],
        cwd=root, capture_output=True, text=True, check=True,
    )
    tags = []
    # Split on newlines only: str.splitlines() also splits inside a name holding U+2028 (lodash).
    for line in result.stdout.split("\n"):
        if not line:
            continue
        tag = json.loads(line)
        if tag.get("_type") != "tag" or tag.get("kind") not in kinds:
            continue
        if not_definition and tag["kind"] == not_definition[0] and (
            not not_definition[1].search(tag.get("pattern", ""))
        ):
            continue
        tags.append(Tag(tag["path"], tag["name"], int(tag["line"]), tag["kind"]))
    return tags


def compare_with_ctags(root: Path, language: str) -> CtagsComparison:
    """Extract every file of the language under `root` and look up each ctags tag in it."""
    files = source_files(root, language)
    specs = {ext: spec for spec in _specs_for(language) for ext in spec.extensions}
    ours: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for relative_path in files:
        spec = specs[Path(relative_path).suffix]
        extraction = extract_file(relative_path, str(root / relative_path), spec)
        if extraction.status != STATUS_INGESTED:
            continue
        for entity in extraction.entities:
            spans = ours.setdefault((relative_path, entity.name), [])
            spans.append((entity.start_line, entity.end_line))
    comparison = CtagsComparison(language)
    for tag in ctags_tags(root, language, files):
        comparison.tags += 1
        spans = ours.get((tag.file_path, tag.name), [])
        if any(abs(start - tag.line) <= ANNOTATION_WINDOW and tag.line <= end
               for start, end in spans):
            comparison.found += 1
        else:
            comparison.missed.append(tag)
    return comparison
