"""An independent oracle for Swift definitions, since Debian's Universal Ctags 5.9 has no Swift
parser: Pygments' `SwiftLexer`, a hand-written regex lexer (no tree-sitter), names the type
after `class`/`struct`/`enum`/`protocol`/`extension` (`Name.Class`) and the function after
`func` (`Name.Function`). Each such name, at its line, must be an entity of ours in the same
file, by the same rule as the ctags oracle (start within `ANNOTATION_WINDOW` lines).
"""

from __future__ import annotations

from pathlib import Path

from pygments.lexers import SwiftLexer
from pygments.token import Keyword, Name, Whitespace

from parseltongue.extract import STATUS_INGESTED, extract_file
from parseltongue.languages import language_for_path
from tests.ctags_oracle import ANNOTATION_WINDOW, CtagsComparison, Tag

_KINDS = {Name.Class: "type", Name.Function: "function"}


def pygments_swift_tags(source: str, file_path: str) -> list[Tag]:
    """The type and function names the Swift lexer marks as declared, with their lines."""
    tags: list[Tag] = []
    line = 1
    previous_keyword = ""
    for token, value in SwiftLexer().get_tokens(source):
        kind = _KINDS.get(token)
        # `import Foundation` lexes the module as a class name: an import is no definition.
        if kind is not None and previous_keyword != "import":
            tags.append(Tag(file_path, value, line, kind))
        if token in Keyword:
            previous_keyword = value
        elif token not in Whitespace and value.strip():
            previous_keyword = ""
        line += value.count("\n")
    return tags


def compare_with_pygments(root: Path) -> CtagsComparison:
    """Extract every `.swift` file under `root` and look up each Pygments declaration in it."""
    comparison = CtagsComparison("swift")
    for path in sorted(root.rglob("*.swift")):
        relative_path = path.relative_to(root).as_posix()
        spec = language_for_path(relative_path)
        extraction = extract_file(relative_path, str(path), spec)
        if extraction.status != STATUS_INGESTED:
            continue
        ours: dict[str, list[tuple[int, int]]] = {}
        for entity in extraction.entities:
            ours.setdefault(entity.name, []).append((entity.start_line, entity.end_line))
        text = path.read_bytes().decode("utf-8", "replace")
        for tag in pygments_swift_tags(text, relative_path):
            comparison.tags += 1
            if any(abs(start - tag.line) <= ANNOTATION_WINDOW and tag.line <= end
                   for start, end in ours.get(tag.name, [])):
                comparison.found += 1
            else:
                comparison.missed.append(tag)
    return comparison

