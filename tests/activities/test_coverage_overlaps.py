"""Overlaps: several providers, the same State and subject, overlapping periods."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from infobase.activities.coverage.overlaps import overlaps
from tests.activities.test_coverage import (
    TODAY,
    activity,
    world,  # noqa: F401  (the fixture)
)
from tests.conftest import client_for, exported

pytestmark = pytest.mark.django_db


def test_overlaps_need_two_providers_in_overlapping_periods(
    world: dict[str, Any],  # noqa: F811
) -> None:
    # XM-1 (unodc-test, 2025–2027) and a second provider in Egypt on the same article.
    activity(
        "XM-7",
        states=("EGY",),
        themes=((6, "training"),),
        provider="second-org",
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    # Same provider again: not an overlap by itself; disjoint periods in Senegal: none.
    activity("XM-8", states=("SEN",), themes=((6, "legislative"),), end=date(2026, 6, 30))
    activity(
        "XM-9",
        states=("SEN",),
        themes=((6, "legislative"),),
        provider="second-org",
        start=date(2026, 7, 1),
        end=date(2027, 6, 30),
    )
    found = overlaps(today=TODAY)
    assert [(o.state_iso3, o.subject) for o in found] == [("EGY", "article")]
    assert {a.iati_identifier for a in found[0].activities} == {"XM-1", "XM-7"}
    assert set(found[0].providers) == {"SECOND-ORG", "UNODC-TEST"}


def test_the_coverage_page_shows_overlaps_a_page_at_a_time_and_the_export_all_of_them(
    world: dict[str, Any],  # noqa: F811
    secretariat: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infobase.activities import views_coverage

    monkeypatch.setattr(views_coverage, "OVERLAPS_PER_PAGE", 1)
    today = timezone.localdate()  # the page looks at the activities current today
    for ident, iso3, provider in (
        ("XM-7", "EGY", "second-org"),  # with XM-1 in Egypt
        ("XM-8", "SEN", "unodc-test"),
        ("XM-9", "SEN", "second-org"),
    ):
        activity(
            ident,
            states=(iso3,),
            themes=((6, "training"),),
            provider=provider,
            start=today - timedelta(days=30),
            end=today + timedelta(days=365),
        )
    assert [o.state_iso3 for o in overlaps()] == ["EGY", "SEN"]
    client = client_for(secretariat)
    first = client.get("/coverage/").content.decode()
    second = client.get("/coverage/", {"page": 2}).content.decode()
    assert "Overlaps found: 2" in first and "Overlaps found: 2" in second
    assert "XM-7" in first and "XM-9" not in first
    assert "XM-9" in second and "XM-7" not in second
    assert "Page 1 of 2" in first
    export = exported(client, "/coverage/export/overlaps.csv").content.decode()
    assert "XM-7" in export and "XM-9" in export
