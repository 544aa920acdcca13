"""The resolution rules: the evidence tiers that pin a reference to exactly one target,
strongest first, and the edge and unresolved rows they make (the package docstring
gives the order).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from parseltongue.resolve.mro import MethodOrder
from parseltongue.resolve.receivers import TypedReceivers
from parseltongue.resolve.rows import (
    CLASS_TYPES,
    EDGE_TYPE_OF_KIND,
    LOCALS_SHADOW_LANGUAGES,
    MEMBERS_IN_SCOPE_LANGUAGES,
    ORDERED_BASE_LANGUAGES,
    RESOLUTION_NAMES,
    SELF_WORDS,
    SUPER_WORDS,
    EdgeRow,
    RawReference,
    UnresolvedRow,
    head_and_rest,
)


class Resolver(TypedReceivers, MethodOrder):
    """The index, with the rules that resolve references over it."""

    def candidates(
        self, from_key: str, kind: str, name: str, qualifier: str, file_path: str,
        receiver_type: str, language: str, scope: str = "",
    ) -> tuple[int, set[str]]:
        """The strongest evidence tier that names targets for a (non-import) reference, and
        those targets; (0, empty) when no evidence names any. `scope` is the reference's own
        (the class of a Python `super(Cls, self)`). Of a callable's overload signatures and
        its implementation, the implementation is the target."""
        tier, found = self._evidence(
            from_key, kind, name, qualifier, file_path, receiver_type, language, scope
        )
        found = self._implementations(found)
        if kind == "call" and self.properties and not found.isdisjoint(self.properties):
            found = found - self.properties  # `x.p()` calls what the property gives
        return tier, found

    def _implementations(self, found: set[str]) -> set[str]:
        """Targets without the overload signatures of an implementation among them."""
        if len(found) > 1 and self.overload_signatures:
            implementations = found - self.overload_signatures
            if implementations:
                return implementations
        return found

    def _evidence(
        self, from_key: str, kind: str, name: str, qualifier: str, file_path: str,
        receiver_type: str, language: str, scope: str,
    ) -> tuple[int, set[str]]:
        exported = self.exported.get(file_path, {})
        if qualifier == "":
            found = self.nested(from_key, name)
            if found:
                return 1, found
            if language in MEMBERS_IN_SCOPE_LANGUAGES:
                found = self.members_in_scope(from_key, name)
                if found:
                    return 2, found
        if qualifier in SELF_WORDS or qualifier in SUPER_WORDS:
            enclosing = self.enclosing_class(from_key)
            if enclosing is not None:
                if qualifier in SELF_WORDS:
                    tier, classes = 2, [enclosing]
                    if self.entity[enclosing].entity_type == "impl":
                        # Rust: `self.m()` in one `impl T` block reaches every `impl T` block's.
                        classes.extend(self._types_named_by_impl(enclosing))
                    found = self._members_named(classes, name)
                elif language in ORDERED_BASE_LANGUAGES:
                    tier, found = 3, self.super_members(enclosing, name, scope)
                else:
                    tier, found = 3, self._members_named(self.base.get(enclosing, ()), name)
                if found:
                    return tier, found
        if receiver_type != "":
            # The type as the file names it (in Go, also a type of its package; through a
            # module alias, `g = nx.Graph()`), or a typed chain followed step by step.
            found = self._members_named(
                self.receiver_classes(receiver_type, file_path, language, from_key), name
            )
            if found:
                return 4, found
        if qualifier != "":
            found = self._through_module_alias(name, qualifier, file_path)
            if found:
                return 5, found
            if qualifier not in SELF_WORDS:
                classes = [key for key in exported.get(qualifier, ()) if self._is_class(key)]
                found = self._members_named(classes, name)
                if found:
                    return 6, found
        elif self.shadowed(from_key, name):
            pass  # a name its function binds: no module-level or imported definition
        else:
            targets = exported.get(name, ())
            same_file = {key for key in targets if self.entity[key].file_path == file_path}
            if same_file:
                return 7, same_file
            if language in self.package_scoped:
                # Go: a top-level name of another file of the package.
                same_package = self.package_top_level(file_path, language, name)
                if same_package:
                    return 8, same_package
            if targets:
                return 9, set(targets)
            if (language, name) not in self.provided and not (
                language in LOCALS_SHADOW_LANGUAGES and self._file_imports(file_path, name)
            ):
                unique = self.unique_top_level(language, name)
                if unique is not None and unique != from_key and (
                    kind != "type" or self._is_class(unique)
                ):
                    return 10, {unique}
        return 0, set()

    def _file_imports(self, file_path: str, name: str) -> bool:
        """Whether a file imports a name (`from typing import cast`), found or not."""
        return any(
            reference.kind == "import" and reference.module_path != ""
            and (reference.alias or reference.name) == name
            for reference in self.binding_references.get(file_path, ())
        )

    def members_in_scope(self, key: str, name: str) -> set[str]:
        """The members named `name` a bare name in this entity reaches where members are in
        scope: those of its enclosing class, and of the classes its own extends references
        name (a gtest fixture), each through its hierarchy."""
        classes = list(self.base.get(key, ()))
        enclosing = self.enclosing_class(key)
        if enclosing is not None:
            classes.append(enclosing)
        return self._members_named(classes, name)

    def constructor_run(self, kind: str, target: str) -> str | None:
        """The one constructor (`__init__`) a call of a class runs, its own or inherited;
        None for another target, or when the class has none or several."""
        if kind != "call":
            return None
        entity = self.entity.get(target)
        if entity is None or entity.entity_type not in CLASS_TYPES:
            return None
        names = self.constructor_names.get(entity.language)
        if not names:
            return None
        members = self.member_of(target)
        found = {key for name in names for key in members.get(name, ())}
        return next(iter(found)) if len(found) == 1 else None

    def _through_module_alias(self, name: str, qualifier: str, file_path: str) -> set[str]:
        aliases = self.module_alias.get(file_path, {})
        found: set[str] = set()
        for aliased in aliases.get(qualifier, ()):
            found.update(self.exported.get(aliased, {}).get(name, ()))
        if "." not in qualifier:
            return found
        # `nx.utils.f()`: a module alias, then a module (or a name) inside it.
        if "\n" in qualifier:
            head, rest = head_and_rest(qualifier)
            heads = [(head, rest)] if head in aliases else []
        else:
            head, _, rest = qualifier.partition(".")
            heads = [(head, rest)] if head in aliases else []
        for head, rest in heads:
            for aliased in aliases[head]:
                unit = self.unit.get(aliased)
                if unit is not None:
                    submodule = f"{unit}/{rest.replace('.', '/')}"
                    for module_file in self.module_files.get(submodule, ()):
                        found.update(self.exported.get(module_file, {}).get(name, ()))
                for module in self.exported.get(aliased, {}).get(rest, ()):
                    owner_file = self.module_of.get(module)
                    if owner_file is not None:
                        found.update(self.exported.get(owner_file, {}).get(name, ()))
                    elif self._is_class(module):
                        # `sqltypes.MatchType.__init__(self)`: a class of the module.
                        found.update(self.member_of(module).get(name, ()))
        return found

    def _import_candidates(self, reference: RawReference) -> set[str]:
        """What an import pins: the definition it takes from the module, or the module."""
        found: set[str] = set()
        module_path, name = reference.module_path, reference.name
        if module_path == "" or name == "*":
            return found
        if name != "":
            for module_file in self.module_files.get(module_path, ()):
                if module_file != reference.file_path:
                    found.update(self.exported.get(module_file, {}).get(name, ()))
        if name != "" and not self._named_import_binds_modules(reference.file_path):
            return found
        module_name = module_path if name == "" else f"{module_path}/{name}"
        for module_file in self.module_files.get(module_name, ()):
            module = self.file_module.get(module_file)
            if module_file != reference.file_path and module is not None:
                found.add(module)
        return found

    def resolve_from(self, from_keys: Iterable[str]) -> tuple[list[EdgeRow], list[UnresolvedRow]]:
        """The resolved edges and unresolved references of every reference made by these
        entities (rows aggregate per entity, so an entity is always resolved whole)."""
        edges: list[EdgeRow] = []
        unresolved: list[UnresolvedRow] = []
        for from_key in from_keys:
            references = self.references.get(from_key)
            if references:
                self._resolve_entity(from_key, references, edges, unresolved)
        return edges, unresolved

    def resolve_all(self) -> tuple[list[EdgeRow], list[UnresolvedRow]]:
        return self.resolve_from(list(self.references))

    def _resolve_entity(
        self,
        from_key: str,
        references: list[RawReference],
        edges: list[EdgeRow],
        unresolved: list[UnresolvedRow],
    ) -> None:
        entity = self.entity.get(from_key)
        # One reference per (kind, name, line, qualifier); a duplicate written with another
        # receiver type counts once, with the greatest (as the Datalog's keyed relation keeps).
        plain: dict[tuple[str, str, int, str], RawReference] = {}
        imports: dict[tuple[str, int, str], set[str]] = defaultdict(set)
        for reference in references:
            if reference.kind == "import":
                imports[(reference.name, reference.line, reference.scope)].update(
                    self._import_candidates(reference)
                )
            elif entity is not None:
                qualifier = reference.receiver or reference.scope
                identity = (reference.kind, reference.name, reference.line, qualifier)
                kept = plain.get(identity)
                if kept is None or reference.receiver_type > kept.receiver_type:
                    plain[identity] = reference
        if entity is None:
            return  # an edge needs its source entity; imports of no entity pin nothing
        # Per edge: every line a reference pins it from (its sites), and the strongest tier.
        lines_of: dict[tuple[str, str], set[int]] = {}
        tier_of: dict[tuple[str, str], int] = {}
        open_references: dict[tuple[str, str, int], int] = {}

        def pin(to_key: str, edge_type: str, line: int, tier: int) -> None:
            edge = (to_key, edge_type)
            lines = lines_of.get(edge)
            if lines is None:
                lines_of[edge] = {line}
                tier_of[edge] = tier
            else:
                lines.add(line)
                if tier < tier_of[edge]:
                    tier_of[edge] = tier

        for (_name, line, _scope), import_targets in imports.items():
            targets = self._implementations(import_targets)
            if len(targets) == 1:
                pin(next(iter(targets)), "imports", line, 5)
        for (kind, name, line, qualifier), reference in plain.items():
            edge_type = EDGE_TYPE_OF_KIND.get(kind)
            if edge_type is None:
                continue
            tier, targets = self.candidates(
                from_key, kind, name, qualifier, reference.file_path,
                reference.receiver_type, entity.language, reference.scope,
            )
            if len(targets) == 1:
                target = next(iter(targets))
                pin(target, edge_type, line, tier)
                constructor = self.constructor_run(kind, target)
                if constructor is not None:
                    pin(constructor, edge_type, line, tier)
                continue
            count = len(targets) or self._top_level_count(
                entity.language, name, qualifier, from_key
            )
            shown = name if qualifier == "" else f"{qualifier}.{name}"
            shown_at = (shown, edge_type, line)
            open_references[shown_at] = max(open_references.get(shown_at, 0), count)
        for edge, lines in lines_of.items():
            sites = tuple(sorted(lines))
            edges.append((
                from_key, edge[0], edge[1], entity.file_path, sites[0],
                RESOLUTION_NAMES[tier_of[edge]], sites,
            ))
        for (shown, edge_type, line), count in open_references.items():
            unresolved.append((from_key, shown, edge_type, line, count))
