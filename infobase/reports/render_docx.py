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
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt, RGBColor
from PIL import Image

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
from infobase.reports.print_layout import CELL_PADDING_PT, PrintTable, print_tables
from infobase.reports.render_html import cell, distribution_lines
from infobase.reports.render_pdf import first_letter_rtl

FONTS = {
    "ascii": "Noto Sans",
    "hAnsi": "Noto Sans",
    "cs": "Noto Naskh Arabic",
    "eastAsia": "Noto Sans CJK SC",
}
# A4 less the 20 mm side margins (``_setup``).
TEXT_WIDTH = Mm(170)
# The most a chart may take: the text width and height (A4 less 2 × 22 mm), less its title.
PICTURE_WIDTH, PICTURE_HEIGHT = Mm(165), Mm(230)
WORD_LANG = {
    "ar": "ar-SA",
    "zh-hans": "zh-CN",
    "en": "en-GB",
    "fr": "fr-FR",
    "ru": "ru-RU",
    "es": "es-ES",
}


_BREAKS = re.compile(r"([\t\r\n])")

# The order the WordprocessingML schema gives the children of these properties: Word may
# refuse a file, or drop a property, whose elements break it (LibreOffice does not mind, so a
# picture of the file does not tell). ``_put`` adds an element at its place.
ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
    "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
    "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
    "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
    "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
    "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
    "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection "
    "bidi rtlGutter docGrid printerSettings sectPrChange",
}


def _put(parent: Any, tag: str) -> Any:
    """The child ``w:<tag>`` of a ``w:pPr``, ``w:rPr`` or ``w:sectPr``, added at its place in
    the schema's order when missing."""
    existing = parent.find(qn(f"w:{tag}"))
    if existing is not None:
        return existing
    order = ORDER[parent.tag.rpartition("}")[2]].split()
    element = OxmlElement(f"w:{tag}")
    parent.insert_element_before(element, *(f"w:{t}" for t in order[order.index(tag) + 1 :]))
    return element


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


def picture_size(image: bytes) -> dict[str, int]:
    """The size of a chart's picture on the page: as drawn (``raster`` draws it for the text
    width and crops it to what it holds), within the text. Stretched to the text width, a
    chart of short bars was cropped narrow and then magnified, its letters four times their
    size and its foot off the page."""
    with Image.open(io.BytesIO(image)) as picture:
        width, height = picture.size
    scale = min(
        Mm(25.4) / raster.DPI,  # EMU a pixel, as drawn
        PICTURE_WIDTH / width,
        PICTURE_HEIGHT / height,
    )
    return {"width": Emu(round(width * scale)), "height": Emu(round(height * scale))}


class _Writer:
    def __init__(self, document: ReportDocument) -> None:
        self.source = document
        self.lang = document.lang
        self.rtl = is_rtl(self.lang)
        self.doc = Document()
        self.footnotes: list[str] = []  # the ``w:footnote`` elements, as text
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
            _put(section._sectPr, "bidi")
        for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
            style = self.doc.styles[style_name]
            rpr = style.element.get_or_add_rPr()
            fonts = _put(rpr, "rFonts")
            for key, name in FONTS.items():
                fonts.set(qn(f"w:{key}"), name)
            for theme in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
                fonts.attrib.pop(qn(f"w:{theme}"), None)
            # Letter spacing (Word's Title has some) pulls Arabic's joined letters apart.
            spacing = rpr.find(qn("w:spacing"))
            if spacing is not None:
                rpr.remove(spacing)
            lang = _put(rpr, "lang")
            lang.set(qn("w:val"), WORD_LANG["en"] if self.lang == "ar" else WORD_LANG[self.lang])
            lang.set(qn("w:bidi"), WORD_LANG["ar"])
            lang.set(qn("w:eastAsia"), WORD_LANG["zh-hans"])
            if style_name != "Normal":
                style.font.color.rgb = RGBColor(0, 0, 0)
        self.doc.styles["Normal"].font.size = Pt(10.5)
        # The title as the PDF's, bold and 16 points: not Word's 26-point title over a blue rule.
        title = self.doc.styles["Title"]
        title.font.size, title.font.bold = Pt(16), True
        _put(title.element.rPr, "bCs")
        _put(title.element.rPr, "szCs").set(qn("w:val"), "32")  # Arabic's size (half points)
        border = title.element.pPr.find(qn("w:pBdr"))
        if border is not None:
            title.element.pPr.remove(border)
        props = self.doc.core_properties
        meta = self.source.meta
        # Word's core properties hold at most 255 characters.
        props.title = xml_text(meta.title)[:255]
        props.subject = xml_text(meta.symbol)[:255]
        props.author = props.last_modified_by = "Infobase"
        props.language = WORD_LANG[self.lang]
        props.revision = 1
        props.created = props.modified = self.moment()
        props.comments = ""

    def moment(self) -> datetime:
        day = self.source.meta.date
        return datetime.combine(day, time(12)) if day else datetime(2000, 1, 1, 12)

    # --- paragraphs and runs ------------------------------------------------------------------

    def _bidi(self, paragraph: object, *, rtl: bool | None = None) -> None:
        if self.rtl if rtl is None else rtl:
            _put(paragraph._p.get_or_add_pPr(), "bidi")  # type: ignore[attr-defined]

    def run(
        self,
        paragraph: object,
        text: str,
        *,
        bold: bool = False,
        size: float | None = None,
        rtl: bool | None = None,
    ) -> None:
        """A run of ``text``, right to left as the document (or as ``rtl`` says)."""
        run = paragraph.add_run(xml_text(text))  # type: ignore[attr-defined]
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if self.rtl if rtl is None else rtl:
            rpr = run._r.get_or_add_rPr()
            _put(rpr, "rtl")
            if bold:
                _put(rpr, "bCs")
            if size:
                _put(rpr, "szCs").set(qn("w:val"), str(int(size * 2)))

    def footnote(self, paragraph: object, text: str) -> None:
        """A Word footnote on ``paragraph``: Word numbers it and sets it at the foot of the
        page, as the PDF does (the notes were small paragraphs in the text, "1 Concerns …"
        read as one more numbered paragraph)."""
        number = len(self.footnotes) + 1  # 0 and -1 are the separators
        rtl = "<w:rtl/>" if self.rtl else ""
        reference = f'<w:rPr><w:rStyle w:val="FootnoteReference"/>{rtl}</w:rPr>'
        self.footnotes.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/>'
            + ("<w:bidi/>" if self.rtl else "")
            + "</w:pPr>"
            + f"<w:r>{reference}<w:footnoteRef/></w:r>"
            + f'<w:r><w:rPr>{rtl}</w:rPr><w:t xml:space="preserve"> </w:t></w:r>'
            + f"<w:r><w:rPr>{rtl}</w:rPr>{_run_text(text)}</w:r>"
            + "</w:p></w:footnote>"
        )
        paragraph._p.append(  # type: ignore[attr-defined]
            parse_xml(
                f'<w:r {nsdecls("w")}>{reference}<w:footnoteReference w:id="{number}"/></w:r>'
            )
        )

    def _footnotes_part(self) -> None:
        if not self.footnotes:
            return
        separators = "".join(
            f'<w:footnote w:type="{kind}" w:id="{number}"><w:p><w:pPr>'
            + ("<w:bidi/>" if self.rtl else "")  # the rule on the side the notes start from
            + '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
            f"<w:r><w:{kind}/></w:r></w:p></w:footnote>"
            for kind, number in (("separator", -1), ("continuationSeparator", 0))
        )
        element = parse_xml(
            f"<w:footnotes {nsdecls('w')}>{separators}{''.join(self.footnotes)}</w:footnotes>"
        )
        # Word's own styles for footnotes: LibreOffice sets the number by them, not by the run.
        size = '<w:sz w:val="16"/><w:szCs w:val="16"/>'
        self.doc.styles.element.append(
            parse_xml(
                f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="FootnoteText">'
                '<w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:pPr>'
                '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
                f"<w:rPr>{size}</w:rPr></w:style>"
            )
        )
        self.doc.styles.element.append(
            parse_xml(
                f'<w:style {nsdecls("w")} w:type="character" w:styleId="FootnoteReference">'
                '<w:name w:val="footnote reference"/>'
                '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>'
            )
        )
        part = XmlPart(
            PackURI("/word/footnotes.xml"),
            CONTENT_TYPE.WML_FOOTNOTES,
            element,
            self.doc.part.package,
        )
        self.doc.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)

    def paragraph(
        self,
        text: str = "",
        *,
        style: str | None = None,
        bold: bool = False,
        size: float | None = None,
        align: str = "start",
        rtl: bool | None = None,
    ) -> object:
        paragraph = self.doc.add_paragraph(style=style)
        self._bidi(paragraph, rtl=rtl)
        if align == "end":
            # In a right-to-left paragraph Word (and LibreOffice after it) reads "right" as the
            # paragraph's end, the left edge: "left" would put it at the start, on the right.
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif align == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "justify":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if text:
            self.run(paragraph, text, bold=bold, size=size, rtl=rtl)
        return paragraph

    def title(self, text: str) -> None:
        """The title of a table, chart or list: kept on the page of what it names (it was left
        alone at the foot of a page, its chart on the next)."""
        paragraph = self.paragraph(text, bold=True)
        paragraph.paragraph_format.keep_with_next = True  # type: ignore[attr-defined]
        paragraph.paragraph_format.space_before = Pt(6)  # type: ignore[attr-defined]

    # --- header ---------------------------------------------------------------------------------

    def header(self) -> None:
        meta = self.source.meta
        section = self.doc.sections[0]
        head = section.header.paragraphs[0]
        self._bidi(head)
        head.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # the end, as ``paragraph`` says
        self.run(head, meta.symbol or _("Draft (no symbol)"), bold=True, size=9)
        # The first page carries the symbol in its masthead (below), as the PDF: no running
        # head there to say it twice. Its foot is numbered as the others.
        section.different_first_page_header_footer = True
        for footer in (section.footer, section.first_page_footer):
            foot = footer.paragraphs[0]
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
        # Column widths as in the PDF (measured from the fonts): the table's layout is fixed.
        for part in print_tables(block, cells, self.lang, fixed=True):
            self._table(part)

    def _table(self, part: PrintTable) -> None:
        block = part.table
        self.title(block.title)
        widths = self._widths(len(block.columns), part.widths)
        grid = self._grid(widths)
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
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
        elif count == 1:
            # (a list, the lessons learned: it was 85 mm wide, a third of the page left empty)
            sizes = [TEXT_WIDTH]
        else:
            # The first column holds the labels (articles, States): give it room.
            first = Mm(60) if count > 2 else Mm(85)
            sizes = [first, *[int((TEXT_WIDTH - first) / max(1, count - 1))] * (count - 1)]
        return [Emu(size).twips for size in sizes]

    def _grid(self, widths: list[int]) -> Any:
        """An empty Word table of columns ``widths`` twips wide (the rows come from
        ``_append_rows``)."""
        grid = self.doc.add_table(rows=0, cols=len(widths))
        grid.style = "Table Grid"
        # The grid, not the cells' widths, is what LibreOffice lays a table out by, and what
        # Word falls back on: python-docx makes it even columns of 2 inches, which squeezed a
        # report's label column and ran a wide heat table off the page.
        for column, width in zip(grid._tbl.tblGrid.gridCol_lst, widths, strict=True):
            column.set(qn("w:w"), str(width))
        grid.autofit = False
        # Cells padded as the PDF's (``print_layout.CELL_PADDING_PT``), which the widths allow
        # for: Word's wider default broke a column's longest word or figure ("12,339,8|47").
        margin = round(CELL_PADDING_PT / 2 * 20)
        grid._tbl.tblPr.insert_element_before(
            parse_xml(
                f'<w:tblCellMar {nsdecls("w")}><w:left w:w="{margin}" w:type="dxa"/>'
                f'<w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
            ),
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
            "w:tblPrChange",
        )
        if self.rtl:
            grid._tbl.tblPr.get_or_add_bidiVisual()
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
            # The cell's end (the left edge in a right-to-left paragraph, see ``paragraph``).
            paragraph += '<w:jc w:val="right"/>'
        # (in the schema's order, see ``ORDER``)
        run = "<w:b/>" if bold else '<w:b w:val="0"/>'
        if self.rtl and bold:
            run += "<w:bCs/>"
        if colour:
            run += f'<w:color w:val="{colour.lstrip("#").upper()}"/>'
        run += '<w:sz w:val="18"/>'
        if self.rtl:
            run += '<w:szCs w:val="18"/><w:rtl/>'
        paragraph = f"<w:pPr>{paragraph}</w:pPr>" if paragraph else ""
        return (
            f"<w:tc>{properties}<w:p>{paragraph}"
            f"<w:r><w:rPr>{run}</w:rPr>{_run_text(text)}</w:r></w:p></w:tc>"
        )

    def heat(self, block: HeatTable) -> None:
        self.title(block.title)
        count = len(block.column_labels) + 1
        width = Emu(TEXT_WIDTH // count).twips  # even columns
        grid = self._grid([width] * count)
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
        self.title(block.title)
        paragraph = self.paragraph(align="center")
        image = raster.png(block, self.lang)
        paragraph.add_run().add_picture(io.BytesIO(image), **picture_size(image))  # type: ignore[attr-defined]
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
                    # The number alone, as in the PDF: a full stop after it went to the wrong
                    # side of it in Arabic.
                    self.run(paragraph, item.label + "\t")
                self.run(paragraph, block.text)
                for note in block.notes:
                    self.footnote(paragraph, note)
            elif isinstance(block, Quote):
                # A State's words keep their own direction, as in the PDF: an English quote in
                # an Arabic report is a left-to-right paragraph (its full stop at its end).
                rtl = is_rtl(block.lang) if block.lang else first_letter_rtl(block.text)
                self.paragraph(block.text, style="Quote", rtl=rtl)
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
                self.title(block.title)
                for term, text in block.items:
                    paragraph = self.paragraph(align="justify")
                    self.run(paragraph, term + " ", bold=True)
                    self.run(paragraph, text)
            elif isinstance(block, PageBreak):
                self.doc.add_page_break()
        self._footnotes_part()
        raw = io.BytesIO()
        self.doc.save(raw)
        return stable_zip(raw.getvalue(), self.moment())


def render_docx(document: ReportDocument) -> bytes:
    return _Writer(document).write()
