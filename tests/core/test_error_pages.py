"""Error pages: translated, in the site's layout; a visitor who is not signed in is sent to
sign in (and back) instead of being refused."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_anonymous_visit_to_a_members_page_redirects_to_login_with_next():  # type: ignore[no-untyped-def]
    # The needs register raises PermissionDenied through require(), not login_required.
    response = Client().get("/needs/?state=EGY")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/needs/%3Fstate%3DEGY"


def test_signed_in_user_without_the_permission_gets_the_styled_403(focal_egypt):  # type: ignore[no-untyped-def]
    response = client_for(focal_egypt).get("/reports/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="error-403"' in html and 'class="brand"' in html


def test_403_is_translated_and_right_to_left_in_arabic(focal_egypt):  # type: ignore[no-untyped-def]
    html = client_for(focal_egypt).get("/reports/?lang=ar").content.decode()
    assert 'dir="rtl"' in html and "غير مسموح" in html


def test_404_is_translated_in_the_layout_and_shows_no_technical_message():  # type: ignore[no-untyped-def]
    response = Client().get("/states/XXX/?lang=ar")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="error-404"' in html and "غير موجود" in html and 'dir="rtl"' in html
    assert "No State matches" not in html
