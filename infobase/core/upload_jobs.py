"""An upload handed to a background job: the web stores the checked file, a worker imports it
with the service the command uses, and the person follows it on the job's page.

One person may have ``UPLOADS_UNDER_WAY`` uploads waiting to be read at once: each is kept on
disk until a worker reads it, and a person (or a script) sending file after file would fill the
disk and hold every worker, as exports would without ``core.exports.EXPORTS_UNDER_WAY``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext

from infobase.core.jobs import JobContext, discard_stash, jobs_under_way, start_job, stash_uploads
from infobase.core.models import Job

UPLOADS_UNDER_WAY = 3
# The kinds of job that read an upload (each app registers its own as it defines the handler).
UPLOAD_KINDS: set[str] = set()


def register_upload_kind(kind: str) -> str:
    UPLOAD_KINDS.add(kind)
    return kind


def discard_upload(job: Job) -> None:
    """A failed upload job's ``on_failed``: its stored file goes."""
    if job.params.get("folder"):
        discard_stash(job.params["folder"])


def upload_requester(ctx: JobContext) -> Any:
    """Who the import acts for: it checks their rights again; without one, every check fails."""
    from django.contrib.auth.models import AnonymousUser

    return ctx.user if ctx.user is not None else AnonymousUser()


def upload_requested(
    request: HttpRequest, *, kind: str, upload: Any, **params: Any
) -> HttpResponse:
    """Store ``upload`` and start the ``kind`` job on it (its ``params`` plus the stored
    ``folder`` and ``filename``); the answer leads to the job's page. A person with
    ``UPLOADS_UNDER_WAY`` uploads still being read is led to the first of them instead."""
    if kind not in UPLOAD_KINDS:
        raise ValueError(f"{kind} is not a registered upload job")
    user: Any = request.user  # signed in: the views that call this require it
    under_way = jobs_under_way(user=user, kinds=UPLOAD_KINDS)
    if len(under_way) >= UPLOADS_UNDER_WAY:
        messages.warning(
            request,
            ngettext(
                "You have %(count)s upload being read: send another when it is done.",
                "You have %(count)s uploads being read: send another when one of them is done.",
                len(under_way),
            )
            % {"count": len(under_way)},
        )
        return redirect(under_way[0])
    folder = stash_uploads([(upload.name, upload)])
    job = start_job(
        kind=kind, params={**params, "folder": folder, "filename": upload.name}, user=user
    )
    return redirect(job)
