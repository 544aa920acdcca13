"""Resolution: turn raw references into dependency edges (exactly one target) and unresolved
references, from in-memory indexes of the codebase.

A reference is pinned in order of evidence, and the first kind of evidence that finds a
target wins: the calling function's own nested definitions; `self`/`cls`/`this` members
through the class hierarchy (`super` members in method resolution order, Python); the
receiver's type from a binding in scope (or a typed chain of field and result types); a
module alias; a class named as receiver; the file's own names, then (Go) its package's, then
its imported names (following re-exports and `*` imports through modules); last, a name
defined once in the whole codebase. When the winning evidence names more than one target, or
none is found, the reference goes to unresolved references with how many targets that
evidence named (for an unqualified name, the top-level definitions of it the last resort
saw; else 0): never an edge to every same-named entity. (Counting every same-named
definition would tie each row to edits of any method of that name anywhere.)

`tests/oracles/resolve.cozo` states the same rules in Datalog, as a test oracle: the test
suite holds the two to the same rows. This package is what ingestion runs: Cozo evaluated the
rules at 5-10 us per row per join, 20-37 s on the `rust` benchmark corpus, where dictionaries
take ~2 s, and an index kept in memory lets one changed file re-resolve only the references it
can reach.

The index is built in layers, each a module with one concern over the one below it: `index`
(the rows), `file_facts` (what they say of whole files), `scopes` (enclosing classes and
functions, local names), `bindings` (what each file binds), `members` (classes), `mro` (the
method resolution order of `super` where bases are ordered), `receivers` (the classes a
receiver type names, typed chains), `rules` (the evidence tiers), `changes` (what a change
of some files reaches): `CodebaseIndex`. `stored` feeds it from an ingestion or the database
and writes what it resolves; `targeted` re-resolves only what an update can reach.
"""

from parseltongue.resolve.changes import CodebaseIndex
from parseltongue.resolve.rows import EdgeRow, EntityRow, RawReference, UnresolvedRow
from parseltongue.resolve.stored import (
    ResolutionInputs,
    collector_paused,
    load_codebase_index,
    pack_unresolved,
    resolve_everything,
    unpack_unresolved,
    unresolved_packs,
)
from parseltongue.resolve.targeted import KeptIndex, ResolutionCache, TargetedUpdate, UpdateEffect

__all__ = [
    "CodebaseIndex",
    "EdgeRow",
    "EntityRow",
    "KeptIndex",
    "RawReference",
    "ResolutionCache",
    "ResolutionInputs",
    "TargetedUpdate",
    "UnresolvedRow",
    "UpdateEffect",
    "collector_paused",
    "load_codebase_index",
    "pack_unresolved",
    "resolve_everything",
    "unpack_unresolved",
    "unresolved_packs",
]
