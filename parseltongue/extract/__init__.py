"""Parse one source file and turn its query captures into entities and raw references.

One generic extractor serves every language: it runs the language's combined tree-sitter query
(`parseltongue/languages/<name>.scm`) once per file and interprets the capture names documented
in `parseltongue/languages/README.md`. Results are named tuples of plain values, so parse
workers can pickle them cheaply back to the process that writes the database.

Its modules: `files` (one file from bytes to an extraction), `compiled` (grammars and queries),
`extractor` (matches to records), `definitions` (nesting, markers, overloads), `records` (what
comes out).
"""

from parseltongue.extract.compiled import CompiledLanguage, compile_language, compile_query
from parseltongue.extract.extractor import module_qualified_name
from parseltongue.extract.files import extract_compiled, extract_file, extract_source
from parseltongue.extract.records import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_FILE_BYTES,
    STATUS_INGESTED,
    STATUS_SKIPPED,
    EntityRecord,
    ExtractionLimits,
    FileExtraction,
    ReferenceRecord,
    extraction_entities,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_FILE_BYTES",
    "STATUS_INGESTED",
    "STATUS_SKIPPED",
    "CompiledLanguage",
    "EntityRecord",
    "ExtractionLimits",
    "FileExtraction",
    "ReferenceRecord",
    "compile_language",
    "compile_query",
    "extract_compiled",
    "extract_file",
    "extract_source",
    "extraction_entities",
    "module_qualified_name",
]
