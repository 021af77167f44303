"""Write paths that change records of the information base outside a web request (jobs,
commands) or with a reason of their own: each change keeps who made it and why, the reason a
service gives of itself shown in the reader's language, whatever language it was made in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from infobase.accounts.models import User
from infobase.activities.coverage.links import link_create, link_decide
from infobase.core.history import history_of
from tests.conftest import client_for
from tests.core.test_history_records import _activity, _need

pytestmark = pytest.mark.django_db


def test_a_services_own_reason_is_shown_in_the_readers_language(secretariat: User) -> None:
    """A link made and then rejected by a secretariat working in French, with no reason of
    their own: an English reader reads the services' reasons in English, an Arabic one in
    Arabic (kept as the English message, translated when shown)."""
    with translation.override("fr"):
        link = link_create(user=secretariat, need=_need("EGY"), activity=_activity())
        link_decide(user=secretariat, link=link, accept=False)
    entries = history_of(link)
    assert [e.who for e in entries] == ["alice", "alice"]
    assert [e.reason for e in entries] == ["Link rejected.", "Linked by hand."]
    with translation.override("ar"):
        arabic = [e.reason for e in history_of(link)]
    assert arabic != ["Link rejected.", "Linked by hand."] and all(arabic)


def test_a_decision_on_a_need_keeps_who_took_it_without_a_web_request(secretariat: User) -> None:
    """The API, a job or a command reach the decisions with no web request for the history
    to take its author from: the service names them."""
    from infobase.needs import decisions

    need = _need("EGY")
    decisions.need_close(user=secretariat, need=need, status="met", reason="Project delivered")
    (entry, _created) = history_of(need)
    assert (entry.who, entry.reason) == ("alice", "Project delivered")


def test_a_mandates_evidence_keeps_who_added_it_and_why(secretariat: User) -> None:
    """Evidence given with a mandate's status is part of that decision: its history names who
    gave it and the decision's reason, as the mandate's own history does."""
    from infobase.meetings.models import MandateEvidence, ManualStatus
    from infobase.meetings.services import mandate_set_status
    from tests.core.test_history_records import _mandate, _session

    session = _session()
    mandate = _mandate(session)
    for _twice in range(2):  # given again, the evidence is not added twice
        mandate_set_status(
            mandate=mandate,
            status=ManualStatus.DONE,
            reason="Met at the first meeting",
            user=secretariat,
            sessions=[session],
            link_url="https://example.org/report",
        )
    evidence = MandateEvidence.objects.filter(mandate=mandate)
    assert evidence.count() == 2
    for record in [mandate, *evidence]:
        entry = history_of(record)[0]
        assert (entry.who, entry.reason) == ("alice", "Met at the first meeting"), record


def test_the_needs_a_project_addresses_are_kept_in_its_history(secretariat: User) -> None:
    from infobase.funding.services import project_save
    from tests.core.test_history_records import _project

    project, need = _project(), _need("EGY")
    project_save(user=secretariat, instance=project, data={}, needs=[need], reason="Scope widened")
    entry = history_of(project)[0]
    assert (entry.who, entry.reason) == ("alice", "Scope widened")
    assert [(c.field, c.summary) for c in entry.changes] == [("needs addressed", f"added {need}")]


def test_a_decision_on_a_suggested_link_shows_what_it_changed(secretariat: User) -> None:
    """Suggested links are written in bulk without history (a derived table); the first
    decision on one keeps the suggestion as it was, so that its history shows what the
    decision changed (status, share, who decided), not an entry with nothing in it."""
    from decimal import Decimal

    from infobase.activities.coverage.suggestions import _insert_suggested
    from infobase.activities.models import NeedLink

    need, activity = _need("EGY"), _activity()
    _insert_suggested([(need.pk, activity.pk, Decimal("0.5"), [])])
    link = NeedLink.objects.get(need=need, activity=activity)
    assert not link.history.exists()
    link_decide(user=secretariat, link=link, accept=True, share=Decimal("0.25"), reason="Same")
    decision, suggestion = history_of(link)
    changes = {c.field: (c.old, c.new) for c in decision.changes}
    assert (decision.who, decision.reason) == ("alice", "Same")
    assert changes["status"] == ("Suggested", "Accepted")
    assert changes["share"] == (Decimal("1.000"), Decimal("0.250"))
    assert (suggestion.who, suggestion.reason) == ("", "Suggested by Infobase")
    with translation.override("ar"):
        assert history_of(link)[1].reason == "اقترحه Infobase"
    page = client_for(secretariat).get(reverse("history", args=["activities.needlink", link.pk]))
    html = page.content.decode()
    assert "Suggested by Infobase" in html and "Accepted" in html and "0.250" in html
