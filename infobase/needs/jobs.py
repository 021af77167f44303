"""Deriving the needs register and refreshing its stored scores, as background jobs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from infobase.accounts.permissions import require
from infobase.core.jobs import JobContext, discard_stash, job_handler, start_job, stashed_files
from infobase.core.models import Job
from infobase.core.upload_jobs import discard_upload, register_upload_kind, upload_requester
from infobase.needs.derivation import needs_derive_exclusive
from infobase.needs.models import PriorityTheme, ScoringWeights, WorkProgramme
from infobase.needs.score_table import need_scores_refresh_exclusive

DERIVE_JOB = "needs.derive"
SCORES_JOB = "needs.scores"
REQUESTS_IMPORT_JOB = register_upload_kind("needs.requests_import")


@job_handler(DERIVE_JOB, title=gettext_lazy("Update the needs register"))
def derive_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(5, gettext_noop("Deriving the needs register"))
    # A derivation started from the command line may be running: wait for it rather than fail.
    result = needs_derive_exclusive(wait=float(params.get("wait", 300)))
    need_scores_refresh_exclusive(wait=float(params.get("wait", 300)))
    return {
        "url": reverse("need_register"),
        "summary": [
            _("%(created)s new needs, %(linked)s sources linked, %(unlinked)s unlinked.")
            % {"created": result.created, "linked": result.linked, "unlinked": result.unlinked}
        ],
    }


@job_handler(
    REQUESTS_IMPORT_JOB,
    title=gettext_lazy("Import requests for technical assistance"),
    on_failed=discard_upload,
)
def requests_import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """A spreadsheet of requests, imported as the command imports it (all or nothing; a
    refused file's problems, each with its row and column, are the job's error)."""
    from infobase.needs.requests_import import requests_import

    (path,) = stashed_files(params["folder"])
    ctx.progress(10, gettext_noop("Reading the requests"))
    created = requests_import(source=path, filename=params["filename"], user=upload_requester(ctx))
    discard_stash(params["folder"])
    return {
        "url": reverse("request_list"),
        "summary": [
            ngettext(
                "%(count)s request was imported.",
                "%(count)s requests were imported.",
                len(created),
            )
            % {"count": len(created)}
        ],
    }


def needs_derive_request(*, user: Any) -> Job:
    """Queue a derivation (or return the one already queued or running)."""
    require(user, "needs.decide_need")
    return start_job(kind=DERIVE_JOB, params={}, user=user, dedupe_key="needs.derive")


def need_scores_catch_up() -> Job:
    """Queue a refresh of every stored score (or return the one already queued or running):
    for readers that meet more needs without a score than they score themselves."""
    return start_job(kind=SCORES_JOB, params={}, dedupe_key=f"{SCORES_JOB}.all")


@job_handler(SCORES_JOB, title=gettext_lazy("Needs register"))
def scores_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ids = params.get("need_ids")
    result = need_scores_refresh_exclusive(
        need_ids=None if ids is None else [int(pk) for pk in ids],
        wait=float(params.get("wait", 300)),
    )
    return {"url": reverse("need_register"), "scores": result.as_dict()}


class _ScoresOnCommit:
    """The scores refresh queued when the transaction commits: of ``ids``, or of every need
    (``ids`` None). Requests made in the same transaction join it: one job, not one a row."""

    def __init__(self, ids: set[int] | None, user: Any) -> None:
        self.ids, self.user, self.started = ids, user, False

    def add(self, ids: Collection[int] | None) -> None:
        self.ids = None if ids is None or self.ids is None else self.ids | set(ids)

    def __call__(self) -> None:
        self.started = True
        params = {} if self.ids is None else {"need_ids": sorted(self.ids)}
        start_job(kind=SCORES_JOB, params=params, user=self.user)


def need_scores_request(*, need_ids: Collection[int] | None = None, user: Any = None) -> None:
    """Refresh the stored scores in the background once the current transaction commits: of
    ``need_ids`` (and the needs their change can move), or of every need whose inputs changed
    (``need_ids`` None)."""
    block = set(connection.savepoint_ids)
    for entry in connection.run_on_commit:
        sids, func = entry[0], entry[1]
        # Joined only within the same atomic block: they commit or roll back together.
        if isinstance(func, _ScoresOnCommit) and not func.started and set(sids) == block:
            func.add(need_ids)
            return
    transaction.on_commit(_ScoresOnCommit(None if need_ids is None else set(need_ids), user))


def _programme_changed(**kwargs: Any) -> None:
    # Work programmes, their themes and the scoring weights are edited in the admin: every
    # score may move (the refresh compares and rewrites only the rows that changed).
    if not kwargs.get("raw"):
        need_scores_request()


for _model in (WorkProgramme, PriorityTheme, ScoringWeights):
    post_save.connect(_programme_changed, sender=_model, dispatch_uid=f"scores-{_model.__name__}")
    post_delete.connect(
        _programme_changed, sender=_model, dispatch_uid=f"scores-del-{_model.__name__}"
    )
m2m_changed.connect(
    _programme_changed, sender=PriorityTheme.articles.through, dispatch_uid="scores-articles"
)


def _link_changed(instance: Any, **kwargs: Any) -> None:
    # A coverage link accepted, rejected, made or removed moves its need's coverage only.
    if not kwargs.get("raw"):
        need_scores_request(need_ids=[instance.need_id])


# Named, not imported: the activities app sits above this one.
post_save.connect(_link_changed, sender="activities.NeedLink", dispatch_uid="scores-link")
post_delete.connect(_link_changed, sender="activities.NeedLink", dispatch_uid="scores-link-del")
