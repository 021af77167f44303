"""Writes an attacker might try with another State's ids or with fields the server fixes: each
is refused, or the server's value wins, and nothing else is changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from infobase.accounts.models import User
from infobase.api.models import AccessToken
from infobase.needs import decisions
from infobase.needs.models import AssistanceRequest, LessonLearned, RequestSource
from infobase.reference.models import Article
from tests.api.conftest import make_need, token_client
from tests.conftest import client_for, request_form

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


# --- Ranking the needs register --------------------------------------------------------------


def test_the_chair_cannot_pin_or_exclude_another_states_confidential_need(delegate: User) -> None:
    hidden = make_need("SEN", 5, confidential=True)
    chair = client_for(delegate)
    for action in ("pin", "exclude"):
        response = chair.post(
            reverse("need_register_decide"), {"need": [hidden.pk], "action": action, "reason": "x"}
        )
        assert response.status_code in (302, 403, 404)  # refused, or taken as no need at all
        with pytest.raises(PermissionDenied):  # the rule itself, whatever the page does
            decisions.need_pin(user=delegate, need=hidden, pinned=True, reason="x")
        with pytest.raises(PermissionDenied):
            decisions.need_exclude(user=delegate, need=hidden, excluded=True, reason="x")
    hidden.refresh_from_db()
    assert not hidden.pinned and not hidden.excluded and hidden.ranking_reason == ""


def test_the_chair_still_ranks_the_needs_the_chair_may_see(delegate: User) -> None:
    shared = make_need("SEN", 6)
    own_confidential = make_need("MEX", 5, confidential=True)  # the chair is Mexico's delegate
    response = client_for(delegate).post(
        reverse("need_register_decide"),
        {"need": [shared.pk, own_confidential.pk], "action": "pin", "reason": "agreed"},
    )
    assert response.status_code == 302
    shared.refresh_from_db()
    own_confidential.refresh_from_db()
    assert shared.pinned and own_confidential.pinned


# --- Fields the server fixes -----------------------------------------------------------------


def _request_body(**changes: object) -> dict[str, object]:
    article = Article.objects.get(instrument__code="untoc", number=5)
    body: dict[str, object] = {
        "state": "EGY",
        "instrument": "untoc",
        "title": "Training of prosecutors",
        "description": "On article 5.",
        "language": "en",
        "urgency": "high",
        "received_on": "2001-01-01",
        "lines": [{"article": article.pk, "kind": "training"}],
    }
    body.update(changes)
    return body


def test_a_request_a_focal_point_files_through_the_api_is_received_today(
    focal_egypt: User,
) -> None:
    response = token_client(focal_egypt).post(
        "/api/v1/requests/", _request_body(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    filed = AssistanceRequest.objects.get()
    # An old date would make the request look long waiting (and its needs older) than it is.
    assert filed.received_on == timezone.localdate()
    assert (filed.source, filed.filed_by, filed.state.iso3) == (
        RequestSource.WEB,
        focal_egypt,
        "EGY",
    )


def test_a_state_files_a_request_through_the_api_without_a_date_of_receipt(
    focal_egypt: User,
) -> None:
    body = _request_body()
    del body["received_on"]
    response = token_client(focal_egypt).post(
        "/api/v1/requests/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["received_on"] == timezone.localdate().isoformat()


def test_the_secretariat_still_records_the_date_a_note_verbale_was_received(
    secretariat: User,
) -> None:
    received = timezone.localdate() - timedelta(days=40)
    response = token_client(secretariat).post(
        "/api/v1/requests/",
        _request_body(state="SEN", received_on=received.isoformat()),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert AssistanceRequest.objects.get().received_on == received


def test_a_state_posted_with_a_focal_points_web_request_is_ignored(focal_egypt: User) -> None:
    response = client_for(focal_egypt).post(
        reverse("request_new"), request_form(state="SEN", received_on="2001-01-01")
    )
    assert response.status_code == 302
    filed = AssistanceRequest.objects.get()
    assert (filed.state.iso3, filed.received_on) == ("EGY", timezone.localdate())


# --- Files through the admin -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field"), [(AssistanceRequest, "document"), (LessonLearned, "evaluation")]
)
def test_the_admin_refuses_a_web_page_named_pdf_as_a_document(
    secretariat: User, model: type, field: str
) -> None:
    request = RequestFactory().get("/")
    request.user = secretariat
    form_class = admin.site._registry[model].get_form(request)
    form = form_class(data={}, files={field: SimpleUploadedFile("note-verbale.pdf", HTML)})
    assert not form.is_valid()
    assert "not PDF" in " ".join(form.errors.get(field, []))


# --- The second factor ---------------------------------------------------------------------------


def test_a_secretariat_session_without_its_second_factor_cannot_mint_an_api_token(
    secretariat: User,
) -> None:
    # A token, once made, works without the second factor: making one must need it.
    client = client_for(secretariat, second_factor=False)
    response = client.post(reverse("api_tokens"), {"name": "script"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))
    assert not AccessToken.objects.exists()
    assert (
        client_for(secretariat).post(reverse("api_tokens"), {"name": "script"}).status_code == 200
    )
    assert AccessToken.objects.filter(owner=secretariat).count() == 1
