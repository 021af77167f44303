"""The web forms of a request and of a lesson refuse a control character or a bidi override
(a title that would show reversed on every list) with a message at the field, and save
nothing: the same rule as the imports (``core.errors.text_problem``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.needs.models import AssistanceRequest, LessonLearned
from tests.conftest import client_for, request_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "odd", "code"),
    [
        ("title", "\u202e", "U+202E"),
        ("title", "\u202d", "U+202D"),
        ("description", "\x1b", "U+001B"),
        ("description", "\x0c", "U+000C"),
    ],
)
def test_the_request_form_refuses_odd_characters_at_the_field(focal_egypt, field, odd, code):
    form = request_form(**{field: f"Training{odd} of prosecutors"})
    page = client_for(focal_egypt).post(reverse("request_new"), form)
    assert page.status_code == 200
    assert code in page.content.decode()
    assert not AssistanceRequest.objects.exists()


def test_the_request_form_still_takes_tabs_and_line_breaks(focal_egypt):
    form = request_form(description="Line one\r\n\tLine two")
    page = client_for(focal_egypt).post(reverse("request_new"), form)
    assert page.status_code == 302
    assert AssistanceRequest.objects.get().description == "Line one\r\n\tLine two"


def test_the_request_form_keeps_the_direction_marks_arabic_text_carries(focal_egypt):
    # Arabic pasted from a word processor carries embeddings (U+202B … U+202C), and text
    # copied from our own pages isolates (``core.i18n.isolated``): they reorder no letters.
    title = "\u202bتدريب المدعين العامين\u202c على \u2068UNTOC\u2069"
    page = client_for(focal_egypt).post(reverse("request_new"), request_form(title=title))
    assert page.status_code == 302
    assert AssistanceRequest.objects.get().title == title


def test_the_lesson_form_refuses_a_bidi_override_in_its_title(secretariat):
    page = client_for(secretariat).post(
        reverse("lesson_new"), {"title": "Mentoring \u202eskrow", "activity": "Workshop"}
    )
    assert page.status_code == 200
    assert "U+202E" in page.content.decode()
    assert not LessonLearned.objects.exists()
