"""The language registry: which grammar, query file and test-path rules serve each language.

Languages are data. A row here plus one tree-sitter query file (`<name>.scm` in this folder)
is all a language needs; `parseltongue.extract` is the single extractor that runs every query.
The capture names a query file may use are documented in `README.md` beside this file.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import PurePosixPath


def _names(text: str) -> frozenset[str]:
    """A set of names written as one whitespace-separated string (easier to read and edit)."""
    return frozenset(text.split())


# Globals every JavaScript/TypeScript runtime provides (see LanguageSpec.provided_names).
_ECMASCRIPT_GLOBALS = _names(
    "console JSON Object Array Promise Error TypeError RangeError Map Set WeakMap WeakSet Math "
    "Date String Number Boolean Symbol BigInt RegExp Reflect Proxy parseInt parseFloat isNaN "
    "setTimeout clearTimeout setInterval clearInterval queueMicrotask require module exports "
    "process Buffer fetch document window globalThis structuredClone"
)

# Folders and file names that hold tests whatever the language (`tests/`, `__tests__/`, `spec/`).
_COMMON_TEST_PATHS = (
    r"(^|/)tests?/",
    r"(^|/)__tests__/",
    r"(^|/)spec/",
    r"(^|/)testing/",
)


@dataclass(frozen=True)
class LanguageSpec:
    """One registry row: how to recognise, parse and query one language."""

    name: str
    """The language as written into entity keys (`rust`, `python`, ...)."""
    grammar: str
    """The grammar name `tree_sitter_language_pack.get_language` knows."""
    extensions: tuple[str, ...]
    query_file: str
    """The `.scm` file in this package that extracts entities and references."""
    scope_separator: str = "."
    """Joins enclosing names into qualified names (`Type::method`, `Class.method`)."""
    test_path_patterns: tuple[str, ...] = _COMMON_TEST_PATHS
    """Regexes searched in the relative posix path; a hit makes the file's entities tests."""
    module_index_stems: tuple[str, ...] = ()
    """File stems that stand for their folder's module (`__init__`, `mod`, `index`)."""
    import_nesting_types: tuple[str, ...] = ()
    """Node types an import may nest in; those with a `path` field prefix the imported module
    (Rust `use a::{b::{c}}` gives `c` the module `a::b`)."""
    extra_names: tuple[str, ...] = field(default=())
    """Whole file names (no extension match needed) that belong to this language."""
    provided_names: frozenset[str] = frozenset()
    """Names the language itself provides everywhere (builtins, the prelude, globals): a
    reference to one is pinned only to a definition its own file or imports make visible,
    never by the codebase-wide unique-name fallback (`Ok(x)` is not some crate's `fn Ok`)."""
    package_scoped: bool = False
    """Whether a file sees the types the other files of its module unit define (a Go
    package): a receiver's type is looked up there too, besides the file's own names."""
    extra_query_files: tuple[str, ...] = ()
    """Query files appended after `query_file`: patterns that several grammars share (JSX in
    JavaScript and TSX, what JavaScript and TypeScript spell alike). For one node, patterns of
    `query_file` come first and so win."""

    @property
    def test_path_regex(self) -> re.Pattern[str]:
        """The test-path rules compiled into one regex."""
        return _compiled_alternation(self.test_path_patterns)

    def query_text(self) -> str | None:
        """The language's query source, or None while its `.scm` file is not written yet."""
        main = _query_text(self.query_file)
        if main is None or not self.extra_query_files:
            return main
        extras = [_query_text(name) for name in self.extra_query_files]
        return "\n".join([main, *(text for text in extras if text is not None)])


@cache
def _compiled_alternation(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


@cache
def _query_text(query_file: str) -> str | None:
    resource = resources.files(__name__).joinpath(query_file)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec(
        name="rust",
        grammar="rust",
        extensions=(".rs",),
        query_file="rust.scm",
        scope_separator="::",
        test_path_patterns=(
            *_COMMON_TEST_PATHS,
            r"(^|/)benches/",
            r"_test\.rs$",
            r"(^|/)tests\.rs$",
        ),
        module_index_stems=("mod", "lib", "main"),
        import_nesting_types=("use_list", "scoped_use_list"),
        provided_names=_names(
            "Ok Err Some None Box Vec String Option Result Default Clone Copy Send Sync Sized "
            "Drop Fn FnMut FnOnce Iterator IntoIterator Extend ToString ToOwned From Into "
            "TryFrom TryInto AsRef AsMut PartialEq Eq PartialOrd Ord Debug Display Hash "
            "drop panic assert assert_eq assert_ne debug_assert format println print eprintln "
            "eprint write writeln vec todo unimplemented unreachable matches include_str env "
            "concat stringify cfg line file column module_path T U E K V"
        ),
    ),
    LanguageSpec(
        name="python",
        grammar="python",
        extensions=(".py", ".pyi", ".pyw"),
        query_file="python.scm",
        test_path_patterns=(
            *_COMMON_TEST_PATHS,
            r"(^|/)test_[^/]*\.pyi?$",
            r"(^|/)[^/]*_test\.pyi?$",
            r"(^|/)conftest\.py$",
        ),
        module_index_stems=("__init__",),
        provided_names=frozenset(dir(builtins)),
    ),
    LanguageSpec(
        name="javascript",
        provided_names=_ECMASCRIPT_GLOBALS,
        grammar="javascript",
        extensions=(".js", ".jsx", ".mjs", ".cjs"),
        query_file="javascript.scm",
        extra_query_files=("ecmascript.scm", "jsx.scm"),
        test_path_patterns=(*_COMMON_TEST_PATHS, r"\.(test|spec)\.[cm]?jsx?$"),
        module_index_stems=("index",),
    ),
    LanguageSpec(
        name="typescript",
        provided_names=_ECMASCRIPT_GLOBALS,
        grammar="typescript",
        extensions=(".ts", ".mts", ".cts"),
        query_file="typescript.scm",
        extra_query_files=("ecmascript.scm",),
        test_path_patterns=(*_COMMON_TEST_PATHS, r"\.(test|spec)\.[cm]?ts$"),
        module_index_stems=("index",),
    ),
    # TSX is TypeScript with JSX: the same language and query files, a superset grammar, plus
    # jsx.scm (the `typescript` grammar has no JSX nodes, so a JSX pattern would not compile).
    LanguageSpec(
        name="typescript",
        provided_names=_ECMASCRIPT_GLOBALS,
        grammar="tsx",
        extensions=(".tsx",),
        query_file="typescript.scm",
        extra_query_files=("ecmascript.scm", "jsx.scm"),
        test_path_patterns=(*_COMMON_TEST_PATHS, r"\.(test|spec)\.tsx$"),
        module_index_stems=("index",),
    ),
    LanguageSpec(
        name="go",
        provided_names=_names(
            "append cap clear close complex copy delete imag len make max min new panic print "
            "println real recover error string int bool byte rune"
        ),
        grammar="go",
        extensions=(".go",),
        query_file="go.scm",
        package_scoped=True,
        test_path_patterns=(r"_test\.go$", r"(^|/)testdata/"),
    ),
    LanguageSpec(
        name="java",
        provided_names=_names(
            "String Object System Integer Long Double Boolean Math Thread Exception "
            "RuntimeException IllegalArgumentException IllegalStateException"
        ),
        grammar="java",
        extensions=(".java",),
        query_file="java.scm",
        test_path_patterns=(
            *_COMMON_TEST_PATHS,
            r"(^|/)src/(test|androidTest)/",
            r"(^|/)[^/]*Tests?\.java$",
        ),
    ),
    LanguageSpec(
        name="c",
        grammar="c",
        extensions=(".c", ".h"),
        query_file="c.scm",
        test_path_patterns=(*_COMMON_TEST_PATHS, r"(^|/)test_[^/]*\.c$", r"_test\.c$"),
    ),
    LanguageSpec(
        name="cpp",
        grammar="cpp",
        extensions=(".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp"),
        query_file="cpp.scm",
        scope_separator="::",
        test_path_patterns=(*_COMMON_TEST_PATHS, r"_test\.(cc|cpp|cxx)$", r"_unittest\.(cc|cpp)$"),
    ),
    LanguageSpec(
        name="csharp",
        grammar="csharp",
        extensions=(".cs",),
        query_file="csharp.scm",
        test_path_patterns=(*_COMMON_TEST_PATHS, r"(^|/)[^/]*\.Tests?/", r"Tests?\.cs$"),
    ),
    LanguageSpec(
        name="ruby",
        grammar="ruby",
        extensions=(".rb", ".rake", ".gemspec"),
        query_file="ruby.scm",
        scope_separator="::",
        test_path_patterns=(
            *_COMMON_TEST_PATHS,
            r"_spec\.rb$",
            r"_test\.rb$",
            r"(^|/)test_[^/]*\.rb$",
        ),
        extra_names=("Rakefile", "Gemfile"),
    ),
    LanguageSpec(
        name="php",
        grammar="php",
        extensions=(".php", ".phtml"),
        query_file="php.scm",
        scope_separator="\\",
        test_path_patterns=(*_COMMON_TEST_PATHS, r"Test\.php$"),
    ),
    LanguageSpec(
        name="swift",
        grammar="swift",
        extensions=(".swift",),
        query_file="swift.scm",
        test_path_patterns=(*_COMMON_TEST_PATHS, r"(^|/)Tests/", r"Tests?\.swift$"),
    ),
    LanguageSpec(
        name="kotlin",
        provided_names=_names(
            "println print listOf mapOf setOf mutableListOf mutableMapOf mutableSetOf arrayOf "
            "require check error TODO lazy run let apply also with repeat"
        ),
        grammar="kotlin",
        extensions=(".kt", ".kts"),
        query_file="kotlin.scm",
        test_path_patterns=(
            *_COMMON_TEST_PATHS, r"(^|/)src/(test|androidTest)/", r"Tests?\.kts?$",
        ),
    ),
    LanguageSpec(
        name="sql",
        grammar="sql",
        extensions=(".sql",),
        query_file="sql.scm",
        test_path_patterns=_COMMON_TEST_PATHS,
    ),
)


def provided_name_rows() -> list[list[str]]:
    """[language, name] for every name a language provides itself (resolve.cozo's
    `$provided_names`)."""
    rows = {(spec.name, name) for spec in LANGUAGES for name in spec.provided_names}
    return [list(row) for row in sorted(rows)]


def package_scoped_language_rows() -> list[list[str]]:
    """[language] for every language whose files see their module unit's types (resolve.cozo's
    `$package_scoped_languages`)."""
    return [[name] for name in sorted({spec.name for spec in LANGUAGES if spec.package_scoped})]


@cache
def _spec_by_extension() -> dict[str, LanguageSpec]:
    table: dict[str, LanguageSpec] = {}
    for spec in LANGUAGES:
        for extension in spec.extensions:
            table.setdefault(extension, spec)
        for extra_name in spec.extra_names:
            table.setdefault(extra_name, spec)
    return table


def language_for_path(path: str) -> LanguageSpec | None:
    """The registry row for a file path (by extension, case-insensitive), or None if unknown."""
    pure = PurePosixPath(path.replace("\\", "/"))
    table = _spec_by_extension()
    return table.get(pure.suffix.lower()) or table.get(pure.name)


def language_named(name: str) -> LanguageSpec | None:
    """The first registry row whose language name is `name` (`typescript` gives the .ts row)."""
    return next((spec for spec in LANGUAGES if spec.name == name), None)


def supported_extensions() -> frozenset[str]:
    """Every file extension some registry row claims."""
    return frozenset(_spec_by_extension())


def path_test_reason(spec: LanguageSpec, relative_path: str) -> str | None:
    """Why a path is test code (`path matches tests/`), or None when it is not."""
    posix_path = relative_path.replace("\\", "/")
    match = spec.test_path_regex.search(posix_path)
    return f"path matches {match.group(0).lstrip('/')!r}" if match else None
