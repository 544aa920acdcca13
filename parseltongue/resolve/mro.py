"""The method resolution order `super` follows where a language orders a class's bases
(Python): `super().m()` in a class reaches the `m` of the first class after it in that order.

The order is C3's precedence: a class comes before its bases, and each class's bases come in
the order they are written, both carried through the hierarchy. Of the classes above the
start that define the name, those no other such class must precede are the candidates; where
that leaves more than one (the precedence does not order them, or orders them in a cycle, as
an inconsistent hierarchy does), the first depth first, left to right wins: the class whose
path of base positions from the start is least, compared element by element. That agrees
with C3's linearisation wherever its precedence decides, and needs no fixpoint over lists
(tests/oracles/resolve.cozo states the same rule in Datalog). Paths are followed
`MAX_DEPTH` bases deep, through bases written at positions up to `MAX_POSITION`.
"""

from __future__ import annotations

from collections import defaultdict

from parseltongue.resolve.members import ClassMembers
from parseltongue.resolve.rows import closure

MAX_DEPTH = 15
MAX_POSITION = 15


class MethodOrder(ClassMembers):
    """The index, with `super` lookups in method resolution order."""

    def super_members(self, enclosing: str, name: str, scope: str = "") -> set[str]:
        """The members named `name` a `super` call in the class `enclosing` reaches; from the
        class `scope` names instead when given (`super(Cls, self)`: the enclosing class or
        one above it)."""
        if scope == "":
            starts = [enclosing]
        else:
            above = closure([enclosing], self.base)  # a class's bases are its dict's keys
            starts = [key for key in above if key in self.entity and self.entity[key].name == scope]
        found: set[str] = set()
        for start in starts:
            found |= self._first_in_order(start, name)
        return found

    def _first_in_order(self, start: str, name: str) -> set[str]:
        cached = self._in_method_order.get((start, name))
        if cached is not None:
            return cached
        rank = self._path_ranks(start)
        definers = {
            key for key in rank if key != start and name in self.member.get(key, {})
        }
        found: set[str] = set()
        if definers:
            steps = self._precedence(rank)
            after_a_definer = closure(
                {later for key in definers for later in steps.get(key, ())}, steps
            )
            first = definers - after_a_definer or definers
            best = min(rank[key] for key in first)
            for key in first:
                if rank[key] == best:
                    found |= self.member[key][name]
        self._in_method_order[(start, name)] = found
        return found

    def _path_ranks(self, start: str) -> dict[str, tuple[int, ...]]:
        """Each class reached from `start` through its bases, with the least path of base
        positions to it (the start's is empty): depth first, left to right order."""
        best: dict[str, tuple[int, ...]] = {start: ()}
        level = dict(best)
        for _ in range(MAX_DEPTH):
            following: dict[str, tuple[int, ...]] = {}
            for key, path in level.items():
                for base, position in self.base.get(key, {}).items():
                    if position > MAX_POSITION:
                        continue
                    extended = (*path, position)
                    if base not in following or extended < following[base]:
                        following[base] = extended
            if not following:
                break
            for key, path in following.items():
                if key not in best or path < best[key]:
                    best[key] = path
            level = following
        return best

    def _precedence(self, reached: dict[str, tuple[int, ...]]) -> dict[str, set[str]]:
        """Among the classes reached: class -> those it must precede (its bases, and each
        base written after another of a class's bases follows that one)."""
        steps: dict[str, set[str]] = defaultdict(set)
        for key in reached:
            bases = [(position, base) for base, position in self.base.get(key, {}).items()
                     if base in reached]
            for position, base in bases:
                steps[key].add(base)
                for other_position, other in bases:
                    if position < other_position:
                        steps[base].add(other)
        return steps
