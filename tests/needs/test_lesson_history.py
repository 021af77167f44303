"""A lesson's States and articles are kept in its history: a change by the service is one entry
with who and why, and the history page says which were added and which removed."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from infobase.accounts.models import User
from infobase.core.history import history_of
from infobase.needs.lessons import lesson_save
from infobase.reference.models import State
from tests.conftest import client_for
from tests.needs.test_lessons import article, record

pytestmark = pytest.mark.django_db


def test_a_lessons_states_and_articles_are_kept_in_its_history(
    secretariat: User, egypt: State, senegal: State
) -> None:
    lesson = record(secretariat, title="Mentoring", states=[egypt], articles=[article(5)])
    lesson_save(
        user=secretariat,
        instance=lesson,
        data={},
        states=[senegal],
        articles=[article(5), article(16)],
        kinds=[],
        reason="Evaluation received",
    )
    change, created = history_of(lesson)
    assert created.kind == "+"
    assert (change.who, change.reason) == ("alice", "Evaluation received")
    assert [(c.field, c.summary) for c in change.changes] == [
        ("States", "added Senegal; removed Egypt"),
        ("articles", f"added {article(16)}"),
    ]
    page = client_for(secretariat).get(reverse("history", args=["needs.lessonlearned", lesson.pk]))
    text = html.unescape(page.content.decode())
    assert "added Senegal; removed Egypt" in text and f"added {article(16)}" in text
