"""Answering offline: an Excel workbook a focal point fills in, and ODK/Kobo submissions.

``workbook_export`` writes the questionnaire with the State's current answers; the focal point
fills it in Excel or LibreOffice and ``workbook_import`` reads it back. Everything in the file is
checked before anything is written; the answers are then saved in one ``answers_save`` call with
the versions the file started from, so that answers changed on the web in the meantime come back
as conflicts instead of being overwritten.

``submissions_import`` reads an ODK/KoboToolbox export (CSV or XLSX, one row per submission)
for the secretariat and replaces the answers of each State named in it, all or nothing.

Files are read by ``core.tabular`` (openpyxl in read-only, data-only mode): a formula is read as
the value the spreadsheet program saved for it, never evaluated; one whose value the file does
not keep (a program that computes nothing wrote it) is refused naming its cell. Text written to
a workbook that a spreadsheet could take for a formula is prefixed with an apostrophe
(``safe_cell``), and no formula is ever written.

The package: ``cells`` (format, sheets and columns, reading and writing a cell, the
questionnaire's shape), ``export``, ``imports`` (a filled workbook) and ``submissions``
(ODK/KoboToolbox).
"""

from infobase.core.exporters import safe_cell
from infobase.questionnaires.workbook.cells import (
    COLUMN_LABELS,
    FORMAT,
    SHEET_LABELS,
    TICK,
    YES_LABEL,
    unsafe_cell,
)
from infobase.questionnaires.workbook.export import workbook_export
from infobase.questionnaires.workbook.imports import _column_keys, workbook_import
from infobase.questionnaires.workbook.submissions import submissions_import

__all__ = [
    "COLUMN_LABELS",
    "FORMAT",
    "SHEET_LABELS",
    "TICK",
    "YES_LABEL",
    "_column_keys",
    "safe_cell",
    "submissions_import",
    "unsafe_cell",
    "workbook_export",
    "workbook_import",
]
