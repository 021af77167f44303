"""The world map is public: an anonymous visitor sees it, with links to the public State
profiles, and without the coverage measure reserved to members."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_the_map_with_links_to_public_profiles():  # type: ignore[no-untyped-def]
    response = Client().get("/activities/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/states/EGY/"' in html
    assert "measure=coverage" not in html


def test_anonymous_visitor_asking_for_coverage_is_sent_to_sign_in():  # type: ignore[no-untyped-def]
    response = Client().get("/activities/map/?measure=coverage")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_members_still_get_the_register_links_and_coverage(secretariat):  # type: ignore[no-untyped-def]
    html = client_for(secretariat).get("/activities/map/").content.decode()
    assert "/needs/?state=EGY" in html and "measure=coverage" in html
