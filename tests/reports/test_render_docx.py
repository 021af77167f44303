"""The Word file's tables, written as WordprocessingML text: what a State wrote comes back
as written, in the right direction, with the figures aligned and the heat colours kept."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn

from infobase.core.i18n import language
from infobase.reports.blocks import (
    Column,
    DocumentMeta,
    HeatTable,
    Paragraph,
    Quote,
    ReportDocument,
    Table,
)
from infobase.reports.numbers import percent
from infobase.reports.render_docx import render_docx

AWKWARD = '  <b>Fish & "chips"</b>\tnext\nline ]]> '


def word(lang: str) -> object:
    document = ReportDocument(
        meta=DocumentMeta(title="Report", symbol="CTOC/COP/WG.2/2026/3", date=date(2026, 1, 1)),
        lang=lang,
        blocks=(
            Table(
                "Answers",
                (Column("State"), Column("States", "int")),
                ((AWKWARD, 4), ("مصر", 12), ("Total", 16)),
                total_row=True,
            ),
            HeatTable(
                "Shares", ("Art. 5",), ("African States", "Asia-Pacific States"), ((50, None),)
            ),
        ),
    )
    with language(lang):
        return WordDocument(io.BytesIO(render_docx(document)))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_cell_keeps_markup_characters_tabs_line_breaks_and_outer_spaces(lang: str) -> None:
    table = word(lang).tables[0]  # type: ignore[attr-defined]
    assert [c.text for c in table.rows[0].cells] == ["State", "States"]
    awkward = table.rows[1].cells[0]
    assert awkward.text == AWKWARD
    texts = awkward._tc.findall(".//" + qn("w:t"))
    assert (
        len(awkward._tc.findall(".//" + qn("w:br")))
        == 1
        == len(awkward._tc.findall(".//" + qn("w:tab")))
    ), "a line break and a tab as Word's own elements"
    assert texts[0].get(qn("xml:space")) == "preserve" == texts[-1].get(qn("xml:space"))
    assert [c.text for c in table.rows[2].cells] == ["مصر", "12"]
    runs = [row.cells[0].paragraphs[0].runs[0] for row in table.rows]
    assert [run.bold for run in runs] == [True, False, False, True], "header and total in bold"


def test_arabic_tables_run_right_to_left_with_figures_aligned_at_the_left() -> None:
    document = word("ar")
    table = document.tables[0]  # type: ignore[attr-defined]
    assert table._tbl.tblPr.find(qn("w:bidiVisual")) is not None
    figure = table.rows[2].cells[1].paragraphs[0]
    assert figure._p.pPr.find(qn("w:bidi")) is not None
    # Word reads "right" in a right-to-left paragraph as its end: the left edge.
    assert figure._p.pPr.find(qn("w:jc")).get(qn("w:val")) == "right"
    assert figure.runs[0]._r.rPr.find(qn("w:rtl")) is not None

    english = word("en").tables[0]  # type: ignore[attr-defined]
    assert english._tbl.tblPr.find(qn("w:bidiVisual")) is None
    assert english.rows[2].cells[1].paragraphs[0]._p.pPr.find(qn("w:jc")).get(qn("w:val")) == (
        "right"
    )


def test_a_heat_table_shades_each_share_and_leaves_a_missing_one_blank() -> None:
    heat = word("en").tables[1]  # type: ignore[attr-defined]
    assert [c.text for c in heat.rows[0].cells] == ["", "African States", "Asia-Pacific States"]
    label, share, missing = heat.rows[1].cells
    assert label.text == "Art. 5" and share.text == "50.0%"
    fill = share._tc.tcPr.find(qn("w:shd")).get(qn("w:fill"))
    assert fill and fill != "FFFFFF"
    assert share.paragraphs[0].runs[0].font.color.rgb is not None
    assert missing.text == percent(None, "en")
    assert missing._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) != fill
    widths = {cell.width for row in heat.rows for cell in row.cells}
    assert len(widths) == 1, "even columns"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_control_characters_pasted_into_a_text_do_not_stop_the_word_file(lang: str) -> None:
    # A State's words may carry a word processor's vertical tab (its line break) or a stray
    # NUL, BEL or ESC: Word's XML cannot hold them, and the whole report failed.
    pasted = "first\x0bsecond\x00\x07\x1b end"
    document = ReportDocument(
        meta=DocumentMeta(title="Report\x07", symbol="CTOC/COP/WG.2/2026/3", date=date(2026, 1, 1)),
        lang=lang,
        blocks=(
            Paragraph(pasted),
            Quote(pasted, "Egypt"),
            Table("Answers", (Column("Answer"),), ((pasted,),)),
        ),
    )
    with language(lang):
        word_file = WordDocument(io.BytesIO(render_docx(document)))
    texts = [p.text for p in word_file.paragraphs if "first" in p.text]
    texts.append(word_file.tables[0].rows[1].cells[0].text)
    # (the paragraph is numbered, as UN body paragraphs are)
    assert len(texts) == 3 and all(t.endswith("first\nsecond end") for t in texts), texts
    assert word_file.core_properties.title == "Report"
