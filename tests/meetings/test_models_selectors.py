"""Document symbols, the selectors the reports use, and the demo data of the meetings app."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from infobase.accounts.models import User
from infobase.meetings import selectors
from infobase.meetings.mandates import CheckStatus
from infobase.meetings.models import (
    Capacity,
    Document,
    DocumentKind,
    Mandate,
    ManualStatus,
    Outcome,
    SessionParticipant,
)
from infobase.meetings.services import mandate_set_status
from infobase.needs.models import Need
from infobase.reference.models import State
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "symbol",
    ["CTOC/COP/WG.2/2007/2", "CTOC/COP/2008/2", "A/RES/55/25", "CTOC/COP/2008/L.1/Add.1"],
)
def test_it_accepts_un_document_symbols(decision_data: Data, symbol: str) -> None:
    Document(symbol=symbol, kind=DocumentKind.OTHER, title={"en": "x"}).full_clean()


@pytest.mark.parametrize(
    "symbol", ["ctoc/cop/2008/2", "CTOC COP 2008 2", "CTOC/", "CTOC", "CTOC/COP//2", "/COP/2008"]
)
def test_it_refuses_what_is_not_a_symbol(decision_data: Data, symbol: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Document(symbol=symbol, kind=DocumentKind.OTHER, title={"en": "x"}).full_clean()
    assert "symbol" in caught.value.message_dict


def test_session_summaries_count_participants_by_capacity_and_group(met: Data) -> None:
    session = met.intersessional
    for iso3, capacity in (("EGY", Capacity.STATE_PARTY), ("SEN", Capacity.STATE_PARTY)):
        SessionParticipant.objects.create(
            session=session, state=State.objects.get(iso3=iso3), capacity=capacity
        )
    SessionParticipant.objects.create(
        session=session, observer_name="An NGO", capacity=Capacity.NGO
    )
    summaries = selectors.session_summaries(
        body_code="wg-ta", start=date(2007, 1, 1), end=date(2007, 12, 31)
    )
    assert [s.session for s in summaries] == [session]
    summary = summaries[0]
    assert summary.participants == 3
    assert summary.by_capacity[Capacity.STATE_PARTY] == 2
    assert summary.by_capacity[Capacity.NGO] == 1
    assert summary.by_regional_group == {"african": 2, "none": 1}
    assert summary.needs_reviewed == 1


def test_needs_reviewed_per_session_and_documents_by_kind(met: Data) -> None:
    rows = selectors.needs_reviewed_per_session(body_code="wg-ta")
    assert [(s.pk, n) for s, n in rows] == [
        (met.during_cop3.pk, 0),  # type: ignore[union-attr]
        (met.intersessional.pk, 1),  # type: ignore[union-attr]
    ]
    grouped = selectors.documents_by_kind(start=date(2008, 1, 1), end=date(2008, 12, 31))
    assert [d.symbol for d in grouped[DocumentKind.CHAIR_REPORT]] == ["CTOC/COP/2008/90"]
    assert [d.symbol for d in grouped[DocumentKind.SECRETARIAT_TA_REPORT]] == ["CTOC/COP/2008/91"]


def test_outcomes_with_links(met: Data, secretariat: User) -> None:
    need = met.intersessional.needs_reviewed.get()  # type: ignore[union-attr]
    recommendation = Outcome.objects.create(
        kind="recommendation",
        number="2007/1",
        session=met.intersessional,
        title={"en": "Recommendation"},
    )
    recommendation.needs.add(need)
    secret = Need.objects.create(
        state=State.objects.get(iso3="KEN"),
        article=need.article,
        kind=need.kind,
        first_seen=date(2007, 1, 1),
        confidential=True,
    )
    recommendation.needs.add(secret)
    rows = selectors.outcomes_with_links(body_code="wg-ta", viewer=AnonymousUser())
    # A confidential need of a State is neither listed nor counted for anyone else …
    assert [(r.outcome, r.needs) for r in rows] == [(recommendation, [need])]
    # … but the secretariat sees it.
    everything = selectors.outcomes_with_links(body_code="wg-ta", viewer=secretariat)
    assert [set(r.needs) for r in everything] == [{need, secret}]


def test_mandate_statuses_flag_what_was_met_on_time(met: Data, secretariat: User) -> None:
    mandate_set_status(
        mandate=Mandate.objects.get(paragraph="a"),
        status=ManualStatus.DONE,
        reason="established",
        user=secretariat,
    )
    states = {
        s.mandate.paragraph: s for s in selectors.mandate_statuses("2/6", today=date(2009, 1, 1))
    }
    assert states["e"].on_time is True and states["e"].met_on == date(2007, 10, 5)
    assert states["h"].on_time is True
    assert states["a"].status == ManualStatus.DONE and states["a"].on_time is None  # no due date
    Document.objects.filter(pk=met.chair_report.pk).update(session=None, date=date(2008, 12, 1))  # type: ignore[union-attr]
    states = {
        s.mandate.paragraph: s for s in selectors.mandate_statuses("2/6", today=date(2009, 1, 1))
    }
    assert states["g"].status == CheckStatus.NOT_MET and states["g"].is_failing
    summary = selectors.mandate_summary(list(states.values()))
    assert summary["total"] == 13 and summary["failing"] >= 1 and summary["automatic"] == 5


def test_the_demo_data_meets_every_automatic_check_and_is_idempotent(demo_loaded: None) -> None:
    from infobase.demo.services import generate

    counts = (Outcome.objects.count(), Document.objects.count(), SessionParticipant.objects.count())
    generate(scale="small", seed=1)
    assert (
        Outcome.objects.count(),
        Document.objects.count(),
        SessionParticipant.objects.count(),
    ) == counts
    states = selectors.mandate_statuses("2/6", today=date.today())
    automatic = [s for s in states if s.automatic]
    assert len(automatic) == 5
    assert {s.status for s in automatic} == {CheckStatus.MET}
    assert not [s for s in states if s.is_failing]
    facts = Document.objects.get(symbol="CTOC/COP/WG.2/2007/2")
    assert facts.is_public_fact and not facts.is_demo and facts.source
    assert Document.objects.get(symbol="CTOC/COP/2008/DEMO.1").is_demo
    assert Outcome.objects.get(number="4/3").is_demo
