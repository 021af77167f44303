"""Producing reports: directly (the command line) or as background jobs (the web)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from infobase.accounts.permissions import require
from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.i18n import is_rtl, language
from infobase.core.jobs import (
    EXPECTED_ERRORS,
    WORKER_DIED,
    database_unavailable,
    job_is_alive,
    jobs_under_way,
    reap,
    start_job,
)
from infobase.core.models import JobStatus
from infobase.reports import engine, publications
from infobase.reports.blocks import ReportDocument
from infobase.reports.engine import Progress, no_progress
from infobase.reports.fingerprint import fingerprint
from infobase.reports.models import Publication, PublicationFile, ReportRun, RunStatus
from infobase.reports.render_html import fragment

logger = logging.getLogger(__name__)

# Raise when the renderers change what they write: cached files made before are not reused.
RENDER_VERSION = "1"
# Reports one person may have waiting or being made at once: each may read every answer, need
# and activity, and a person (or a script with their token) asking for report after report
# would hold every worker (as ``core.exports.EXPORTS_UNDER_WAY`` for the pages' files).
REPORTS_UNDER_WAY = 3
# Kept in a run that failed on an unexpected error (a message id: each reader reads it in
# their own language).
RENDER_FAILED = gettext_noop(
    "An unexpected error stopped the report; its details are in the server's log. Try again; "
    "if it stops again, tell the administrators."
)


class TooManyReports(Exception):
    """The person has ``REPORTS_UNDER_WAY`` reports being made already (``under_way``, oldest
    first): they are told to wait for one."""

    def __init__(self, under_way: list[ReportRun]) -> None:
        super().__init__(len(under_way))
        self.under_way = under_way

    @property
    def message(self) -> str:
        return ngettext(
            "You have %(count)s report being made: ask again when it is done.",
            "You have %(count)s reports being made: ask for another when one of them is done.",
            len(self.under_way),
        ) % {"count": len(self.under_way)}


def render_html_page(document: ReportDocument) -> bytes:
    page = render_to_string(
        "reports/standalone.html",
        {
            "document": fragment(document),
            "lang": document.lang,
            "rtl": is_rtl(document.lang),
            "title": document.meta.title,
        },
    )
    return page.encode("utf-8")


# The PDF, Word and Excel renderers pull in Typst, Pillow, python-docx and openpyxl: they are
# imported when a file is rendered, so that commands and web workers start without them.
RENDERERS: dict[str, Callable[[ReportDocument], bytes] | str] = {
    "html": render_html_page,
    "pdf": "infobase.reports.render_pdf.render_pdf",
    "docx": "infobase.reports.render_docx.render_docx",
    "xlsx": "infobase.reports.render_xlsx.render_xlsx",
}


def renderer(fmt: str) -> Callable[[ReportDocument], bytes]:
    found = RENDERERS[fmt]
    return import_string(found) if isinstance(found, str) else found


class FiguresMemo:
    """The figures of this process's last few report runs, by their run fingerprint (report,
    parameters, state of the data): the same report in another language or format, the usual
    next request, is rendered from them instead of computing them again. Figures do not depend
    on the language (``Report.compute``), and composing a document only reads them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: str, figures: Any) -> None:
        with self._lock:
            self._entries[key] = figures
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Two: a world report's figures take about 2 MB; a worker renders one run at a time.
FIGURES = FiguresMemo(size=2)


def report_document(
    *,
    report: engine.Report,
    params: Mapping[str, Any],
    lang: str,
    progress: Progress = no_progress,
    figures_key: str | None = None,
) -> ReportDocument:
    """The report's document in ``lang``. With ``figures_key`` (a run's fingerprint) the
    figures are taken from, or kept in, ``FIGURES``."""
    figures = FIGURES.get(figures_key) if figures_key else None
    if figures is None:
        figures = report.compute(params, progress)
        if figures_key:
            FIGURES.put(figures_key, figures)
    with language(lang):
        return report.document(figures, params, lang)


def report_render(
    *,
    slug: str,
    params: Mapping[str, Any],
    lang: str,
    fmt: str,
    progress: Progress = no_progress,
    figures_key: str | None = None,
) -> bytes:
    """The report's file, computed now (the command line; the jobs call this too, with their
    run's fingerprint as ``figures_key``)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}")
    report = engine.get(slug)
    document = report_document(
        report=report, params=params, lang=lang, progress=progress, figures_key=figures_key
    )
    progress(0.9, gettext_noop("Writing the document"))
    with language(lang):
        return renderer(fmt)(document)


def file_name(run: ReportRun) -> str:
    return f"{run.report}-{run.lang}.{run.fmt}"


def run_fingerprint(slug: str, params: Mapping[str, Any]) -> str:
    report = engine.get(slug)
    return fingerprint(report=slug, params=params, sources=report.sources, version=RENDER_VERSION)


def report_request(
    *,
    user: Any,
    slug: str,
    params: Mapping[str, Any],
    lang: str,
    fmt: str,
    run_now: bool = False,
) -> ReportRun:
    """A job for the report (``params`` already cleaned), or the finished or pending run for
    the same report, parameters, language, format and data. ``run_now`` produces it in this
    process instead of queueing it (the demo data, scripts). A person with
    ``REPORTS_UNDER_WAY`` reports waiting or being made starts no other (``TooManyReports``)."""
    require(user, "reports.request_report", slug)
    from infobase.reports.tasks import RENDER_JOB

    print_key = run_fingerprint(slug, params)
    for existing in (
        ReportRun.objects.filter(report=slug, lang=lang, fmt=fmt, fingerprint=print_key)
        .exclude(status=RunStatus.FAILED)
        .select_related("job")
    ):
        if existing.status == RunStatus.DONE or run_is_alive(existing):
            return existing
        report_run_fail(run=existing, error=WORKER_DIED)
    if not run_now:
        under_way = jobs_under_way(user=user, kinds=[RENDER_JOB])
        if len(under_way) >= REPORTS_UNDER_WAY:
            raise TooManyReports(
                list(ReportRun.objects.filter(job__in=under_way).order_by("requested_at"))
            )
    run = ReportRun.objects.create(
        report=slug,
        params=dict(params),
        lang=lang,
        fmt=fmt,
        fingerprint=print_key,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if run_now:
        report_run_execute(str(run.pk))
    else:
        job = start_job(
            kind=RENDER_JOB,
            params={"run": str(run.pk)},
            user=user,
            dedupe_key=f"report:{run.pk}",
        )
        ReportRun.objects.filter(pk=run.pk).update(job=job, task_id=job.task_id)
    run.refresh_from_db()
    return run


def run_is_alive(run: ReportRun) -> bool:
    """Whether a queued or running run can still finish: its job's worker is alive. A run
    left unfinished without a job (made before jobs had a lease) cannot."""
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING) or run.job is None:
        return False
    return job_is_alive(run.job)


def report_run_fail(*, run: ReportRun, error: str) -> None:
    """Mark an unfinished run failed (its worker died; ``error`` is a message id)."""
    ReportRun.objects.filter(pk=run.pk).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, error=error, finished_at=timezone.now()
    )
    if run.job is not None and run.job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        reap(run.job, retry=False)


def report_run_execute(run_id: str, *, beat: Progress = no_progress) -> None:
    """The background job: compute, render, store, with progress written as it goes.
    ``beat`` also gets each progress (the job's heartbeat)."""
    run = ReportRun.objects.get(pk=run_id)
    if run.status == RunStatus.DONE:
        return
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress=1, error=""
    )

    def progress(fraction: float, step: str) -> None:
        ReportRun.objects.filter(pk=run.pk).update(
            progress=max(1, min(99, round(fraction * 100))), step=step[:200]
        )
        beat(fraction, step)

    try:
        data = report_render(
            slug=run.report,
            params=run.params,
            lang=run.lang,
            fmt=run.fmt,
            progress=progress,
            figures_key=run.fingerprint,
        )
    except Exception as error:
        if database_unavailable(error):
            raise  # not the report's fault: its job is queued again (core.jobs)
        logger.exception("report run %s failed", run.pk)
        # An unexpected error's text may hold a query's values or a path: the log has it.
        expected = isinstance(error, EXPECTED_ERRORS)
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            error=str(error) if expected else RENDER_FAILED,
            finished_at=timezone.now(),
        )
        return
    run.file.save(file_name(run), ContentFile(data), save=False)
    ReportRun.objects.filter(pk=run.pk).update(
        file=run.file.name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=RunStatus.DONE,
        progress=100,
        step="",
        finished_at=timezone.now(),
    )


@transaction.atomic
def publication_create(*, user: Any, run: ReportRun) -> Publication:
    """Publish a finished run, with every other finished run of the same report, parameters
    and data (its other languages and formats)."""
    require(user, "reports.publish_report")
    if run.status != RunStatus.DONE:
        raise InvalidInput(
            [InputProblem(str(engine.get(run.report).title), _("the report is not ready yet."))]
        )
    publication = (
        publications.standing().filter(report=run.report, fingerprint=run.fingerprint).first()
    )
    if publication is None:
        report = engine.get(run.report)
        titles = {}
        for lang in ("ar", "zh-hans", "en", "fr", "ru", "es"):
            with language(lang):
                titles[lang.split("-")[0]] = str(report.title)
        publication = Publication.objects.create(
            report=run.report,
            params=run.params,
            fingerprint=run.fingerprint,
            title=titles,
            symbol=str(run.params.get("symbol", ""))[:100],
            published_by=user,
        )
    siblings = ReportRun.objects.filter(
        report=run.report, fingerprint=run.fingerprint, status=RunStatus.DONE
    )
    for sibling in siblings:
        PublicationFile.objects.get_or_create(publication=publication, run=sibling)
    return publication


@transaction.atomic
def publication_withdraw(*, user: Any, publication: Publication, reason: str) -> Publication:
    """Withdraw a publication from the public: its files are no longer served and its page
    says when it was withdrawn and why (the reason is required: it is what a reader of an
    old link is told). The runs stay; the same report may be published again."""
    require(user, "reports.publish_report")
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            [InputProblem(_("Reason"), _("Say why the report is withdrawn: readers are told."))]
        )
    locked = Publication.objects.select_for_update().get(pk=publication.pk)
    if locked.withdrawn:
        raise InvalidInput([InputProblem(str(locked), _("It is withdrawn already."))])
    locked.withdrawn = True
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = user
    locked.withdrawal_reason = reason[:2000]
    locked.save(update_fields=["withdrawn", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return locked
