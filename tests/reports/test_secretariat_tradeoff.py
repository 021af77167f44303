"""The Secretariat's report shows the allocation's trade-off curve the working group chose from."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from infobase.funding.models import Proposal
from infobase.reports import engine
from infobase.reports.blocks import Table
from infobase.reports.services import renderer, report_document
from tests.reports.pdf_text import page_texts

pytestmark = pytest.mark.django_db

POINTS = [
    {
        "level": 0.0,
        "objective": 171.8484,
        "total_usd": 1075713.69,
        "equity_index_groups": 0.6234,
        "equity_index_families": 0.71,
        "shortfalls": 0,
        "shortfall_usd": 0.0,
        # The same solution weighed on the needs everyone may see: what the report shows.
        "published": {
            "objective": 160.25,
            "total_usd": 1000500.5,
            "equity_index_groups": 0.6049,
            "equity_index_families": 0.7,
            "shortfall_usd": 0.0,
        },
    },
    {
        "level": 0.8,
        "objective": 150.25,
        "total_usd": 990000.5,
        "equity_index_groups": 0.8051,
        "equity_index_families": None,
        "shortfalls": 2,
        "shortfall_usd": 146793.46,
        "published": {
            "objective": 140.0,
            "total_usd": 950000.49,
            "equity_index_groups": 0.795,
            "equity_index_families": None,
            "shortfall_usd": 120000.5,
        },
    },
]


def secretariat_document(start: str, end: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    params = {
        "start": start,
        "end": end,
        "symbol": "",
        "date": "",
        "session": "",
        "agenda_item": "",
    }
    return report_document(report=engine.get("secretariat"), params=params, lang=lang)


def curve_table(document):  # type: ignore[no-untyped-def]
    return next(
        (b for b in document.blocks if isinstance(b, Table) and "Trade-off" in str(b.title)), None
    )


def stored_curve_of(points: list[dict[str, object]]) -> None:
    proposal = Proposal.objects.create(
        method="optimizer",
        status="optimal",
        report={"curve": {"points": points}, "on": "2025-06-30"},
    )
    Proposal.objects.filter(pk=proposal.pk).update(created_at=datetime(2025, 6, 30, tzinfo=UTC))


def test_the_latest_curve_of_the_period_is_a_table_of_its_public_figures_with_their_definition():
    stored_curve_of(POINTS)

    document = secretariat_document("2025-01-01", "2025-12-31")
    table = curve_table(document)
    assert table is not None
    assert [row[0] for row in table.rows] == ["0%", "80%"]
    first, second = table.rows
    # The figures weighed on the public needs, never those that count confidential ones.
    assert first[1] == Decimal("160.3")  # 160.25, to one decimal
    assert first[2] == 1000501  # USD rounded half up
    assert first[3] == 60 and second[3] == 80  # equity index 0–100, rounded half up
    assert second[4] is None  # not computed: shown as "—", never as 0
    assert second[5] == 120001
    assert any("confidential" in str(note) for note in table.notes)

    # A period that ended before the curve was computed does not show it.
    assert curve_table(secretariat_document("2024-01-01", "2024-12-31")) is None


def test_a_curve_stored_without_its_public_figures_is_not_published():
    # Curves computed before their points were weighed on the public needs count the
    # confidential ones: the report says so instead of showing them.
    stored_curve_of([{k: v for k, v in point.items() if k != "published"} for point in POINTS])

    document = secretariat_document("2025-01-01", "2025-12-31")
    assert curve_table(document) is None
    text = " ".join(str(getattr(block, "text", "")) for block in document.blocks)
    assert "not published" in text
    assert "171" not in text and "1,075,714" not in text


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_report_with_its_curve_prints_to_pdf(lang: str) -> None:
    # Its definitions write the equity index with a minus sign, which no report font drew:
    # the PDF of every Secretariat's report with a curve failed.
    stored_curve_of(POINTS)

    document = secretariat_document("2025-01-01", "2025-12-31", lang)
    text = "".join(page_texts(renderer("pdf")(document)))
    assert "−" in text and "\ufffd" not in text
    assert "160.3" in text or "160٫3" in text
