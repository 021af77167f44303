"""The Secretariat's report shows the allocation's trade-off curve the working group chose from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infobase.funding.models import Proposal
from infobase.reports import engine
from infobase.reports.blocks import Table
from infobase.reports.services import report_document

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
    },
    {
        "level": 0.8,
        "objective": 150.25,
        "total_usd": 990000.5,
        "equity_index_groups": 0.8051,
        "equity_index_families": None,
        "shortfalls": 2,
        "shortfall_usd": 146793.46,
    },
]


def secretariat_document(start: str, end: str):  # type: ignore[no-untyped-def]
    params = {
        "start": start,
        "end": end,
        "symbol": "",
        "date": "",
        "session": "",
        "agenda_item": "",
    }
    return report_document(report=engine.get("secretariat"), params=params, lang="en")


def curve_table(document):  # type: ignore[no-untyped-def]
    return next(
        (b for b in document.blocks if isinstance(b, Table) and "Trade-off" in str(b.title)), None
    )


def test_the_latest_curve_of_the_period_is_a_table_with_its_definition():
    proposal = Proposal.objects.create(
        method="optimizer",
        status="optimal",
        report={"curve": {"points": POINTS}, "on": "2025-06-30"},
    )
    Proposal.objects.filter(pk=proposal.pk).update(created_at=datetime(2025, 6, 30, tzinfo=UTC))

    table = curve_table(secretariat_document("2025-01-01", "2025-12-31"))
    assert table is not None
    assert [row[0] for row in table.rows] == ["0 %", "80 %"]
    first, second = table.rows
    assert first[2] == 1075714  # USD rounded half up
    assert first[3] == 62 and second[3] == 81  # equity index 0–100, rounded half up
    assert second[4] is None  # not computed: shown as "—", never as 0
    assert second[5] == 146793

    # A period that ended before the curve was computed does not show it.
    assert curve_table(secretariat_document("2024-01-01", "2024-12-31")) is None
