from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require, require_seen
from infobase.core import home as home_queues
from infobase.core import notifications
from infobase.core import selectors as core_selectors
from infobase.core.exports import (
    EXPORT_JOB,
    ExportOutOfScope,
    TooManyExports,
    export_again,
    export_download,
    export_withheld,
    may_export_again,
    not_kept_message,
)
from infobase.core.files import Unavailable
from infobase.core.history import history_of
from infobase.core.i18n import field_suffix, html_lang, is_rtl, pick_label
from infobase.core.models import Job
from infobase.core.params import id_from
from infobase.reference import selectors as reference
from infobase.reference.models import Article, Codelist, Organization, RegionalGroup, State

# Models whose history can be shown; the page asks ``<app>.view_<model>`` on the object. Every
# model that keeps history is here, or named with its reason in tests/core/test_history.py.
HISTORY_MODELS = {
    "reference.state",
    "reference.participation",
    "reference.organization",
    "reference.statecontact",
    "questionnaires.questionnaire",
    "questionnaires.assignment",
    "questionnaires.answer",
    "needs.need",
    "needs.workprogramme",
    "needs.prioritytheme",
    "needs.scoringweights",
    "needs.assistancerequest",
    "needs.lessonlearned",
    "activities.activity",
    "activities.needlink",
    "funding.exchangerate",
    "funding.pledge",
    "funding.project",
    "funding.budgetline",
    "funding.allocation",
    "meetings.body",
    "meetings.membership",
    "meetings.session",
    "meetings.agendaitem",
    "meetings.sessionparticipant",
    "meetings.document",
    "meetings.documentfile",
    "meetings.outcome",
    "meetings.mandate",
    "meetings.mandateevidence",
}


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: the signed-in person's work queues, then what the information base
    holds (the public figures)."""
    today = date.today()
    context = {
        "role": home_queues.role_of(request.user),
        "queues": home_queues.queues_for(request.user),
        "states": State.objects.count(),
        "members": State.objects.filter(un_status="member_state").count(),
        "instruments": reference.participation_counts(on=today),
        "articles": Article.objects.count(),
        "organizations": Organization.objects.count(),
        "codelists": Codelist.objects.count(),
        "groups": reference.regional_group_counts(),
        "snapshot": reference.snapshot_date(),
        "today": today,
        "group_choices": RegionalGroup.choices,
    }
    return render(request, "infobase/home.html", context)


def _heading_name(obj: Any) -> SafeString:
    """The record's name for its history's heading, isolated (a name in another direction, a
    code or a title, keeps its own order) and, when it is a title held in another language than
    the reader's (a project's title held in English alone), marked as written in that language,
    as on the record's own page: a screen reader reads it in its language."""
    titles = getattr(obj, "title", None)
    if isinstance(titles, dict):
        text, code = pick_label(titles, default=getattr(obj, "default_language", "en"))
        if text:
            return _marked(text, code)
    written_in = getattr(obj, "language", "")
    if isinstance(written_in, str) and written_in:
        state, title = getattr(obj, "state", None), getattr(obj, "title", None)
        if state is not None and isinstance(title, str):
            # A request: its State named in the reader's language, its title in its own.
            return format_html("<bdi>{}</bdi>: {}", state, _marked(title, written_in))
        return _marked(str(obj), written_in)
    return format_html("<bdi>{}</bdi>", obj)


def _marked(text: str, code: str) -> SafeString:
    lang = html_lang(field_suffix(code))
    if lang == html_lang(field_suffix()):
        return format_html("<bdi>{}</bdi>", text)
    return format_html(
        '<bdi lang="{}" dir="{}">{}</bdi>', lang, "rtl" if is_rtl(code) else "ltr", text
    )


def history(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    if model not in HISTORY_MODELS:
        raise Http404
    model_class = apps.get_model(model)
    obj = get_object_or_404(model_class, pk=pk)
    app_label, model_name = model.split(".")
    perm = f"{app_label}.view_{model_name}"
    require_seen(request.user, perm, obj)
    # Each version under the record's own rule: a need's versions from before it was seen by
    # everyone (its confidential past, the reasons written then) stay with those who saw them.
    show_who = request.user.is_authenticated
    entries = history_of(
        obj,
        shown=lambda version: request.user.has_perm(perm, version),
        people=show_who,
        # A row a list held (a project's needs) is named only to who may see it.
        seen=lambda row: request.user.has_perm(
            f"{row._meta.app_label}.view_{row._meta.model_name}", row
        ),
        private=[
            field
            for field, needed in getattr(obj, "history_private", {}).items()
            if not request.user.has_perm(needed, obj)
        ],
    )
    context = {
        "object": obj,
        "name": _heading_name(obj),
        "entries": entries,
        "show_who": show_who,
    }
    return render(request, "infobase/history.html", context)


# Signed in only: a job is its requester's and the secretariat's, and a link to one followed after
# the session ended (an import left to run, a link in a notice) leads to the login and back.
@login_required
def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk)
    require(request.user, "core.view_job", job)
    state = core_selectors.job_status(job)
    withheld = export_withheld(job=job, user=request.user)
    if withheld is not None:
        state["url"] = ""
    context = {
        "job": job,
        "title": core_selectors.job_title(job),
        "state": state,
        "withheld": withheld,
        "again": bool(withheld) and may_export_again(job=job, user=request.user),
    }
    return render(request, "infobase/job.html", context)


@login_required
@require_POST
def job_export_again(request: HttpRequest, pk: str) -> HttpResponse:
    """Make an export's file again, under its requester's rights now (the job's page offers it
    once the first file is no longer given)."""
    job = get_object_or_404(Job, pk=pk, kind=EXPORT_JOB, requested_by=request.user)
    try:
        again = export_again(job=job, user=request.user)
    except TooManyExports as refused:
        messages.warning(request, refused.message)
        return redirect("job", refused.under_way[0].pk)
    return redirect("job", again.pk)


@login_required
def export_file(request: HttpRequest, pk: str) -> FileResponse:
    """The file an export job made, for the person who asked for it alone (it holds what that
    person may see); anyone else gets 404, as for a job that does not exist."""
    job = get_object_or_404(Job, pk=pk, kind=EXPORT_JOB, requested_by=request.user)
    try:
        path = export_download(job=job, user=request.user)
    except ExportOutOfScope as refused:
        raise Unavailable(refused.message) from None
    if path is None:
        raise Unavailable(not_kept_message())
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type=str(job.result.get("content_type", "")) or None,
    )


@login_required
def job_status(request: HttpRequest, pk: str) -> JsonResponse:
    job = get_object_or_404(Job, pk=pk)
    require(request.user, "core.view_job", job)
    state = core_selectors.job_status(job)
    if export_withheld(job=job, user=request.user) is not None:
        state["url"] = ""
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(notifications.notices_for(request.user)[:100])
    return render(request, "infobase/notices.html", {"notices": notices})


@login_required
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    """Mark one notice read (``notice`` in the form) or all of them, then follow its link."""
    raw = request.POST.get("notice", "")
    pk = id_from(raw)
    if pk is not None:
        notifications.notices_mark_read(user=request.user, ids=[pk])
        notice = notifications.notices_for(request.user).filter(pk=pk).first()
        if notice is not None and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
            return redirect(notice.url)
    else:
        notifications.notices_mark_read(user=request.user)
    return redirect("notice_list")
