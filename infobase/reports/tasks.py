"""Reports as background jobs (``infobase.core.jobs``): the web queues, ``infobase db_worker``
runs, ``infobase jobs-sweep`` fails or retries a report whose worker died."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from infobase.core.jobs import JobContext, job_handler
from infobase.core.models import Job
from infobase.reports.models import ReportRun, RunStatus
from infobase.reports.services import report_run_execute

RENDER_JOB = "reports.render"


def _run_failed(job: Job) -> None:
    # A run that failed by itself keeps its own error.
    ReportRun.objects.filter(job=job, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED, error=job.error, finished_at=timezone.now()
    )


@job_handler(RENDER_JOB, title=_("Report"), on_failed=_run_failed)
def render_report(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    run_id = params["run"]
    report_run_execute(run_id, beat=lambda fraction, step: ctx.progress(fraction * 100, step))
    run = ReportRun.objects.get(pk=run_id)
    if run.status == RunStatus.FAILED:
        raise RuntimeError(run.error)
    return {"url": reverse("reports:run", args=[run.pk])}


@task()
def run_report(run_id: str) -> None:
    """Kept for report tasks queued before reports ran as jobs."""
    report_run_execute(run_id)
