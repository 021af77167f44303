"""The PDF as Typst typesets it: tagged, in the document's language, the same bytes for the
same document, a State's words shown as written whatever characters they hold, long tables
carried over pages with their header, and only the report's own fonts."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from infobase.reports import raster
from infobase.reports.blocks import (
    BarChart,
    Block,
    Column,
    Definitions,
    DocumentMeta,
    Heading,
    Paragraph,
    Quote,
    ReportDocument,
    Series,
    Table,
)
from infobase.reports.render_pdf import (
    FONT_FILES,
    FONTS_DIR,
    first_letter_rtl,
    font_folder,
    render_pdf,
    typeset,
    typst_data,
)
from tests.reports.pdf_text import page_texts


def report(lang: str, *, rows: int = 40, blocks: tuple[Block, ...] = ()) -> ReportDocument:
    table = Table(
        "Status by article",
        (Column("State"), Column("Articles", "int"), Column("Share", "pct")),
        tuple((f"State {n}", n, n / 40) for n in range(1, rows)),
        notes=("Confidential: not published.",),
    )
    body = blocks or (
        Heading("Introduction"),
        Paragraph("A paragraph with a note.", notes=("The note.",)),
        table,
        Paragraph("تقرير تحليلي عن التنفيذ.", notes=("ملاحظة.",)),
    )
    return ReportDocument(
        meta=DocumentMeta(title="Report", symbol="CTOC/COP/WG.2/2026/3", date=date(2026, 1, 1)),
        lang=lang,
        blocks=body,
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pdf_is_tagged_in_its_language_and_the_same_for_the_same_document(lang: str) -> None:
    data = render_pdf(report(lang))
    assert render_pdf(report(lang)) == data
    reader = PdfReader(io.BytesIO(data))
    root = reader.root_object
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata is not None and reader.metadata.title == "Report"
    assert b"<pdfuaid:part>1</pdfuaid:part>" in data  # declared PDF/UA-1, checked by Typst
    text = "".join(page_texts(data))
    # PDFium reads the words of a left-to-right script backwards in a right-to-left document.
    assert "ملاحظة" in text
    assert ("State 39" in text and "The note." in text) if lang == "en" else "39 State" in text


def test_the_pdf_packs_its_objects_without_losing_a_tag_or_a_word() -> None:
    document = report("ar", rows=120)
    loose = typeset(typst_data(document))
    data = render_pdf(document)
    assert len(data) < 0.7 * len(loose)
    assert b"/ObjStm" in data and b"/ObjStm" not in loose
    assert page_texts(data) == page_texts(loose)

    def tags(pdf: bytes) -> list[str]:
        found: list[str] = []
        todo = [PdfReader(io.BytesIO(pdf)).root_object["/StructTreeRoot"]]
        while todo:
            node = todo.pop()
            kids = node.get("/K") if hasattr(node, "get") else None
            if hasattr(node, "get") and "/S" in node:
                found.append(str(node["/S"]))
            if kids is None:
                continue
            for kid in kids if isinstance(kids, list) else [kids]:
                kid = kid.get_object() if hasattr(kid, "get_object") else kid
                todo.append(kid)
        return sorted(found)

    assert tags(data) == tags(loose) and "/TH" in tags(data)


def test_a_states_words_are_shown_as_written_never_read_as_layout() -> None:
    # Each of these means something in Typst markup or code; here it is text.
    words = (
        "#set page(width: 2cm) #pagebreak() = Heading *bold* _it_ $x^2$ @ref <label> `raw` \\ "
        '#read("/etc/passwd") ") #{ }'
    )
    plain = render_pdf(report("en", blocks=(Paragraph("Before."), Quote("Plain words.", "X"))))
    data = render_pdf(
        report("en", blocks=(Paragraph("Before."), Quote(words, "X", "en"), Paragraph(words)))
    )
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(plain)).pages) == 1
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595.28, abs=0.5)  # still A4
    text = " ".join(page_texts(data)[0].split())
    assert text.count("#set page(width: 2cm) #pagebreak() = Heading *bold* _it_ $x^2$") == 2
    assert text.count("#read(") == 2 and "root:" not in text


def test_a_long_table_goes_on_over_pages_with_its_header_on_each() -> None:
    pages = page_texts(render_pdf(report("en", rows=120)))
    assert len(pages) >= 3
    rows = [re.findall(r"^State (\d+) \1 ", page, flags=re.M) for page in pages]
    # Every row once, in order, none cut in two; the header above the rows of every page.
    assert [int(n) for found in rows for n in found] == list(range(1, 120))
    for page, found in zip(pages, rows, strict=True):
        if found:
            assert page.index("State Articles Share") < page.index(f"State {found[0]} ")


def test_footnotes_are_numbered_through_the_document_on_the_page_of_their_call() -> None:
    blocks = tuple(Paragraph(f"Finding {n}.", notes=(f"Source {n}.",)) for n in range(1, 6))
    (page,) = page_texts(render_pdf(report("en", blocks=blocks)))
    for n in range(1, 6):
        assert f"Source {n}." in page
    assert page.index("Source 1.") < page.index("Source 5.")


def test_the_headings_keep_their_order_without_a_gap_for_pdf_ua() -> None:
    # A definitions list after a chapter is one level below it: Typst refuses a PDF/UA file
    # whose heading levels skip one.
    blocks = (
        Heading("Methodology"),
        Definitions("Terms", (("Rounding", "Half up."),)),
        Heading("Detail", level=3),
    )
    data = typst_data(report("en", blocks=blocks))
    levels = [b["level"] for b in data["blocks"] if b["k"] in ("h", "defs")]
    assert levels == [2, 3, 3]
    assert "Half up." in page_texts(render_pdf(report("en", blocks=blocks)))[0]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_text_is_set_in_the_reports_own_fonts(lang: str) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(report(lang))))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[1]
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }
    assert fonts and fonts <= {
        "NotoSans-Regular",
        "NotoSans-Bold",
        "NotoNaskhArabic-Regular",
        "NotoNaskhArabic-Bold",
        "NotoSansMath-Regular",
    }, fonts
    if lang == "ar":
        assert "NotoNaskhArabic-Regular" in fonts


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_mathematical_signs_are_printed_and_a_character_no_font_draws_is_marked_not_fatal(
    lang: str,
) -> None:
    # The definitions of the figures write "1 − ½ Σ", and a State may write "≤", an emoji or
    # paste a control character: PDF/UA refuses a glyph the fonts lack, which stopped the
    # whole report.
    words = "Equity = 1 − ½ Σ |r − n| ≤ 1 ≠ 2 🙂\ufe0f done\x00\x07\x1b\tend"
    data = render_pdf(
        report(lang, blocks=(Heading("Figures"), Paragraph(words), Quote(words, "X")))
    )
    text = "".join(page_texts(data))
    # Counted sign by sign: PDFium reads left-to-right words backwards in an Arabic document.
    assert [text.count(sign) for sign in "−½Σ≤≠"] == [4, 2, 2, 2, 2]
    # The emoji is shown as the replacement character, its variation selector dropped.
    assert text.count("\ufffd") == 2 and "🙂" not in text and "\ufe0f" not in text
    # Control characters pasted into a text are dropped; a tab stays a space.
    assert text.count("end") == 2 and not any(c in text for c in "\x00\x07\x1b")


def test_a_quote_in_no_recorded_language_reads_in_the_direction_of_its_first_letter() -> None:
    assert first_letter_rtl("«ضعف التنسيق» 2026")
    assert not first_letter_rtl("2026: Coordination")
    assert not first_letter_rtl("")
    data = typst_data(report("en", blocks=(Quote("ضعف التنسيق.", "Egypt"), Quote("Text.", "X"))))
    assert [b["rtl"] for b in data["blocks"]] == [True, False]


def test_the_fonts_are_decoded_once_into_a_folder_of_their_own(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        folder = font_folder()
        assert font_folder() == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{stem}.otf"
        for stem in (
            "noto-naskh-arabic-bold",
            "noto-naskh-arabic-regular",
            "noto-sans-bold",
            "noto-sans-cjk-sc-bold",
            "noto-sans-cjk-sc-regular",
            "noto-sans-math-regular",
            "noto-sans-regular",
        )
    )
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # nothing half-made left
    assert (folder / "noto-sans-regular.otf").read_bytes()[:4] in (b"\x00\x01\x00\x00", b"OTTO")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_chart_picture_for_word_is_drawn_by_the_same_template_and_cropped(lang: str) -> None:
    chart = BarChart(
        "Needs by kind",
        ("Legislative drafting", "Training"),
        (Series("Needs", (12, 30), "#2166ac"),),
    )
    image = Image.open(io.BytesIO(raster.png(chart, lang))).convert("RGB")
    # At most the text width of an A4 page (165 mm at 150 dpi), cropped close around the bars.
    assert 200 < image.width <= 975 and image.height < 200
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16) or ()}
    assert (0x21, 0x66, 0xAC) in colours  # the series' own colour, the bars drawn


def test_every_message_in_every_language_is_printable_by_the_report_fonts() -> None:
    # A character no report font draws is printed as U+FFFD: none of our own texts may need it.
    # "⌘" only hints at a key on a form's help text, never printed.
    from babel.messages.pofile import read_po
    from fontTools.ttLib import TTFont

    covered = set()
    for name in FONT_FILES:
        covered |= set(TTFont(FONTS_DIR / name).getBestCmap())
    missing: dict[str, set[str]] = {}
    for catalog in sorted(Path(settings.BASE_DIR).glob("*/locale/*/LC_MESSAGES/django.po")):
        with catalog.open("rb") as handle:
            for message in read_po(handle):
                for text in (message.id, message.string):
                    for part in text if isinstance(text, tuple | list) else (text or "",):
                        for ch in part or "":
                            if ord(ch) >= 0x20 and ord(ch) not in covered:
                                missing.setdefault(ch, set()).add(str(catalog.parent.parent))
    assert set(missing) <= {"⌘"}, missing
