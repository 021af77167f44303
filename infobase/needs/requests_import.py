"""Requests for assistance imported from a spreadsheet (Excel or CSV, one line per row): every
row checked first, then the requests filed in one transaction through ``request_create``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.core.errors import InputProblem, InvalidInput, text_problem
from infobase.core.exporters import Exporter
from infobase.core.history import reason_with
from infobase.core.i18n import language
from infobase.core.tabular import cell_text, read_table
from infobase.core.text import fold
from infobase.core.typed import DateOrder, date_orders, read_date
from infobase.needs.models import (
    AssistanceRequest,
    RequestSource,
)
from infobase.needs.requests import (
    IMPORT_MAX_COLUMNS,
    IMPORT_MAX_ROWS,
    Line,
    clean_language,
    kind_index,
    lines_from,
    parse_articles,
    parse_kinds,
    save_request,
)
from infobase.reference.lookup import StateLookup
from infobase.reference.models import Article, Instrument, Priority, State

# The forward moves; withdrawn and declined are reachable from every open status.


# --- Import from a spreadsheet ------------------------------------------------------------

COLUMNS = (
    "iso3",
    "instrument",
    "articles",
    "kinds",
    "title",
    "description",
    "language",
    "urgency",
    "received_on",
    "needed_by",
    "reference",
    "confidential",
)
REQUIRED_COLUMNS = (
    "iso3",
    "instrument",
    "articles",
    "kinds",
    "title",
    "description",
    "urgency",
    "received_on",
)
COLUMN_ALIASES = {"state": "iso3", "country": "iso3"}
YES_VALUES = {"yes", "y", "true", "1", "x", "oui", "si", "sí", "да", "是", "نعم"}
NO_VALUES = {"no", "n", "false", "0", "", "non", "нет", "否", "لا"}


class RequestsTemplate(Exporter):
    """The empty workbook the import page offers: the header row the import reads, nothing
    else (an example row sent back by mistake would be filed as a request)."""

    identifier = "requests-template"

    def columns(self) -> tuple[str, ...]:
        return COLUMNS

    def rows(self) -> list[list[Any]]:
        return []

    def sheet_title(self) -> str:
        return "requests"


@dataclass
class _Row:
    line: int
    values: dict[str, Any] = field(default_factory=dict)


def _read_bytes(source: Path | IO[bytes]) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    data = source.read()
    return data if isinstance(data, bytes) else bytes(data)


def _parse_date(text: str, order: DateOrder | None) -> date:
    """A date typed as text (``core.typed.read_date``: ISO, or day and month in the order the
    cell or its column settles); ``ValueError`` with the message for the cell otherwise."""
    found = read_date(text, order)
    if found is None:
        raise ValueError(_("Enter a date in the form YYYY-MM-DD."))
    return found


@dataclass
class _Parsed:
    line: int
    state: State
    instrument: Instrument
    lines: list[Line]
    title: str
    description: str
    language: str
    urgency: str
    received_on: date
    needed_by: date | None
    reference: str
    confidential: bool


def requests_import(
    *, source: Path | IO[bytes], filename: str, user: Any
) -> list[AssistanceRequest]:
    """Import requests from a CSV or XLSX file (one request per row), all or nothing.

    Every row is checked first and every problem is reported with its file, sheet, line and
    column (InvalidInput); only then are all the requests created, in one transaction."""
    if not user.has_perm("needs.import_assistancerequests"):
        raise PermissionDenied
    # A formula cell gives the value its spreadsheet showed and saved (never computed here);
    # one whose value the file does not keep is refused naming it, not filed empty.
    table = read_table(
        _read_bytes(source),
        filename=filename,
        formulas="values",
        max_rows=IMPORT_MAX_ROWS,
        max_columns=IMPORT_MAX_COLUMNS,
    )
    sheet, rows = table.name, table.rows
    problems: list[InputProblem] = []

    def problem(message: str, line: int | None = None, column: str | None = None) -> None:
        problems.append(
            InputProblem(file=filename, message=message, line=line, column=column, sheet=sheet)
        )

    header_line = 1  # the row of the header in the file, after any blank rows above it
    while rows and all(not cell_text(v).strip() for v in rows[0]):
        rows = rows[1:]
        header_line += 1
    if not rows:
        problem(_("The file is empty."))
        raise InvalidInput(problems)
    columns: dict[str, int] = {}
    for n, raw in enumerate(rows[0]):
        name = fold(cell_text(raw)).replace(" ", "_")
        if not name:
            continue
        name = COLUMN_ALIASES.get(name, name)
        if name not in COLUMNS:
            problem(
                _("“%(name)s” is not a column of a request (expected: %(columns)s).")
                % {"name": cell_text(raw), "columns": ", ".join(COLUMNS)},
                header_line,
                cell_text(raw),
            )
        elif name in columns:
            problem(_("The column appears twice."), header_line, cell_text(raw))
        else:
            columns[name] = n
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problem(_("The column “%(name)s” is missing.") % {"name": name}, header_line)
    if problems:
        raise InvalidInput(problems)

    states = StateLookup()
    kind_names = kind_index()
    urgency_index: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with language(code):
            urgency_index.update({fold(str(p.label)): p.value for p in Priority})
    urgency_index.update({p.value: p.value for p in Priority})
    instruments = {fold(i.code): i for i in Instrument.objects.prefetch_related("articles")}
    # Dates typed as "dd/mm/yyyy" or "mm/dd/yyyy": the other dates of the column tell which.
    orders = date_orders(rows[1:], first_line=header_line + 1)
    parsed: list[_Parsed] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, row in enumerate(rows[1:], start=header_line + 1):
        values = dict.fromkeys(COLUMNS, "")
        values.update(
            {name: cell_text(row[n]) if n < len(row) else "" for name, n in columns.items()}
        )
        raw_dates: dict[str, Any] = {
            name: row[columns[name]]
            for name in ("received_on", "needed_by")
            if name in columns and columns[name] < len(row)
        }
        if all(not v.strip() for v in values.values()):
            continue
        before = len(problems)

        for name in REQUIRED_COLUMNS:
            if not values[name].strip():
                problem(_("A value is required."), line, name)

        state: State | None = None
        if values["iso3"].strip():
            found = states.find(values["iso3"])
            state = found.state
            if state is None:
                problem(found.problem, line, "iso3")
        instrument: Instrument | None = None
        if values["instrument"].strip():
            instrument = instruments.get(fold(values["instrument"]))
            if instrument is None:
                problem(
                    _("“%(value)s” is not an instrument code (expected one of: %(codes)s).")
                    % {"value": values["instrument"], "codes": ", ".join(sorted(instruments))},
                    line,
                    "instrument",
                )
        articles: list[tuple[Article, int | None]] = []
        if instrument is not None and values["articles"].strip():
            try:
                articles = parse_articles(values["articles"], instrument)
            except ValueError as exc:
                problem(str(exc), line, "articles")
        kinds: list[str] = []
        if values["kinds"].strip():
            try:
                kinds = parse_kinds(values["kinds"], kind_names)
            except ValueError as exc:
                problem(str(exc), line, "kinds")
        urgency = urgency_index.get(fold(values["urgency"]), "")
        if values["urgency"].strip() and not urgency:
            problem(
                _("“%(value)s” is not an urgency (high, medium or low).")
                % {"value": values["urgency"]},
                line,
                "urgency",
            )
        dates: dict[str, date | None] = {"received_on": None, "needed_by": None}
        for name in dates:
            raw = raw_dates.get(name)
            if isinstance(raw, datetime):
                dates[name] = raw.date()
            elif isinstance(raw, date):
                dates[name] = raw
            elif values[name].strip():
                try:
                    dates[name] = _parse_date(values[name], orders.get(columns[name]))
                except ValueError as exc:
                    problem(str(exc), line, name)
        received_on, needed_by = dates["received_on"], dates["needed_by"]
        if received_on and needed_by and needed_by < received_on:
            problem(_("The date needed by is before the date received."), line, "needed_by")
        if received_on and received_on > timezone.localdate():
            problem(_("The date received is in the future."), line, "received_on")
        title, description, reference = values["title"], values["description"], values["reference"]
        for name in ("title", "description", "reference"):
            field = AssistanceRequest._meta.get_field(name)
            if said := text_problem(values[name].strip(), field):
                problem(said, line, name)
        try:
            language_code = clean_language(values["language"])
        except ValueError as exc:
            problem(str(exc), line, "language")
            language_code = ""
        confidential_text = fold(values["confidential"])
        if confidential_text not in YES_VALUES | NO_VALUES:
            problem(
                _("Write yes or no, not “%(value)s”.") % {"value": values["confidential"]},
                line,
                "confidential",
            )
        if len(problems) > before or state is None or instrument is None or not received_on:
            continue
        same = (state.pk, instrument.pk, fold(title), received_on, fold(reference))
        if same in seen:
            problem(
                _("The same request is already on line %(line)s.") % {"line": seen[same]},
                line,
                "title",
            )
            continue
        seen[same] = line
        existing = AssistanceRequest.objects.filter(
            state=state,
            instrument=instrument,
            title=title.strip(),
            received_on=received_on,
            reference=reference.strip(),
        ).first()
        if existing is not None:
            problem(
                _("This request was already recorded (request %(pk)s).") % {"pk": existing.pk},
                line,
                "title",
            )
            continue
        parsed.append(
            _Parsed(
                line=line,
                state=state,
                instrument=instrument,
                lines=lines_from(articles, kinds),
                title=title,
                description=description,
                language=language_code,
                urgency=urgency,
                received_on=received_on,
                needed_by=needed_by,
                reference=reference,
                confidential=confidential_text in YES_VALUES,
            )
        )
    if not parsed and not problems:
        problem(_("The file has no requests, only its header."))
    if problems:
        raise InvalidInput(problems)

    created: list[AssistanceRequest] = []
    with transaction.atomic():
        for item in parsed:
            # Kept in English with its values, shown in the reader's language.
            reason = (
                reason_with(
                    gettext_noop("Imported from %(file)s, sheet “%(sheet)s”, row %(line)s"),
                    file=filename,
                    sheet=sheet,
                    line=item.line,
                )
                if sheet
                else reason_with(
                    gettext_noop("Imported from %(file)s, line %(line)s"),
                    file=filename,
                    line=item.line,
                )
            )
            created.append(
                save_request(
                    user=user,
                    state=item.state,
                    instrument=item.instrument,
                    title=item.title,
                    description=item.description,
                    language_code=item.language,
                    urgency=item.urgency,
                    received_on=item.received_on,
                    needed_by=item.needed_by,
                    lines=item.lines,
                    source=RequestSource.SPREADSHEET,
                    reference=item.reference,
                    document=None,
                    confidential=item.confidential,
                    reason=reason,
                )
            )
    return created
