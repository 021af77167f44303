"""The pages' exports (CSV, XLSX) made by a background worker, never in the web request.

At world scale a page's file takes seconds to tens of seconds to make (every need ranked and
its score explained, every activity counted), which would hold a web worker meanwhile. A page
asks for its file (``export_start``, a POST); a worker makes it through the one exporter
interface (``exporters.render``) as the person who asked, in their language, and keeps it under
``MEDIA_ROOT/exports/<job>/``; the job's page offers it for download to that person alone
(``export_file``). Files are removed ``EXPORT_KEEP_DAYS`` after they were made (the jobs sweep).

Each app registers its pages' exports (``register_export``) from its ``ready()``: core does not
know them. An export whose right is not one permission (the API's lists, checked as each list
checks it) registers ``permission=""`` and its ``build`` refuses; ``extra`` given to
``export_start`` (the list asked for, the address its rows link to) reaches ``build`` as keyword
arguments.

A file holds what its requester could see when it was made: it keeps the fingerprint of their
rights then (``export_scope``, given by the accounts app through ``register_scope``) and is
served only while their rights still cover it; once they narrowed or changed (another State,
another role, a permission or flag lost) it is removed and they are told to export again
(``export_download``); a right gained since changes nothing (``within_scope``). The job's page
offers such a file no more, but to make it again (``export_again``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from infobase.core.exporters import FORMATS, Exporter, render
from infobase.core.jobs import (
    JobContext,
    job_handler,
    jobs_under_way,
    live_job,
    start_job,
    sweeper,
)
from infobase.core.models import Job, JobStatus

EXPORT_JOB = "core.export"
EXPORT_KEEP_DAYS = 7
FOLDER = "exports"
# Files one person may have under way at once: each may read every need or activity, and a
# person (or a script with their token) asking for file after file would hold every worker.
EXPORTS_UNDER_WAY = 3


class TooManyExports(Exception):
    """The person has ``EXPORTS_UNDER_WAY`` files being made already (``under_way``, oldest
    first): they are told to wait for one."""

    def __init__(self, under_way: list[Job]) -> None:
        super().__init__(len(under_way))
        self.under_way = under_way

    @property
    def message(self) -> str:
        return ngettext(
            "You have %(count)s file being made: ask again when it is done.",
            "You have %(count)s files being made: ask for another when one of them is done.",
            len(self.under_way),
        ) % {"count": len(self.under_way)}


class ExportOutOfScope(Exception):
    """The file was made under rights its requester no longer has; it has been removed."""

    @property
    def message(self) -> str:
        return _("Your rights have changed since this file was made: export it again.")


def not_kept_message() -> str:
    """What a person is told of a file removed (a week after it was made), on every page and
    in the API alike."""
    return _("This file is no longer kept: ask for the export again.")


def _no_scope(user: Any) -> dict[str, Any]:
    return {"who": f"{getattr(user, 'pk', '')}:{getattr(user, 'is_active', '')}", "grants": []}


# What a person's rights are (the accounts app knows the roles; core does not): ``who`` a digest
# of what they act as and for, ``grants`` each right they hold, by name.
_scope: Callable[[Any], dict[str, Any]] = _no_scope


def register_scope(func: Callable[[Any], dict[str, Any]]) -> None:
    global _scope
    _scope = func


def export_scope(user: Any) -> dict[str, Any]:
    """The fingerprint of what ``user`` may see now (see ``register_scope``)."""
    return _scope(user)


def within_scope(made: Any, now: dict[str, Any]) -> bool:
    """Whether a file made under the rights ``made`` may be given to a person whose rights are
    ``now``: the same person acting as and for the same, holding every right they held then.
    A right gained since is no reason to refuse: the file holds less than they may now see.
    A fingerprint of another shape (a file made before they had this one) is refused."""
    if not isinstance(made, dict) or not isinstance(made.get("grants"), list):
        return False
    return made.get("who") == now["who"] and set(made["grants"]) <= set(now["grants"])


@dataclass(frozen=True)
class PageExport:
    """A page's export: who may ask for it, and how its exporter is built from the page's
    query (its filters) for a person: ``build(user=..., query=QueryDict) -> Exporter``, given
    as the dotted path of that function (imported when a file is made: registering costs an
    app's start nothing, and the function may live beside the page's form)."""

    name: str
    permission: str  # "": ``build`` checks the right itself (raising ValidationError)
    build: str
    # Which file (lazy text, or a function of the job's params giving it): the job's page is
    # headed by it, so that the person who asked knows which of their files it is.
    title: Any = None

    def exporter(
        self, *, user: Any, query: QueryDict, extra: dict[str, str] | None = None
    ) -> Exporter:
        build: Callable[..., Exporter] = import_string(self.build)
        return build(user=user, query=query, **(extra or {}))


_EXPORTS: dict[str, PageExport] = {}


def register_export(name: str, *, permission: str, build: str, title: Any = None) -> None:
    _EXPORTS[name] = PageExport(name=name, permission=permission, build=build, title=title)


def export_title(job: Job) -> str | None:
    """The heading of an export's job page: which file, in which format (None when the export
    has no title)."""
    spec = _EXPORTS.get(str(job.params.get("name", "")))
    if spec is None or spec.title is None:
        return None
    title = spec.title(job.params) if callable(spec.title) else spec.title
    action = _("Export to Excel") if job.params.get("fmt") == "xlsx" else _("Export to CSV")
    return _("%(file)s: %(action)s") % {"file": title, "action": action}


def page_export(name: str) -> PageExport:
    return _EXPORTS[name]


def export_start(
    *, user: Any, name: str, fmt: str, query: str, extra: dict[str, str] | None = None
) -> Job:
    """Queue the file of the page export ``name`` in ``fmt`` with the page's ``query`` (its
    filters, as a query string), made for ``user``; returns the job. The same person asking
    for the same file while it is being made gets the job already under way. ``extra`` is
    passed to the export's ``build`` as keyword arguments."""
    spec = _EXPORTS.get(name)
    if spec is None or fmt not in FORMATS:
        raise ValueError(f"no export {name!r} in {fmt!r}")
    if spec.permission and not user.has_perm(spec.permission):
        raise PermissionDenied
    params: dict[str, Any] = {"name": name, "fmt": fmt, "query": query}
    if extra:
        params["extra"] = dict(extra)
    # The query hashed: a key is cut at 200 characters, and two long queries differing only
    # past that would otherwise share one file.
    asked = query + (json.dumps(extra, sort_keys=True) if extra else "")
    dedupe_key = f"export:{user.pk}:{name}:{fmt}:{sha256(asked.encode()).hexdigest()}"
    same = live_job(dedupe_key=dedupe_key)
    if same is not None:
        return same
    under_way = jobs_under_way(user=user, kinds=[EXPORT_JOB])
    if len(under_way) >= EXPORTS_UNDER_WAY:
        raise TooManyExports(under_way)
    return start_job(
        kind=EXPORT_JOB, params=params, user=user, dedupe_key=dedupe_key, max_attempts=2
    )


def export_requested(request: HttpRequest, *, name: str, fmt: str) -> HttpResponse:
    """The answer to a page's export button (a POST to the page's export address, with the
    page's query string): the file is queued and the person follows it on the job's page."""
    if fmt not in FORMATS:
        raise Http404
    try:
        job = export_start(user=request.user, name=name, fmt=fmt, query=request.GET.urlencode())
    except TooManyExports as refused:
        # The first of the person's files under way, with why no other was started.
        messages.warning(request, refused.message)
        return redirect("job", refused.under_way[0].pk)
    return redirect("job", job.pk)


def may_export_again(*, job: Job, user: Any) -> bool:
    """Whether ``user`` may ask for ``job``'s file again: it was theirs, and they still have
    the export's permission (one checked by its ``build`` is checked when it is made)."""
    spec = _EXPORTS.get(str(job.params.get("name", "")))
    return (
        spec is not None
        and job.kind == EXPORT_JOB
        and job.requested_by_id == getattr(user, "pk", None)
        and (not spec.permission or user.has_perm(spec.permission))
    )


def export_again(*, job: Job, user: Any) -> Job:
    """Queue ``job``'s file again (the same export, format, filters and list), made for
    ``user`` under the rights they have now; ``TooManyExports`` as for ``export_start``."""
    if not may_export_again(job=job, user=user):
        raise PermissionDenied
    return export_start(
        user=user,
        name=str(job.params["name"]),
        fmt=str(job.params["fmt"]),
        query=str(job.params.get("query", "")),
        extra=job.params.get("extra"),
    )


def export_folder(job: Job) -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER / str(job.pk)


@job_handler(EXPORT_JOB, title=gettext_lazy("Export"))
def export_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    spec = _EXPORTS.get(params["name"])
    user = ctx.user
    # Asked again when the file is made: a person may have lost the right since.
    if (
        spec is None
        or user is None
        or not user.is_active
        or (spec.permission and not user.has_perm(spec.permission))
    ):
        raise ValidationError(_("You may no longer export this page."))
    ctx.progress(5, gettext_noop("Reading the data"))
    exporter = spec.exporter(user=user, query=QueryDict(params["query"]), extra=params.get("extra"))
    ctx.progress(40, gettext_noop("Writing the file"))
    lang = ctx.job.lang or settings.LANGUAGE_CODE
    made = render(exporter, fmt=params["fmt"], lang=lang)
    scope = export_scope(user)  # the rights the file was made under, checked at download
    folder = export_folder(ctx.job)
    shutil.rmtree(folder, ignore_errors=True)  # an earlier attempt's file
    folder.mkdir(parents=True)
    (folder / made.filename).write_bytes(made.content)
    return {
        "url": reverse("export_file", args=[ctx.job.pk]),
        "download": True,
        "filename": made.filename,
        "content_type": made.content_type,
        "rows": made.rows,
        "size": len(made.content),
        "scope": scope,
        "summary": [
            ngettext("%(count)s row, %(size)s kB.", "%(count)s rows, %(size)s kB.", made.rows)
            % {"count": made.rows, "size": max(1, round(len(made.content) / 1024))}
        ],
    }


def export_path(job: Job) -> Path | None:
    """The file a finished export job made, if it is still kept."""
    if job.kind != EXPORT_JOB or job.status != JobStatus.DONE:
        return None
    name = Path(str(job.result.get("filename", ""))).name
    path = export_folder(job) / name
    return path if name and path.is_file() else None


def export_in_scope(*, job: Job, user: Any) -> bool:
    """Whether ``user``'s rights still cover those ``job``'s file was made under."""
    return within_scope(job.result.get("scope"), export_scope(user))


def export_withheld(*, job: Job, user: Any) -> str | None:
    """Why ``job``'s file will not be given to ``user``: None when it will, or when the job
    made no file to give (not an export, or not done); "" for anyone but its requester (the
    file is theirs alone: nothing to say to anyone else). Pages and the API offer no link to a
    file this withholds, and say why (``export_download`` refuses the same files)."""
    if job.kind != EXPORT_JOB or job.status != JobStatus.DONE:
        return None
    if job.requested_by_id != getattr(user, "pk", None):
        return ""
    if export_path(job) is None:
        return not_kept_message()
    if not export_in_scope(job=job, user=user):
        return ExportOutOfScope().message
    return None


def export_download(*, job: Job, user: Any) -> Path | None:
    """The file ``job`` made, for ``user`` (its requester, found by the caller) to download;
    None when it is no longer kept. When the person's rights are no longer those the file was
    made under, the file is removed and ``ExportOutOfScope`` raised: it may hold what they may
    no longer see (another State's needs, the secretariat's notes)."""
    path = export_path(job)
    if path is None:
        return None
    if not export_in_scope(job=job, user=user):
        shutil.rmtree(export_folder(job), ignore_errors=True)
        raise ExportOutOfScope
    return path


@sweeper
def remove_old_exports(*, now: datetime) -> int:
    """Remove the files of exports made more than ``EXPORT_KEEP_DAYS`` days ago."""
    root = Path(settings.MEDIA_ROOT) / FOLDER
    if not root.is_dir():
        return 0
    old = now - timedelta(days=EXPORT_KEEP_DAYS)
    kept = {
        str(pk)
        for pk in Job.objects.filter(kind=EXPORT_JOB)
        .exclude(finished_at__lt=old)
        .values_list("pk", flat=True)
    }
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in kept:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
