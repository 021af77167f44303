"""Forms for requests for technical assistance."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from infobase.accounts.permissions import is_secretariat
from infobase.core.forms import NamedEmptyChoice
from infobase.core.once import OnceField
from infobase.core.quota import quota_problems
from infobase.core.uploads import DOCUMENTS, TABLE, validate_upload
from infobase.needs.article_picker import (
    ArticlePicker,
    option_value,
    picker_choices,
    picker_groups,
)
from infobase.needs.models import RequestStatus
from infobase.needs.requests import lines_from, parse_articles
from infobase.reference.forms import StateChoiceField, instrument_filter, state_filter
from infobase.reference.models import Article, AssistanceKind, Instrument, Priority

DOCUMENT_EXTENSIONS = set(DOCUMENTS.extensions)
OPTION = re.compile(r"a\d+(\.\d+)?")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def language_choices() -> list[tuple[str, Any]]:
    choices = [("zh" if code == "zh-hans" else code, name) for code, name in settings.LANGUAGES]
    return [*choices, ("", _("Another language"))]


def chosen_articles(values: list[str], instrument: Instrument) -> list[tuple[Article, int | None]]:
    """The chosen options as the instrument's articles with their optional paragraph.

    A value that is not an option is read as the older typed list ("5; 6(2); 12"), as sent by
    scripts written for the text field. Raises ValueError when an option belongs to another
    instrument or a typed token is not one of its articles."""
    articles = {a.pk: a for a in instrument.articles.all()}
    found: list[tuple[Article, int | None]] = []
    for value in values:
        if not OPTION.fullmatch(value):
            found.extend(parse_articles(value, instrument))
            continue
        article_id, _dot, paragraph = value[1:].partition(".")
        article = articles.get(int(article_id))
        if article is None:
            raise ValueError(
                _("Choose articles of %(instrument)s only.") % {"instrument": instrument}
            )
        found.append((article, int(paragraph) if paragraph else None))
    return found


class ArticlesField(forms.MultipleChoiceField):
    """The articles picker; also accepts the older typed list (see ``chosen_articles``)."""

    def valid_value(self, value: str) -> bool:
        return super().valid_value(value) or not OPTION.fullmatch(value)


class RequestForm(NamedEmptyChoice, forms.Form):
    state = StateChoiceField(label=_("State"))
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.all())
    articles = ArticlesField(
        label=_("Articles"),
        choices=[],
        widget=ArticlePicker,
        help_text=_(
            "Tick each article of the instrument the request concerns, or open an article to "
            "tick only some of its paragraphs."
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
        # A browser sends a form back without the file chosen: it must be chosen again.
        self.document_sent = bool(self.files.get(self.add_prefix("document")))
        self.fields["language"].choices = language_choices()  # type: ignore[attr-defined]
        groups = picker_groups()
        self.fields["articles"].choices = picker_choices(groups)  # type: ignore[attr-defined]
        self.fields["articles"].widget.groups = groups
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
                articles = chosen_articles(data["articles"], instrument)
            except ValueError as exc:
                self.add_error("articles", str(exc))
            else:
                data["lines"] = lines_from(articles, data.get("kinds") or [])
                picker = self.fields["articles"].widget
                picker.typed = {option_value(a, p) for a, p in articles}
        state = data.get("state") if "state" in self.fields else self.user.state
        if data.get("document") and state is not None:
            over = quota_problems(state=state, uploads=[data["document"]])
            if over:
                self.add_error("document", over[0])
        return data


class RequestFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    # As on the other lists: "Any instrument", "Any State", by code in the address.
    instrument = instrument_filter()
    state = state_filter()

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
