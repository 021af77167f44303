"""Coverage recomputed independently, its statuses, its place in the priority score, and gaps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from infobase.accounts.models import User
from infobase.activities.coverage.links import link_create, link_decide
from infobase.activities.coverage.measures import coverage_of, gaps
from infobase.activities.coverage.suggestions import suggest_links
from infobase.activities.models import NeedLink
from infobase.needs.models import Need
from infobase.needs.scoring import Weights, scored_register
from infobase.needs.selectors import coverage_status
from tests.activities.test_coverage import (
    TODAY,
    links,
    world,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.django_db


def expected_coverage(today: date) -> dict[int, D]:
    """Recomputed from the raw rows: accepted/manual shares of current activities, capped."""
    totals: dict[int, D] = {}
    for link in NeedLink.objects.select_related("activity"):
        a = link.activity
        end = a.actual_end or a.planned_end
        if link.status not in ("accepted", "manual") or a.missing_from_source:
            continue
        if (end and end < today) or a.status in ("3", "4", "5", "6"):
            continue
        totals[link.need_id] = totals.get(link.need_id, D("0")) + link.share
    return {k: min(v, D("1")) for k, v in totals.items() if v > 0}


def test_coverage_figures_and_statuses(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
) -> None:
    suggest_links(today=TODAY)
    found = links()
    egy, tip, sen = world["egy_ml"], world["egy_tip"], world["sen_ml"]
    link_decide(user=secretariat, link=found[(egy.pk, "XM-1")], accept=True, share=D("0.5"))
    link_create(user=secretariat, need=egy, activity=world["arabic"], share=D("0.75"))
    link_create(user=secretariat, need=tip, activity=world["regional"], share=D("0.4"))
    # Links to an ended activity and a rejected suggestion do not count.
    link_create(user=secretariat, need=sen, activity=world["ended"])
    link_decide(user=secretariat, link=found[(egy.pk, "XM-2")], accept=False)
    figures = coverage_of(Need.objects.all(), today=TODAY)
    assert figures == expected_coverage(TODAY)
    assert figures == {egy.pk: D("1"), tip.pk: D("0.4")}  # 0.5 + 0.75 capped at 1
    keys = [(n.pk, n.state_id, n.article_id, n.kind) for n in (egy, tip, sen)]
    assert coverage_of(keys, today=TODAY) == figures
    # Later, the manual TIP link's activity ends: it no longer counts.
    assert tip.pk not in coverage_of(Need.objects.all(), today=date(2028, 1, 1))
    assert [coverage_status(figures.get(n.pk)) for n in (egy, tip, sen)] == [
        "covered",
        "partly",
        "uncovered",
    ]


def test_the_priority_score_uses_accepted_links(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
) -> None:
    egy = world["egy_ml"]

    def term() -> Any:
        scored = scored_register(
            needs_qs=Need.objects.filter(pk=egy.pk), weights=Weights(), themes=[], today=TODAY
        )
        return scored[0].explanation.term("coverage")

    assert term().contribution == D("2")  # weight 2 × (1 − 0)
    suggest_links(today=TODAY)
    link_decide(user=secretariat, link=links()[(egy.pk, "XM-1")], accept=True, share=D("0.25"))
    after = term()
    assert after.raw == D("0.25")
    assert after.contribution == D("1.5")  # 2 × (1 − 0.25)
    assert "25.0%" in after.explanation


def test_gaps_by_region_and_kind(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
) -> None:
    suggest_links(today=TODAY)
    link_decide(
        user=secretariat, link=links()[(world["egy_ml"].pk, "XM-1")], accept=True, share=D("0.5")
    )
    by_region = {r.key: r for r in gaps(user=secretariat, by="regional_group")}
    african = by_region["african"]  # Egypt (2 needs) and Senegal (1 need)
    assert (african.uncovered, african.partly, african.covered) == (2, 1, 0)
    by_kind = {r.key: r for r in gaps(user=secretariat, by="kind")}
    assert (by_kind["legislative"].uncovered, by_kind["legislative"].partly) == (1, 1)
    by_article = gaps(user=secretariat, by="article")
    assert sum(r.total for r in by_article) == 3
    legal = {r.key: r.total for r in gaps(user=secretariat, by="legal_family")}
    assert legal  # Egypt and Senegal have a classified legal system


def test_gaps_respect_confidential_needs(
    world: dict[str, Any],  # noqa: F811
    focal_senegal: User,
) -> None:
    Need.objects.filter(pk=world["egy_tip"].pk).update(confidential=True)
    rows = gaps(user=focal_senegal, by="regional_group")
    assert sum(r.total for r in rows) == 2
