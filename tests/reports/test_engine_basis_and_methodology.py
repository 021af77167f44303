"""The report engine's shared pieces: what a report rests on (said and confirmed before it is
produced, on the web and on the command line), empty tables and charts left out with a
sentence, the methodology annex in every format, and the one rounding and tie rule."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from infobase.core.i18n import language
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument, State
from infobase.reports import engine, numbers
from infobase.reports.blocks import (
    BarChart,
    Column,
    Definitions,
    DocumentMeta,
    HeatTable,
    Paragraph,
    ReportDocument,
    Series,
    Table,
)
from infobase.reports.models import ReportRun
from infobase.reports.render_docx import render_docx
from infobase.reports.render_html import fragment
from infobase.reports.render_pdf import render_pdf
from infobase.reports.render_xlsx import render_xlsx
from infobase.reports.services import report_document
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- numbers: one rounding rule, ties kept -----------------------------------------------------


def test_rounding_is_half_up_and_never_truncates() -> None:
    assert numbers.round_half_up(2.5) == 3
    assert numbers.round_half_up(Decimal("0.05"), 1) == Decimal("0.1")
    assert numbers.round_half_up(-2.5) == -3
    # A total of money is written rounded, not truncated (18,324,678.6 → 18,324,679).
    assert numbers.integer(Decimal("18324678.6"), "en") == "18,324,679"
    assert numbers.number(0.25, "en", 1) == "0.3"
    assert numbers.share(1, 8) == Decimal("12.5")
    assert numbers.share(1, 16) == Decimal("6.3")  # 6.25 → 6.3, not 6.2 (half even)
    assert numbers.rounded_total([1.4, 1.4, 1.4]) == 3  # the shown rows: 1 + 1 + 1


def test_a_top_n_never_cuts_through_a_tie() -> None:
    ranked = [("a", 9), ("b", 7), ("c", 5), ("d", 5), ("e", 5), ("f", 4)]
    assert [k for k, _ in numbers.top_with_ties(ranked, 3, key=lambda t: t[1])] == [
        "a",
        "b",
        "c",
        "d",
        "e",
    ]
    assert len(numbers.top_with_ties(ranked, 2, key=lambda t: t[1])) == 2
    assert numbers.top_with_ties(ranked[:2], 10, key=lambda t: t[1]) == ranked[:2]


# --- empty blocks and the methodology annex ----------------------------------------------------


def small_document(lang: str = "en") -> ReportDocument:
    blocks = (
        Paragraph("A paragraph."),
        Table(
            "All withheld",
            (Column("Article"), Column("States", "int")),
            (("Art. 5", None), ("Art. 6", None)),
            sheet="Withheld",
        ),
        Table("Some figures", (Column("Article"), Column("States", "int")), (("Art. 5", 4),)),
        BarChart("Only a legend", (), (Series("Yes", (), "#2166ac"),), sheet="Empty chart"),
        HeatTable("No share", ("Art. 5",), ("African States",), ((None,),)),
    )
    document = ReportDocument(meta=DocumentMeta(title="Test"), lang=lang, blocks=blocks)
    return engine.finish(
        document, (("Rounding", "Half up."), ("Ties", "All tied entries.")), heading="Annex"
    )


def test_empty_tables_and_charts_are_left_out_with_one_sentence_each() -> None:
    with language("en"):
        document = small_document()
    titles = [getattr(b, "title", "") for b in document.blocks]
    assert "Some figures" in titles
    assert "All withheld" not in titles and "Only a legend" not in titles
    assert "No share" not in titles
    said = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.left_out]
    assert len(said) == 3
    assert said[0].startswith("All withheld: left out")
    assert isinstance(document.blocks[-1], Definitions)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_methodology_annex_is_in_every_format(lang: str) -> None:
    with language(lang):
        document = small_document(lang)
        html = str(fragment(document))
        docx = Document(io.BytesIO(render_docx(document)))
        book = load_workbook(io.BytesIO(render_xlsx(document)))
        pdf = PdfReader(io.BytesIO(render_pdf(document)))
    assert '<dt class="rc-term">Rounding</dt><dd class="rc-def">Half up.</dd>' in html
    assert any(p.text == "Rounding Half up." for p in docx.paragraphs)
    sheet = next(ws for ws in book.worksheets if ws.title.endswith(str(_("Methodology", lang))))
    assert [row[:2] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        ("Rounding", "Half up."),
        ("Ties", "All tied entries."),
    ]
    assert "Half up" in "".join(page.extract_text() for page in pdf.pages)
    # The sentence saying why a table is left out is in the Excel file too.
    contents = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert any(str(c).startswith("All withheld") for c in contents)


def _(text: str, lang: str) -> str:
    from django.utils.translation import gettext

    with language(lang):
        return gettext(text)


# --- what the analytical report rests on ------------------------------------------------------


@pytest.fixture
def thin_cycle():  # type: ignore[no-untyped-def]
    """A cycle where 12 States were asked and one answer is validated."""
    untoc = Instrument.objects.get(code="untoc")
    cycle = ReportingCycle.objects.create(number=1, name="Cycle 1")
    questionnaire = Questionnaire.objects.create(cycle=cycle, code="q1", title={"en": "Q"})
    questionnaire.instruments.add(untoc)
    article = Article.objects.get(instrument=untoc, number=5)
    states = list(State.objects.filter(regional_group="weog").order_by("iso3")[:12])
    for index, state in enumerate(states):
        assignment = Assignment.objects.create(
            questionnaire=questionnaire,
            state=state,
            status="validated" if index == 0 else "not_started",
            deadline=timezone.localdate(),
            dispatched_at=timezone.now(),
        )
        if index == 0:
            ArticleImplementation.objects.create(
                assignment=assignment, state=state, article=article, status="yes"
            )
    return untoc


def test_a_report_on_almost_nothing_says_so_and_shows_no_empty_table(thin_cycle):  # type: ignore[no-untyped-def]
    report = engine.get("analytical")
    params = report.clean({"instrument": "untoc", "cycle": "1"})
    with language("en"):
        basis = report.basis(params)
        document = report_document(report=report, params=params, lang="en")
    assert basis is not None and basis.thin
    assert "1 of the 12 States asked" in basis.text
    for block in document.blocks:
        assert not engine.is_empty(block), block  # type: ignore[arg-type]
    said = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.left_out]
    assert any("Implementation reported, by article" in s for s in said)
    assert "Annex III. Methodology" in document.text()


def test_the_command_prints_the_basis_and_wants_a_confirmation_when_thin(thin_cycle, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "r.html"
    args = ["report", "analytical", "--instrument", "untoc", "--cycle", "1"]
    errors = io.StringIO()
    with pytest.raises(CommandError, match="--confirm"):
        call_command(*args, "--format", "html", "--out", str(out), stderr=errors)
    assert "1 of the 12 States asked" in errors.getvalue()
    assert not out.exists()
    call_command(*args, "--format", "html", "--out", str(out), "--yes", stdout=io.StringIO())
    assert out.stat().st_size > 1000


def test_the_request_form_asks_to_confirm_a_thin_report(thin_cycle, secretariat):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    url = reverse("reports:new", args=["analytical"])
    data = {"instrument": "untoc", "cycle": "1", "lang": "en", "fmt": "html"}
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 of the 12 States asked" in page and 'name="confirm"' in page
    assert "tick the box" not in page  # asked, not yet an error
    response = client.post(url, {**data, "basis_shown": "1"})
    assert "tick the box to produce it anyway" in response.content.decode()
    assert not ReportRun.objects.exists()
    response = client.post(url, {**data, "confirm": "on"})
    assert response.status_code == 302
    assert ReportRun.objects.count() == 1


def test_the_excel_file_holds_the_numbers_as_shown() -> None:
    """Cells are rounded half up to the unit shown, not truncated nor left unrounded, so a sum
    in the workbook agrees with the page (18,324,678.6 is 18,324,679 in both)."""
    table = Table(
        "Pledges",
        (Column("Year"), Column("USD", "int"), Column("Share", "pct")),
        (("2007", Decimal("18324678.6"), Decimal("12.5")), ("2008", 2.5, None)),
        sheet="Pledges",
    )
    document = ReportDocument(meta=DocumentMeta(title="Test"), lang="en", blocks=(table,))
    with language("en"):
        book = load_workbook(io.BytesIO(render_xlsx(document)))
        page = str(fragment(document))
    rows = list(book.worksheets[1].iter_rows(min_row=4, max_row=5, values_only=True))
    assert rows == [("2007", 18324679, 12.5), ("2008", 3, None)]
    assert "18,324,679" in page and ">3<" in page
