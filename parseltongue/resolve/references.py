"""The raw references each entity makes, as the codebase index keeps them: a file read
back from the database stays packed (its `file_references` text) until one of its entities'
references is asked for.

Reading the index back is what the first update in a new process waits for, and making a
RawReference for each of the rust corpus's 237k references was a third of it; an update
reads the references of a few files (the changed ones and those a change reaches). The
counts the index keeps over every reference (who refers to a name, the imports) are taken
when a pack is added, without unpacking it.
"""

from __future__ import annotations

from collections.abc import Iterator
from sys import intern
from typing import TypeVar, overload

from parseltongue.file_references import reference_groups
from parseltongue.resolve.rows import RawReference

_Default = TypeVar("_Default")


class ReferenceLists:
    """from_key -> the references that entity makes (a mapping with `get` and `pop`; a
    packed file is unpacked whole when one of its keys is read)."""

    def __init__(self) -> None:
        self._lists: dict[str, list[RawReference]] = {}
        # file -> its pack not unpacked yet and the pack's keys; key -> its file, for each
        # key of such a pack.
        self._packed: dict[str, tuple[str, list[str]]] = {}
        self._packed_file_of: dict[str, str] = {}

    def append(self, reference: RawReference) -> None:
        references = self._lists.get(reference.from_key)
        if references is None:
            self._lists[reference.from_key] = [reference]
        else:
            references.append(reference)

    def add_packed(self, file_path: str, from_keys: list[str], packed: str) -> None:
        """Keep a file's pack (whose groups are these keys') to unpack when it is read."""
        self._packed[file_path] = (packed, from_keys)
        for from_key in from_keys:
            self._packed_file_of[from_key] = file_path

    @overload
    def get(self, from_key: str) -> list[RawReference] | None: ...

    @overload
    def get(self, from_key: str, default: _Default) -> list[RawReference] | _Default: ...

    def get(self, from_key: str, default: object = None) -> object:
        self._unpack_for(from_key)
        return self._lists.get(from_key, default)

    def pop(self, from_key: str) -> list[RawReference] | tuple[()]:
        """The key's references, taken out (none: an empty tuple)."""
        self._unpack_for(from_key)
        return self._lists.pop(from_key, ())

    def drop_packed(self, file_path: str) -> None:
        """Forget what is left of a file's pack (its rows are going)."""
        _, from_keys = self._packed.pop(file_path, ("", []))
        for from_key in from_keys:
            self._packed_file_of.pop(from_key, None)

    def __contains__(self, from_key: object) -> bool:
        return from_key in self._lists or from_key in self._packed_file_of

    def __iter__(self) -> Iterator[str]:
        # A list first: reading a key while iterating may unpack a file.
        return iter([*self._lists, *self._packed_file_of])

    def __len__(self) -> int:
        return len(self._lists) + len(self._packed_file_of)

    def values(self) -> list[list[RawReference]]:
        """Every entity's references (every pack still packed is unpacked)."""
        for file_path in list(self._packed):
            self._unpack_file(file_path)
        return list(self._lists.values())

    def _unpack_for(self, from_key: str) -> None:
        file_path = self._packed_file_of.get(from_key)
        if file_path is not None:
            self._unpack_file(file_path)

    def _unpack_file(self, file_path: str) -> None:
        new_reference = RawReference.__new__
        for packed_key, group in reference_groups(self._packed.pop(file_path)[0]):
            key = intern(packed_key)
            del self._packed_file_of[key]
            self._lists[key] = [
                new_reference(
                    RawReference, key, intern(kind), intern(name), line, intern(receiver),
                    intern(scope), intern(alias), file_path, intern(receiver_type),
                    intern(module_path),
                )
                for kind, name, line, receiver, scope, alias, receiver_type, module_path
                in group
            ]
