"""The PDF of a report to the Conference: footnotes at the foot of the page of their call, and
a State's words in the direction of their language."""

from __future__ import annotations

import re
from datetime import date

import pytest

from infobase.reports.blocks import DocumentMeta, Heading, Paragraph, Quote, ReportDocument
from infobase.reports.render_pdf import render_pdf
from tests.reports.pdf_text import page_texts


def recommendations(lang: str, count: int) -> ReportDocument:
    blocks: list[Heading | Paragraph | Quote] = [Heading("Recommendations")]
    for number in range(1, count + 1):
        blocks += [
            Paragraph(f"Recommendation {number}, made at a session:", notes=(f"Note {number}.",)),
            Quote("The working group recommends that projects be developed.", "", "en"),
        ]
    meta = DocumentMeta(title="Report", date=date(2008, 8, 1))
    return ReportDocument(meta=meta, lang=lang, blocks=tuple(blocks))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_each_footnote_sits_on_the_page_of_its_call(lang: str) -> None:
    # Four short paragraphs with a note each fit on one page with their notes; a rule of 0.5pt
    # over 2mm above the notes once pushed every note after the first to a page of its own.
    text = page_texts(render_pdf(recommendations(lang, 4)))
    assert len(text) == 1
    for number in range(1, 5):
        # PDFium reads a left-to-right phrase of a right-to-left page backwards.
        assert re.search(rf"Note {number}|{number} Note", text[0]), number


def test_a_long_run_of_notes_leaves_no_page_with_notes_only() -> None:
    text = page_texts(render_pdf(recommendations("en", 30)))
    for page in text:
        assert "Recommendation" in page, page
    for number in range(1, 31):
        call = next(i for i, page in enumerate(text) if f"Recommendation {number}," in page)
        note = next(i for i, page in enumerate(text) if f"Note {number}." in page)
        assert note == call, number
