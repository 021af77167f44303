from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.core.history import history_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_history_lists_who_changed_what_and_why(focal_egypt, egypt_contact):
    client = client_for(focal_egypt)
    client.post(
        reverse("contact_edit", args=["EGY", egypt_contact.pk]),
        {
            "name": "Contact EG",
            "email": "changed@example.org",
            "language": "ar",
            "reason": "Moved office",
        },
    )
    entries = history_of(egypt_contact)
    assert entries[0].who == "hoda" and entries[0].reason == "Moved office"
    assert [(c.old, c.new) for c in entries[0].changes] == [
        ("eg@example.org", "changed@example.org")
    ]
    html = client.get(
        reverse("history", args=["reference.statecontact", egypt_contact.pk])
    ).content.decode()
    assert "changed@example.org" in html and "Moved office" in html


def test_reference_history_is_public_but_hides_who(client, egypt):
    html = client.get(reverse("history", args=["reference.state", egypt.pk])).content.decode()
    assert "states.csv" in html


def test_history_of_unknown_models_is_not_found(client, secretariat):
    response = client_for(secretariat).get(
        reverse("history", args=["accounts.user", secretariat.pk])
    )
    assert response.status_code == 404
