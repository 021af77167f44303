"""Tables too wide for an A4 page are cut into parts that fit, in the PDF only; the PDF's
world map is drawn without links."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

from infobase.reports.blocks import (
    Column,
    DocumentMeta,
    MapArea,
    ReportDocument,
    Table,
    WorldMap,
)
from infobase.reports.print_layout import (
    CELL_PADDING_PT,
    TEXT_WIDTH_PT,
    print_tables,
    text_width,
)
from infobase.reports.render_html import body
from infobase.reports.render_pdf import render_pdf, typst_data

STATUSES = ("Yes", "Partly", "No", "N/A")


def matrix(articles: int = 41, states: int = 30) -> Table:
    rows = tuple(
        (
            f"State {s}",
            *(
                "Confidential" if (s, a) == (3, 7) else STATUSES[(s + a) % 4]
                for a in range(1, articles + 1)
            ),
        )
        for s in range(1, states + 1)
    )
    return Table(
        "Status by article",
        (Column("State"), *(Column(str(a)) for a in range(1, articles + 1))),
        rows,
        notes=("Confidential: not published.",),
    )


def cells(table: Table) -> list[list[str]]:
    return [[str(v) for v in row] for row in table.rows]


def test_a_table_that_fits_the_page_is_left_whole() -> None:
    table = matrix(articles=5)
    parts = print_tables(table, cells(table), "en")
    assert len(parts) == 1
    assert parts[0].table is table
    assert parts[0].widths == ()


def test_a_wide_table_is_cut_into_parts_holding_every_column_once_with_the_first_repeated() -> None:
    table = matrix()
    parts = print_tables(table, cells(table), "en")
    assert len(parts) > 1
    assert all(p.table.columns[0].label == "State" for p in parts)
    labels = [c.label for p in parts for c in p.table.columns[1:]]
    assert labels == [str(a) for a in range(1, 42)]
    for part in parts:
        assert len(part.widths) == len(part.table.columns)
        assert sum(part.widths) <= 1.0 + 1e-9
        assert [row[0] for row in part.table.rows] == [row[0] for row in table.rows]
    # The notes follow the last part only.
    assert [p.table.notes for p in parts] == [()] * (len(parts) - 1) + [table.notes]


def test_every_column_of_a_part_is_wide_enough_for_its_common_words() -> None:
    table = matrix()
    for lang in ("en", "ar"):
        for part in print_tables(table, cells(table), lang):
            for share in part.widths[1:]:
                width = share * TEXT_WIDTH_PT - CELL_PADDING_PT
                assert width >= max(text_width(w, lang=lang) for w in STATUSES)


def document(*blocks: object, lang: str = "en") -> ReportDocument:
    return ReportDocument(
        meta=DocumentMeta(title="Wide", symbol="X/1", date=date(2024, 1, 1)),
        lang=lang,
        blocks=blocks,  # type: ignore[arg-type]
    )


def test_the_web_page_keeps_a_wide_table_whole_and_the_pdf_cuts_it() -> None:
    doc = document(matrix())
    assert str(body(doc)).count("<table") == 1
    parts = [b for b in typst_data(doc)["blocks"] if b["k"] == "t"]
    assert len(parts) > 1 and all(p["widths"] for p in parts)
    assert [p["cols"][0]["label"] for p in parts] == ["State"] * len(parts)


def test_the_pdf_shows_every_article_of_a_wide_table_inside_the_page() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(document(matrix(states=4)))))
    seen: set[str] = set()
    outside: list[tuple[str, float]] = []
    for page in reader.pages:
        chunks: list[tuple[str, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                chunks.append((text, tm[4] * cm[0] + cm[4]))  # noqa: B023 (used at once)

        page.extract_text(visitor_text=visit)
        right = float(page.mediabox.width)
        outside += [(text, x) for text, x in chunks if not 0 <= x < right]
        seen.update(n for text, _ in chunks for n in re.findall(r"\b\d{1,2}\b", text))
    assert outside == []
    assert {str(a) for a in range(1, 42)} <= seen


def test_the_printed_map_has_no_links_and_the_web_map_has() -> None:
    areas = (MapArea("FRA", "250", "France", 3, "3"), MapArea("PER", "604", "Peru", None, "—"))
    doc = document(WorldMap("Needs", areas))
    assert "<a href" in str(body(doc))
    (drawn,) = (b["svg"] for b in typst_data(doc)["blocks"] if b["k"] == "map")
    assert "<a href" not in drawn
    assert 'data-iso3="FRA"' in drawn
    reader = PdfReader(io.BytesIO(render_pdf(doc)))
    assert "Needs" in reader.pages[0].extract_text()


def test_the_word_file_cuts_a_wide_table_as_the_pdf_does() -> None:
    from docx import Document

    from infobase.reports.render_docx import render_docx

    table = matrix(states=4)
    parts = print_tables(table, cells(table), "en")
    word = Document(io.BytesIO(render_docx(document(table))))
    grids = word.tables
    assert len(grids) == len(parts) > 1
    headers = [[c.text for c in grid.rows[0].cells] for grid in grids]
    assert [h[0] for h in headers] == ["State"] * len(parts)  # the first column repeated
    assert sorted(x for h in headers for x in h[1:]) == sorted(str(a) for a in range(1, 42))
    # No column squeezed below the width of the words it holds ("Partly", at 9 pt).
    narrowest = min(c.width for grid in grids for c in grid.rows[0].cells)
    assert narrowest / 12700 >= text_width("Partly", lang="en", size=9)  # EMU per point


def test_a_table_that_fits_gets_the_widths_of_the_automatic_layout_in_the_pdf_only() -> None:
    table = Table(
        "By article",
        (Column("Article"), Column("States reporting", "int"), Column("Not applicable", "int")),
        tuple(
            (f"Article {a} (Use of special investigative techniques)", 100 + a, a)
            for a in range(1, 8)
        ),
    )
    texts = [[str(v) for v in row] for row in table.rows]
    # Without ``fixed``, the table is left to an automatic layout.
    assert print_tables(table, texts, "en")[0].widths == ()
    (part,) = print_tables(table, texts, "en", fixed=True)
    assert part.table is table
    assert abs(sum(part.widths) - 1) < 1e-9
    # Every column holds its longest word; the text column takes the rest of the line.
    for share, column, values in zip(
        part.widths, table.columns, zip(*texts, strict=True), strict=True
    ):
        longest = max([*column.label.split(), *(w for v in values for w in v.split())], key=len)
        assert share * TEXT_WIDTH_PT - CELL_PADDING_PT >= text_width(longest, lang="en") / 1.08
    assert part.widths[0] > 0.5
    (printed,) = (b for b in typst_data(document(table))["blocks"] if b["k"] == "t")
    assert printed["widths"] == list(part.widths)


def test_only_the_cells_of_a_cut_table_holding_a_word_wider_than_their_column_hyphenate() -> None:
    parts = [b for b in typst_data(document(matrix()))["blocks"] if b["k"] == "t"]
    hyphenated = [c["t"] for p in parts for row in p["rows"] for c in row if isinstance(c, dict)]
    assert hyphenated and set(hyphenated) == {"Confidential"}
