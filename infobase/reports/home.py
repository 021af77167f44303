"""Home-page work queues for reports: those being produced, and the Chair's report for the
delegate who chairs the working group."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.core import home
from infobase.core.home import Queue, QueueItem
from infobase.reports import engine
from infobase.reports.models import ReportRun, RunStatus

CHAIR_REPORT = "chair"


def _titles() -> dict[str, str]:
    return {report.slug: str(report.title) for report in engine.all_reports()}


def _item(run: ReportRun, titles: dict[str, str]) -> QueueItem:
    return QueueItem(
        title=titles.get(run.report, run.report),
        url=reverse("reports:run", args=[run.pk]),
        detail=f"{run.lang} · {run.fmt.upper()}",
        when=timezone.localdate(run.requested_at),
        when_label=_("Requested on"),
        status=run.status,
        status_label=run.get_status_display(),
        progress=(run.progress, 100) if run.status == RunStatus.RUNNING else None,
    )


@home.register(home.SECRETARIAT, order=50)
def reports_running(user: Any) -> Queue:
    titles = _titles()
    return home.queue_of(
        ReportRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).order_by(
            "requested_at"
        ),
        lambda run: _item(run, titles),
        key="reports",
        title=_("Reports being produced"),
        more_url=reverse("reports:list"),
        more_label=_("All reports"),
        empty=_("No report is being produced."),
    )


@home.register(home.WG_MEMBER, order=30)
def chair_report(user: Any) -> Queue | None:
    if not user.has_perm("reports.request_report", CHAIR_REPORT):
        return None
    titles = _titles()
    return home.queue_of(
        list(ReportRun.objects.filter(report=CHAIR_REPORT).order_by("-requested_at")[:5]),
        lambda run: _item(run, titles),
        key="chair-report",
        title=_("The Chair's report"),
        more_url=reverse("reports:new", args=[CHAIR_REPORT]),
        more_label=_("Prepare the Chair's report"),
        empty=_("The Chair's report has not been produced yet."),
    )
