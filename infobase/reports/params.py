"""Parameters shared by reports: the UN document header and a period."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from infobase.reports.blocks import DocumentMeta

SYMBOL = r"^[A-Z][A-Za-z0-9./()\-]*$"
# The browser's date picker, which shows a date in its reader's way and sends it as ISO 8601
# (a text box took a date typed in a format nobody was told).
DATE_PICKER = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeetingsRecords(Protocol):
    """Where the UN header's session and agenda item come from, and how they print."""

    def sessions(self) -> QuerySet[Any]: ...

    def agenda_items(self) -> QuerySet[Any]: ...

    def session_line(self, session: Any) -> str: ...

    def agenda_item_line(self, item: Any) -> str: ...


# The meetings app, which sits above the report engine, registers its records when Django starts
# (``MeetingsConfig.ready``); without it, the header has no session or agenda item to offer.
_records: MeetingsRecords | None = None


def register_meetings_records(records: MeetingsRecords) -> None:
    global _records
    _records = records


class SessionChoiceField(forms.ModelChoiceField):
    """A session of the meetings records, labelled as the header will print it."""

    def label_from_instance(self, obj: Any) -> str:
        line = _records.session_line(obj) if _records is not None else str(obj)
        return f"{line} — {obj.body}"


class AgendaItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.session} — {obj}"


class DocumentParameters(forms.Form):
    """The header of the UN document: symbol, date, session and agenda item."""

    symbol = forms.RegexField(
        label=gettext_lazy("Document symbol"),
        regex=SYMBOL,
        required=False,
        max_length=100,
        help_text=gettext_lazy("For example CTOC/COP/2008/2; leave empty for a draft."),
    )
    date = forms.DateField(
        label=gettext_lazy("Date of the document"),
        required=False,
        widget=DATE_PICKER,
        help_text=gettext_lazy("Leave empty for today."),
    )
    session = SessionChoiceField(
        label=gettext_lazy("Session"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("The session the document is for, from the meetings records."),
    )
    agenda_item = AgendaItemChoiceField(
        label=gettext_lazy("Agenda item"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("An item of the chosen session's provisional agenda."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session = self.fields["session"]
        agenda_item = self.fields["agenda_item"]
        assert isinstance(session, forms.ModelChoiceField)
        assert isinstance(agenda_item, forms.ModelChoiceField)
        if _records is None:
            del self.fields["session"], self.fields["agenda_item"]
        else:
            session.queryset = _records.sessions()
            agenda_item.queryset = _records.agenda_items()

    def clean_date(self) -> Any:
        return self.cleaned_data.get("date") or timezone.localdate()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        session, item = cleaned.get("session"), cleaned.get("agenda_item")
        if item is not None and session is not None and item.session_id != session.pk:
            self.add_error("agenda_item", _("Choose an item of the chosen session's agenda."))
        elif item is not None and session is None:
            cleaned["session"] = item.session
        return cleaned


class PeriodParameters(DocumentParameters):
    """A period (inclusive) and the document header."""

    start = forms.DateField(
        label=gettext_lazy("From"), initial=date(2006, 1, 1), widget=DATE_PICKER
    )
    end = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=DATE_PICKER,
        help_text=gettext_lazy("Leave empty for today."),
    )

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
        session=header_session(params.get("session")),
        agenda_item=header_agenda_item(params.get("agenda_item")),
    )


def header_session(value: Any) -> str:
    """The session line in the active language, from a session's id (older parameters held
    the line as typed text: kept as it was)."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        session = _records.sessions().filter(pk=int(value)).first() if _records else None
        return _records.session_line(session) if _records and session is not None else ""
    return str(value or "")


def header_agenda_item(value: Any) -> str:
    """ "Item 2 of the provisional agenda" in the active language, from an item's id."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        item = _records.agenda_items().filter(pk=int(value)).first() if _records else None
        return _records.agenda_item_line(item) if _records and item is not None else ""
    return str(value or "")
