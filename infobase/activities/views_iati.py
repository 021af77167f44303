"""IATI import from the web: the secretariat uploads activity files and reads the report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy, pgettext_lazy

from infobase.accounts.permissions import require
from infobase.activities.iati_import import file_messages
from infobase.activities.jobs import IATI_IMPORT_JOB
from infobase.activities.models import Activity, ImportRun
from infobase.core.upload_jobs import upload_requested
from infobase.core.uploads import IATI_XML, validate_uploads

OUTCOMES = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged"),
    "skipped": gettext_lazy("Left out by the relevance filter"),
    "rejected": gettext_lazy("Rejected"),
    "marked_missing": gettext_lazy("No longer in the publisher's file"),
    "duplicates": gettext_lazy("Repeated in the file (another copy kept)"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class IatiUploadForm(forms.Form):
    upload = MultipleFileField(label=gettext_lazy("IATI activity files (.xml)"))
    validate = forms.BooleanField(
        label=gettext_lazy("Also validate against the IATI schema (errors reported, not blocking)"),
        required=False,
    )
    all_activities = forms.BooleanField(
        label=gettext_lazy("Import every activity (no relevance filter)"), required=False
    )

    def clean_upload(self) -> list[Any]:
        return validate_uploads(self.cleaned_data.get("upload") or [], policy=IATI_XML)


@login_required
def iati_import_upload(request: HttpRequest) -> HttpResponse:
    require(request.user, "activities.import_iati")
    form = IatiUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # Imported by a worker (infobase.activities.jobs); the job page follows it.
        return upload_requested(
            request,
            kind=IATI_IMPORT_JOB,
            uploads=form.cleaned_data["upload"],
            validate=form.cleaned_data["validate"],
            all=form.cleaned_data["all_activities"],
        )
    return render(
        request,
        "activities/iati_import.html",
        {
            "form": form,
            "runs": ImportRun.objects.select_related("user")[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


class OutcomeFilterForm(forms.Form):
    """The activities of an import's report by outcome, each choice with its count."""

    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False)

    def __init__(self, *args: Any, counts: list[tuple[str, Any, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = [
            ("", pgettext_lazy("outcomes", "All")),
            *[(key, f"{label} ({value})") for key, label, value in counts],
        ]


@login_required
def import_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "activities.import_iati")
    run = get_object_or_404(ImportRun, pk=pk)
    counts = [(key, label, getattr(run, key)) for key, label in OUTCOMES.items()]
    form = OutcomeFilterForm(request.GET or None, counts=counts)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    entries = [e for e in run.report if not outcome or e.get("outcome") == outcome]
    page = Paginator(entries, 200).get_page(request.GET.get("page"))
    identifiers = [e["identifier"] for e in page.object_list if e.get("identifier")]
    pks = dict(
        Activity.objects.filter(iati_identifier__in=identifiers).values_list(
            "iati_identifier", "pk"
        )
    )
    rows = [
        (
            entry,
            OUTCOMES.get(entry.get("outcome", ""), entry.get("outcome")),
            pks.get(entry.get("identifier")),
        )
        for entry in page.object_list
    ]
    files = [(info, file_messages(info)) for info in run.files]
    return render(
        request,
        "activities/import_run.html",
        {
            "run": run,
            "counts": counts,
            "files": files,
            "rows": rows,
            "page": page,
            "outcome": outcome,
            "form": form,
            "query": urlencode({"outcome": outcome}) if outcome else "",
        },
    )
