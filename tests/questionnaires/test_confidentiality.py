"""Confidential answers reach nobody but their State and the secretariat: not even inside an
aggregate of several States."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from infobase.questionnaires.analytical import public_rows
from infobase.questionnaires.models import ArticleImplementation, Assignment
from infobase.reference.models import Article, State

pytestmark = pytest.mark.django_db


def validated(questionnaire, iso3, status, *, confidential=False):
    state = State.objects.get(iso3=iso3)
    a = Assignment.objects.create(
        questionnaire=questionnaire,
        state=state,
        deadline=date(2030, 1, 1),
        dispatched_at=timezone.now(),
        status="validated",
    )
    ArticleImplementation.objects.create(
        assignment=a,
        state=state,
        article=Article.objects.get(instrument__code="untoc", number=5),
        status=status,
        confidential=confidential,
    )


def test_a_confidential_answer_counts_in_no_public_figure_even_among_three(questionnaire):
    # The annex names the States that answered in confidence and shows everyone else's status:
    # a figure counting them, minus the annex, would give them away (analytical.public_rows).
    validated(questionnaire, "EGY", "no", confidential=True)
    validated(questionnaire, "NGA", "no")
    validated(questionnaire, "KEN", "no")
    rows = list(ArticleImplementation.objects.filter(assignment__questionnaire=questionnaire))
    assert sorted(r.state.iso3 for r in public_rows(rows)) == ["KEN", "NGA"]


def test_confidential_answers_are_not_on_other_states_pages(questionnaire, focal_senegal, delegate):
    from django.urls import reverse

    from tests.conftest import client_for

    validated(questionnaire, "EGY", "no", confidential=True)
    a = Assignment.objects.get(state__iso3="EGY")
    for user in (focal_senegal, delegate):
        assert client_for(user).get(reverse("assignment_answer", args=[a.pk])).status_code == 403
