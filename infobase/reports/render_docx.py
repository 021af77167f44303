"""A report as an editable Word document (python-docx).

Right-to-left documents set Word's bidi properties on the section, every paragraph, run and
table, and tag runs with the language, so Word and LibreOffice order and shape Arabic
correctly. Charts and the map are pictures (see ``raster``); tables and heat tables stay
editable Word tables.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, time
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt, RGBColor

from infobase.core.i18n import is_rtl
from infobase.core.text import xml_text
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
from infobase.reports.print_layout import PrintTable, print_tables
from infobase.reports.render_html import cell, distribution_lines

FONTS = {
    "ascii": "Noto Sans",
    "hAnsi": "Noto Sans",
    "cs": "Noto Naskh Arabic",
    "eastAsia": "Noto Sans CJK SC",
}
# A4 less the 20 mm side margins (``_setup``).
TEXT_WIDTH = Mm(170)
WORD_LANG = {
    "ar": "ar-SA",
    "zh-hans": "zh-CN",
    "en": "en-GB",
    "fr": "fr-FR",
    "ru": "ru-RU",
    "es": "es-ES",
}


_BREAKS = re.compile(r"([\t\r\n])")


def _run_text(text: str) -> str:
    """A run's content as python-docx writes ``run.text``: a tab is ``w:tab``, a line break
    ``w:br``, a text with outer spaces keeps them."""
    parts = []
    for piece in _BREAKS.split(xml_text(text)):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(parts)


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
        props.title = xml_text(meta.title)
        props.subject = xml_text(meta.symbol)
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
        run = paragraph.add_run(xml_text(text))  # type: ignore[attr-defined]
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
            self._table(part)

    def _table(self, part: PrintTable) -> None:
        block = part.table
        self.paragraph(block.title, bold=True)
        grid = self._grid(len(block.columns))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        widths = self._widths(len(block.columns), part.widths)
        numeric = [column.kind != "text" for column in block.columns]
        rows = [
            [
                self._tc(column.label, width=width, bold=True, numeric=flag)
                for column, width, flag in zip(block.columns, widths, numeric, strict=True)
            ]
        ]
        last = len(block.rows) - 1
        for row_index, row in enumerate(part.cells):
            total = block.total_row and row_index == last
            rows.append(
                [
                    self._tc(text, width=width, bold=total, numeric=flag)
                    for text, width, flag in zip(row, widths, numeric, strict=True)
                ]
            )
        self._append_rows(grid, rows)
        self.notes(block.notes)

    @staticmethod
    def _widths(count: int, shares: tuple[float, ...] = ()) -> list[int]:
        """The columns' widths in twips."""
        if shares:
            sizes = [int(TEXT_WIDTH * share) for share in shares]
        else:
            # The first column holds the labels (articles, States): give it room.
            first = Mm(60) if count > 2 else Mm(85)
            sizes = [first, *[int((TEXT_WIDTH - first) / max(1, count - 1))] * (count - 1)]
        return [Emu(size).twips for size in sizes]

    def _grid(self, columns: int) -> Any:
        """An empty Word table (the rows come from ``_append_rows``)."""
        grid = self.doc.add_table(rows=0, cols=columns)
        grid.style = "Table Grid"
        if self.rtl:
            grid._tbl.tblPr.append(OxmlElement("w:bidiVisual"))
        return grid

    @staticmethod
    def _append_rows(grid: Any, rows: list[list[str]]) -> None:
        # Tables are the bulk of a report's Word file: their rows are written as WordprocessingML
        # text and parsed once, the markup python-docx's cell API writes, at a tenth of the cost.
        # The first row is the header: Word repeats it on each page a long table runs onto.
        body = "".join(
            "<w:tr>"
            + ("<w:trPr><w:tblHeader/></w:trPr>" if i == 0 else "")
            + "".join(row)
            + "</w:tr>"
            for i, row in enumerate(rows)
        )
        for row in parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>"):
            grid._tbl.append(row)

    def _tc(
        self,
        text: str | None,
        *,
        width: int,
        bold: bool = False,
        numeric: bool = False,
        fill: str = "",
        colour: str = "",
    ) -> str:
        """One cell (``w:tc``) holding ``text`` in a 9-point run (``None``: an empty cell)."""
        shading = (
            f'<w:shd w:val="clear" w:color="auto" w:fill="{fill.lstrip("#").upper()}"/>'
            if fill
            else ""
        )
        properties = f'<w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{shading}</w:tcPr>'
        if text is None:
            return f"<w:tc>{properties}<w:p/></w:tc>"
        paragraph = "<w:bidi/>" if self.rtl else ""
        if numeric:
            paragraph += f'<w:jc w:val="{"left" if self.rtl else "right"}"/>'
        run = "<w:b/>" if bold else '<w:b w:val="0"/>'
        if colour:
            run += f'<w:color w:val="{colour.lstrip("#").upper()}"/>'
        run += '<w:sz w:val="18"/>'
        if self.rtl:
            run += "<w:rtl/>" + ("<w:bCs/>" if bold else "") + '<w:szCs w:val="18"/>'
        paragraph = f"<w:pPr>{paragraph}</w:pPr>" if paragraph else ""
        return (
            f"<w:tc>{properties}<w:p>{paragraph}"
            f"<w:r><w:rPr>{run}</w:rPr>{_run_text(text)}</w:r></w:p></w:tc>"
        )

    def heat(self, block: HeatTable) -> None:
        self.paragraph(block.title, bold=True)
        count = len(block.column_labels) + 1
        grid = self._grid(count)
        width = Emu(TEXT_WIDTH // count).twips  # even columns, as python-docx makes them
        rows = [[self._tc(None, width=width)]]
        rows[0] += [self._tc(label, width=width, bold=True) for label in block.column_labels]
        for label, values in zip(block.row_labels, block.values, strict=True):
            row = [self._tc(label, width=width)]
            for value in values:
                background, text = charts.heat_colour(value)
                row.append(
                    self._tc(
                        numbers.percent(value, self.lang),
                        width=width,
                        numeric=True,
                        fill=background,
                        colour=text,
                    )
                )
            rows.append(row)
        self._append_rows(grid, rows)
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
