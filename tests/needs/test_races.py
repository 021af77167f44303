"""A create form sent twice (double click, resend) makes one record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.activities.models import Activity
from infobase.core.once import OnceToken, once
from infobase.needs.models import AssistanceRequest
from infobase.reference.models import AssistanceKind, Instrument, StateContact
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def request_form(token: str) -> dict[str, object]:
    return {
        "instrument": Instrument.objects.get(code="untoc").pk,
        "articles": "12",
        "kinds": [AssistanceKind.TRAINING],
        "title": "Training on confiscation",
        "description": "Help to trace the proceeds of crime.",
        "language": "en",
        "urgency": "high",
        "once": token,
    }


def token_of(page: str) -> str:
    marker = 'name="once" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_a_request_form_posted_twice_creates_one_request(focal_egypt):  # type: ignore[no-untyped-def]
    client = client_for(focal_egypt)
    token = token_of(client.get(reverse("request_new")).content.decode())
    first = client.post(reverse("request_new"), request_form(token))
    second = client.post(reverse("request_new"), request_form(token))
    created = AssistanceRequest.objects.get()  # one, not two
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("request_detail", args=[created.pk])


def test_each_shown_form_has_its_own_token(focal_egypt):  # type: ignore[no-untyped-def]
    client = client_for(focal_egypt)
    one = token_of(client.get(reverse("request_new")).content.decode())
    two = token_of(client.get(reverse("request_new")).content.decode())
    assert one != two
    client.post(reverse("request_new"), request_form(one))
    client.post(reverse("request_new"), request_form(two))
    assert AssistanceRequest.objects.count() == 2  # two forms, two requests


def test_a_contact_form_posted_twice_creates_one_contact(secretariat, egypt):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    url = reverse("contact_add", args=["EGY"])
    token = token_of(client.get(url).content.decode())
    data = {"name": "Contact", "email": "c@example.org", "language": "ar", "once": token}
    client.post(url, data)
    client.post(url, data)
    assert StateContact.objects.filter(state=egypt, name="Contact").count() == 1


def test_a_failed_creation_leaves_the_token_free(focal_egypt):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError), once(token="t-1", user=focal_egypt) as claim:
        assert claim.done is None
        raise ValueError("the service refused")
    assert not OnceToken.objects.filter(token="t-1").exists()  # a corrected resend goes through
    with once(token="t-1", user=focal_egypt) as claim:
        assert claim.done is None
        claim.fulfil("/somewhere/")
    with once(token="t-1", user=focal_egypt) as claim:
        assert claim.done == "/somewhere/"


def test_the_activity_form_carries_a_token(secretariat):  # type: ignore[no-untyped-def]
    page = client_for(secretariat).get(reverse("activity_new")).content.decode()
    assert token_of(page)
    assert not Activity.objects.exists()
