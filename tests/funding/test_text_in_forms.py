"""The project form refuses a control character or a bidi override in its title or in a
budget line (a name that would show reversed on every list) at the field, and saves nothing:
the one rule of every form and import (``core.errors.text_problem``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.funding.models import Project
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _project(**changes: str) -> dict[str, str]:
    form = {
        "code": "odd-text",
        "title_en": "Training of judges",
        "description_language": "en",
        "currency": "EUR",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Training",
        "lines-0-amount": "1000.00",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title_en", "Training \u202esegduj", "U+202E"),
        ("title_en", "Training\x1b of judges", "U+001B"),
        ("lines-0-description", "Train\x1fing", "U+001F"),
    ],
)
def test_the_project_form_refuses_odd_characters_at_the_field(secretariat, field, value, code):
    response = client_for(secretariat).post(reverse("project_new"), _project(**{field: value}))
    assert response.status_code == 200
    assert code in response.content.decode()
    assert not Project.objects.exists()


def test_the_project_form_still_saves_plain_text(secretariat):
    response = client_for(secretariat).post(reverse("project_new"), _project())
    assert response.status_code == 302
    assert Project.objects.get().code == "odd-text"
