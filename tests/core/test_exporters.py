from __future__ import annotations

import csv
import io

import pytest
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from infobase.core.exporters import Exporter, render, safe_cell


class Sample(Exporter):
    identifier = "sample"

    def columns(self):
        return [_("State"), _("Status")]

    def rows(self):
        return [["مصر", '=HYPERLINK("http://evil")'], ["Sénégal", "@SUM(A1)"], ["France", "-2+3"]]


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'=1", " =1+1", "\u00a0 @x", "\n-1", " \t+1"]
)
def test_formula_like_text_is_neutralised(text):
    assert safe_cell(text).startswith("'")


def test_a_csv_cell_with_spaces_before_a_formula_is_no_formula_once_spaces_are_trimmed():
    # LibreOffice's CSV import with "Trim spaces" and "Evaluate formulas" runs " =1+1" (written
    # unquoted) as a formula: the spaces are no guard.
    class Spaced(Sample):
        def rows(self):
            return [[' =HYPERLINK("http://evil")', "  -2+3"]]

    text = render(Spaced(), fmt="csv", lang="en").content.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert [cell.strip().startswith("'") for cell in row] == [True, True]


def test_plain_values_are_left_alone():
    assert safe_cell("Egypt") == "Egypt" and safe_cell(-2) == -2


def test_csv_export_is_utf8_with_translated_header_and_no_formulas():
    export = render(Sample(), fmt="csv", lang="fr")
    text = export.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["État", "Statut"]
    assert rows[1] == ["مصر", '\'=HYPERLINK("http://evil")']
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_xlsx_export_reads_right_to_left_in_arabic_and_holds_no_formula():
    export = render(Sample(), fmt="xlsx", lang="ar")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.sheet_view.rightToLeft
    assert sheet["A2"].value == "مصر"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert export.filename == "sample-ar.xlsx"


# Pasted into a State's words: NUL, BEL, ESC, a word processor's line and page breaks (VT, FF),
# and the non-characters U+FFFE and U+FFFF, which no XML file can hold.
PASTED = "first\x0bsecond\x0cthird\x00\x07\x1b \ufffe\uffffend ترحيل"


class Pasted(Exporter):
    identifier = "pasted"

    def columns(self):
        return [_("State")]

    def rows(self):
        return [[PASTED]]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_text_no_xml_file_can_hold_is_exported_readable(fmt):
    export = render(Pasted(), fmt=fmt, lang="ar")
    if fmt == "xlsx":
        cell = load_workbook(io.BytesIO(export.content)).active["A2"].value
    else:
        cell = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1][0]
    assert cell == "first\nsecond\nthird end ترحيل"


class Defined(Sample):
    def notes(self):
        return [_("State"), "=1+1"]


def test_a_workbook_states_what_its_rows_are_on_a_sheet_after_them():
    book = load_workbook(io.BytesIO(render(Defined(), fmt="xlsx", lang="ar").content))
    rows, about = book.worksheets
    assert rows["A2"].value == "مصر"  # the rows first: what a reader and a script open
    assert about.title == "حول هذا الملف"
    assert about.sheet_view.rightToLeft
    assert [r[0].value for r in about.iter_rows()] == ["الدولة", "'=1+1"]


def test_a_workbook_without_notes_has_one_sheet_and_csv_never_holds_them():
    assert (
        len(load_workbook(io.BytesIO(render(Sample(), fmt="xlsx", lang="en").content)).worksheets)
        == 1
    )
    assert "=1+1" not in render(Defined(), fmt="csv", lang="en").content.decode("utf-8-sig")
