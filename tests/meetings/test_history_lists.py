"""A session's needs reviewed and an outcome's needs are kept in their history, each change
with who and why; its history page names to a reader only the needs that reader may see."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse

from infobase.accounts.models import User
from infobase.core.history import history_of
from infobase.meetings.models import Outcome, Session
from infobase.needs.models import Need
from infobase.reference.models import Article, State
from tests.conftest import client_for
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db


def _need(iso3: str, *, confidential: bool = False) -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=Article.objects.order_by("pk").first(),
        kind="action_plan",  # not the need the fixture records
        first_seen=date(2007, 1, 1),
        confidential=confidential,
    )


def _page(label: str, pk: int, reader: User) -> str:
    page = client_for(reader).get(reverse("history", args=[label, pk]))
    assert page.status_code == 200
    return html.unescape(page.content.decode())


def test_the_needs_a_session_reviewed_are_kept_and_named_only_where_seen(
    met: Data, secretariat: User, donor: User
) -> None:
    session: Session = met.intersessional
    shown, hidden = _need("EGY"), _need("NGA", confidential=True)
    session._change_reason = "Review recorded"  # type: ignore[attr-defined]
    session._history_user = secretariat  # type: ignore[attr-defined]
    session.needs_reviewed.add(shown, hidden)
    entry = history_of(session)[0]
    assert (entry.who, entry.reason) == ("alice", "Review recorded")
    assert [c.summary for c in entry.changes] == [
        "added " + ", ".join(sorted([str(shown), str(hidden)]))
    ]
    text = _page("meetings.session", session.pk, donor)
    assert f"added {shown}" in text
    assert str(hidden) not in text and "Nigeria" not in text


def test_an_outcomes_needs_are_kept_in_its_history(met: Data, donor: User) -> None:
    outcome: Outcome = met.decision
    need = _need("EGY")
    outcome._change_reason = "Needs named"  # type: ignore[attr-defined]
    outcome.needs.add(need)
    outcome.needs.remove(need)
    removed, added = history_of(outcome)[:2]
    assert [c.summary for c in added.changes] == [f"added {need}"]
    assert [c.summary for c in removed.changes] == [f"removed {need}"]
    assert f"removed {need}" in _page("meetings.outcome", outcome.pk, donor)
