"""Suggested links with reasons and confidence, decisions that survive re-suggestion, and the
command; the world (needs, activities) the other coverage tests share."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infobase.accounts.models import User
from infobase.activities.coverage.links import link_decide
from infobase.activities.coverage.suggestions import reason_texts, suggest_links
from infobase.activities.models import (
    Activity,
    LinkStatus,
    NeedLink,
    Recipient,
    Sector,
    Theme,
)
from infobase.needs.models import Need
from infobase.reference.models import Organization, State
from tests.needs.test_derivation import art

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def need(iso3: str, number: int, kind: str, instrument: str = "untoc") -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=art(number, instrument),
        kind=kind,
        first_seen=date(2025, 6, 1),
    )


def org(code: str) -> Organization:
    return Organization.objects.get_or_create(
        code=code, defaults={"name_en": code.upper(), "kind": "international"}
    )[0]


def activity(
    ident: str,
    *,
    states: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
    themes: tuple[tuple[int, str], ...] = (),
    sectors: tuple[str, ...] = (),
    title: dict[str, str] | None = None,
    provider: str = "unodc-test",
    start: date | None = date(2025, 1, 1),
    end: date | None = date(2027, 12, 31),
    **fields: Any,
) -> Activity:
    act = Activity.objects.create(
        iati_identifier=ident,
        source="manual",
        provider=org(provider),
        provider_kind="international",
        title=title or {"en": f"Activity {ident}"},
        planned_start=start,
        planned_end=end,
        **fields,
    )
    for iso3 in states:
        Recipient.objects.create(activity=act, state=State.objects.get(iso3=iso3))
    for code in regions:
        Recipient.objects.create(activity=act, region_code=code)
    for number, kind in themes:
        Theme.objects.create(activity=act, article=art(number), kind=kind)
    for code in sectors:
        Sector.objects.create(activity=act, vocabulary="1", code=code)
    return act


@pytest.fixture
def world() -> dict[str, Any]:
    n = {
        "egy_ml": need("EGY", 6, "legislative"),
        "egy_tip": need("EGY", 6, "training", "tip"),
        "sen_ml": need("SEN", 6, "legislative"),
    }
    a = {
        "direct": activity(
            "XM-1",
            states=("EGY",),
            themes=((6, "legislative"),),
            sectors=("15130",),
            title={"en": "Support to money-laundering legislation"},
        ),
        "regional": activity(
            "XM-2",
            regions=("189",),
            themes=((6, "legislative"),),
            sectors=("15130",),
            provider="other-org",
        ),
        "arabic": activity(
            "XM-3",
            states=("EGY",),
            sectors=("15130",),
            title={"ar": "دعم تجريم غسل عائدات الجرائم"},
        ),
        "mexico": activity("XM-4", states=("MEX",), themes=((6, "legislative"),)),
        "ended": activity(
            "XM-5",
            states=("EGY",),
            themes=((6, "legislative"),),
            start=date(2020, 1, 1),
            end=date(2022, 1, 1),
        ),
        "gone": activity(
            "XM-6", states=("EGY",), themes=((6, "legislative"),), missing_from_source=True
        ),
    }
    return {**n, **a}


def links() -> dict[tuple[int, str], NeedLink]:
    return {
        (link.need_id, link.activity.iati_identifier): link
        for link in NeedLink.objects.select_related("activity")
    }


def codes(link: NeedLink) -> set[str]:
    return {r["code"] for r in link.reasons}


def test_suggestions_have_reasons_and_confidence_for_the_right_needs(
    world: dict[str, Any],
) -> None:
    result = suggest_links(today=TODAY)
    found = links()
    egy = world["egy_ml"].pk
    direct = found[(egy, "XM-1")]
    assert direct.status == LinkStatus.SUGGESTED
    assert {"state", "article", "sector", "kind", "text"} <= codes(direct)
    assert direct.confidence > D("0.7")
    # Reached through "North of Sahara": lower confidence than the same match in the State.
    regional = found[(egy, "XM-2")]
    assert "region" in codes(regional) and "state" not in codes(regional)
    assert regional.confidence < direct.confidence
    # Only words in common (in Arabic) and a consistent sector.
    arabic = found[(egy, "XM-3")]
    assert codes(arabic) == {"state", "sector", "text"}
    text = next(r for r in arabic.reasons if r["code"] == "text")
    assert text["params"]["percent"] > 0
    # Nothing for other States, ended or withdrawn activities.
    sen = world["sen_ml"].pk
    assert not any(k[0] == sen for k in found)
    assert not any(k[1] in ("XM-4", "XM-5", "XM-6") for k in found)
    assert result.created == len(found)
    # Reasons read in the user's language.
    assert any("same article (UNTOC 6)" in t for t in reason_texts(direct.reasons))


def test_suggesting_twice_changes_nothing(world: dict[str, Any]) -> None:
    first = suggest_links(today=TODAY)
    before = {k: (v.pk, v.confidence, v.reasons) for k, v in links().items()}
    second = suggest_links(today=TODAY)
    assert second.created == second.updated == second.removed == 0
    assert second.unchanged == first.created
    assert {k: (v.pk, v.confidence, v.reasons) for k, v in links().items()} == before


def test_decisions_survive_and_stale_suggestions_go(
    world: dict[str, Any], secretariat: User
) -> None:
    suggest_links(today=TODAY)
    found = links()
    egy = world["egy_ml"].pk
    link_decide(user=secretariat, link=found[(egy, "XM-1")], accept=True, reason="ok")
    link_decide(user=secretariat, link=found[(egy, "XM-3")], accept=False)
    # The accepted activity no longer matches at all; the regional one loses its theme.
    Theme.objects.filter(activity=world["direct"]).delete()
    Sector.objects.filter(activity=world["direct"]).delete()
    world["direct"].title = {"en": "Something else entirely"}
    world["direct"].save()
    Theme.objects.filter(activity=world["regional"]).delete()
    result = suggest_links(today=TODAY)
    after = links()
    assert after[(egy, "XM-1")].status == LinkStatus.ACCEPTED
    assert after[(egy, "XM-3")].status == LinkStatus.REJECTED
    assert (egy, "XM-2") not in after
    assert result.removed >= 1
    assert result.decided == 1  # the rejected Arabic activity still qualifies
    history = after[(egy, "XM-1")].history.first()
    assert history is not None and history.history_change_reason == "ok"


def test_suggesting_takes_a_constant_number_of_queries(world: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as small:
        suggest_links(today=TODAY)
    for i in range(15):
        activity(f"XM-extra-{i}", states=("EGY", "SEN"), themes=((6, "legislative"),))
        need(["MEX", "BRA", "IND"][i % 3], 5 + i // 3, "training")
    NeedLink.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        suggest_links(today=TODAY)
    assert len(large) == len(small)


def test_the_command_prints_the_counts(world: dict[str, Any]) -> None:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("coverage-suggest", "--today", "2026-06-01", stdout=out)
    count = NeedLink.objects.count()
    assert count >= 3
    assert f"suggestions: {count} (created {count}," in out.getvalue()
