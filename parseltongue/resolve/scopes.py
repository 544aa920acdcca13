"""Scopes over the index's rows: the class a definition sits in, the definitions a function
sees nested in it and its enclosing functions, the names it binds itself, and the top-level
definitions of a name in a language."""

from __future__ import annotations

from collections.abc import Iterable

from parseltongue.resolve.file_facts import FileFacts
from parseltongue.resolve.rows import CLASS_TYPES, FUNCTION_TYPES


class LexicalScopes(FileFacts):
    """The index, with lookups through enclosing scopes."""

    def enclosing_class(self, key: str) -> str | None:
        """The class (or impl) a definition sits in, through enclosing functions."""
        parent = self.parent.get(key)
        while parent is not None:
            entity = self.entity.get(parent)
            if entity is None:
                return None
            if entity.entity_type in CLASS_TYPES:
                return parent
            if entity.entity_type not in FUNCTION_TYPES:
                return None
            parent = self.parent.get(parent)
        return None

    def nested(self, key: str, name: str) -> set[str]:
        """Definitions named `name` a function sees: its own nested ones, then those of the
        functions enclosing it (through enclosing classes, whose members it does not see)."""
        found: set[str] = set()
        entity = self.entity.get(key)
        if entity is not None and entity.entity_type in FUNCTION_TYPES:
            found.update(self._children_named(key, name))
        parent = self.parent.get(key)
        while parent is not None:
            parent_entity = self.entity.get(parent)
            if parent_entity is None:
                break
            if parent_entity.entity_type in FUNCTION_TYPES:
                found.update(self._children_named(parent, name))
            elif parent_entity.entity_type not in CLASS_TYPES:
                break
            # A class's members are not in lexical scope: its methods see past it, to the
            # functions enclosing the class, but not its own members.
            parent = self.parent.get(parent)
        return found

    def _children_named(self, key: str, name: str) -> Iterable[str]:
        for child in self.children.get(key, ()):
            entity = self.entity.get(child)
            # A method in a function is an object literal's member: not in lexical scope.
            if entity is not None and entity.name == name and entity.entity_type != "method":
                yield child

    def unique_top_level(self, language: str, name: str) -> str | None:
        """The one top-level definition of `name` in the language, if there is just one.
        (Which ones there are changes only with the entities named so: a change reaches the
        references to that name through their name.)"""
        keys = self._top_level.get((language, name))
        if keys is not None and len(keys) == 1:
            return next(iter(keys))
        return None

    def package_top_level(self, file_path: str, language: str, name: str) -> set[str]:
        """The top-level definitions of `name` in the files of `file_path`'s module unit
        (its package), in that language."""
        package = self.unit.get(file_path, "")
        return {
            key
            for key in self._top_level.get((language, name), ())
            if self.unit.get(self.entity[key].file_path, "") == package
        }

    def _top_level_count(self, language: str, name: str, qualifier: str, key: str) -> int:
        """What an unqualified reference no evidence pins counts: the top-level definitions
        of its name that the last resort looked at (none for a name its function binds)."""
        if qualifier != "" or (language, name) in self.provided or self.shadowed(key, name):
            return 0
        return len(self._top_level.get((language, name), ()))

    def shadowed(self, key: str, name: str) -> bool:
        """Whether a bare `name` in this entity is a name its function, or a function
        enclosing it, binds itself (so it names no definition outside them)."""
        if not self.local_names:
            return False
        scope: str | None = key
        while scope is not None:
            names = self.local_names.get(scope)
            if names is not None and name in names:
                return True
            scope = self.parent.get(scope)
        return False
