"""Languages are data: a language file and a query file, no Python.

Lua ships that way (parseltongue/languages/lua.toml and lua.scm, and no Python file of the
package names it); Scala is added here from a folder of the test's own, through
PARSELTONGUE_LANGUAGES_PATH, and ingested by the real command with parallel workers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.languages import (
    LANGUAGES,
    LANGUAGES_PATH_VARIABLE,
    LanguageFileError,
    language_for_path,
    load_registry,
)
from parseltongue.storage import CozoDbStorage

PACKAGE = Path(__file__).resolve().parents[1] / "parseltongue"


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def entities_and_calls(storage: CozoDbStorage) -> tuple[set[tuple[str, str, str]], set[tuple]]:
    entities = {
        (row[0], row[1], row[2])
        for row in storage.query_table(
            "?[language, entity_type, qualified_name] := "
            "*code_entities{language, entity_type, qualified_name}"
        ).rows
    }
    calls = {
        tuple(row)
        for row in storage.query_table(
            "?[from, to, resolution] := *dependency_edges{from_key, to_key, edge_type: 'calls',"
            " resolution}, *code_entities{key: from_key, qualified_name: from},"
            " *code_entities{key: to_key, qualified_name: to}"
        ).rows
    }
    return entities, calls


def test_lua_comes_from_its_language_file_alone() -> None:
    spec = language_for_path("app/init.lua")
    assert spec is not None
    assert (spec.name, spec.grammar, spec.query_file) == ("lua", "lua", "lua.scm")
    assert spec.module_index_stems == ("init",) and "require" in spec.provided_names
    # No Python of the package knows Lua: the two data files are all there is.
    mentions = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\blua\b", path.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert mentions == []


def test_a_lua_project_gets_entities_and_resolved_calls(tmp_path: Path) -> None:
    write(tmp_path / "tree", {
        "app/init.lua": """\
            local M = {}
            local util = require("app.util")
            local function helper(x) return x + 1 end
            function M.add(a, b) return helper(a) + b end
            function start() return util.twice(M.add(1, 2)) end
            return M
            """,
        "app/util.lua": """\
            local M = {}
            function M.twice(x) return x * 2 end
            return M
            """,
        "spec/util_spec.lua": "function test_twice() return start() end\n",
    })
    with CodebaseStreamer(StreamerConfig(database="mem", jobs=1)) as streamer:
        summary = streamer.stream_directory(tmp_path / "tree")
        entities, calls = entities_and_calls(streamer.storage())
        tests = {
            row[0]
            for row in streamer.storage().query_table(
                "?[name] := *code_entities{name, entity_class: 'TEST'}"
            ).rows
        }
    assert (summary.files_ingested, summary.files_failed) == (3, 0)
    assert {
        ("lua", "fn", "helper"), ("lua", "method", "M.add"), ("lua", "fn", "start"),
        ("lua", "method", "M.twice"), ("lua", "module", "app"),
    } <= entities
    assert {
        ("M.add", "helper", "same_file"),
        ("start", "M.twice", "import"),
        ("test_twice", "start", "unique_name"),
    } <= calls
    assert "test_twice" in tests and "start" not in tests


SCALA_LANGUAGE = """\
    name = "scala"
    grammar = "scala"
    extensions = [".scala", ".sc"]
    test_paths = ["Spec\\\\.scala$"]
    self_words = ["this"]
    super_words = ["super"]
    provided_names = "println require assert"
    """

SCALA_QUERY = """\
    (class_definition name: (identifier) @name body: (template_body)? @body) @definition.class
    (object_definition name: (identifier) @name body: (template_body)? @body) @definition.class
    (trait_definition name: (identifier) @name body: (template_body)? @body) @definition.trait
    (function_definition name: (identifier) @name) @definition.function
    (function_declaration name: (identifier) @name) @definition.function
    (extends_clause type: (type_identifier) @name) @reference.extends
    (call_expression function: (identifier) @name) @reference.call
    (call_expression
      function: (field_expression value: (_) @receiver field: (identifier) @name)) @reference.call
    (instance_expression (type_identifier) @name) @reference.call
    """

SCALA_SOURCE = {
    "src/shapes/Circle.scala": """\
        package shapes

        trait Shape { def area(): Double }

        class Circle(r: Double) extends Shape {
          def area(): Double = Circle.scale(r * r)
        }

        object Circle {
          def scale(x: Double): Double = x * 3.14
          def unit(): Circle = new Circle(1.0)
        }
        """,
    "src/app/Main.scala": """\
        object Main {
          def run(): Unit = {
            this.helper()
            println(this.shapesReady())
          }
          def helper(): Unit = ()
          def shapesReady(): Boolean = true
        }
        """,
}


def test_a_language_added_from_a_folder_of_its_own_is_ingested_in_parallel(
    tmp_path: Path,
) -> None:
    languages = tmp_path / "languages"
    write(languages, {"scala.toml": SCALA_LANGUAGE, "scala.scm": SCALA_QUERY})
    write(tmp_path / "tree", SCALA_SOURCE)
    database = tmp_path / "scala.db"
    environment = {**os.environ, LANGUAGES_PATH_VARIABLE: str(languages)}
    result = subprocess.run(
        [sys.executable, "-m", "parseltongue.cli", "ingest", str(tmp_path / "tree"),
         "--db", f"rocksdb:{database}", "--jobs", "2", "--json"],
        capture_output=True, text=True, env=environment,
    )
    assert result.returncode == 0, result.stderr
    with CozoDbStorage(f"rocksdb:{database}") as storage:
        entities, calls = entities_and_calls(storage)
        extends = storage.query_table(
            "?[from, to] := *dependency_edges{from_key, to_key, edge_type: 'extends'},"
            " *code_entities{key: from_key, name: from}, *code_entities{key: to_key, name: to}"
        ).rows
    assert {
        ("scala", "trait", "Shape"), ("scala", "class", "Circle"),
        ("scala", "method", "Circle.area"), ("scala", "method", "Circle.scale"),
        ("scala", "method", "Main.run"),
    } <= entities
    assert {
        ("Main.run", "Main.helper", "self"),
        ("Main.run", "Main.shapesReady", "self"),
        ("Circle.area", "Circle.scale", "type_member"),
    } <= calls
    assert extends == [["Circle", "Shape"]]
    # Without the folder, this process's registry has no Scala: it came from data alone.
    assert language_for_path("x.scala") is None


def test_a_file_in_the_folder_replaces_the_packages_file_of_that_name(tmp_path: Path) -> None:
    python = (PACKAGE / "languages" / "python.toml").read_text()
    write(tmp_path, {"python.toml": python.replace('extensions = [".py", ".pyi", ".pyw"]',
                                                   'extensions = [".py", ".py3"]')})
    registry = load_registry([PACKAGE / "languages", tmp_path])
    pythons = [spec for spec in registry if spec.name == "python"]
    assert [spec.extensions for spec in pythons] == [(".py", ".py3")]
    assert pythons[0].folder == tmp_path
    assert len(registry) == len(LANGUAGES)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('name = "x"\ngrammar = "lua"\nextensions = [".x"]\ncolour = "red"\n',
         "unknown field(s) colour"),
        ('name = "x"\ngrammar = "lua"\nextensions = [".x"]\nimport_style = "java"\n',
         "import_style 'java' is not one of path, python, rust"),
        ('name = "x"\nextensions = [".x"]\n', "the field 'grammar' is missing"),
        ('name = "x\n', "Illegal character"),
        ('name = "x"\ngrammar = "lua"\nextensions = [".x"]\nmodule_unit = "crate"\n',
         "module_unit 'crate' is not one of file, folder"),
    ],
)
def test_a_bad_language_file_is_named_with_what_is_wrong(
    tmp_path: Path, text: str, complaint: str
) -> None:
    (tmp_path / "broken.toml").write_text(text)
    with pytest.raises(LanguageFileError) as raised:
        load_registry([tmp_path])
    assert str(raised.value).startswith(str(tmp_path / "broken.toml"))
    assert complaint in str(raised.value)
