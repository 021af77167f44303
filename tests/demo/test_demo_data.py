from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from infobase.accounts.models import Role, User
from infobase.demo.services import generate
from infobase.reference.models import StateContact

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    users = list(
        User.objects.order_by("username").values_list("username", "role", "state__iso3", "language")
    )
    contacts = list(
        StateContact.objects.order_by("state__iso3").values_list("state__iso3", "name", "language")
    )
    return users + contacts


def test_it_creates_one_demo_user_per_role():
    generate(scale="small", seed=7)
    roles = set(User.objects.filter(is_demo=True).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    focal = User.objects.filter(role=Role.FOCAL_POINT, is_demo=True)
    assert {(u.state.iso3, u.language) for u in focal} == {("EGY", "ar"), ("SEN", "fr")}


def test_it_is_deterministic_and_idempotent():
    generate(scale="small", seed=3)
    first = snapshot()
    generate(scale="small", seed=3)
    assert snapshot() == first
    assert "Illustrative contact" in first[-1][1]


def test_the_world_scale_gives_every_state_a_contact():
    from infobase.reference.models import State

    generate(scale="world", seed=1)
    assert StateContact.objects.values("state").distinct().count() == State.objects.count()


def test_the_interface_labels_demo_data_as_illustrative(client):
    assert "illustrative" not in client.get(reverse("home")).content.decode()
    generate(scale="small", seed=1)
    assert "illustrative" in client.get(reverse("home")).content.decode()


def test_the_command_prints_the_demo_logins():
    out = io.StringIO()
    call_command("demo-data", "--scale", "small", "--seed", "1", "--no-documents", stdout=out)
    assert "focal.egypt / infobase-demo" in out.getvalue()
    assert User.objects.get(username="focal.egypt").check_password("infobase-demo")


def test_a_demo_focal_point_signs_in_and_lands_in_arabic(client):
    generate(scale="small", seed=1)
    response = client.post(
        reverse("login"), {"username": "focal.egypt", "password": "infobase-demo"}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "focal.egypt"
    assert 'dir="rtl"' in html
    egypt = client.get(reverse("state_detail", args=["EGY"])).content.decode()
    assert "contact.egy@demo.invalid" in egypt
    senegal = client.get(reverse("state_detail", args=["SEN"])).content.decode()
    assert "contact.sen@demo.invalid" not in senegal
