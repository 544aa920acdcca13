"""What a change affects: a unified diff posted, or the served work tree against a revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from parseltongue.changes import ChangeImpact, DiffError, diff_text_impact, git_change_impact
from parseltongue.changes.impact import Updater
from parseltongue.server.envelope import ApiError, enveloped
from parseltongue.server.params import MAX_TEXT_LENGTH, ContextDependency, limit_parameter
from parseltongue.server.routes_graph import MAX_BLAST_LIMIT, MAX_HOPS

router = APIRouter(tags=["Changes"])

ENDPOINT = "/change-impact-analysis"
# A posted diff past this size is refused (413): a change of that size is a rebuild's job.
MAX_DIFF_BYTES = 5_000_000
HopsParameter = Annotated[
    int, Query(ge=1, le=MAX_HOPS, description=f"Reverse edges followed (1..{MAX_HOPS}).")
]
LimitParameter = Annotated[
    int, limit_parameter("Most changed and most impacted entities listed", MAX_BLAST_LIMIT)
]


def _answer(report: ChangeImpact, limit: int) -> dict[str, Any]:
    """The report, its changed list cut at `limit` too (a diff adding a large file changes
    hundreds of entities), each cut said."""
    data = report.to_dict()
    data["changed_total"] = len(report.changed)
    data["changed_truncated"] = len(report.changed) > limit
    data["changed"] = data["changed"][:limit]
    data["impacted_truncated"] = data.pop("truncated")
    return data


def _analysed(
    context: ContextDependency, work: Callable[[Updater], ChangeImpact]
) -> ChangeImpact:
    """Run the analysis with the server's updater re-reading changed files, other updates
    held off meanwhile; bad input is a 400 naming what was wrong."""
    updater = context.updater
    assert updater is not None
    with updater.exclusive():
        try:
            return work(lambda root, paths: updater.update_files(root, paths, "change impact"))
        except (DiffError, ValueError) as error:
            raise ApiError(400, str(error)) from None


@enveloped(router, ENDPOINT, method="POST")
async def change_impact_analysis_of_diff(
    request: Request,
    context: ContextDependency,
    hops: HopsParameter = 2,
    limit: LimitParameter = 100,
) -> dict[str, Any]:
    """What a unified diff (the request body, as `git diff` prints it) touches and affects:
    changed entities in risk order, impacted entities by hop with their paths, the tests
    among them. Files changed on disk since ingestion are re-read first."""
    body = await request.body()
    if len(body) > MAX_DIFF_BYTES:
        raise ApiError(413, f"the diff is {len(body):,} bytes; at most {MAX_DIFF_BYTES:,}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the diff is not UTF-8 text") from None
    if not text.strip():
        raise ApiError(400, "the request body is empty: post a unified diff (git diff)")
    # In a worker thread, as the other endpoints run: it parses files and may update.
    report = await run_in_threadpool(_analysed, context, lambda update: diff_text_impact(
        context.codebase, text, hops=hops, limit=limit, update=update
    ))
    return _answer(report, limit)


@enveloped(router, ENDPOINT)
def change_impact_analysis_of_work_tree(
    context: ContextDependency,
    base: Annotated[
        str, Query(min_length=1, max_length=MAX_TEXT_LENGTH,
                   description="The revision the served work tree is compared with.")
    ] = "HEAD",
    staged: Annotated[
        bool, Query(description="The staged change (the index) instead of the files.")
    ] = False,
    hops: HopsParameter = 2,
    limit: LimitParameter = 100,
) -> dict[str, Any]:
    """The served folder's change in its git work tree against `base`, as the POST form
    answers it (400 when the folder is in no work tree or `base` names no commit)."""
    report = _analysed(context, lambda update: git_change_impact(
        context.codebase, base, staged, hops=hops, limit=limit, update=update
    ))
    return _answer(report, limit)
