"""Breadth terms leave confidential needs out, for everyone: no score reveals them."""

from __future__ import annotations

from datetime import date

import pytest

from infobase.accounts.models import User
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need
from infobase.needs.scoring import ScoredNeed, scored_register
from infobase.needs.selectors import RegisterFilters, need_rank, register
from tests.needs.test_derivation import answers, art

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)


@pytest.fixture
def shared_need() -> Need:
    """Egypt and Senegal (African group) and Mexico need training on article 5."""
    answers("EGY", [(5, "training")], priority="high")
    answers("SEN", [(5, "training")])
    answers("MEX", [(5, "training")])
    needs_derive(today=TODAY)
    return Need.objects.get(state__iso3="EGY", article=art(5), kind="training")


def seen_by(user: User, need: Need) -> ScoredNeed:
    scored = scored_register(needs_qs=register(user=user, filters=RegisterFilters()), today=TODAY)
    return next(s for s in scored if s.need_id == need.pk)


def add_confidential_need(iso3: str) -> Need:
    answers(iso3, [(5, "training")], cycle=2, confidential=True)
    needs_derive(today=TODAY)
    hidden = Need.objects.get(state__iso3=iso3, article=art(5), kind="training")
    assert hidden.confidential
    return hidden


def test_a_delegates_view_of_a_score_ignores_other_states_confidential_needs(
    shared_need: Need, delegate: User
) -> None:
    before = seen_by(delegate, shared_need)
    before_rank, _count = need_rank(user=delegate, need=shared_need)
    assert before.facts.breadth_overall == 3 and before.facts.breadth_region == 2

    # Nigeria (African group too) states the same need, confidentially.
    hidden = add_confidential_need("NGA")
    assert not register(user=delegate, filters=RegisterFilters()).filter(pk=hidden.pk).exists()

    after = seen_by(delegate, shared_need)
    assert after.explanation == before.explanation
    assert after.total == before.total
    after_rank, _count = need_rank(user=delegate, need=shared_need)
    assert before_rank is not None and after_rank is not None
    for term in ("breadth_overall", "breadth_region"):
        assert after_rank.explanation.term(term) == before_rank.explanation.term(term)
    assert after.facts.breadth_region == 2  # Egypt and Senegal; Nigeria's need is not counted


def test_breadth_has_one_definition_for_everyone(
    shared_need: Need, delegate: User, focal_egypt: User, secretariat: User
) -> None:
    add_confidential_need("NGA")
    # Egypt's own confidential need is left out of breadth as well, even for Egypt.
    answers("EGY", [(6, "training")], confidential=True)
    answers("SEN", [(6, "training")])
    needs_derive(today=TODAY)
    views = [seen_by(user, shared_need) for user in (delegate, focal_egypt, secretariat)]
    assert all(v.explanation == views[0].explanation for v in views)
    assert views[0].facts.breadth_overall == 3  # Egypt, Senegal, Mexico; not Nigeria

    own = Need.objects.get(state__iso3="EGY", article=art(6), kind="training")
    assert own.confidential
    mine = seen_by(focal_egypt, own)
    assert seen_by(secretariat, own).explanation == mine.explanation
    assert mine.facts.breadth_overall == 1  # Senegal only: Egypt's own hidden need is left out
    assert "Confidential needs are left out" in mine.explanation.term("breadth_overall").explanation


def test_urgency_stated_in_confidence_never_shows_on_a_need_others_see(
    delegate: User, focal_egypt: User, secretariat: User
) -> None:
    # Egypt states the need openly with no priority, and again in confidence as urgent.
    answers("EGY", [(7, "training")])
    answers("EGY", [(7, "training")], cycle=2, priority="high", confidential=True)
    needs_derive(today=TODAY)
    need = Need.objects.get(state__iso3="EGY", article=art(7), kind="training")
    assert not need.confidential
    views = [seen_by(user, need) for user in (delegate, focal_egypt, secretariat)]
    assert {v.facts.urgency for v in views} == {""}
    assert all(v.total == views[0].total for v in views)


def test_a_need_resting_only_on_confidential_evidence_keeps_its_urgency(
    focal_egypt: User, secretariat: User
) -> None:
    answers("EGY", [(7, "training")], priority="high", confidential=True)
    needs_derive(today=TODAY)
    need = Need.objects.get(state__iso3="EGY", article=art(7), kind="training")
    assert need.confidential
    assert seen_by(focal_egypt, need).facts.urgency == "high"
    assert seen_by(secretariat, need).facts.urgency == "high"
