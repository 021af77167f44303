"""The API's write endpoints refuse text that PostgreSQL cannot store or that would show in
another order than it is written, as a problem naming the field (never a server error), and
write nothing."""

from __future__ import annotations

import pytest

from infobase.needs.models import AssistanceRequest, LessonLearned
from infobase.reference.models import Article
from tests.api.conftest import token_client
from tests.api.test_api import REQUEST

pytestmark = pytest.mark.django_db

ODD = [
    ("\x00", "U+0000"),
    ("\x07", "U+0007"),
    ("\u202e", "U+202E"),
    ("\u202d", "U+202D"),
]


@pytest.mark.parametrize(("odd", "code"), ODD)
def test_a_request_with_an_odd_character_in_its_title_is_a_problem_naming_the_field(
    focal_egypt, odd, code
):
    article = Article.objects.get(instrument__code="untoc", number=5)
    body = {
        **REQUEST,
        "title": f"Training{odd} of prosecutors",
        "lines": [{"article": article.pk, "kind": "training"}],
    }
    response = token_client(focal_egypt).post(
        "/api/v1/requests/", body, content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["title"]
    if odd != "\x00":  # NUL: the framework's own message
        assert code in str(errors)
    assert not AssistanceRequest.objects.exists()


def test_an_overlong_request_title_is_a_problem_naming_the_field(focal_egypt):
    article = Article.objects.get(instrument__code="untoc", number=5)
    body = {**REQUEST, "title": "x" * 301, "lines": [{"article": article.pk, "kind": "training"}]}
    response = token_client(focal_egypt).post(
        "/api/v1/requests/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["title"]
    assert not AssistanceRequest.objects.exists()


@pytest.mark.parametrize("field", ["title", "activity", "what_worked", "recommendations"])
def test_a_lesson_with_a_bidi_override_is_a_problem_naming_the_field(secretariat, field):
    body = {"title": "Mentoring works", "activity": "Workshop", "kinds": ["training"]}
    body[field] = "Mentoring \u202eskrow"
    response = token_client(secretariat).post(
        "/api/v1/lessons/", body, content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert "U+202E" in str(errors)
    assert not LessonLearned.objects.exists()
