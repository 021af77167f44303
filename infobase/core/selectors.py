"""Reads shared by every app: a background job as its page and its status JSON show it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from infobase.core.i18n import format_percent
from infobase.core.jobs import kind_title
from infobase.core.models import Job, JobStatus


def job_status(job: Job) -> dict[str, Any]:
    """The job's state in the active language (``step`` and framework errors are message ids;
    a handler's own error was written in the requester's language)."""
    url = job.result.get("url", "") if job.status == JobStatus.DONE else ""
    progress = 100 if job.status == JobStatus.DONE else job.progress
    return {
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "progress": progress,
        "progress_display": format_percent(progress, 0),
        "step": _(job.step) if job.step else "",
        "error": _(job.error) if job.error else "",
        "url": url if isinstance(url, str) and url.startswith("/") else "",
        "finished": job.finished,
    }


def job_title(job: Job) -> str:
    from infobase.core.exports import EXPORT_JOB, export_title

    if job.kind == EXPORT_JOB and (named := export_title(job)):
        return named
    title = kind_title(job.kind)
    return str(title) if title else _("Background job")
