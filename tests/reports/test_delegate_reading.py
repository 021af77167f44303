"""What a delegate reads in the Arabic and English reports: annexes are not numbered as
chapters, decision 2/6 keeps its number in Arabic, and lists use the language's separator."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils.translation import gettext
from docx import Document as WordDocument
from docx.oxml.ns import qn

from infobase.core.i18n import language
from infobase.reports import engine
from infobase.reports.blocks import (
    Column,
    DocumentMeta,
    Heading,
    Paragraph,
    ReportDocument,
    Table,
)
from infobase.reports.outline import numbered
from infobase.reports.render_docx import render_docx
from infobase.reports.services import report_document

APPS = Path(__file__).resolve().parents[2] / "infobase"


def labels(document: ReportDocument) -> dict[str, str]:
    return {i.block.text: i.label for i in numbered(document) if isinstance(i.block, Heading)}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_annexes_are_not_numbered_as_chapters(lang: str) -> None:
    blocks = (
        Heading("Introduction"),
        Paragraph("A paragraph."),
        Heading("Annex I. States", numbered=False),
        Heading("Results"),
    )
    with language(lang):
        document = engine.finish(
            ReportDocument(meta=DocumentMeta(title="Test"), lang=lang, blocks=blocks),
            (("Rounding", "Half up."),),
            heading="Annex II. Methodology",
        )
    got = labels(document)
    assert got["Annex I. States"] == "" and got["Annex II. Methodology"] == ""
    # The chapter after an annex keeps the count of chapters, annexes aside.
    assert got["Results"] == ("II." if lang == "en" else "ثانيا -")
    word = render_docx(document).decode("latin-1", "ignore")
    assert "III. Annex" not in word and "II. Annex" not in word


def test_the_arabic_catalogs_keep_the_number_of_decision_2_6() -> None:
    """ "Decision 2/6" is the sixth decision of the second session: Arabic writes it 2/6 too
    (UN Arabic documents keep the order of the symbol); 6/2 would be another decision."""
    wrong = []
    for path in sorted(APPS.glob("*/locale/ar/LC_MESSAGES/django.po")):
        with path.open("rb") as po:
            for message in read_po(po):
                source = message.id if isinstance(message.id, str) else " ".join(message.id)
                text = (
                    message.string if isinstance(message.string, str) else "".join(message.string)
                )
                if "2/6" in source and text and "2/6" not in text:
                    wrong.append(f"{path.parent.parent.parent.parent.name}: {text[:60]}")
    assert not wrong


@pytest.mark.django_db
def test_the_arabic_analytical_report_lists_legal_systems_with_the_arabic_comma(demo) -> None:  # type: ignore[no-untyped-def]
    report = engine.get("analytical")
    params = report.clean({"instrument": "untoc", "cycle": "2"})
    with language("ar"):
        document = report_document(report=report, params=params, lang="ar")
        sheet = gettext("Annex I States")
    annex = next(b for b in document.blocks if isinstance(b, Table) and b.sheet == sheet)
    systems = [str(row[2]) for row in annex.rows]
    assert any("، " in s for s in systems), "some State draws on several legal families"
    assert not any(", " in s for s in systems)
    annexes = [
        i.label
        for i in numbered(document)
        if isinstance(i.block, Heading) and i.block.text.startswith("المرفق")
    ]
    assert len(annexes) >= 3 and all(label == "" for label in annexes)


def test_word_tables_repeat_their_header_row_on_each_page() -> None:
    rows = tuple((f"State {n}", n) for n in range(80))
    table = Table("Long", (Column("State"), Column("States", "int")), rows)
    with language("ar"):
        document = ReportDocument(meta=DocumentMeta(title="Test"), lang="ar", blocks=(table,))
        word = WordDocument(io.BytesIO(render_docx(document)))
    grid = word.tables[0]._tbl
    header = grid.tr_lst[0]
    assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
    assert all(tr.trPr is None or tr.trPr.find(qn("w:tblHeader")) is None for tr in grid.tr_lst[1:])
