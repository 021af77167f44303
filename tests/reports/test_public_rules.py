"""The public rules of the analytical report on a small hand-made cycle: figures of fewer than
three States are withheld, and confidential answers are left out of every figure, however many
there are (the annex names their States, so counting them would give them away)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from infobase.needs.analytical import compute
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument, State

pytestmark = pytest.mark.django_db


def answer(
    questionnaire: Questionnaire, iso3: str, article: Article, status: str, *, secret: bool = False
) -> None:
    state = State.objects.get(iso3=iso3)
    assignment, _ = Assignment.objects.get_or_create(
        questionnaire=questionnaire,
        state=state,
        defaults={
            "status": "validated",
            "deadline": timezone.localdate(),
            "dispatched_at": timezone.now(),
        },
    )
    ArticleImplementation.objects.create(
        assignment=assignment, state=state, article=article, status=status, confidential=secret
    )


@pytest.fixture
def setting():  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    cycle = ReportingCycle.objects.create(number=1, name="Cycle 1")
    questionnaire = Questionnaire.objects.create(cycle=cycle, code="q1", title={"en": "Q"})
    questionnaire.instruments.add(untoc)
    return untoc, questionnaire, Article.objects.get(instrument=untoc, number=5)


def test_a_figure_of_fewer_than_three_states_is_withheld(setting):  # type: ignore[no-untyped-def]
    untoc, questionnaire, art5 = setting
    answer(questionnaire, "EGY", art5, "yes")  # African States
    answer(questionnaire, "SEN", art5, "no")
    for iso3 in ("FRA", "DEU", "ITA"):  # Western European and other States
        answer(questionnaire, iso3, art5, "yes")
    figures = compute(instrument=untoc, cycle=1)
    african = figures.implemented_by_group[(art5.pk, "african")]
    assert african.whole == 2 and african.part is None and african.percent is None
    weog = figures.implemented_by_group[(art5.pk, "weog")]
    assert (weog.part, weog.whole, weog.percent) == (3, 3, 100.0)
    assert figures.status_counts[art5.pk] == {"yes": 4, "partly": 0, "no": 1, "na": 0}


def test_confidential_answers_are_left_out_of_every_figure_even_three_or_more(setting):  # type: ignore[no-untyped-def]
    untoc, questionnaire, art5 = setting
    for iso3 in ("FRA", "DEU", "ITA", "ESP"):
        answer(questionnaire, iso3, art5, "yes")
    answer(questionnaire, "NLD", art5, "no", secret=True)
    figures = compute(instrument=untoc, cycle=1)
    # With a single confidential answer, the figure minus the named States would reveal it.
    assert figures.status_counts[art5.pk]["no"] == 0 and figures.reporting[art5.pk] == 4
    answer(questionnaire, "BEL", art5, "no", secret=True)
    answer(questionnaire, "AUT", art5, "partly", secret=True)
    figures = compute(instrument=untoc, cycle=1)
    # Three confidential answers: counting them, minus the annex, would give them away.
    assert figures.status_counts[art5.pk] == {"yes": 4, "partly": 0, "no": 0, "na": 0}
    assert figures.reporting[art5.pk] == 4
    named = {m.state_id: m.status for m in figures.matrix}
    assert named[State.objects.get(iso3="NLD").pk] == ""
