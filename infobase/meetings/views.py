"""Screens of the meetings app: sessions, documents, outcomes, bodies and the mandates registry.

The public browses everything but documents that are not public or not of general
distribution; only the secretariat sets the status of a mandate (and edits in the admin).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.accounts.permissions import require, scope_documents
from infobase.core.errors import InvalidInput
from infobase.core.files import stored_file_response
from infobase.core.widgets import Checklist
from infobase.meetings import selectors
from infobase.meetings.mandates import evaluate_mandate
from infobase.meetings.models import (
    Body,
    Document,
    DocumentKind,
    Mandate,
    ManualStatus,
    Outcome,
    Session,
    SessionKind,
)
from infobase.meetings.services import document_from_report, mandate_set_status


def _today(request: HttpRequest) -> date:
    """The day mandates are evaluated on: today, or ``?today=YYYY-MM-DD`` to look back."""
    try:
        return date.fromisoformat(request.GET.get("today", ""))
    except ValueError:
        return date.today()


# --- Sessions -------------------------------------------------------------------------------


class SessionFilterForm(forms.Form):
    body = forms.ChoiceField(label=gettext_lazy("Body"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *SessionKind.choices],
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=1990, max_value=9999
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [  # type: ignore[attr-defined]
            ("", _("Any body")),
            *((b.code, str(b)) for b in Body.objects.all()),
        ]


def session_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "meetings.view_session")
    form = SessionFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "body_code": form.cleaned_data["body"] or None,
            "kind": form.cleaned_data["kind"] or None,
            "year": form.cleaned_data["year"],
        }
    page = Paginator(selectors.sessions(**filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/session_list.html",
        {"form": form, "page": page, "bodies": Body.objects.all()},
    )


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("body", "country", "during"), pk=pk)
    require(request.user, "meetings.view_session", session)
    docs = scope_documents(request.user, selectors.documents(session=session)).prefetch_related(
        "files"
    )
    groups = selectors.participants_by_capacity(session)
    return render(
        request,
        "meetings/session_detail.html",
        {
            "session": session,
            "agenda": session.agenda.all(),
            "groups": groups,
            "participant_count": sum(len(members) for _v, _l, members in groups),
            "documents": docs.order_by("symbol"),
            "outcomes": session.outcomes.all(),
            "meetings_during": session.meetings_during.select_related("body"),
            "needs_reviewed": selectors.needs_reviewed_count(session, viewer=request.user),
            "can_see_needs": request.user.has_perm("needs.view_register"),
            "can_edit": request.user.has_perm("meetings.change_session", session),
        },
    )


def body_detail(request: HttpRequest, code: str) -> HttpResponse:
    body = get_object_or_404(Body.objects.select_related("parent", "established_by"), code=code)
    require(request.user, "meetings.view_body", body)
    return render(
        request,
        "meetings/body_detail.html",
        {
            "body": body,
            "memberships": body.memberships.select_related("state").order_by("-starts_on"),
            "sessions": selectors.sessions(body_code=body.code),
        },
    )


# --- Documents ------------------------------------------------------------------------------


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Symbol or title"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *DocumentKind.choices],
    )


def document_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "meetings.view_document")
    form = DocumentFilterForm(request.GET or None)
    search, kind = "", None
    if form.is_valid():
        search, kind = form.cleaned_data["q"].strip(), form.cleaned_data["kind"] or None
    docs = scope_documents(request.user, selectors.documents(kind=kind, search=search))
    page = Paginator(docs.prefetch_related("files"), 50).get_page(request.GET.get("page"))
    return render(request, "meetings/document_list.html", {"form": form, "page": page})


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.select_related("session__body", "body", "agenda_item"), pk=pk
    )
    require(request.user, "meetings.view_document", document)
    return render(
        request,
        "meetings/document_detail.html",
        {
            "document": document,
            "files": document.files.all(),
            "can_edit": request.user.has_perm("meetings.change_document", document),
        },
    )


def document_file(request: HttpRequest, pk: int, language: str) -> FileResponse:
    document = get_object_or_404(Document, pk=pk)
    require(request.user, "meetings.view_document", document)
    stored = document.files.filter(language=language).first()
    if stored is None or not stored.file:
        raise Http404
    return stored_file_response(
        stored.file,
        as_attachment=False,
        filename=(stored.file.name or "").rsplit("/", 1)[-1],
        content_type=stored.mime_type or None,
    )


# --- Outcomes -------------------------------------------------------------------------------


def outcome_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_object_or_404(Outcome.objects.select_related("session__body"), pk=pk)
    require(request.user, "meetings.view_outcome", outcome)
    return render(
        request,
        "meetings/outcome_detail.html",
        {
            "outcome": outcome,
            "links": selectors.outcome_links(outcome, viewer=request.user),
            "mandates": outcome.mandates.exists(),
            "can_see_needs": request.user.has_perm("needs.view_register"),
            "can_see_projects": request.user.has_perm("funding.view_project"),
        },
    )


# --- Mandates -------------------------------------------------------------------------------


def mandate_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "meetings.view_mandate")
    today = _today(request)
    return render(
        request,
        "meetings/mandate_list.html",
        {
            "decisions": selectors.mandates_by_decision(today=today, user=request.user),
            "today": today,
            "can_set": request.user.has_perm("meetings.set_mandate_status"),
        },
    )


class MandateStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=ManualStatus.choices)
    evidence_note = forms.CharField(
        label=gettext_lazy("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
    sessions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Sessions showing it"),
        queryset=Session.objects.select_related("body"),
        required=False,
        widget=Checklist(auto_dir=True),  # a title may be shown in another language
    )
    documents = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Documents showing it"),
        queryset=Document.objects.all(),
        required=False,
        widget=Checklist(auto_dir=True),  # UN symbols, left to right on an Arabic page too
    )
    outcomes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Outcomes showing it"),
        queryset=Outcome.objects.select_related("session"),
        required=False,
        widget=Checklist,
    )
    link_url = forms.CharField(
        label=gettext_lazy("Link to another record (/… or https://…)"),
        required=False,
        max_length=500,
    )
    link_label = forms.CharField(
        label=gettext_lazy("Label of the link"), required=False, max_length=300
    )
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=300)


def mandate_status(request: HttpRequest, pk: int) -> HttpResponse:
    mandate = get_object_or_404(Mandate.objects.select_related("decision"), pk=pk)
    require(request.user, "meetings.set_mandate_status", mandate)
    form = MandateStatusForm(
        request.POST or None,
        initial={"status": mandate.manual_status, "evidence_note": mandate.evidence_note},
    )
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mandate_set_status(
                mandate=mandate,
                status=data["status"],
                reason=data["reason"],
                user=request.user,
                evidence_note=data["evidence_note"],
                sessions=data["sessions"],
                documents=data["documents"],
                outcomes=data["outcomes"],
                link_url=data["link_url"].strip(),
                link_label=data["link_label"].strip(),
            )
        except InvalidInput as exc:
            problems = exc.problems
        else:
            messages.success(request, _("The status of the mandate was saved."))
            return redirect(f"{reverse('mandate_list')}#mandate-{mandate.pk}")
    return render(
        request,
        "meetings/mandate_form.html",
        {
            "mandate": mandate,
            "state": evaluate_mandate(mandate, today=date.today()),
            "form": form,
            "problems": problems,
        },
    )


class FileReportForm(forms.Form):
    session = forms.ModelChoiceField(
        label=gettext_lazy("Before the session"),
        queryset=Session.objects.select_related("body").order_by("-starts_on"),
    )


def report_file(request: HttpRequest, run_pk: str) -> HttpResponse:
    """File a report produced by Infobase as a document before a session."""
    from infobase.reports.models import ReportRun

    run = get_object_or_404(ReportRun, pk=run_pk)
    require(request.user, "meetings.add_document")
    form = FileReportForm(request.POST or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            document = document_from_report(
                user=request.user, run=run, session=form.cleaned_data["session"]
            )
        except InvalidInput as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("The report is filed as document %(symbol)s.") % {"symbol": document.symbol},
            )
            return redirect("document_detail", pk=document.pk)
    return render(
        request, "meetings/report_file.html", {"run": run, "form": form, "problems": problems}
    )
