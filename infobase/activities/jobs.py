"""IATI imports as background jobs, and the end of import runs whose process died."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from infobase.activities.iati_import import IMPORT_STOPPED, RelevanceFilter, iati_import
from infobase.activities.models import ImportRun, ImportRunStatus
from infobase.core.figures import warm
from infobase.core.jobs import JobContext, discard_stash, job_handler, stashed_files, sweeper
from infobase.core.upload_jobs import discard_upload, register_upload_kind

IATI_IMPORT_JOB = register_upload_kind("activities.iati_import")


def import_run_lease() -> timedelta:
    """How long an import run may go without saving its counts before it is taken for dead
    (a batch of activities, or the first pass over a large file, can take a while)."""
    return timedelta(seconds=getattr(settings, "IMPORT_RUN_LEASE_SECONDS", 600))


@sweeper
def end_dead_import_runs(*, now: datetime) -> int:
    """Fail the import runs whose process died; they keep the counts saved so far."""
    stale = now - import_run_lease()
    return (
        ImportRun.objects.filter(status=ImportRunStatus.RUNNING)
        .filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale))
        .update(status=ImportRunStatus.FAILED, error=IMPORT_STOPPED, finished_at=now)
    )


@job_handler(IATI_IMPORT_JOB, title=gettext_lazy("IATI import"), on_failed=discard_upload)
def iati_import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Import the uploaded files stored in ``params["folder"]`` (see ``stash_uploads``)."""
    paths = stashed_files(params["folder"])
    ctx.progress(1, gettext_noop("Reading the files"))
    run = iati_import(
        paths=paths,
        user=ctx.user,
        relevance=None if params.get("all") else RelevanceFilter.from_settings(),
        validate=bool(params.get("validate")),
        progress=lambda fraction, step: ctx.progress(fraction * 100, step),
    )
    discard_stash(params["folder"])
    if run.changed_activities:
        ctx.progress(99, gettext_noop("Computing the figures of the pages"))
        warm()  # the pages' shared figures over every activity, once for the web server
    summary = [
        _(
            "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s "
            "left out, %(rejected)s rejected, %(missing)s no longer in the publisher's file."
        )
        % {
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "skipped": run.skipped,
            "rejected": run.rejected,
            "missing": run.marked_missing,
        }
    ]
    return {
        "url": reverse("import_run_detail", args=[run.pk]),
        "import_run": run.pk,
        "summary": summary,
    }
