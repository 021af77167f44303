"""Parameters shared by reports: the UN document header and a period."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from infobase.reports.blocks import DocumentMeta

SYMBOL = r"^[A-Z][A-Za-z0-9./()\-]*$"


class DocumentParameters(forms.Form):
    """The header of the UN document: symbol, date, session and agenda item."""

    symbol = forms.RegexField(
        label=gettext_lazy("Document symbol"),
        regex=SYMBOL,
        required=False,
        max_length=100,
        help_text=gettext_lazy("For example CTOC/COP/2008/2; leave empty for a draft."),
    )
    date = forms.DateField(label=gettext_lazy("Date of the document"), required=False)
    session = forms.CharField(label=gettext_lazy("Session"), required=False, max_length=200)
    agenda_item = forms.CharField(label=gettext_lazy("Agenda item"), required=False, max_length=200)

    def clean_date(self) -> Any:
        return self.cleaned_data.get("date") or timezone.localdate()


class PeriodParameters(DocumentParameters):
    """A period (inclusive) and the document header."""

    start = forms.DateField(label=gettext_lazy("From"), initial=date(2006, 1, 1))
    end = forms.DateField(label=gettext_lazy("Until"), required=False)

    field_order = ["start", "end", "symbol", "date", "session", "agenda_item"]

    def clean_end(self) -> Any:
        return self.cleaned_data.get("end") or timezone.localdate()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        return cleaned


def period(params: Any) -> tuple[date, date]:
    return date.fromisoformat(params["start"]), date.fromisoformat(params["end"])


def document_date(params: Any) -> date | None:
    return date.fromisoformat(params["date"]) if params.get("date") else None


def conference_meta(params: Any, *, title: str, note: str, subtitle: str = "") -> DocumentMeta:
    """The header of a document for the Conference of the Parties, from the parameters."""
    return DocumentMeta(
        title=title,
        subtitle=subtitle,
        note=note,
        symbol=params.get("symbol") or "",
        distribution=pgettext("document distribution", "General"),
        date=document_date(params),
        original_language="en",
        body=_(
            "Conference of the Parties to the United Nations Convention against "
            "Transnational Organized Crime"
        ),
        session=params.get("session") or "",
        agenda_item=params.get("agenda_item") or "",
    )
