"""The analytical report as files: opened again and checked for their text, language and
direction, and the same data giving the same bytes."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from infobase.core.i18n import language
from infobase.needs.analytical import compute
from infobase.questionnaires.analytical import REPORT_GROUPS
from infobase.reference.models import Instrument
from infobase.reports import engine
from infobase.reports.services import report_document, report_render

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def params() -> dict[str, object]:
    return engine.get("analytical").clean(
        {"instrument": "untoc", "cycle": "1", "symbol": "CTOC/COP/2008/2", "date": "2008-08-01"}
    )


def title(lang: str) -> str:
    report = engine.get("analytical")
    return report_document(report=report, params=params(), lang=lang).meta.title


def x_of(reader: PdfReader, needle: str) -> float:
    """Where on the first page (from the left edge) a text chunk containing needle starts."""
    found: list[float] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if needle in text:
            found.append(tm[4] * cm[0] + cm[4])

    reader.pages[0].extract_text(visitor_text=visit)
    assert found, needle
    return found[0]


def test_the_pdf_is_tagged_with_its_language_and_mirrors_the_header_in_arabic(demo):  # type: ignore[no-untyped-def]
    width = 595  # A4 in points
    for lang, symbol_on_the_left in (("en", False), ("ar", True)):
        reader = PdfReader(
            io.BytesIO(report_render(slug="analytical", params=params(), lang=lang, fmt="pdf"))
        )
        assert reader.trailer["/Root"]["/Lang"] == lang
        assert len(reader.pages) > 3
        # A right-to-left line gives the symbol in runs split where the digits begin.
        x = x_of(reader, "CTOC/COP/")
        assert (x < width / 2) is symbol_on_the_left, (lang, x)
        text = "".join(page.extract_text() for page in reader.pages[:2])
        assert "CTOC/COP/2008/2" in "".join(text.split())


def test_the_word_document_is_right_to_left_in_arabic_only(demo):  # type: ignore[no-untyped-def]
    for lang in ("ar", "en"):
        data = report_render(slug="analytical", params=params(), lang=lang, fmt="docx")
        doc = Document(io.BytesIO(data))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert title(lang) in text
        body = doc.element.body
        bidi_paragraphs = body.findall(f".//{W}pPr/{W}bidi")
        rtl_runs = body.findall(f".//{W}rPr/{W}rtl")
        section_bidi = body.findall(f"{W}sectPr/{W}bidi")
        if lang == "ar":
            assert len(bidi_paragraphs) > 20 and rtl_runs and section_bidi
            assert body.findall(f".//{W}tblPr/{W}bidiVisual")
        else:
            assert not bidi_paragraphs and not rtl_runs and not section_bidi
        assert doc.core_properties.language == {"ar": "ar-SA", "en": "en-GB"}[lang]
        assert len(doc.inline_shapes) >= 3  # charts and the map are pictures


def test_the_excel_annex_holds_the_figures_and_is_byte_identical_on_the_same_data(demo):  # type: ignore[no-untyped-def]
    first = report_render(slug="analytical", params=params(), lang="ar", fmt="xlsx")
    second = report_render(slug="analytical", params=params(), lang="ar", fmt="xlsx")
    assert first == second
    workbook = load_workbook(io.BytesIO(first))
    assert all(sheet.sheet_view.rightToLeft for sheet in workbook.worksheets)
    figures = compute(instrument=Instrument.objects.get(code="untoc"), cycle=1)
    sheet = workbook.worksheets[1]  # response by regional group
    asked = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1] is not None]
    expected = [r.asked for g in REPORT_GROUPS if (r := figures.response_by_group[g]).asked]
    assert asked == [*expected, figures.response_total.asked]
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert any(name.startswith("xl/charts/") for name in archive.namelist())
        assert any(name.startswith("xl/media/") for name in archive.namelist())


def test_the_pdf_and_word_file_are_the_same_bytes_for_the_same_data(demo):  # type: ignore[no-untyped-def]
    for fmt in ("pdf", "docx"):
        first = report_render(slug="analytical", params=params(), lang="en", fmt=fmt)
        assert first == report_render(slug="analytical", params=params(), lang="en", fmt=fmt)


def test_the_web_page_sets_language_and_direction(demo):  # type: ignore[no-untyped-def]
    page = report_render(slug="analytical", params=params(), lang="ar", fmt="html").decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert 'class="rc-doc" lang="ar" dir="rtl"' in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_a_report_never_names_a_State_with_a_confidential_status(demo):  # type: ignore[no-untyped-def]
    with language("en"):
        document = report_document(report=engine.get("analytical"), params=params(), lang="en")
    figures = compute(instrument=Instrument.objects.get(code="untoc"), cycle=1)
    secret = {(m.state_id, m.article_id) for m in figures.matrix if m.confidential}
    assert secret
    annex = next(b for b in document.blocks if getattr(b, "sheet", "") == "Annex II by State")
    numbers = [c.label for c in annex.columns[1:]]  # type: ignore[attr-defined]
    names = {figures.states[s].name_en: s for s in figures.states}
    articles = {str(a.number): a.pk for a in figures.articles}
    for row in annex.rows:  # type: ignore[attr-defined]
        state_id = names[row[0]]
        for number, value in zip(numbers, row[1:], strict=True):
            if (state_id, articles[number]) in secret:
                assert value == "Confidential"
            else:
                assert value != "Confidential"


def test_a_working_groups_name_cannot_break_the_excel_or_word_file() -> None:
    """Titles and sheet names come from translated words and a working group's name, which the
    secretariat types: a control character, an apostrophe or a name longer than Word's core
    properties hold still give files that open, their contents' links to each sheet working."""
    from datetime import date

    from infobase.reports.blocks import Column, DocumentMeta, ReportDocument, Table
    from infobase.reports.render_docx import render_docx
    from infobase.reports.render_xlsx import render_xlsx

    title = "Working group\x1f on ‘technical’ assistance " + "x" * 300
    table = Table("T\x1f", (Column("a"),), (("x",),), sheet="'Bad\x01 name's")
    document = ReportDocument(DocumentMeta(title=title, date=date(2024, 1, 1)), "en", (table,))
    with language("en"):
        book = load_workbook(io.BytesIO(render_xlsx(document)))
        word = Document(io.BytesIO(render_docx(document)))
    sheet = book.worksheets[-1].title
    assert "\x01" not in sheet and not sheet.startswith("'")
    quoted = sheet.replace("'", "''")
    links = [
        c.hyperlink.target for row in book.worksheets[0].iter_rows() for c in row if c.hyperlink
    ]
    assert f"#'{quoted}'!A1" in links, links
    assert book.properties.title.startswith("Working group on")
    assert word.core_properties.title.startswith("Working group on")
    assert len(word.core_properties.title) == 255
