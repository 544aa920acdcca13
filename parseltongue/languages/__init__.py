"""The language registry: which grammar, query file and rules serve each language.

Languages are data: a language is a `NAME.toml` (this file's fields: `LanguageSpec`) and a
tree-sitter query file (`NAME.scm`) in this folder, or in a folder named by the environment
variable PARSELTONGUE_LANGUAGES_PATH (folders separated by the path separator), whose files
add to or replace these. `parseltongue.extract` is the single extractor that runs every
query; `modules.py` here applies each language's module-path rules. The capture names a query
file may use, and the fields of a language file, are documented in `README.md` beside this
file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from parseltongue.languages.shapes import QueryShapeError, expand_shapes

LANGUAGES_PATH_VARIABLE = "PARSELTONGUE_LANGUAGES_PATH"
_PACKAGE_FOLDER = Path(__file__).resolve().parent

# Folders and file names that hold tests whatever the language (`tests/`, `__tests__/`, `spec/`).
COMMON_TEST_PATHS = (
    r"(^|/)tests?/",
    r"(^|/)__tests__/",
    r"(^|/)spec/",
    r"(^|/)testing/",
)
IMPORT_STYLES = ("path", "python", "rust")
MODULE_UNITS = ("file", "folder")


class LanguageFileError(ValueError):
    """A language file that cannot be read: the file and what is wrong with it."""


@dataclass(frozen=True)
class RootManifest:
    """A file that makes its folder the root of a module it names (`go.mod`, `package.json`):
    the name is the `field` of a JSON or TOML file (dotted for nested tables), or the first
    group of `pattern` searched in its text."""

    file: str
    field: str = ""
    pattern: str = ""
    source: str = ""
    """A folder beside the manifest that holds the module's own files (Cargo's `src`): the
    files under it answer to the name and their path under it (`src/de.rs` is `serde/de`),
    and the name is the module a path from the module's root starts at (Rust's `crate::`;
    not for the files beside it: a crate's `tests/` are crates of their own)."""
    replace: tuple[tuple[str, str], ...] = ()
    """Characters of the name written otherwise in code (Cargo's `-` is `_` in a path)."""


@dataclass(frozen=True)
class LanguageSpec:
    """One registry row: how to recognise, parse and query one language (one grammar)."""

    name: str
    """The language as written into entity keys (`rust`, `python`, ...)."""
    grammar: str
    """The grammar name `tree_sitter_language_pack.get_language` knows."""
    extensions: tuple[str, ...]
    query_file: str
    """The `.scm` file, beside the language file, that extracts entities and references."""
    scope_separator: str = "."
    """Joins enclosing names into qualified names (`Type::method`, `Class.method`)."""
    test_path_patterns: tuple[str, ...] = COMMON_TEST_PATHS
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
    provided_modules: frozenset[str] = frozenset()
    """First segments of the module paths the language itself provides (Go's standard
    library: `errors`, `net`): a folder answers to a path starting with one only at its whole
    path, so `import "errors"` is not the codebase's `github.com/pkg/errors`."""
    package_scoped: bool = False
    """Whether a file sees the types the other files of its module unit define (a Go
    package): a receiver's type is looked up there too, besides the file's own names."""
    constructor_names: tuple[str, ...] = ()
    """Methods a construction runs (Python `__init__`, JavaScript `constructor`): a call that
    reaches a class also reaches the one such method the class has or inherits."""
    receiver_chains: bool = False
    """Whether a receiver written as a chain (`c.parent.Flags()`, `c.Flags().Set()`,
    `NewX().M()`, a name bound to `NewX()` or `y.M()`) gets a typed chain as its receiver
    type: its head's type, then each field's declared type and each call's result type, which
    resolution follows (`@reference.member_type`, `@reference.returns`)."""
    self_types: tuple[str, ...] = ()
    """Type names a method's result is declared with to say it returns the object it was
    called on (Python's `-> Self`): a chain through such a method keeps its receiver's type."""
    ordered_bases: bool = False
    """Whether the order a class's bases are written in is its method resolution order
    (Python): the extractor records each base's position, and a `super` call reaches the
    member of the first class in that order (C3's precedence: a class before its bases, each
    class's bases as written; where that leaves a tie, depth first, left to right)."""
    members_in_scope: bool = False
    """Whether a bare name in a method reaches the members of its class (and of the class's
    bases), as `this->name` would, before the names of its file (C++); likewise for a
    definition whose own extends references name classes (a gtest `TEST_F` body runs in a
    subclass of its fixture)."""
    locals_shadow: bool = False
    """Whether a name a function binds (its `@binding` captures: assignments, parameters,
    loop targets ...) hides every definition of that name outside the function from the bare
    references of the function and of the functions nested in it. False where functions and
    variables have separate namespaces (Java's `render()` is always a method)."""
    methods_need_receiver: bool = False
    """Whether a method is reached only through a receiver (`this.m()`, `obj.m()`), never by
    a bare name: JavaScript and TypeScript, where a bare `pipe(x)` in an object literal's or
    a prototype's method names the module's `pipe`, not the object's. A method outside any
    class (an object literal's, `X.prototype.m = ...`) is then no name of its file. False
    where a bare name in a method may name a member (C++'s implicit `this`)."""
    named_imports_bind_modules: bool = True
    """Whether an import of a name from a module may name the module's submodule of that
    name (Python's `from pkg import mod`, PHP's `use A\\B\\C` naming `A/B/C.php`). False where
    a named import takes only what the module exports (JavaScript, TypeScript: `import { f }
    from './dir'` is `dir/index`'s `f`, never the file `dir/f.ts`)."""
    position_lists: tuple[str, ...] = ()
    """Node types of argument and parameter lists (TypeScript's `arguments`,
    `formal_parameters`): a callback's parameter is typed by its position, from what the
    callee declares there (`extract/callbacks.py`)."""
    transparent_types: frozenset[str] = frozenset()
    """Generic types that have the members of their first type argument (TypeScript's
    `Partial<T>`, `Readonly<T>`): a binding or declared type written so is that type."""
    extra_query_files: tuple[str, ...] = ()
    """Query files appended after `query_file`: patterns that several grammars share (JSX in
    JavaScript and TSX, what JavaScript and TypeScript spell alike). For one node, patterns of
    `query_file` come first and so win."""
    package_files: tuple[str, ...] = ()
    """Files that make their folder a package named after the folder (Python's
    `__init__.py`): the packages the ingested folder sits in begin the module paths of its
    files, so `django/` ingested alone still answers to `django/db/models` (`roots.py`)."""
    root_manifests: tuple[RootManifest, ...] = ()
    """Files that make their folder the root of a module they name (Go's `go.mod`): the
    files below the folder answer to that name and their path under it (`roots.py`)."""
    module_unit: str = "file"
    """What a module is: each `file`, or each `folder` (a Go, Java or C# package)."""
    import_style: str = "path"
    """How an import names a module: `path` (relative `./x` joined to the file's folder,
    else split at `import_separators`), `python` (leading dots climb packages) or `rust`
    (`crate::`, `self::`, `super::`)."""
    import_separators: tuple[str, ...] = (".",)
    """For `path` imports: the first of these the import contains splits it (else the last)."""
    self_words: tuple[str, ...] = ()
    """Receivers naming the object a method runs on (`self`, `this`)."""
    super_words: tuple[str, ...] = ()
    """Receivers naming its base class (`super`, `base`, `parent`)."""
    leading_annotation_types: tuple[str, ...] = ()
    """Node types of annotations a grammar puts inside a definition's own node (Java's
    `@Test`, C#'s `[Fact]`): the entity starts after them, at its keyword's line."""
    leading_modifier_lists: tuple[str, ...] = ()
    """Node types of modifier lists that may hold such annotations (Java's `modifiers`)."""
    folder: Path = _PACKAGE_FOLDER
    """The folder of the language file, where its query files are."""

    @property
    def test_path_regex(self) -> re.Pattern[str]:
        """The test-path rules compiled into one regex."""
        return _compiled_alternation(self.test_path_patterns)

    def query_text(self) -> str | None:
        """The language's query source, or None while its `.scm` file is not written yet."""
        main = _query_text(self.folder / self.query_file)
        if main is None or not self.extra_query_files:
            return main
        extras = [_query_text(self.folder / name) for name in self.extra_query_files]
        return "\n".join([main, *(text for text in extras if text is not None)])


@cache
def _compiled_alternation(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


@cache
def _query_text(path: Path) -> str | None:
    """A query file's text with its shapes written out (`shapes.py`), or None when absent."""
    if not path.is_file():
        return None
    try:
        return expand_shapes(path.read_text(encoding="utf-8"))
    except QueryShapeError as error:
        raise LanguageFileError(f"{path}: {error}") from None


# Fields a language file writes differently from LanguageSpec's.
_FILE_ONLY_KEYS = {"common_test_paths", "test_paths", "variant"}
_SPEC_FIELDS = {spec_field.name for spec_field in fields(LanguageSpec)} - {"folder"}


def _spec_from_table(table: dict[str, Any], folder: Path, source: Path) -> LanguageSpec:
    unknown = set(table) - _SPEC_FIELDS - _FILE_ONLY_KEYS - {"test_path_patterns"}
    if unknown:
        raise LanguageFileError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in table.items()
        if key in _SPEC_FIELDS
    }
    for key in ("provided_names", "provided_modules", "transparent_types"):
        if isinstance(values.get(key), str):
            values[key] = frozenset(values[key].split())
    common = COMMON_TEST_PATHS if table.get("common_test_paths", True) else ()
    values["test_path_patterns"] = (*common, *table.get("test_paths", ()))
    values.setdefault("query_file", f"{source.stem}.scm")
    if "root_manifests" in values:
        values["root_manifests"] = _root_manifests(values["root_manifests"], source)
    for key, allowed in (("import_style", IMPORT_STYLES), ("module_unit", MODULE_UNITS)):
        if values.get(key, allowed[0]) not in allowed:
            raise LanguageFileError(
                f"{source}: {key} {values[key]!r} is not one of {', '.join(allowed)}"
            )
    try:
        return LanguageSpec(folder=folder, **values)
    except TypeError as error:
        raise LanguageFileError(f"{source}: {error}") from None


def _root_manifests(entries: Any, source: Path) -> tuple[RootManifest, ...]:
    manifests = []
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or set(entry) - {"file", "field", "pattern", "source", "replace"}
            or not isinstance(entry.get("file"), str)
            or bool(entry.get("field")) == bool(entry.get("pattern"))
            or not isinstance(entry.get("source", ""), str)
            or not isinstance(entry.get("replace", {}), dict)
            or not all(isinstance(value, str) for value in entry.get("replace", {}).values())
        ):
            raise LanguageFileError(
                f"{source}: each of root_manifests is {{file, and field or pattern, "
                f"optionally source and replace}}, not {entry!r}"
            )
        try:
            re.compile(entry.get("pattern", ""))
        except re.error as error:
            raise LanguageFileError(f"{source}: root_manifests pattern: {error}") from None
        manifests.append(RootManifest(**{
            **entry, "replace": tuple(sorted(entry.get("replace", {}).items()))
        }))
    return tuple(manifests)


def read_language_file(path: Path) -> list[LanguageSpec]:
    """The registry rows of one language file: the language, then each `[[variant]]` (another
    grammar of it, e.g. TSX: its own fields over the language's)."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LanguageFileError(f"{path}: {error}") from None
    for required in ("name", "grammar", "extensions"):
        if required not in table:
            raise LanguageFileError(f"{path}: the field {required!r} is missing")
    variants = table.pop("variant", [])
    rows = [_spec_from_table(table, path.parent, path)]
    base = {key: value for key, value in table.items() if key not in _FILE_ONLY_KEYS}
    for variant in variants:
        merged = {**base, "common_test_paths": table.get("common_test_paths", True), **variant}
        rows.append(_spec_from_table(merged, path.parent, path))
    return rows


def language_folders() -> list[Path]:
    """The folders language files are read from: this package's, then those the environment
    variable names (a file there replaces the package's file of the same name)."""
    extra = os.environ.get(LANGUAGES_PATH_VARIABLE, "")
    return [_PACKAGE_FOLDER, *(Path(part) for part in extra.split(os.pathsep) if part)]


def load_registry(folders: Iterable[Path]) -> tuple[LanguageSpec, ...]:
    """Every language of these folders' `*.toml` files, by file name (a later folder's file
    replaces an earlier one's of the same name)."""
    files: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(Path(folder).glob("*.toml")):
            files[path.name] = path
    return tuple(spec for name in sorted(files) for spec in read_language_file(files[name]))


LANGUAGES: tuple[LanguageSpec, ...] = load_registry(language_folders())


def receiver_words() -> tuple[frozenset[str], frozenset[str]]:
    """The self words and super words of every language. Resolution reads them in any
    language, as it always has: per language they would be more exact (a Python `base.f()`
    is no super call), which is an accuracy change of its own."""
    return (
        frozenset(word for spec in LANGUAGES for word in spec.self_words),
        frozenset(word for spec in LANGUAGES for word in spec.super_words),
    )


def provided_name_rows() -> list[list[str]]:
    """[language, name] for every name a language provides itself (resolve.cozo's
    `$provided_names`)."""
    rows = {(spec.name, name) for spec in LANGUAGES for name in spec.provided_names}
    return [list(row) for row in sorted(rows)]


def constructor_name_rows() -> list[list[str]]:
    """[language, name] for every method a construction runs (resolve.cozo's
    `$constructor_names`)."""
    rows = {(spec.name, name) for spec in LANGUAGES for name in spec.constructor_names}
    return [list(row) for row in sorted(rows)]


def methods_need_receiver_languages() -> frozenset[str]:
    """The languages whose methods only a receiver reaches (resolve.cozo's
    `$methods_need_receiver`, as rows of [language])."""
    return frozenset(spec.name for spec in LANGUAGES if spec.methods_need_receiver)


def named_imports_take_names_only_languages() -> frozenset[str]:
    """The languages whose named imports never name a submodule (resolve.cozo's
    `$names_only_imports`, as rows of [language])."""
    return frozenset(spec.name for spec in LANGUAGES if not spec.named_imports_bind_modules)


def members_in_scope_language_rows() -> list[list[str]]:
    """[language] for every language whose methods see their class's members by bare name
    (resolve.cozo's `$members_in_scope_languages`)."""
    return [
        [name] for name in sorted({spec.name for spec in LANGUAGES if spec.members_in_scope})
    ]


def locals_shadow_language_rows() -> list[list[str]]:
    """[language] for every language whose bound names hide outer definitions (resolve.cozo's
    `$locals_shadow_languages`): there, a name a file imports is never pinned by the
    codebase-wide unique-name fallback (`from typing import cast` is not the codebase's
    `cast`)."""
    return [[name] for name in sorted({spec.name for spec in LANGUAGES if spec.locals_shadow})]


def ordered_base_language_rows() -> list[list[str]]:
    """[language] for every language whose bases are ordered (resolve.cozo's
    `$ordered_base_languages`)."""
    return [[name] for name in sorted({spec.name for spec in LANGUAGES if spec.ordered_bases})]


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
