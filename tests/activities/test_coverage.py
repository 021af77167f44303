"""Coverage of needs by activities: suggested links with reasons and confidence, decisions
that survive re-suggestion, coverage recomputed independently, gaps, overlaps, exports and
permissions."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infobase.accounts.models import User
from infobase.activities import coverage
from infobase.activities.models import (
    Activity,
    LinkStatus,
    NeedLink,
    Recipient,
    Sector,
    Theme,
)
from infobase.needs.models import Need
from infobase.needs.scoring import Weights, scored_register
from infobase.reference.models import Organization, State
from tests.conftest import client_for, make_user
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
    result = coverage.suggest_links(today=TODAY)
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
    assert any("same article (UNTOC 6)" in t for t in coverage.reason_texts(direct.reasons))


def test_a_regional_activity_reaches_only_the_states_of_its_region() -> None:
    assert "EGY" in coverage.region_states("189")
    assert "SEN" not in coverage.region_states("189")
    assert "SEN" in coverage.region_states("289") and "SEN" in coverage.region_states("1030")
    assert coverage.region_states("998") == frozenset()


def test_suggesting_twice_changes_nothing(world: dict[str, Any]) -> None:
    first = coverage.suggest_links(today=TODAY)
    before = {k: (v.pk, v.confidence, v.reasons) for k, v in links().items()}
    second = coverage.suggest_links(today=TODAY)
    assert second.created == second.updated == second.removed == 0
    assert second.unchanged == first.created
    assert {k: (v.pk, v.confidence, v.reasons) for k, v in links().items()} == before


def test_decisions_survive_and_stale_suggestions_go(
    world: dict[str, Any], secretariat: User
) -> None:
    coverage.suggest_links(today=TODAY)
    found = links()
    egy = world["egy_ml"].pk
    coverage.link_decide(user=secretariat, link=found[(egy, "XM-1")], accept=True, reason="ok")
    coverage.link_decide(user=secretariat, link=found[(egy, "XM-3")], accept=False)
    # The accepted activity no longer matches at all; the regional one loses its theme.
    Theme.objects.filter(activity=world["direct"]).delete()
    Sector.objects.filter(activity=world["direct"]).delete()
    world["direct"].title = {"en": "Something else entirely"}
    world["direct"].save()
    Theme.objects.filter(activity=world["regional"]).delete()
    result = coverage.suggest_links(today=TODAY)
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
        coverage.suggest_links(today=TODAY)
    for i in range(15):
        activity(f"XM-extra-{i}", states=("EGY", "SEN"), themes=((6, "legislative"),))
        need(["MEX", "BRA", "IND"][i % 3], 5 + i // 3, "training")
    NeedLink.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        coverage.suggest_links(today=TODAY)
    assert len(large) == len(small)


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


def test_coverage_figures_and_statuses(world: dict[str, Any], secretariat: User) -> None:
    coverage.suggest_links(today=TODAY)
    found = links()
    egy, tip, sen = world["egy_ml"], world["egy_tip"], world["sen_ml"]
    coverage.link_decide(
        user=secretariat, link=found[(egy.pk, "XM-1")], accept=True, share=D("0.5")
    )
    coverage.link_create(user=secretariat, need=egy, activity=world["arabic"], share=D("0.75"))
    coverage.link_create(user=secretariat, need=tip, activity=world["regional"], share=D("0.4"))
    # Links to an ended activity and a rejected suggestion do not count.
    coverage.link_create(user=secretariat, need=sen, activity=world["ended"])
    coverage.link_decide(user=secretariat, link=found[(egy.pk, "XM-2")], accept=False)
    figures = coverage.coverage_of(Need.objects.all(), today=TODAY)
    assert figures == expected_coverage(TODAY)
    assert figures == {egy.pk: D("1"), tip.pk: D("0.4")}  # 0.5 + 0.75 capped at 1
    keys = [(n.pk, n.state_id, n.article_id, n.kind) for n in (egy, tip, sen)]
    assert coverage.coverage_of(keys, today=TODAY) == figures
    # Later, the manual TIP link's activity ends: it no longer counts.
    assert tip.pk not in coverage.coverage_of(Need.objects.all(), today=date(2028, 1, 1))
    assert [coverage.coverage_status(figures.get(n.pk)) for n in (egy, tip, sen)] == [
        "covered",
        "partly",
        "uncovered",
    ]


def test_the_priority_score_uses_accepted_links(world: dict[str, Any], secretariat: User) -> None:
    egy = world["egy_ml"]

    def term() -> Any:
        scored = scored_register(
            needs_qs=Need.objects.filter(pk=egy.pk), weights=Weights(), themes=[], today=TODAY
        )
        return scored[0].explanation.term("coverage")

    assert term().contribution == D("2")  # weight 2 × (1 − 0)
    coverage.suggest_links(today=TODAY)
    coverage.link_decide(
        user=secretariat, link=links()[(egy.pk, "XM-1")], accept=True, share=D("0.25")
    )
    after = term()
    assert after.raw == D("0.25")
    assert after.contribution == D("1.5")  # 2 × (1 − 0.25)
    assert "25%" in after.explanation


def test_only_the_secretariat_decides(
    world: dict[str, Any], secretariat: User, focal_egypt: User, donor: User
) -> None:
    coverage.suggest_links(today=TODAY)
    link = links()[(world["egy_ml"].pk, "XM-1")]
    for user in (focal_egypt, donor):
        with pytest.raises(PermissionDenied):
            coverage.link_decide(user=user, link=link, accept=True)
        with pytest.raises(PermissionDenied):
            coverage.link_create(user=user, need=world["sen_ml"], activity=world["direct"])
    with pytest.raises(ValidationError):
        coverage.link_create(
            user=secretariat, need=world["sen_ml"], activity=world["direct"], share=D("1.5")
        )
    assert not NeedLink.objects.filter(need=world["sen_ml"]).exists()
    coverage.link_create(user=secretariat, need=world["sen_ml"], activity=world["direct"])
    with pytest.raises(ValidationError):
        coverage.link_create(user=secretariat, need=world["sen_ml"], activity=world["direct"])


def test_gaps_by_region_and_kind(world: dict[str, Any], secretariat: User) -> None:
    coverage.suggest_links(today=TODAY)
    coverage.link_decide(
        user=secretariat, link=links()[(world["egy_ml"].pk, "XM-1")], accept=True, share=D("0.5")
    )
    by_region = {r.key: r for r in coverage.gaps(user=secretariat, by="regional_group")}
    african = by_region["african"]  # Egypt (2 needs) and Senegal (1 need)
    assert (african.uncovered, african.partly, african.covered) == (2, 1, 0)
    by_kind = {r.key: r for r in coverage.gaps(user=secretariat, by="kind")}
    assert (by_kind["legislative"].uncovered, by_kind["legislative"].partly) == (1, 1)
    by_article = coverage.gaps(user=secretariat, by="article")
    assert sum(r.total for r in by_article) == 3
    legal = {r.key: r.total for r in coverage.gaps(user=secretariat, by="legal_family")}
    assert legal  # Egypt and Senegal have a classified legal system


def test_gaps_respect_confidential_needs(world: dict[str, Any], focal_senegal: User) -> None:
    Need.objects.filter(pk=world["egy_tip"].pk).update(confidential=True)
    rows = coverage.gaps(user=focal_senegal, by="regional_group")
    assert sum(r.total for r in rows) == 2


def test_overlaps_need_two_providers_in_overlapping_periods(world: dict[str, Any]) -> None:
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
    found = coverage.overlaps(today=TODAY)
    assert [(o.state_iso3, o.subject) for o in found] == [("EGY", "article")]
    assert {a.iati_identifier for a in found[0].activities} == {"XM-1", "XM-7"}
    assert set(found[0].providers) == {"SECOND-ORG", "UNODC-TEST"}


def test_exports_are_guarded_and_safe(
    world: dict[str, Any], secretariat: User, focal_egypt: User
) -> None:
    activity(
        "=HYPERLINK(1)",
        states=("EGY",),
        themes=((6, "legislative"),),
        provider="second-org",
    )
    assert client_for(None).get("/coverage/export/overlaps.csv").status_code == 302
    plain = make_user("nobody")
    assert client_for(plain).get("/coverage/export/overlaps.csv").status_code == 403
    assert client_for(secretariat).get("/coverage/export/secret.csv").status_code == 404
    response = client_for(secretariat).get("/coverage/export/overlaps.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in [r[5] for r in rows[1:]]
    gaps = client_for(focal_egypt).get("/coverage/export/gaps.xlsx")
    assert gaps.status_code == 200 and gaps.content[:2] == b"PK"
    needs = client_for(secretariat).get("/coverage/export/needs.csv")
    assert needs.content.decode("utf-8-sig").count("\n") == 4  # header + three open needs


def test_focal_points_view_and_the_secretariat_decides_on_the_page(
    world: dict[str, Any], secretariat: User, focal_egypt: User
) -> None:
    coverage.suggest_links(today=TODAY)
    egy = world["egy_ml"]
    link = links()[(egy.pk, "XM-1")]
    url = f"/needs/{egy.pk}/activities/"
    page = client_for(focal_egypt).get(url)
    assert page.status_code == 200
    assert b"XM-1" in page.content and b'value="accept"' not in page.content
    assert client_for(focal_egypt).get("/coverage/").status_code == 200
    refused = client_for(focal_egypt).post(url, {"action": "accept", "link": link.pk})
    assert refused.status_code == 403
    link.refresh_from_db()
    assert link.status == LinkStatus.SUGGESTED
    secretariat_page = client_for(secretariat).get(url)
    assert b'value="accept"' in secretariat_page.content
    client_for(secretariat).post(
        url, {"action": "accept", "link": link.pk, "share": "0,5", "reason": "checked"}
    )
    link.refresh_from_db()
    assert (link.status, link.share) == (LinkStatus.ACCEPTED, D("0.5"))
    client_for(secretariat).post(url, {"action": "link", "activity": "XM-4", "share": "0.2"})
    manual = NeedLink.objects.get(need=egy, activity__iati_identifier="XM-4")
    assert (manual.status, manual.share) == (LinkStatus.MANUAL, D("0.2"))
    bad = client_for(secretariat).post(url, {"action": "link", "activity": "nope"}, follow=True)
    assert b"nope" in bad.content
    overview = client_for(secretariat).get("/coverage/")
    assert overview.status_code == 200 and b"African States" in overview.content


def test_the_command_prints_the_counts(world: dict[str, Any]) -> None:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("coverage-suggest", "--today", "2026-06-01", stdout=out)
    count = NeedLink.objects.count()
    assert count >= 3
    assert f"suggestions: {count} (created {count}," in out.getvalue()
