"""Confidential answers reach nobody but their State and the secretariat, except in aggregates
of at least three States."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from infobase.questionnaires.analysis import status_counts
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


def counts(questionnaire, viewer):
    art5 = Article.objects.get(instrument__code="untoc", number=5)
    return {
        (c.group, c.status): c.states
        for c in status_counts(questionnaires=[questionnaire], article_id=art5.pk, viewer=viewer)
    }


def test_a_confidential_answer_is_left_out_of_a_small_cell(
    questionnaire, delegate, secretariat, focal_egypt
):
    validated(questionnaire, "EGY", "no", confidential=True)  # African
    validated(questionnaire, "NGA", "no")
    assert counts(questionnaire, delegate)[("african", "no")] == 1
    assert counts(questionnaire, None)[("african", "no")] == 1
    assert counts(questionnaire, secretariat)[("african", "no")] == 2
    assert counts(questionnaire, focal_egypt)[("african", "no")] == 2  # its own answer


def test_a_confidential_answer_counts_inside_an_aggregate_of_three(questionnaire, delegate):
    validated(questionnaire, "EGY", "no", confidential=True)
    validated(questionnaire, "NGA", "no")
    validated(questionnaire, "KEN", "no")
    assert counts(questionnaire, delegate)[("african", "no")] == 3


def test_a_lone_confidential_answer_disappears_for_others(questionnaire, delegate):
    validated(questionnaire, "FRA", "partly", confidential=True)
    assert ("weog", "partly") not in counts(questionnaire, delegate)


def test_confidential_answers_are_not_on_other_states_pages(questionnaire, focal_senegal, delegate):
    from django.urls import reverse

    from tests.conftest import client_for

    validated(questionnaire, "EGY", "no", confidential=True)
    a = Assignment.objects.get(state__iso3="EGY")
    for user in (focal_senegal, delegate):
        assert client_for(user).get(reverse("assignment_answer", args=[a.pk])).status_code == 403
