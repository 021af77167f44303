"""The PDF as WeasyPrint writes it, with less work: the user-agent stylesheet gives marker and
footnote pseudo-elements only to the elements that use them, the streams are compressed once,
the pages' references are built once per page; the PDF and its look stay the same."""

from __future__ import annotations

import io
from datetime import date

import pydyf
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.html import UA_STYLESHEET

from infobase.reports.blocks import Column, DocumentMeta, Paragraph, ReportDocument, Table
from infobase.reports.render_html import print_page
from infobase.reports.render_pdf import (
    _PAGE_REFERENCES,
    FONTS_DIR,
    TUNED,
    LocalFilesOnly,
    PrintHTML,
    render_pdf,
    stylesheet,
    user_agent_stylesheet,
)


def report(lang: str) -> ReportDocument:
    table = Table(
        "Status by article",
        (Column("State"), Column("Articles", "int"), Column("Share", "pct")),
        tuple((f"State {n}", n, n / 40) for n in range(1, 40)),
        notes=("Confidential: not published.", "N/A: not applicable."),
    )
    blocks = (
        Paragraph("A paragraph with a note.", notes=("The note.",)),
        table,
        Paragraph("تقرير تحليلي عن التنفيذ.", notes=("ملاحظة.",)),
    )
    return ReportDocument(
        meta=DocumentMeta(title="Report", date=date(2026, 1, 1)), lang=lang, blocks=blocks
    )


def bitmaps(data: bytes) -> list[bytes]:
    pdf = pdfium.PdfDocument(io.BytesIO(data))
    try:
        return [bytes(page.render(scale=60 / 72).to_pil().tobytes()) for page in pdf]
    finally:
        pdf.close()


def test_the_pdf_writer_is_tuned_for_the_installed_pydyf() -> None:
    # Another pydyf writes the same PDF untuned: look at render_pdf's replacements again.
    assert TUNED
    assert pydyf.PDF.page_references is not _PAGE_REFERENCES


def test_every_scope_of_the_user_agent_stylesheet_is_found_in_this_weasyprint() -> None:
    # Another WeasyPrint keeps its own stylesheet (slower, not different): this one is scoped.
    assert user_agent_stylesheet() is not UA_STYLESHEET


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_scoped_user_agent_stylesheet_draws_the_pages_as_weasyprints_own(lang: str) -> None:
    page = print_page(report(lang), css=stylesheet(lang))
    ours, theirs = (
        cls(string=page, base_url=str(FONTS_DIR) + "/", url_fetcher=LocalFilesOnly()).write_pdf(
            pdf_tags=True
        )
        for cls in (PrintHTML, HTML)
    )
    assert len(bitmaps(ours)) == 2  # the table breaks across pages, footnotes on both
    assert bitmaps(ours) == bitmaps(theirs)


def test_the_pdf_stays_tagged_identified_and_the_same_for_the_same_document() -> None:
    data = render_pdf(report("en"))
    assert render_pdf(report("en")) == data
    reader = PdfReader(io.BytesIO(data))
    assert "/StructTreeRoot" in reader.root_object
    assert len(reader.trailer["/ID"].get_object()) == 2  # type: ignore[arg-type]
    text = "".join(page.extract_text() for page in reader.pages)
    assert "State 39" in text and "The note." in text


def test_the_page_references_are_built_again_when_a_page_is_added() -> None:
    pdf = pydyf.PDF()
    seen = []
    for _ in range(3):
        page = pydyf.Dictionary({"Type": "/Page"})
        pdf.add_object(page)
        pdf.add_page(page)
        seen.append(pdf.page_references)
        assert pdf.page_references == _PAGE_REFERENCES.fget(pdf)
    assert [len(references) for references in seen] == [1, 2, 3]
