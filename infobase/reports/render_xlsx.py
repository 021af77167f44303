"""A report's tables as an Excel workbook (openpyxl): a contents sheet, one sheet per table
and chart (with its figures, and a native Excel chart for bar charts), the map's figures with
its picture. Right-to-left sheets for Arabic; text cells guarded against formula injection;
the same document always gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, time
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart as XlBarChart
from openpyxl.chart import Reference
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from infobase.core.collation import collation_key
from infobase.core.exporters import safe_cell
from infobase.core.i18n import is_rtl
from infobase.core.text import xml_text
from infobase.core.zips import stable_zip
from infobase.reports import charts, numbers, raster
from infobase.reports.blocks import (
    BarChart,
    Definitions,
    HeatTable,
    Paragraph,
    ReportDocument,
    Table,
    WorldMap,
)

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
PCT_FORMAT = "0." + "0" * numbers.PERCENT_DIGITS  # shares as the page writes them
FORMATS = {"int": "#,##0", "pct": PCT_FORMAT, "num": "#,##0.0"}


class _Book:
    def __init__(self, document: ReportDocument) -> None:
        self.source = document
        self.lang = document.lang
        self.wb = Workbook()
        self.names: set[str] = set()
        self.contents = self.wb.active
        self.contents.title = self.unique(_("Contents"))
        self.names.add(self.contents.title)
        self.index: list[tuple[str, str]] = []

    def unique(self, name: str, number: int = 0) -> str:
        # Excel sheet names: at most 31 characters, none of []:*?/\ , no control character
        # (xml_text), no apostrophe at either end (Excel's rule: it quotes names in links).
        base = re.sub(r"[\[\]:*?/\\]", " ", xml_text(name)).strip().strip("'")[:28] or "Sheet"
        candidate = f"{number} {base}"[:31] if number else base[:31]
        suffix = 2
        while candidate in self.names:
            candidate = f"{base[:27]} ({suffix})"
            suffix += 1
        return candidate

    def sheet(self, name: str, title: str) -> Any:
        sheet_name = self.unique(name or title, len(self.index) + 1)
        self.names.add(sheet_name)
        ws = self.wb.create_sheet(sheet_name)
        ws.sheet_view.rightToLeft = is_rtl(self.lang)
        ws["A1"] = safe_cell(title)
        ws["A1"].font = TITLE
        self.index.append((sheet_name, title))
        return ws

    def header_row(self, ws: Any, row: int, labels: list[str]) -> None:
        for col, label in enumerate(labels, start=1):
            c = ws.cell(row=row, column=col, value=safe_cell(label))
            c.font = BOLD
            c.alignment = Alignment(wrap_text=True, vertical="top")

    def widths(self, ws: Any, count: int, first: int = 40, other: int = 14) -> None:
        for col in range(1, count + 1):
            ws.column_dimensions[get_column_letter(col)].width = first if col == 1 else other

    def notes(self, ws: Any, row: int, notes: tuple[str, ...]) -> None:
        for offset, note in enumerate(notes):
            ws.cell(row=row + offset, column=1, value=safe_cell(note)).font = Font(
                italic=True, size=9
            )

    @staticmethod
    def value(value: Any, kind: str) -> Any:
        """The cell as the page shows it: numbers rounded half up to the unit shown, so that a
        sum in the workbook agrees with the sum of the shown rows."""
        if kind == "text":
            return safe_cell(value)
        if value is None or isinstance(value, str):
            return value
        if kind == "int":
            return int(numbers.round_half_up(value))
        digits = numbers.PERCENT_DIGITS if kind == "pct" else 1
        return float(numbers.round_half_up(value, digits))

    def table(self, block: Table) -> None:
        ws = self.sheet(block.sheet, block.title)
        self.header_row(ws, 3, [c.label for c in block.columns])
        for r, row in enumerate(block.rows, start=4):
            for c, (value, column) in enumerate(zip(row, block.columns, strict=True), start=1):
                target = ws.cell(row=r, column=c, value=self.value(value, column.kind))
                if column.kind in FORMATS:
                    target.number_format = FORMATS[column.kind]
                if block.total_row and r == len(block.rows) + 3:
                    target.font = BOLD
        self.widths(ws, len(block.columns))
        self.notes(ws, len(block.rows) + 5, block.notes)

    def bar_chart(self, block: BarChart) -> None:
        ws = self.sheet(block.sheet, block.title)
        self.header_row(ws, 3, ["", *[s.label for s in block.series]])
        for r, category in enumerate(block.categories, start=4):
            ws.cell(row=r, column=1, value=safe_cell(category))
            for c, series in enumerate(block.series, start=2):
                value = series.values[r - 4]
                if block.percent:  # the share as the bar's label writes it
                    ws.cell(
                        row=r, column=c, value=self.value(value, "pct")
                    ).number_format = PCT_FORMAT
                else:
                    ws.cell(row=r, column=c, value=float(value)).number_format = "#,##0"
        self.widths(ws, len(block.series) + 1)
        chart = XlBarChart()
        chart.type = "bar"
        chart.title = block.title
        chart.style = 10
        if block.stacked:
            chart.grouping = "percentStacked" if block.percent else "stacked"
            chart.overlap = 100
        last = len(block.categories) + 3
        data = Reference(ws, min_col=2, max_col=len(block.series) + 1, min_row=3, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=last))
        for index, series in enumerate(block.series):
            chart.series[index].graphicalProperties.solidFill = series.colour.lstrip("#").upper()
            chart.series[index].graphicalProperties.line.solidFill = series.colour.lstrip(
                "#"
            ).upper()
        chart.height = max(7.5, 0.9 * len(block.categories) + 3)
        chart.width = 18
        ws.add_chart(chart, f"{get_column_letter(len(block.series) + 3)}3")
        self.notes(ws, last + 2, block.notes)

    def heat(self, block: HeatTable) -> None:
        ws = self.sheet(block.sheet, block.title)
        self.header_row(ws, 3, ["", *block.column_labels])
        for r, (label, values) in enumerate(
            zip(block.row_labels, block.values, strict=True), start=4
        ):
            ws.cell(row=r, column=1, value=safe_cell(label))
            for c, value in enumerate(values, start=2):
                target = ws.cell(row=r, column=c, value=self.value(value, "pct"))
                target.number_format = PCT_FORMAT
                background, text = charts.heat_colour(value)
                target.fill = PatternFill("solid", fgColor=background.lstrip("#").upper())
                target.font = Font(color=text.lstrip("#").upper())
        self.widths(ws, len(block.column_labels) + 1, other=11)
        self.notes(ws, len(block.row_labels) + 5, block.notes)

    def world_map(self, block: WorldMap) -> None:
        ws = self.sheet(block.sheet, block.title)
        self.header_row(ws, 3, [_("State"), _("ISO code"), _("Value")])
        areas = sorted(block.areas, key=lambda a: collation_key(a.name, self.lang))
        for r, area in enumerate(areas, start=4):
            ws.cell(row=r, column=1, value=safe_cell(area.name))
            ws.cell(row=r, column=2, value=area.iso3)
            ws.cell(row=r, column=3, value=None if area.value is None else float(area.value))
        self.widths(ws, 3)
        picture = XlImage(io.BytesIO(raster.png(block, self.lang)))
        picture.width, picture.height = picture.width * 0.55, picture.height * 0.55
        ws.add_image(picture, "E3")

    def definitions(self, block: Definitions) -> None:
        ws = self.sheet(block.sheet, block.title)
        for r, (term, text) in enumerate(block.items, start=3):
            ws.cell(row=r, column=1, value=safe_cell(term)).font = BOLD
            target = ws.cell(row=r, column=2, value=safe_cell(text))
            target.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions["A"].width = 34
        ws.column_dimensions["B"].width = 100

    def write(self) -> bytes:
        meta = self.source.meta
        # Tables and charts left out of the document: their one sentence goes to the contents.
        left_out = [b.text for b in self.source.blocks if isinstance(b, Paragraph) and b.left_out]
        for block in self.source.blocks:
            if isinstance(block, Definitions):
                self.definitions(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, BarChart):
                self.bar_chart(block)
            elif isinstance(block, HeatTable):
                self.heat(block)
            elif isinstance(block, WorldMap):
                self.world_map(block)
        ws = self.contents
        ws.sheet_view.rightToLeft = is_rtl(self.lang)
        ws["A1"] = safe_cell(meta.title)
        ws["A1"].font = TITLE
        rows = [
            (_("Symbol"), meta.symbol or _("Draft (no symbol)")),
            (_("Date"), numbers.long_date(meta.date, self.lang)),
            (_("Language"), self.lang),
        ]
        for r, (label, value) in enumerate(rows, start=2):
            ws.cell(row=r, column=1, value=safe_cell(label)).font = BOLD
            ws.cell(row=r, column=2, value=safe_cell(value))
        self.header_row(ws, 6, [_("Sheet"), _("Contents")])
        for r, (name, title) in enumerate(self.index, start=7):
            link = ws.cell(row=r, column=1, value=safe_cell(name))
            quoted = name.replace("'", "''")  # an apostrophe in a quoted sheet name is doubled
            link.hyperlink = f"#'{quoted}'!A1"
            ws.cell(row=r, column=2, value=safe_cell(title))
        for r, text in enumerate(left_out, start=len(self.index) + 8):
            ws.cell(row=r, column=1, value=safe_cell(text)).font = Font(italic=True, size=9)
        ws.column_dimensions["A"].width = 34
        ws.column_dimensions["B"].width = 80
        moment = datetime.combine(meta.date, time(12)) if meta.date else datetime(2000, 1, 1, 12)
        props = self.wb.properties
        props.creator = props.lastModifiedBy = "Infobase"
        props.title = xml_text(meta.title)
        props.created = props.modified = moment
        raw = io.BytesIO()
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(self.wb, archive).save()  # unlike wb.save(), keeps our "modified" time
        return stable_zip(raw.getvalue(), moment)


def render_xlsx(document: ReportDocument) -> bytes:
    return _Book(document).write()
