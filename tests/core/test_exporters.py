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


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'=1"])
def test_formula_like_text_is_neutralised(text):
    assert safe_cell(text).startswith("'")


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


def test_the_illegal_characters_rule_is_openpyxls() -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from infobase.core import exporters

    assert exporters.ILLEGAL_CHARACTERS_RE.pattern == ILLEGAL_CHARACTERS_RE.pattern
