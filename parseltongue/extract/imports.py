"""An import's values as references keep them: the module path where other references keep
a scope (`raw_import`), prefixed by the paths of the imports it is nested in
(`nested_import_module`, Rust `use a::{b::{c}}`).
"""

from __future__ import annotations

from tree_sitter import Node

from parseltongue.extract.records import short_text
from parseltongue.languages import LanguageSpec


def raw_import(
    source: bytes, main_node: Node, name_nodes: list[Node] | None,
    captures: dict[str, list[Node]], separator: str, kind: str = "import",
) -> tuple[int, str, str, int, str, str, str, Node | None]:
    """An import's (or an export rename's) plain values: the module path goes where other
    references keep a scope."""
    name_node = name_nodes[0] if name_nodes else main_node
    module = captures.get("module")
    scope = captures.get("scope")
    alias = captures.get("alias")
    module_path = ""
    if module:
        module_node = module[0]
        if name_nodes and module_node.start_byte < name_node.start_byte < module_node.end_byte:
            # `@module` spans the whole path and `@name` ends it (Kotlin `a.b.C`, whose grammar
            # has no node for `a.b`): the module is the text before the name.
            head = source[module_node.start_byte:name_node.start_byte]
            module_path = "".join(head.decode("utf-8", "replace").split()).rstrip(".:\\/")
        else:
            module_path = short_text(source, module_node)
    if scope:
        # The module path and the scope, joined when both are there.
        scope_text = short_text(source, scope[0])
        if scope_text:
            module_path = f"{module_path}{separator}{scope_text}" if module_path else scope_text
    return (
        main_node.start_byte, kind,
        source[name_node.start_byte:name_node.end_byte].decode() if name_nodes else "",
        name_node.start_point[0] + 1, "", module_path,
        short_text(source, alias[0]) if alias else "",
        main_node,
    )


def nested_import_module(node: Node, module: str, spec: LanguageSpec, source: bytes) -> str:
    """The full module path of an import, prefixed by enclosing nested-import paths."""
    nesting = spec.import_nesting_types
    if not nesting:
        return module
    parts = [module] if module else []
    ancestor = node.parent
    while ancestor is not None and ancestor.type in nesting:
        prefix = ancestor.child_by_field_name("path")
        if prefix is not None:
            parts.insert(0, short_text(source, prefix))
        ancestor = ancestor.parent
    return spec.scope_separator.join(parts)
