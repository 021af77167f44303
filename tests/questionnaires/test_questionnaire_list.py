"""The questionnaires page speaks to its reader: the secretariat gets each questionnaire once,
grouped by cycle, with counts; a focal point gets the questionnaires sent to its State."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from infobase.questionnaires.models import Assignment, AssignmentStatus
from infobase.reference.models import State
from tests.conftest import client_for
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_to_many() -> None:
    first = build_questionnaire(cycle_number=1, code="q-one")
    second = build_questionnaire(cycle_number=2, code="q-two")
    states = list(State.objects.order_by("iso3")[:40])
    late = timezone.localdate() - timedelta(days=1)
    for n, state in enumerate(states):
        status = [AssignmentStatus.SUBMITTED, AssignmentStatus.VALIDATED][n % 2]
        Assignment.objects.create(
            questionnaire=second,
            state=state,
            deadline=late,
            status=status,
            dispatched_at=timezone.now(),
        )
    for state in states[:3]:
        Assignment.objects.create(
            questionnaire=first, state=state, deadline=late, dispatched_at=timezone.now()
        )


def test_secretariat_sees_each_questionnaire_once_by_cycle_with_counts(
    secretariat, sent_to_many
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(secretariat).get(reverse("questionnaire_list"))
    text = response.content.decode()
    assert "Questionnaires sent to your State" not in text
    page = html.fromstring(response.content)
    assert page.xpath("//section[@data-cycle]/@data-cycle") == ["2", "1"]
    rows = page.xpath("//tr[@data-questionnaire]")
    assert [r.get("data-questionnaire") for r in rows] == ["q-two", "q-one"]

    def count(code: str, what: str) -> str:
        cell = page.xpath(f'//tr[@data-questionnaire="{code}"]/td[@data-count="{what}"]')[0]
        return cell.text_content().strip()

    assert (count("q-two", "sent"), count("q-two", "to_review"), count("q-two", "validated")) == (
        "40",
        "20",
        "20",
    )
    assert (count("q-one", "to_answer"), count("q-one", "overdue")) == ("3", "3")


def test_focal_point_sees_the_questionnaires_sent_to_its_state(focal_egypt, egypt) -> None:  # type: ignore[no-untyped-def]
    questionnaire = build_questionnaire(cycle_number=3, code="q-three")
    mine = Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 1),
        dispatched_at=timezone.now(),
    )
    response = client_for(focal_egypt).get(reverse("questionnaire_list"))
    assert reverse("assignment_answer", args=[mine.pk]) in response.content.decode()
    assert not html.fromstring(response.content).xpath("//tr[@data-questionnaire]")
