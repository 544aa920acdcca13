"""Syntax-error recovery (issue 19, item 8): where the grammar does not know a construct, the
definitions outside the error are kept, none is named after a keyword, and the file's row
says which lines were in error."""

from __future__ import annotations

from pathlib import Path

from extraction_views import entity_rows
from test_resolve import edges, write_tree

from parseltongue.extract import extract_source
from parseltongue.ingest import CodebaseStreamer, StreamerConfig
from parseltongue.languages import language_for_path

TYPESCRIPT = language_for_path("a.ts")

# Generic call signatures without semicolons, one with a comment after its `(`: the grammar
# reads the next `<` as a comparison, and without recovery the class below is lost.
CONVERTERS = b"""import { parse } from "./parse"

export function before(value: string) {
\treturn parse(value)
}

export interface Convert {
\t<Input extends object>(input: Input): Output<Input>
\t<Input, Extra extends unknown[]>(input: Input, ...extra: Extra): Output<Input>
\t<Input, Extra = Defaults<Input>>( // the extras default to the input's
\t\tinput: Input,
\t\t...extra: Extra[],
\t): Output<Input>
}

export class Converter {
\trun(value: string) {
\t\treturn parse(value)
\t}
}

export function after(value: string) {
\treturn parse(value)
}
"""


def test_the_definitions_after_an_unknown_construct_are_recovered() -> None:
    extraction = extract_source("src/convert.ts", CONVERTERS, TYPESCRIPT)
    assert entity_rows(extraction)[1:] == [
        ("fn", "before", "before", 3, 5),
        ("interface", "Convert", "Convert", 7, 14),
        ("class", "Converter", "Converter", 16, 20),
        ("method", "run", "Converter.run", 17, 19),
        ("fn", "after", "after", 22, 24),
    ]
    assert extraction.syntax_error_count == 2
    assert extraction.syntax_error_lines == ((9, 13),)
    # The code is the file's own, and keys are those of a file without the error.
    clean = CONVERTERS.replace(b"// the extras default to the input's", b"").replace(
        b"\t<Input extends object>(input: Input): Output<Input>\n", b""
    )
    [converter] = [e for e in extraction.entities if e.qualified_name == "Converter"]
    assert converter.code.startswith("class Converter {\n\trun(value: string) {")
    clean_keys = {e.qualified_name: e.key for e in extract_source(
        "src/convert.ts", clean, TYPESCRIPT).entities}
    assert {e.qualified_name: e.key for e in extraction.entities}.items() >= {
        "Converter": clean_keys["Converter"], "after": clean_keys["after"]}.items()


def test_no_definition_in_an_error_is_named_after_a_keyword() -> None:
    # A `switch` in parentheses reads as an object literal with a method `switch`.
    source = (
        b"export const pick = (a: number) => ({\n"
        b"  switch (a) {\n"
        b"    case 1: return 1;\n"
        b"  }\n"
        b"});\n"
        b"export class Store {\n"
        b"  delete(key: string) { return key; }\n"
        b"  return() { return 0; }\n"
        b"}\n"
    )
    extraction = extract_source("src/pick.ts", source, TYPESCRIPT)
    assert extraction.syntax_error_count >= 1
    # Outside an error a keyword is a fine method name.
    assert [row[2] for row in entity_rows(extraction)[1:]] == [
        "pick", "Store", "Store.delete", "Store.return",
    ]


def test_a_clean_file_is_left_as_it_parsed() -> None:
    source = b"export function one() { return 1; }\n"
    extraction = extract_source("src/one.ts", source, TYPESCRIPT)
    assert (extraction.syntax_error_count, extraction.syntax_error_lines) == (0, ())


def test_the_file_row_names_the_error_lines_and_calls_from_recovered_code_resolve(
    tmp_path: Path,
) -> None:
    root = write_tree(tmp_path / "project", {
        "src/convert.ts": CONVERTERS.decode(),
        "src/parse.ts": "export function parse(text: string) { return text; }\n",
    })
    with CodebaseStreamer(StreamerConfig(database="mem", parallel=False)) as streamer:
        streamer.stream_directory(root)
        storage = streamer.storage()
        [row] = storage.query_read_only(
            "?[error] := *source_files{file_path: 'src/convert.ts', error}"
        )
        assert row["error"] == "2 syntax error(s) (lines 9-13); recovered what parsed"
        assert {
            ("Converter.run", "src/parse.ts:parse", "import", 18),
            ("after", "src/parse.ts:parse", "import", 23),
        } <= edges(storage, "calls")
