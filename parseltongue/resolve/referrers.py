"""Who refers to what: the entities making references to each name, with a dotted
qualifier or a typed chain, counted as references are added and taken out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from parseltongue.model import ARGUMENT, CALLED, CHAIN_STEP, SELF_CLASS, VALUE
from parseltongue.resolve.rows import LOCAL, MEMBER_TYPE, RETURNS, RawReference


def is_chain(receiver_type: str) -> bool:
    """Whether a receiver type is a typed chain (model.py): steps, or a base that is a call's
    result, a module-level value or the entity's own class."""
    return (
        CHAIN_STEP in receiver_type or receiver_type.endswith(CALLED)
        or receiver_type.startswith((VALUE, SELF_CLASS)) or ARGUMENT in receiver_type
    )


def chain_names(name: str, receiver_type: str) -> tuple[list[str], list[str]]:
    """The names a typed chain's base reads (looked up as the file sees them: `pkg.NewX()`
    -> pkg, NewX), and the member names its steps and its reference read."""
    if not receiver_type:
        return [], [name]
    base, *steps = receiver_type.split(CHAIN_STEP)
    base = base.removesuffix(CALLED).removeprefix(VALUE).removeprefix(SELF_CLASS)
    # A callback's parameter (`rx.observable@0.0`) reads the function it is given to.
    base = base.partition(ARGUMENT)[0]
    return (
        [part for part in base.split(".") if part],
        [name, *(step.removesuffix(CALLED) for step in steps)],
    )


class Referrers:
    """The counts of who refers to what: what an update changing some names must resolve
    again (the index's first layer)."""

    def __init__(self) -> None:
        # function -> the names it binds itself (its `local` references).
        self.local_names: dict[str, set[str]] = {}
        # name -> entities that make a reference to that name -> how many such references.
        self.referrers_of_name: dict[str, dict[str, int]] = defaultdict(dict)
        # file -> entities with a dotted qualifier (`nx.utils.f()`) -> how many such references.
        self._dotted_referrers: dict[str, dict[str, int]] = defaultdict(dict)
        # file -> entities with a typed-chain receiver type -> how many such references.
        self._chain_referrers: dict[str, dict[str, int]] = defaultdict(dict)
        # name -> entities with a typed chain whose base names it (`select()`, `=std`,
        # `pkg.NewX()`) -> how many; and whose steps or reference name it (a member).
        self._chain_bases: dict[str, dict[str, int]] = defaultdict(dict)
        self._chain_members: dict[str, dict[str, int]] = defaultdict(dict)
        # name -> how many declared types (`member_type`, `returns`) mention it.
        self._declared_names: dict[str, int] = defaultdict(int)

    def _count_reference(
        self, from_key: str, kind: str, name: str, receiver: str, scope: str, file_path: str,
        receiver_type: str,
    ) -> None:
        referrers = self.referrers_of_name[name]
        referrers[from_key] = referrers.get(from_key, 0) + 1
        if kind == LOCAL:
            self.local_names.setdefault(from_key, set()).add(name)
        if "." in (receiver or scope):
            dotted = self._dotted_referrers[file_path]
            dotted[from_key] = dotted.get(from_key, 0) + 1
        # Most references have no receiver type: no call to ask (this runs per reference).
        if receiver_type and is_chain(receiver_type):
            chained = self._chain_referrers[file_path]
            chained[from_key] = chained.get(from_key, 0) + 1
            self._count_chain_names(from_key, kind, name, scope, receiver_type, 1)
        elif kind in (MEMBER_TYPE, RETURNS):
            self._count_chain_names(from_key, kind, name, scope, receiver_type, 1)

    def _count_chain_names(
        self, from_key: str, kind: str, name: str, scope: str, receiver_type: str, step: int
    ) -> None:
        """Count (step 1) or uncount (-1) the names a typed chain or a declared type reads:
        what an update changing those names must resolve again."""
        bases, members = chain_names(name, receiver_type)
        if kind in (MEMBER_TYPE, RETURNS):
            for mentioned in (*bases, name, scope.split(".")[0]):
                if mentioned:
                    self._declared_names[mentioned] += step
                    if not self._declared_names[mentioned]:
                        del self._declared_names[mentioned]
            return
        for names, counts in ((bases, self._chain_bases), (members, self._chain_members)):
            for mentioned in names:
                referrers = counts[mentioned]
                referrers[from_key] = referrers.get(from_key, 0) + step
                if not referrers[from_key]:
                    del referrers[from_key]
                    if not referrers:
                        del counts[mentioned]

    def _uncount_references(self, key: str, references: Iterable[RawReference]) -> None:
        """Take out the counts of `key`'s references (its rows are being removed)."""
        for reference in references:
            if is_chain(reference.receiver_type) or reference.kind in (
                MEMBER_TYPE, RETURNS
            ):
                self._count_chain_names(
                    key, reference.kind, reference.name, reference.scope,
                    reference.receiver_type, -1,
                )
            referrers = self.referrers_of_name[reference.name]
            referrers[key] -= 1
            if not referrers[key]:
                del referrers[key]
                if not referrers:
                    del self.referrers_of_name[reference.name]
