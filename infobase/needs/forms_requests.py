"""Forms for requests for technical assistance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from infobase.accounts.permissions import is_secretariat
from infobase.core.once import OnceField
from infobase.core.uploads import DOCUMENTS, TABLE, validate_upload
from infobase.needs.models import RequestStatus
from infobase.needs.requests import lines_from, parse_articles
from infobase.reference.models import AssistanceKind, Instrument, Priority, State

DOCUMENT_EXTENSIONS = set(DOCUMENTS.extensions)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def language_choices() -> list[tuple[str, Any]]:
    choices = [("zh" if code == "zh-hans" else code, name) for code, name in settings.LANGUAGES]
    return [*choices, ("", _("Another language"))]


class RequestForm(forms.Form):
    state = forms.ModelChoiceField(label=_("State"), queryset=State.objects.all())
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.all())
    articles = forms.CharField(
        label=_("Articles"),
        max_length=300,
        help_text=_(
            "Article numbers separated by semicolons, a paragraph in brackets if it helps: "
            "5; 6(2); 12"
        ),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of assistance"),
        choices=AssistanceKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        help_text=_("In any language."),
    )
    language = forms.ChoiceField(label=_("Language of the request"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Priority.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    needed_by = forms.DateField(label=_("Needed by"), required=False, widget=DATE_INPUT)
    reference = forms.CharField(
        label=_("Reference (e.g. note verbale number)"), max_length=200, required=False
    )
    document = forms.FileField(
        label=_("Document (the note verbale or a supporting paper)"),
        required=False,
        help_text=_("PDF, Word, OpenDocument, text or image; at most 25 MB."),
    )
    confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("Visible only to the State and the secretariat; counted only in aggregates."),
    )
    once = OnceField()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["language"].choices = language_choices()  # type: ignore[attr-defined]
        current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        self.fields["language"].initial = current
        self.fields["title"].widget.attrs["dir"] = "auto"
        self.fields["urgency"].initial = Priority.MEDIUM
        if is_secretariat(user):
            self.fields["received_on"].initial = timezone.localdate()
        else:
            # A focal point files for their own State, today.
            del self.fields["state"]
            del self.fields["received_on"]

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if not document:
            return None
        return validate_upload(document, policy=DOCUMENTS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instrument = data.get("instrument")
        if instrument is not None and data.get("articles"):
            try:
                articles = parse_articles(data["articles"], instrument)
            except ValueError as exc:
                self.add_error("articles", str(exc))
            else:
                data["lines"] = lines_from(articles, data.get("kinds") or [])
        return data


class RequestFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=Instrument.objects.all(), required=False
    )
    state = forms.ModelChoiceField(label=_("State"), queryset=State.objects.all(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            ("open", _("Open")),
            *RequestStatus.choices,
        ]
        if not is_secretariat(user):
            del self.fields["state"]  # the others only ever see their own State


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=RequestStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("Required to withdraw or decline."),
    )


class RequestsImportForm(forms.Form):
    file = forms.FileField(label=_("Requests (.csv or .xlsx)"))

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data.get("file"), policy=TABLE)
