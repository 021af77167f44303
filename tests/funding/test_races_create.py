"""Pledge, project and lesson forms sent twice (double click, resend) make one record each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.funding.models import Pledge, Project
from infobase.needs.models import LessonLearned
from infobase.reference.models import Organization
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def token_of(page: str) -> str:
    marker = 'name="once" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def post_twice(client, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    data = {**data, "once": token_of(client.get(url).content.decode())}
    return client.post(url, data), client.post(url, data)


def test_a_pledge_form_posted_twice_records_one_pledge(secretariat):  # type: ignore[no-untyped-def]
    fund = Organization.objects.create(code="race-fund", name_en="Race Fund", kind="fund")
    first, second = post_twice(
        client_for(secretariat),
        reverse("pledge_new"),
        {
            "donor": fund.pk,
            "amount": "1000.00",
            "currency": "USD",
            "pledged_on": "2025-01-15",
            "status": "pledged",
            "earmark": "none",
        },
    )
    made = Pledge.objects.get(donor=fund)  # one, not two
    assert first.status_code == second.status_code == 302, first.content.decode()[:1500]
    assert first["Location"] == second["Location"] == reverse("pledge_detail", args=[made.pk])


def test_a_project_form_posted_twice_designs_one_project(secretariat):  # type: ignore[no-untyped-def]
    first, second = post_twice(
        client_for(secretariat),
        reverse("project_new"),
        {
            "code": "race-project",
            "title_en": "Race project",
            "description_language": "en",
            "currency": "USD",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Training",
            "lines-0-amount": "500.00",
        },
    )
    made = Project.objects.get(code="race-project")
    assert first.status_code == second.status_code == 302, first.content.decode()[:1500]
    assert first["Location"] == second["Location"] == reverse("project_detail", args=[made.pk])


def test_a_lesson_form_posted_twice_records_one_lesson(secretariat, egypt):  # type: ignore[no-untyped-def]
    first, second = post_twice(
        client_for(secretariat),
        reverse("lesson_new"),
        {
            "title": "Race lesson",
            "activity": "Workshop",
            "delivered_on": "2024-03-01",
            "language": "en",
            "what_worked": "Case studies.",
            "states": [egypt.pk],
        },
    )
    made = LessonLearned.objects.get(title="Race lesson")
    assert first.status_code == second.status_code == 302, first.content.decode()[:1500]
    assert first["Location"] == second["Location"] == reverse("lesson_detail", args=[made.pk])
