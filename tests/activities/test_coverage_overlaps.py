"""Overlaps: several providers, the same State and subject, overlapping periods."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from infobase.activities.coverage.overlaps import overlaps
from tests.activities.test_coverage import (
    TODAY,
    activity,
    world,  # noqa: F401  (the fixture)
)

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
