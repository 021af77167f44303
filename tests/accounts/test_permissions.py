"""Role by role: what each persona can and cannot read or change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.reference.models import StateContact
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_focal_point_sees_and_edits_its_own_states_contacts(focal_egypt, egypt_contact):
    client = client_for(focal_egypt)
    page = client.get(reverse("state_detail", args=["EGY"]))
    assert "eg@example.org" in page.content.decode()
    response = client.post(
        reverse("contact_edit", args=["EGY", egypt_contact.pk]),
        {
            "name": "Contact EG",
            "email": "new@example.org",
            "language": "ar",
            "reason": "New address",
        },
    )
    assert response.status_code == 302
    egypt_contact.refresh_from_db()
    assert egypt_contact.email == "new@example.org"
    latest = egypt_contact.history.first()
    assert latest.history_user == focal_egypt
    assert latest.history_change_reason == "New address"


def test_it_rejects_other_states_contacts_for_a_focal_point(focal_egypt, senegal_contact):
    client = client_for(focal_egypt)
    page = client.get(reverse("state_detail", args=["SEN"]))
    assert page.status_code == 200
    assert "sn@example.org" not in page.content.decode()
    edit = client.post(
        reverse("contact_edit", args=["SEN", senegal_contact.pk]),
        {"name": "Hijack", "email": "x@example.org", "language": "en"},
    )
    assert edit.status_code == 403
    add = client.post(
        reverse("contact_add", args=["SEN"]),
        {"name": "Hijack", "email": "x@example.org", "language": "en"},
    )
    assert add.status_code == 403
    senegal_contact.refresh_from_db()
    assert senegal_contact.name == "Contact SN"
    assert StateContact.objects.filter(state__iso3="SEN").count() == 1
    history = client.get(reverse("history", args=["reference.statecontact", senegal_contact.pk]))
    assert history.status_code == 404


def test_a_contact_cannot_be_moved_to_another_state_through_the_url(focal_egypt, senegal_contact):
    # The contact belongs to Senegal; asking for it under Egypt's URL finds nothing.
    response = client_for(focal_egypt).post(
        reverse("contact_edit", args=["EGY", senegal_contact.pk]),
        {"name": "Moved", "email": "x@example.org", "language": "en"},
    )
    assert response.status_code == 404


def test_the_secretariat_sees_and_edits_every_states_contacts(secretariat, senegal_contact):
    client = client_for(secretariat)
    assert "sn@example.org" in client.get(reverse("state_detail", args=["SEN"])).content.decode()
    response = client.post(
        reverse("contact_edit", args=["SEN", senegal_contact.pk]),
        {"name": "Contact SN", "email": "sn2@example.org", "language": "fr"},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("persona", ["delegate", "donor", "anonymous"])
def test_other_roles_see_no_contacts_and_cannot_edit(request, persona, egypt_contact):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get(reverse("state_detail", args=["EGY"]))
    assert page.status_code == 200
    assert "eg@example.org" not in page.content.decode()
    edit = client.post(
        reverse("contact_edit", args=["EGY", egypt_contact.pk]),
        {"name": "X", "email": "x@example.org", "language": "en"},
    )
    assert edit.status_code in (302, 403)
    if persona == "anonymous":
        assert reverse("login") in edit["Location"]
    egypt_contact.refresh_from_db()
    assert egypt_contact.name == "Contact EG"


@pytest.mark.parametrize("persona", ["focal_egypt", "delegate", "donor"])
def test_only_the_secretariat_enters_the_admin(request, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("admin:reference_state_changelist"))
    assert response.status_code == 302  # sent to the admin login
    assert "/admin/login/" in response["Location"]


def test_permissions_answer_the_same_for_objects_and_models(
    focal_egypt, secretariat, egypt, senegal, egypt_contact
):
    assert focal_egypt.has_perm("reference.change_statecontact", egypt_contact)
    assert focal_egypt.has_perm("reference.add_statecontact", egypt)
    assert not focal_egypt.has_perm("reference.add_statecontact", senegal)
    assert not focal_egypt.has_perm("reference.change_state", egypt)
    assert secretariat.has_perm("reference.change_state", egypt)
    assert focal_egypt.has_perm("reference.view_state", senegal)


def test_scoping_returns_only_the_users_state(
    focal_egypt, secretariat, donor, egypt_contact, senegal_contact
):
    from infobase.accounts.permissions import scope_to_user

    everyone = StateContact.objects.all()
    assert set(scope_to_user(focal_egypt, everyone)) == {egypt_contact}
    assert set(scope_to_user(secretariat, everyone)) == {egypt_contact, senegal_contact}
    assert not scope_to_user(donor, everyone).exists()


def test_a_deactivated_focal_point_loses_access(focal_egypt, egypt_contact):
    focal_egypt.is_active = False
    focal_egypt.save()
    assert not focal_egypt.has_perm("reference.change_statecontact", egypt_contact)


def test_each_contacts_edit_link_names_its_contact(focal_egypt, egypt_contact, egypt):
    # A screen reader lists links by name alone: two "Edit" links would be indistinguishable.
    StateContact.objects.create(state=egypt, name="Second EG", email="s@example.org", language="en")
    client = client_for(focal_egypt)
    page = client.get(reverse("state_detail", args=["EGY"]), {"lang": "en"}).content.decode()
    assert 'aria-label="Edit Contact EG"' in page
    assert 'aria-label="Edit Second EG"' in page
