"""The responses page lists the States asked in the reader's alphabetical order."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from infobase.accounts.models import User
from infobase.questionnaires.models import Assignment, Questionnaire
from infobase.reference.models import State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def ask(questionnaire: Questionnaire, *codes: str) -> None:
    for code in codes:
        Assignment.objects.create(
            questionnaire=questionnaire,
            state=State.objects.get(iso3=code),
            deadline=date(2030, 1, 31),
            dispatched_at=timezone.now(),
        )


def test_all_states_asked_are_in_arabic_alphabetical_order_on_an_arabic_page(
    questionnaire: Questionnaire, secretariat: User
) -> None:
    ask(questionnaire, "YEM", "EGY", "JOR")
    secretariat.language = "ar"
    secretariat.save()
    page = client_for(secretariat).get(
        reverse("questionnaire_responses", args=[questionnaire.code])
    )
    assert [a.state.iso3 for a in page.context["assignments"]] == ["JOR", "EGY", "YEM"]
    html = page.content.decode()
    table = html[html.rindex("<table") :]  # All States asked
    assert table.index("الأردن") < table.index("مصر") < table.index("اليمن")


def test_all_states_asked_are_in_french_alphabetical_order_on_a_french_page(
    questionnaire: Questionnaire, secretariat: User
) -> None:
    ask(questionnaire, "ESP", "EGY", "ECU", "DEU")
    secretariat.language = "fr"
    secretariat.save()
    page = client_for(secretariat).get(
        reverse("questionnaire_responses", args=[questionnaire.code])
    )
    # Allemagne, Égypte, Équateur, Espagne: neither the English order (Ecuador, Egypt, Germany,
    # Spain) nor the code points' (Allemagne, Espagne, Égypte, Équateur).
    assert [a.state.iso3 for a in page.context["assignments"]] == ["DEU", "EGY", "ECU", "ESP"]
