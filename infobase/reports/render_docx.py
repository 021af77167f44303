"""A report as an editable Word document (python-docx).

Right-to-left documents set Word's bidi properties on the section, every paragraph, run and
table, and tag runs with the language, so Word and LibreOffice order and shape Arabic
correctly. Charts and the map are pictures (see ``raster``); tables and heat tables stay
editable Word tables.
"""

from __future__ import annotations

import io
from datetime import datetime, time
from typing import Any

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from infobase.core.i18n import is_rtl
from infobase.core.zips import stable_zip
from infobase.reports import charts, numbers, raster
from infobase.reports.blocks import (
    BarChart,
    Definitions,
    Heading,
    HeatTable,
    PageBreak,
    Paragraph,
    Quote,
    ReportDocument,
    Table,
    WorldMap,
)
from infobase.reports.outline import numbered
from infobase.reports.print_layout import print_tables
from infobase.reports.render_html import cell, distribution_lines

FONTS = {
    "ascii": "Noto Sans",
    "hAnsi": "Noto Sans",
    "cs": "Noto Naskh Arabic",
    "eastAsia": "Noto Sans CJK SC",
}
WORD_LANG = {
    "ar": "ar-SA",
    "zh-hans": "zh-CN",
    "en": "en-GB",
    "fr": "fr-FR",
    "ru": "ru-RU",
    "es": "es-ES",
}


class _Writer:
    def __init__(self, document: ReportDocument) -> None:
        self.source = document
        self.lang = document.lang
        self.rtl = is_rtl(self.lang)
        self.doc = Document()
        self._setup()

    # --- document-wide settings -------------------------------------------------------------

    def _setup(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Mm(20))
        section.top_margin = section.bottom_margin = Mm(22)
        if self.rtl:
            section._sectPr.append(OxmlElement("w:bidi"))
        for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
            style = self.doc.styles[style_name]
            rpr = style.element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                rpr.append(fonts)
            for key, name in FONTS.items():
                fonts.set(qn(f"w:{key}"), name)
            for theme in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
                fonts.attrib.pop(qn(f"w:{theme}"), None)
            lang = OxmlElement("w:lang")
            lang.set(qn("w:val"), WORD_LANG["en"] if self.lang == "ar" else WORD_LANG[self.lang])
            lang.set(qn("w:bidi"), WORD_LANG["ar"])
            lang.set(qn("w:eastAsia"), WORD_LANG["zh-hans"])
            rpr.append(lang)
            if style_name != "Normal":
                style.font.color.rgb = RGBColor(0, 0, 0)
        self.doc.styles["Normal"].font.size = Pt(10.5)
        props = self.doc.core_properties
        meta = self.source.meta
        props.title = meta.title
        props.subject = meta.symbol
        props.author = props.last_modified_by = "Infobase"
        props.language = WORD_LANG[self.lang]
        props.revision = 1
        props.created = props.modified = self.moment()
        props.comments = ""

    def moment(self) -> datetime:
        day = self.source.meta.date
        return datetime.combine(day, time(12)) if day else datetime(2000, 1, 1, 12)

    # --- paragraphs and runs ------------------------------------------------------------------

    def _bidi(self, paragraph: object) -> None:
        if self.rtl:
            ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
            ppr.insert(0, OxmlElement("w:bidi"))

    def run(
        self,
        paragraph: object,
        text: str,
        *,
        bold: bool = False,
        size: float | None = None,
        superscript: bool = False,
    ) -> None:
        run = paragraph.add_run(text)  # type: ignore[attr-defined]
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if superscript:
            run.font.superscript = True
        if self.rtl:
            rpr = run._r.get_or_add_rPr()
            rpr.append(OxmlElement("w:rtl"))
            if bold:
                rpr.append(OxmlElement("w:bCs"))
            if size:
                sz = OxmlElement("w:szCs")
                sz.set(qn("w:val"), str(int(size * 2)))
                rpr.append(sz)

    def paragraph(
        self,
        text: str = "",
        *,
        style: str | None = None,
        bold: bool = False,
        size: float | None = None,
        align: str = "start",
    ) -> object:
        paragraph = self.doc.add_paragraph(style=style)
        self._bidi(paragraph)
        if align == "end":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if self.rtl else WD_ALIGN_PARAGRAPH.RIGHT
        elif align == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "justify":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if text:
            self.run(paragraph, text, bold=bold, size=size)
        return paragraph

    # --- header ---------------------------------------------------------------------------------

    def header(self) -> None:
        meta = self.source.meta
        section = self.doc.sections[0]
        head = section.header.paragraphs[0]
        self._bidi(head)
        head.alignment = WD_ALIGN_PARAGRAPH.LEFT if self.rtl else WD_ALIGN_PARAGRAPH.RIGHT
        self.run(head, meta.symbol or _("Draft (no symbol)"), bold=True, size=9)
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        foot._p.append(field)

        self.paragraph(_("United Nations"), bold=True, size=14)
        self.paragraph(meta.symbol or _("Draft (no symbol)"), bold=True, size=12, align="end")
        for line in distribution_lines(self.source):
            self.paragraph(line, size=9, align="end")
        if meta.body:
            self.paragraph(meta.body, bold=True, size=10)
        for line in (meta.session, meta.agenda_item):
            if line:
                self.paragraph(line, size=9)
        self.paragraph(meta.title, style="Title")
        for line in (meta.note, meta.subtitle):
            if line:
                self.paragraph(line, bold=True)

    # --- blocks ---------------------------------------------------------------------------------

    def table(self, block: Table) -> None:
        # A table too wide for the page is cut into parts as in the PDF (the first column
        # repeated), not squeezed into columns a few millimetres wide.
        columns = block.columns
        cells = [
            [cell(value, column, self.lang) for value, column in zip(row, columns, strict=True)]
            for row in block.rows
        ]
        for part in print_tables(block, cells, self.lang):
            self._table(part.table, part.widths)

    def _table(self, block: Table, shares: tuple[float, ...]) -> None:
        self.paragraph(block.title, bold=True)
        grid = self.doc.add_table(rows=1, cols=len(block.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        self._table_dir(grid)
        for index, column in enumerate(block.columns):
            self._cell(
                grid.rows[0].cells[index], column.label, bold=True, numeric=column.kind != "text"
            )
        for row_index, row in enumerate(block.rows):
            cells = grid.add_row().cells
            total = block.total_row and row_index == len(block.rows) - 1
            for index, (value, column) in enumerate(zip(row, block.columns, strict=True)):
                self._cell(
                    cells[index],
                    cell(value, column, self.lang),
                    bold=total,
                    numeric=column.kind != "text",
                )
        self._widths(grid, len(block.columns), shares)
        self.notes(block.notes)

    def _widths(self, grid: Any, count: int, shares: tuple[float, ...] = ()) -> None:
        if shares:
            sizes = [int(Mm(170) * share) for share in shares]
        else:
            # The first column holds the labels (articles, States): give it room.
            first = Mm(60) if count > 2 else Mm(85)
            sizes = [first, *[int((Mm(170) - first) / max(1, count - 1))] * (count - 1)]
        for row in grid.rows:
            for index, target in enumerate(row.cells):
                target.width = sizes[index]

    def _table_dir(self, grid: object) -> None:
        if self.rtl:
            grid._tbl.tblPr.append(OxmlElement("w:bidiVisual"))  # type: ignore[attr-defined]

    def _cell(
        self,
        target: object,
        text: str,
        *,
        bold: bool = False,
        numeric: bool = False,
        fill: str = "",
        colour: str = "",
    ) -> None:
        paragraph = target.paragraphs[0]  # type: ignore[attr-defined]
        self._bidi(paragraph)
        if numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if self.rtl else WD_ALIGN_PARAGRAPH.RIGHT
        self.run(paragraph, text, bold=bold, size=9)
        if colour:
            paragraph.runs[-1].font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
        if fill:
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), fill.lstrip("#").upper())
            target._tc.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]

    def heat(self, block: HeatTable) -> None:
        self.paragraph(block.title, bold=True)
        grid = self.doc.add_table(rows=1, cols=len(block.column_labels) + 1)
        grid.style = "Table Grid"
        self._table_dir(grid)
        for index, label in enumerate(block.column_labels, start=1):
            self._cell(grid.rows[0].cells[index], label, bold=True)
        for label, values in zip(block.row_labels, block.values, strict=True):
            cells = grid.add_row().cells
            self._cell(cells[0], label)
            for index, value in enumerate(values, start=1):
                background, text = charts.heat_colour(value)
                self._cell(
                    cells[index],
                    numbers.percent(value, self.lang),
                    numeric=True,
                    fill=background,
                    colour=text,
                )
        self.notes(block.notes)

    def picture(self, block: BarChart | WorldMap, notes: tuple[str, ...]) -> None:
        self.paragraph(block.title, bold=True)
        paragraph = self.paragraph(align="center")
        image = raster.png(block, self.lang)
        paragraph.add_run().add_picture(io.BytesIO(image), width=Mm(165))  # type: ignore[attr-defined]
        self.notes(notes)

    def notes(self, notes: tuple[str, ...]) -> None:
        for note in notes:
            self.paragraph(note, size=8)

    def write(self) -> bytes:
        self.header()
        for item in numbered(self.source):
            block = item.block
            if isinstance(block, Heading):
                style = {1: "Heading 1", 2: "Heading 2"}.get(block.level, "Heading 3")
                label = f"{item.label} " if item.label else ""
                self.paragraph(label + block.text, style=style)
            elif isinstance(block, Paragraph):
                paragraph = self.paragraph(align="justify")
                if item.label:
                    self.run(paragraph, item.label + ".\t")
                self.run(paragraph, block.text)
                for offset, _note in enumerate(block.notes):
                    self.run(paragraph, str(item.first_note + offset), superscript=True)
                for offset, note in enumerate(block.notes):
                    self.paragraph(f"{item.first_note + offset} {note}", size=8)
            elif isinstance(block, Quote):
                self.paragraph(block.text, style="Quote")
                if block.source:
                    self.paragraph(block.source, size=8)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, HeatTable):
                self.heat(block)
            elif isinstance(block, BarChart):
                self.picture(block, block.notes)
            elif isinstance(block, WorldMap):
                self.picture(block, ())
            elif isinstance(block, Definitions):
                self.paragraph(block.title, bold=True)
                for term, text in block.items:
                    paragraph = self.paragraph(align="justify")
                    self.run(paragraph, term + " ", bold=True)
                    self.run(paragraph, text)
            elif isinstance(block, PageBreak):
                self.doc.add_page_break()
        raw = io.BytesIO()
        self.doc.save(raw)
        return stable_zip(raw.getvalue(), self.moment())


def render_docx(document: ReportDocument) -> bytes:
    return _Writer(document).write()
