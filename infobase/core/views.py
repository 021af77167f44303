from __future__ import annotations

from datetime import date

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from infobase.accounts.permissions import require
from infobase.core import selectors as core_selectors
from infobase.core.history import history_of
from infobase.core.models import Job
from infobase.reference import selectors as reference
from infobase.reference.models import Article, Codelist, Organization, RegionalGroup, State

# Models whose history can be shown, and the permission needed on the object.
HISTORY_MODELS = {
    "reference.state",
    "reference.participation",
    "reference.organization",
    "reference.statecontact",
    "questionnaires.assignment",
    "questionnaires.answer",
    "needs.need",
    "needs.workprogramme",
    "needs.assistancerequest",
    "needs.lessonlearned",
    "activities.activity",
    "funding.pledge",
    "funding.project",
    "meetings.body",
    "meetings.membership",
    "meetings.session",
    "meetings.document",
    "meetings.outcome",
    "meetings.mandate",
}


def home(request: HttpRequest) -> HttpResponse:
    today = date.today()
    context = {
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


def history(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    if model not in HISTORY_MODELS:
        raise Http404
    model_class = apps.get_model(model)
    obj = get_object_or_404(model_class, pk=pk)
    app_label, model_name = model.split(".")
    if not request.user.has_perm(f"{app_label}.view_{model_name}", obj):
        raise PermissionDenied
    return render(
        request,
        "infobase/history.html",
        {"object": obj, "entries": history_of(obj), "show_who": request.user.is_authenticated},
    )


def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk)
    require(request.user, "core.view_job", job)
    context = {
        "job": job,
        "title": core_selectors.job_title(job),
        "state": core_selectors.job_status(job),
    }
    return render(request, "infobase/job.html", context)


def job_status(request: HttpRequest, pk: str) -> JsonResponse:
    job = get_object_or_404(Job, pk=pk)
    require(request.user, "core.view_job", job)
    response = JsonResponse(core_selectors.job_status(job))
    response["Cache-Control"] = "no-store"
    return response
