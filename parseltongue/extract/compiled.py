"""A language's grammar and combined query, compiled once per process, and the role of each
query pattern (definition, reference, binding or test marker) learnt from its captures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from tree_sitter import Language, Node, Parser, Query
from tree_sitter_language_pack import get_language

from parseltongue.extract.recovery import keywords_of
from parseltongue.languages import LanguageSpec

ROLE_DEFINITION = 0
ROLE_REFERENCE = 1
ROLE_BINDING = 2
ROLE_MARKER = 3
ROLE_PREFIXES = (
    ("definition.", ROLE_DEFINITION),
    ("reference.", ROLE_REFERENCE),
    ("binding", ROLE_BINDING),
    ("marker.", ROLE_MARKER),
)


@dataclass(frozen=True)
class CompiledLanguage:
    """A language's grammar and compiled query, made once per process."""

    spec: LanguageSpec
    language: Language
    query: Query
    overload_patterns: frozenset[int] = frozenset()
    """Definition patterns set `(#set! overload "signature")`: an overload signature is one
    entity with the same-named definitions right after it in the same scope."""
    set_receivers: dict[int, str] = field(default_factory=dict, compare=False)
    """Reference patterns set `(#set! receiver "super()")`: the receiver they record
    (Python's `super(Cls, self).m()` is a `super()` call, its class the `@scope`)."""
    annotation_types: frozenset[str] = frozenset()
    modifier_lists: frozenset[str] = frozenset()
    """The language file's leading annotation and modifier-list node types, as sets."""
    keywords: frozenset[str] = frozenset()
    """The grammar's keywords: no definition inside a syntax error is named after one."""
    position_lists: frozenset[str] = frozenset()
    """The language file's argument and parameter list node types, as a set."""
    set_names: dict[int, str] = field(default_factory=dict, compare=False)
    """Definition patterns set `(#set! name "Companion")`: the name of what has no name node."""
    following_extents: frozenset[int] = frozenset()
    """Definition patterns set `(#set! extent "following")`: a bodiless definition holds what
    follows it, up to the next of its kind (`namespace A\\B;`)."""
    test_paths: re.Pattern[str] | None = field(default=None, compare=False)
    """The language file's test-path rules as one regex (`LanguageSpec.test_path_regex`)."""
    # pattern index -> (role, main capture name), learnt from the first match of each pattern
    pattern_roles: dict[int, tuple[int, str, str]] = field(default_factory=dict, compare=False)

    def new_parser(self) -> Parser:
        """A parser for this grammar (cannot be pickled: make one per process and reuse it)."""
        return Parser(self.language)


@cache
def compile_language(spec: LanguageSpec) -> CompiledLanguage | None:
    """The compiled grammar and query of a language, or None while it has no query file."""
    query_text = spec.query_text()
    if query_text is None:
        return None
    return compile_query(spec, query_text)


def compiled_for(spec: LanguageSpec) -> CompiledLanguage | None:
    """`compile_language`, found by the spec's identity: hashing a spec (every field of it)
    costs a microsecond, and extraction asks once per file."""
    known = _BY_IDENTITY.get(id(spec))
    if known is None or known[0] is not spec:
        known = _BY_IDENTITY[id(spec)] = (spec, compile_language(spec))
    return known[1]


_BY_IDENTITY: dict[int, tuple[LanguageSpec, CompiledLanguage | None]] = {}


def compile_query(spec: LanguageSpec, query_text: str) -> CompiledLanguage:
    """Compile query text for a language's grammar (to try a query before it has a file)."""
    # The pack types its argument as a literal of its grammar names; ours come from the registry.
    language = get_language(cast(Any, spec.grammar))
    query = Query(language, query_text)
    overload_patterns = frozenset(
        index for index in range(query.pattern_count)
        if query.pattern_settings(index).get("overload") == "signature"
    )
    set_receivers = {
        index: str(query.pattern_settings(index)["receiver"])
        for index in range(query.pattern_count)
        if query.pattern_settings(index).get("receiver")
    }
    # Settings read once here: `pattern_settings` builds a new dict at each call.
    settings = [query.pattern_settings(index) for index in range(query.pattern_count)]
    return CompiledLanguage(
        spec, language, query, overload_patterns, set_receivers,
        frozenset(spec.leading_annotation_types), frozenset(spec.leading_modifier_lists),
        keywords_of(language), frozenset(spec.position_lists),
        set_names={
            index: str(found["name"]) for index, found in enumerate(settings) if found.get("name")
        },
        following_extents=frozenset(
            index for index, found in enumerate(settings) if found.get("extent") == "following"
        ),
        test_paths=spec.test_path_regex,
    )


def main_capture(captures: dict[str, list[Node]]) -> tuple[int, str, str]:
    """(role, main capture name, kind) of a pattern: `reference.call` -> reference, call."""
    for capture_name in captures:
        for prefix, role in ROLE_PREFIXES:
            if capture_name.startswith(prefix):
                return role, capture_name, capture_name[len(prefix):]
    raise ValueError(f"a query pattern has no role capture among {sorted(captures)}")
