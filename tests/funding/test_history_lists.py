"""A project's needs, beneficiary States, delivery and lessons, and a pledge's earmarked States,
are kept in their history: a service's change is one entry with who and why, and the history
page says what was added and removed, named in the reader's language, and only what the
reader may see."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation

from infobase.accounts.models import User
from infobase.core.history import history_of
from infobase.funding.services import pledge_save, project_save
from infobase.reference.models import State
from tests.conftest import client_for
from tests.funding.test_money_projects import need, pledge, project

pytestmark = pytest.mark.django_db


def _page(user: User, label: str, pk: int, **headers: str) -> str:
    page = client_for(user).get(reverse("history", args=[label, pk]), **headers)
    assert page.status_code == 200
    return html.unescape(page.content.decode())


def test_a_projects_needs_and_states_change_in_one_entry_with_who_and_why(
    secretariat: User,
) -> None:
    egypt, senegal = need("EGY", "untoc", 5, "training"), need("SEN", "untoc", 5, "training")
    made = project(secretariat, "lists", [egypt])  # its States: those of its needs, Egypt
    project_save(
        user=secretariat,
        instance=made,
        data={},
        needs=[senegal],
        states=[State.objects.get(iso3="SEN")],
        reason="Scope moved",
    )
    change, created = history_of(made)
    assert created.kind == "+"
    assert (change.kind, change.who, change.reason) == ("~", "alice", "Scope moved")
    assert [(c.field, c.summary) for c in change.changes] == [
        ("needs addressed", f"added {senegal}; removed {egypt}"),
        ("beneficiary States", "added Senegal; removed Egypt"),
    ]
    text = _page(secretariat, "funding.project", made.pk)
    assert f"added {senegal}; removed {egypt}" in text
    assert "added Senegal; removed Egypt" in text and "Scope moved" in text
    # The same lists saved again change nothing in them.
    project_save(user=secretariat, instance=made, data={}, needs=[senegal], reason="Again")
    assert history_of(made)[0].changes == []


def test_a_confidential_need_is_named_only_to_who_may_see_it(
    secretariat: User, donor: User
) -> None:
    shown, hidden = need("EGY", "untoc", 5, "training"), need("NGA", "untoc", 16, "action_plan")
    hidden.confidential = True
    hidden.save()
    made = project(secretariat, "mixed", [])
    project_save(user=secretariat, instance=made, data={}, needs=[shown], reason="First need")
    project_save(user=secretariat, instance=made, data={}, needs=[shown, hidden], reason="More")
    assert f"added {hidden}" in _page(secretariat, "funding.project", made.pk)
    text = _page(donor, "funding.project", made.pk)
    assert f"added {shown}" in text
    assert str(hidden) not in text and "Nigeria" not in text
    # The change of the hidden need alone says nothing of it, not even that the list changed.
    entries = history_of(made, seen=lambda row: donor.has_perm("needs.view_need", row))
    assert entries[0].reason == "More" and entries[0].changes == []


def test_a_write_from_the_other_side_keeps_a_version_of_the_project(secretariat: User) -> None:
    first, second = need("EGY", "untoc", 5, "training"), need("SEN", "untoc", 5, "training")
    made = project(secretariat, "reverse", [first])
    second.projects.add(made)
    assert history_of(made)[0].changes[0].summary == f"added {second}"
    first.projects.clear()
    assert history_of(made)[0].changes[0].summary == f"removed {first}"


def test_a_pledges_earmarked_states_in_arabic(secretariat: User) -> None:
    egypt, senegal = State.objects.get(iso3="EGY"), State.objects.get(iso3="SEN")
    made = pledge(secretariat, earmark="geographic", states=[egypt])
    pledge_save(
        user=secretariat,
        instance=made,
        data={"earmark": "geographic"},
        states=[senegal],
        reason="Earmark moved",
    )
    entry = history_of(made)[0]
    assert (entry.who, entry.reason) == ("alice", "Earmark moved")
    assert [(c.field, c.summary) for c in entry.changes] == [
        ("States", "added Senegal; removed Egypt")
    ]
    with translation.override("ar"):
        words = f"إضافة: {senegal}؛ إزالة: {egypt}"
    assert "السنغال" in words and "مصر" in words
    text = _page(secretariat, "funding.pledge", made.pk, HTTP_ACCEPT_LANGUAGE="ar")
    assert words in text
