"""Screens for requests for technical assistance: list, file, follow, move on, import."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import is_secretariat
from infobase.accounts.permissions import require as _require
from infobase.core.exporters import render as render_export
from infobase.core.files import stored_file_response
from infobase.core.i18n import isolated
from infobase.core.once import once
from infobase.core.upload_jobs import upload_requested
from infobase.needs import requests as services
from infobase.needs import requests_import as importing
from infobase.needs.forms_requests import (
    RequestFilterForm,
    RequestForm,
    RequestsImportForm,
    TransitionForm,
)
from infobase.needs.jobs import REQUESTS_IMPORT_JOB
from infobase.needs.models import RequestLine, RequestSource, RequestStatus
from infobase.reference.models import Instrument

# What the button moving a request to each status says.
MOVE_LABELS = {
    RequestStatus.UNDER_REVIEW: gettext_lazy("Start the review"),
    RequestStatus.MATCHED: gettext_lazy("Matched with a provider"),
    RequestStatus.IN_DELIVERY: gettext_lazy("Delivery has started"),
    RequestStatus.MET: gettext_lazy("The request is met"),
    RequestStatus.WITHDRAWN: gettext_lazy("Withdraw the request"),
    RequestStatus.DECLINED: gettext_lazy("Decline the request"),
}


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_assistancerequest")
    form = RequestFilterForm(request.GET or None, user=request.user)
    lines = RequestLine.objects.select_related("article").order_by("article__number", "kind")
    qs = services.requests_for(request.user).prefetch_related(Prefetch("lines", queryset=lines))
    if form.is_valid():
        data = form.cleaned_data
        qs = services.request_filter(
            qs,
            status=data.get("status") or "",
            instrument=data.get("instrument"),
            state=data.get("state"),
            query=data.get("q") or "",
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/request_list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "can_add": request.user.has_perm("needs.add_assistancerequest"),
            "can_import": request.user.has_perm("needs.import_assistancerequests"),
        },
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(user, "needs.add_assistancerequest")
    secretariat = is_secretariat(user)
    if not secretariat and user.state is None:
        raise PermissionDenied
    form = RequestForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        state = data["state"] if secretariat else user.state
        try:
            with once(token=data["once"], user=user) as claim:
                if claim.done is not None:  # this form was sent before: its request
                    return redirect(claim.done or reverse("request_list"))
                created = services.request_create(
                    user=user,
                    state=state,
                    instrument=data["instrument"],
                    title=data["title"],
                    description=data["description"],
                    language=data.get("language") or "",
                    urgency=data["urgency"],
                    received_on=data["received_on"] if secretariat else timezone.localdate(),
                    needed_by=data.get("needed_by"),
                    lines=data["lines"],
                    source=RequestSource.NOTE_VERBALE if secretariat else RequestSource.WEB,
                    reference=data.get("reference") or "",
                    document=data.get("document"),
                    confidential=data.get("confidential", False),
                )
                claim.fulfil(reverse("request_detail", args=[created.pk]))
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The request was recorded."))
            return redirect("request_detail", pk=created.pk)
    return render(request, "needs/request_form.html", {"form": form, "secretariat": secretariat})


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "needs.view_assistancerequest")
    # Scoped first: another State's request is simply not found.
    obj = get_object_or_404(services.requests_for(request.user), pk=pk)
    _require(request.user, "needs.view_assistancerequest", obj)
    lines = list(
        obj.lines.select_related("article__instrument", "evidence__need").order_by(
            "article__number", "kind"
        )
    )
    needs = []
    for line in lines:
        evidence = getattr(line, "evidence", None)
        needs.append(evidence.need if evidence is not None else None)
    allowed = services.allowed_moves(obj, request.user)
    moves = [(status, MOVE_LABELS[RequestStatus(status)]) for status in allowed]
    return render(
        request,
        "needs/request_detail.html",
        {
            "req": obj,
            "lines": list(zip(lines, needs, strict=True)),
            "has_needs": any(needs),
            "moves": moves,
            "form": TransitionForm(),
            "document_name": PurePath(obj.document.name or "").name if obj.document else "",
            "can_see_history": request.user.has_perm("infobase.view_history", obj),
        },
    )


@login_required
def request_document(request: HttpRequest, pk: int) -> FileResponse:
    obj = get_object_or_404(services.requests_for(request.user), pk=pk)
    _require(request.user, "needs.view_assistancerequest", obj)
    if not obj.document:
        raise PermissionDenied
    return stored_file_response(obj.document, filename=PurePath(obj.document.name or "").name)


@login_required
@require_POST
def request_transition(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(services.requests_for(request.user), pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status to move the request to."))
        return redirect("request_detail", pk=obj.pk)
    try:
        services.request_transition(
            request=obj,
            user=request.user,
            to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The request is now “%(status)s”.") % {"status": obj.get_status_display()},
        )
    return redirect("request_detail", pk=obj.pk)


@login_required
def requests_import(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.import_assistancerequests")
    form = RequestsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # Up to IMPORT_MAX_ROWS requests: read and written by a worker, never in the request.
        return upload_requested(
            request, kind=REQUESTS_IMPORT_JOB, uploads=[form.cleaned_data["file"]]
        )
    return render(
        request,
        "needs/requests_import.html",
        {
            "form": form,
            "columns": importing.COLUMNS,
            # Each column name, code and example set apart in Arabic: Latin fragments side by
            # side in a right-to-left sentence would run together in the wrong order.
            "instruments": isolated(", ".join(Instrument.objects.values_list("code", flat=True))),
            "col": {name: isolated(name) for name in importing.COLUMNS},
            "articles_example": isolated("5; 6(2); 12"),
            "kind_codes": isolated("training, legislative"),
            "urgencies": {value: isolated(value) for value in ("high", "medium", "low")},
            "date_pattern": isolated("YYYY-MM-DD"),
        },
    )


@login_required
def requests_import_template(request: HttpRequest) -> HttpResponse:
    """The empty workbook with the columns the import reads, to fill in and send back."""
    _require(request.user, "needs.import_assistancerequests")
    made = render_export(
        importing.RequestsTemplate(), fmt="xlsx", lang=get_language() or settings.LANGUAGE_CODE
    )
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response
