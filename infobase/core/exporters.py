"""One exporter interface for tables, used by the web pages, the commands and (later) the API.

An exporter names its columns and yields rows of plain values; ``render`` writes them as CSV or
XLSX in a given language. Every text cell is guarded against formula injection: spreadsheet
programs run a cell that starts with = + - @ (or a tab or carriage return) as a formula, also
after leading spaces that an import trims.
"""

from __future__ import annotations

import csv
import io
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from infobase.core.i18n import is_rtl, language
from infobase.core.text import xml_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


def safe_cell(value: Any) -> Any:
    """A value safe to put in a cell: text a spreadsheet could run as a formula is prefixed
    with an apostrophe, and characters XML cannot hold are made XML text (``xml_text``: an
    XLSX file is XML). Other values unchanged."""
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    if looks_like_formula(value):
        return "'" + value
    return value


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` (after apostrophes, which ``safe_cell`` adds)
    as a formula, also after spaces or line breaks: LibreOffice's CSV import can trim them
    ("Trim spaces") and then evaluate what follows."""
    text = text.lstrip("'")
    return text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START)


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    content: bytes
    rows: int = 0  # below the header


class Exporter(ABC):
    """Subclasses set ``identifier`` and implement ``columns`` and ``rows``; both are called
    inside the export's language, so labels may use gettext."""

    identifier: str = "export"

    @abstractmethod
    def columns(self) -> Sequence[str]: ...

    @abstractmethod
    def rows(self) -> Iterable[Sequence[Any]]: ...

    def sheet_title(self) -> str:
        return self.identifier[:31]

    def notes(self) -> Sequence[str]:
        """What the rows are, in words (the definition the page showing them states): written
        on a sheet of its own after the rows' in a workbook. A CSV file holds the rows only."""
        return ()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def render(exporter: Exporter, *, fmt: str, lang: str) -> Export:
    if fmt not in FORMATS:
        raise ValueError(fmt)
    with language(lang):
        header = [str(c) for c in exporter.columns()]
        rows = [[safe_cell(_plain(v)) for v in row] for row in exporter.rows()]
        title = exporter.sheet_title()
        notes = [safe_cell(str(note)) for note in exporter.notes()]
        notes_title = _("About this file")[:31]
        rtl = is_rtl(lang)
    name = f"{exporter.identifier}-{lang}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                ["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row]
            )
        # A BOM so that spreadsheet programs read the UTF-8 (Arabic, Chinese) correctly.
        return Export(
            name,
            "text/csv; charset=utf-8",
            ("\ufeff" + buffer.getvalue()).encode("utf-8"),
            rows=len(rows),
        )
    from openpyxl import Workbook  # loaded when a workbook is written, not at start-up
    from openpyxl.styles import Alignment

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.sheet_view.rightToLeft = rtl
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    if notes:
        about = book.create_sheet(notes_title)
        about.sheet_view.rightToLeft = rtl
        about.column_dimensions["A"].width = 100
        for note in notes:
            about.append([note])
            cell = about.cell(row=about.max_row, column=1)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.properties.creator = "Infobase"
    out = io.BytesIO()
    book.save(out)
    return Export(
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        out.getvalue(),
        rows=len(rows),
    )
