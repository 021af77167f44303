"""An upload handed to a background job: the web stores the checked file, a worker imports it
with the service the command uses, and the person follows it on the job's page.

One person may have ``UPLOADS_UNDER_WAY`` uploads waiting to be read at once: each is kept on
disk until a worker reads it, and a person (or a script) sending file after file would fill the
disk and hold every worker, as exports would without ``core.exports.EXPORTS_UNDER_WAY``.

The same files sent again for the same work by the same person while their job is under way (a
double click, the form sent from a second tab, or again by the browser) lead to that job: they
are read once. Sent again once it has ended, they are read again, as the person asks.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infobase.core.jobs import (
    JobContext,
    discard_stash,
    jobs_under_way,
    live_job,
    start_job,
    stash_uploads,
)
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


def upload_key(*, kind: str, uploads: list[Any], user: Any, params: dict[str, Any]) -> str:
    """The job's ``dedupe_key`` for ``uploads`` sent by ``user`` for ``kind`` with ``params``:
    a digest of them all, the files' names and contents included."""
    digest = hashlib.sha256(
        json.dumps([kind, user.pk, params], sort_keys=True, default=str).encode()
    )
    for upload in uploads:
        digest.update(b"\0" + str(upload.name).encode() + b"\0")
        for chunk in upload.chunks():
            digest.update(chunk)
    return f"upload:{digest.hexdigest()}"


def upload_requested(
    request: HttpRequest, *, kind: str, uploads: list[Any], **params: Any
) -> HttpResponse:
    """Store ``uploads`` and start the ``kind`` job on them (its ``params`` plus the stored
    ``folder``, and the ``filename`` of a single file); the answer leads to the job's page.
    The same files sent again while their job is under way lead to that job; a person with
    ``UPLOADS_UNDER_WAY`` uploads still being read is led to the first of them instead."""
    if kind not in UPLOAD_KINDS:
        raise ValueError(f"{kind} is not a registered upload job")
    user: Any = request.user  # signed in: the views that call this require it
    if len(uploads) == 1:
        params["filename"] = uploads[0].name
    key = upload_key(kind=kind, uploads=uploads, user=user, params=params)
    same = live_job(dedupe_key=key)
    if same is None:
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
        folder = stash_uploads([(upload.name, upload) for upload in uploads])
        job = start_job(kind=kind, params={**params, "folder": folder}, user=user, dedupe_key=key)
        if job.params.get("folder") == folder:
            return redirect(job)
        discard_stash(folder)  # the same files were sent at the same instant: that job reads them
        same = job
    messages.info(request, _("What you sent is already being read: this page follows it."))
    return redirect(same)
