"""Changes to a codebase, read against its graph: what a diff touches and affects
(`impact`: `diff` reads git's or a given unified diff, `impact` maps it to entities and walks
what depends on them)."""

from parseltongue.changes.diff import DiffError, FileDiff, ReadChange, SkippedFile
from parseltongue.changes.impact import (
    DEFAULT_HOPS,
    DEFAULT_LIMIT,
    ChangedEntity,
    ChangeImpact,
    ImpactedEntity,
    analyse_change,
    diff_text_impact,
    git_change_impact,
)

__all__ = [
    "DEFAULT_HOPS",
    "DEFAULT_LIMIT",
    "ChangeImpact",
    "ChangedEntity",
    "DiffError",
    "FileDiff",
    "ImpactedEntity",
    "ReadChange",
    "SkippedFile",
    "analyse_change",
    "diff_text_impact",
    "git_change_impact",
]
