"""The Word file as a delegate opens it in Word or LibreOffice, in Arabic and English: the
properties the pictures of the reports (LibreOffice's rendering) showed wrong, checked on the
file's XML."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm
from PIL import Image
from pypdf import PdfReader

from infobase.core.i18n import language
from infobase.reports import raster
from infobase.reports.blocks import (
    BarChart,
    Column,
    DocumentMeta,
    HeatTable,
    Paragraph,
    Quote,
    ReportDocument,
    Series,
    Table,
)
from infobase.reports.print_layout import CELL_PADDING_PT
from infobase.reports.render_docx import (
    ORDER,
    PICTURE_HEIGHT,
    PICTURE_WIDTH,
    TEXT_WIDTH,
    picture_size,
    render_docx,
)

ENGLISH_QUOTE = "The working group recommends more training."
ARABIC_QUOTE = "يوصي الفريق العامل بمزيد من التدريب."


def word(lang: str) -> Any:
    document = ReportDocument(
        meta=DocumentMeta(title="تقرير", symbol="CTOC/COP/WG.2/2026/3", date=date(2026, 1, 1)),
        lang=lang,
        blocks=(
            Paragraph("Sessions held.", notes=("A note.",)),
            Table(
                "Sessions",
                (Column("Session"), Column("Place"), Column("Participants", "int")),
                (("Meeting of the working group", "Vienna", 20),),
            ),
            Table("Lessons", (Column("Lesson learned"),), (("Witness protection",),)),
            HeatTable("Shares", ("Art. 5",), tuple(f"Group {n}" for n in range(6)), ((50,) * 6,)),
            BarChart("Needs", ("Training",), (Series("Needs", (3,), "#2166ac"),)),
            Quote(ENGLISH_QUOTE, "Egypt", lang="en"),
            Quote(ARABIC_QUOTE, "Egypt"),  # no language recorded: its first letter says
        ),
    )
    with language(lang):
        return WordDocument(io.BytesIO(render_docx(document)))


def grid_widths(table: Any) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.gridCol_lst]


def cell_widths(table: Any) -> list[int]:
    return [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in table._tbl.tr_lst[0].tc_lst]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_table_is_laid_out_by_its_own_column_widths_within_the_page(lang: str) -> None:
    # LibreOffice lays a table out by its grid: python-docx's even 2-inch columns squeezed the
    # label column ("Meeting of the / working group / during the …" a word a line) and ran a
    # heat table of seven columns 36 cm wide.
    sessions, lessons, heat = word(lang).tables
    text_width = Emu(TEXT_WIDTH).twips
    for table in (sessions, lessons, heat):
        assert grid_widths(table) == cell_widths(table)
        assert abs(sum(grid_widths(table)) - text_width) <= 10, "the text's width (twips)"
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"
        # padded as the PDF's cells, which the widths are measured for
        margin = table._tbl.tblPr.find(qn("w:tblCellMar")).find(qn("w:left"))
        assert int(margin.get(qn("w:w"))) == round(CELL_PADDING_PT / 2 * 20)
    first, *others = grid_widths(sessions)
    assert first > max(others), "the label column is the wide one"
    assert grid_widths(lessons) == [text_width], "a one-column list spans the text"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_figures_and_the_symbol_sit_at_the_end_of_the_line(lang: str) -> None:
    # Word reads "left"/"right" in a right-to-left paragraph as its start/end: "left" put
    # the Arabic figures and the symbol on the right, where the PDF has them on the left.
    document = word(lang)
    figure = document.tables[0].rows[1].cells[2].paragraphs[0]
    symbol = next(p for p in document.paragraphs if p.text == "CTOC/COP/WG.2/2026/3")
    header = document.sections[0].header.paragraphs[0]
    for paragraph in (figure, symbol, header):
        assert paragraph._p.pPr.find(qn("w:jc")).get(qn("w:val")) == "right"
        assert (paragraph._p.pPr.find(qn("w:bidi")) is not None) == (lang == "ar")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_quote_reads_in_the_direction_of_its_own_language(lang: str) -> None:
    # An English quote in the Arabic report was a right-to-left paragraph: its full stop shown
    # at its start (".geographical distribution"), its lines flush right.
    paragraphs = {p.text: p for p in word(lang).paragraphs}
    for text, rtl in ((ENGLISH_QUOTE, False), (ARABIC_QUOTE, True)):
        quote = paragraphs[text]
        assert (quote._p.pPr.find(qn("w:bidi")) is not None) == rtl, text
        assert all(
            (run._r.rPr is not None and run._r.rPr.rtl is not None) == rtl for run in quote.runs
        )


def test_the_title_is_not_letter_spaced() -> None:
    # Word's Title style spaces letters: Arabic's joined letters drawn apart, a line through.
    title = word("ar").styles["Title"].element.rPr
    assert title.find(qn("w:spacing")) is None


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_title_stays_on_the_page_of_its_table_or_chart(lang: str) -> None:
    titles = [
        p for p in word(lang).paragraphs if p.text in ("Sessions", "Lessons", "Shares", "Needs")
    ]
    assert len(titles) == 4
    assert all(p.paragraph_format.keep_with_next for p in titles)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_properties_are_written_in_the_order_word_reads_them(lang: str) -> None:
    # Word may refuse a file whose elements break the schema's order (LibreOffice opens it):
    # the bidi mark was put before the style, the run's rtl before its complex-script size.
    document = word(lang)
    parts = [document.element, document.styles.element, document.sections[0].header._element]
    checked = 0
    for part in parts:
        for name, names in ORDER.items():
            order = names.split()
            for element in part.iter(qn(f"w:{name}")):
                tags = [child.tag.rpartition("}")[2] for child in element]
                places = [order.index(tag) for tag in tags if tag in order]
                assert places == sorted(places), (name, tags)
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_note_is_a_word_footnote_at_the_foot_of_the_page(lang: str) -> None:
    # The notes were small paragraphs under the text ("1 A note."), read as one more
    # paragraph; the PDF sets them at the foot of the page, as Word does its footnotes.
    document = word(lang)
    assert not [p.text for p in document.paragraphs if "A note." in p.text]
    paragraph = next(p for p in document.paragraphs if "Sessions held." in p.text)
    references = paragraph._p.findall(f".//{qn('w:footnoteReference')}")
    assert [r.get(qn("w:id")) for r in references] == ["1"]
    part = document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
    )
    footnotes = parse_xml(part.blob).findall(qn("w:footnote"))
    assert [f.get(qn("w:id")) for f in footnotes] == ["-1", "0", "1"]
    note = footnotes[-1]
    assert "".join(t.text for t in note.iter(qn("w:t"))) == " A note."
    assert note.find(f".//{qn('w:footnoteRef')}") is not None, "Word numbers it"
    assert (note.find(f".//{qn('w:bidi')}") is not None) == (lang == "ar")
    styles = {s.style_id for s in document.styles}
    assert {"FootnoteText", "FootnoteReference"} <= styles


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_paragraph_number_stands_alone_as_in_the_pdf(lang: str) -> None:
    # "1." in a right-to-left paragraph showed its full stop on the wrong side of the number;
    # the PDF numbers body paragraphs "1", "2" …
    paragraph = next(p for p in word(lang).paragraphs if "Sessions held." in p.text)
    assert paragraph.runs[0].text == "1\t"


def test_the_first_page_says_the_symbol_once_and_is_numbered() -> None:
    # The running head repeated the masthead's symbol on the first page ("Draft (no symbol)"
    # twice, one line apart); the PDF has it once.
    section = word("ar").sections[0]
    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    assert "CTOC/COP/WG.2/2026/3" in section.header.paragraphs[0].text
    for footer in (section.footer, section.first_page_footer):
        field = footer.paragraphs[0]._p.find(qn("w:fldSimple"))
        assert field is not None and field.get(qn("w:instr")) == "PAGE"


def test_the_title_is_set_as_in_the_pdf() -> None:
    title = word("ar").styles["Title"]
    assert title.font.bold and title.font.size.pt == 16
    rpr = title.element.rPr
    assert rpr.find(qn("w:bCs")) is not None, "bold in Arabic too"
    assert rpr.find(qn("w:szCs")).get(qn("w:val")) == "32", "16 points in Arabic too"
    assert title.element.pPr.find(qn("w:pBdr")) is None, "no blue rule under it"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def test_a_chart_is_drawn_at_its_size_and_within_the_page() -> None:
    # Every chart was stretched to 165 mm: one ``raster`` cropped narrow (short bars, a year a
    # line) came out with letters four times their size and its foot off the page.
    narrow = picture_size(png(raster.DPI * 2, raster.DPI * 3))  # 2 × 3 inches as drawn
    assert narrow == {"width": Mm(50.8), "height": Mm(76.2)}
    tall = picture_size(png(raster.DPI * 2, raster.DPI * 20))
    assert tall["height"] == PICTURE_HEIGHT and tall["width"] < Mm(50.8)
    wide = picture_size(png(raster.DPI * 9, raster.DPI * 2))
    assert wide["width"] == PICTURE_WIDTH
    extent = word("en").inline_shapes[0]
    assert 0 < extent.width <= PICTURE_WIDTH and 0 < extent.height <= PICTURE_HEIGHT


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# LibreOffice's word processor (its package is apart from Calc's, which the suite's other
# LibreOffice tests need)
WRITER = shutil.which("lowriter") or shutil.which("swriter")


@pytest.mark.skipif(
    SOFFICE is None or WRITER is None,
    reason="LibreOffice Writer is not installed (apt-get install libreoffice-writer)",
)
def test_libreoffice_sets_figures_and_symbol_at_the_end_of_the_line(tmp_path: Path) -> None:
    # What a delegate sees: the Word file laid out by LibreOffice, the places of its words read
    # back from the PDF it makes. In Arabic the end of the line is on the left.
    for lang in ("ar", "en"):
        document = ReportDocument(
            meta=DocumentMeta(title="Report", symbol="CTOC/COP/WG.2/2026/3", date=date(2026, 1, 1)),
            lang=lang,
            blocks=(
                Table("Sessions", (Column("Session"), Column("Count", "int")), (("Vienna", 4321),)),
            ),
        )
        with language(lang):
            (tmp_path / f"{lang}.docx").write_bytes(render_docx(document))
    assert SOFFICE is not None
    done = subprocess.run(  # noqa: S603 (soffice found on PATH, our own file names)
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "ar.docx"),
            str(tmp_path / "en.docx"),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    for lang in ("ar", "en"):
        pdf = tmp_path / f"{lang}.pdf"
        assert pdf.is_file(), (done.stdout, done.stderr)
        page = PdfReader(pdf).pages[0]
        middle = float(page.mediabox.width) / 2
        places: dict[str, float] = {}

        def seen(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            places.setdefault(text.strip(), tm[4] * cm[0] + cm[4])  # noqa: B023

        page.extract_text(visitor_text=seen)
        figure, symbol, label = (places[k] for k in ("4,321", "CTOC/COP/WG.2/2026/3", "Vienna"))
        if lang == "ar":
            assert figure < middle and symbol < middle and label > middle, places
        else:
            assert figure > middle and symbol > middle and label < middle, places
