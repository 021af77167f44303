"""People are told, in the application and by e-mail in their own language, when a State
submits, when the secretariat returns or validates, and when a request is filed or moves."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from infobase.core.notifications import Notice, NoticeKind
from infobase.needs import requests as request_services
from infobase.needs.models import RequestSource, RequestStatus
from infobase.questionnaires import services
from infobase.questionnaires.models import Answer, Assignment
from infobase.reference.models import Article, AssistanceKind, Instrument
from tests.conftest import client_for, make_user
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

SITE = "https://infobase.example.org"


@pytest.fixture
def assignment(egypt) -> Assignment:  # type: ignore[no-untyped-def]
    questionnaire = build_questionnaire(cycle_number=95, code="notice-q")
    assignment = Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 31),
        dispatched_at=timezone.now(),
    )
    for name, value in (("authority", "Ministry of Justice"), ("a5_status", "yes")):
        Answer.objects.create(
            assignment=assignment, item=questionnaire.items.get(name=name), value=value
        )
    return assignment


@pytest.fixture
def colleague(db):  # type: ignore[no-untyped-def]
    """A second secretariat member, who reads French."""
    return make_user("bruno", role="secretariat", email="bruno@un.example", language="fr")


def file_request(user, state):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    return request_services.request_create(
        user=user,
        state=state,
        instrument=untoc,
        title="Training of prosecutors",
        description="Help to trace the proceeds of crime.",
        language="en",
        urgency="high",
        received_on=date(2026, 3, 1),
        lines=[(Article.objects.get(instrument=untoc, number=12), 2, AssistanceKind.TRAINING)],
        source=RequestSource.NOTE_VERBALE if user.is_secretariat else RequestSource.WEB,
    )


@override_settings(SITE_URL=SITE)
def test_a_submission_tells_the_secretariat_on_commit_in_each_ones_language(
    assignment, focal_egypt, secretariat, colleague, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    secretariat.email = "alice@un.example"
    secretariat.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assignment_submit(assignment=assignment, user=focal_egypt)
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    notices = Notice.objects.filter(kind=NoticeKind.SUBMITTED)
    assert sorted(n.user.username for n in notices) == ["alice", "bruno"]
    assert not Notice.objects.filter(user=focal_egypt).exists()
    link = SITE + reverse("assignment_review", args=[assignment.pk])
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"alice@un.example", "bruno@un.example"}
    assert link in by_address["alice@un.example"].body
    assert by_address["alice@un.example"].body.startswith("Dear alice,")
    with translation.override("fr"):
        assert by_address["bruno@un.example"].body.startswith(
            translation.gettext("Dear %(name)s,") % {"name": "bruno"}
        )
    assert not by_address["bruno@un.example"].body.startswith("Dear")


@override_settings(SITE_URL=SITE)
def test_returning_tells_only_the_states_focal_points_with_the_comment(
    assignment, focal_egypt, focal_senegal, secretariat, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    focal_egypt.email = "hoda@egypt.example"
    focal_egypt.save()
    services.assignment_submit(assignment=assignment, user=focal_egypt)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_return(
            assignment=assignment, user=secretariat, comment="Please explain article 5."
        )
    notice = Notice.objects.get(kind=NoticeKind.RETURNED)
    assert notice.user == focal_egypt
    assert "Please explain article 5." in notice.text
    assert notice.url == reverse("assignment_answer", args=[assignment.pk])
    assert not Notice.objects.filter(user=focal_senegal).exists()
    assert [m.to for m in mail.outbox] == [["hoda@egypt.example"]]
    assert SITE + reverse("assignment_answer", args=[assignment.pk]) in mail.outbox[0].body
    assert ":8000" not in mail.outbox[0].body


def test_validating_tells_the_states_focal_points(assignment, focal_egypt, secretariat) -> None:  # type: ignore[no-untyped-def]
    services.assignment_submit(assignment=assignment, user=focal_egypt)
    services.assignment_validate(assignment=assignment, user=secretariat)
    assert Notice.objects.filter(kind=NoticeKind.VALIDATED, user=focal_egypt).count() == 1


def test_a_request_filed_by_a_state_tells_the_secretariat_not_the_reverse(
    focal_egypt, secretariat, egypt, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    secretariat.email = "alice@un.example"
    secretariat.save()
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_request(focal_egypt, egypt)
    notice = Notice.objects.get(kind=NoticeKind.REQUEST_FILED)
    assert notice.user == secretariat
    assert notice.url == reverse("request_detail", args=[filed.pk])
    assert [m.to for m in mail.outbox] == [["alice@un.example"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        file_request(secretariat, egypt)
    assert Notice.objects.filter(kind=NoticeKind.REQUEST_FILED).count() == 1
    assert mail.outbox == []


def test_a_request_moved_by_the_secretariat_tells_the_state_in_its_language(
    focal_egypt, secretariat, egypt
) -> None:  # type: ignore[no-untyped-def]
    filed = file_request(secretariat, egypt)
    request_services.request_transition(
        request=filed, user=secretariat, to=RequestStatus.UNDER_REVIEW, reason=""
    )
    notice = Notice.objects.get(kind=NoticeKind.REQUEST_UPDATED)
    assert notice.user == focal_egypt
    with translation.override("ar"):  # Hoda reads Arabic
        assert str(RequestStatus.UNDER_REVIEW.label) in notice.text


def test_a_request_withdrawn_by_the_state_tells_the_secretariat(
    focal_egypt, secretariat, egypt
) -> None:  # type: ignore[no-untyped-def]
    filed = file_request(focal_egypt, egypt)
    request_services.request_transition(
        request=filed, user=focal_egypt, to=RequestStatus.WITHDRAWN, reason="No longer needed"
    )
    assert Notice.objects.filter(kind=NoticeKind.REQUEST_UPDATED, user=secretariat).exists()
    assert not Notice.objects.filter(kind=NoticeKind.REQUEST_UPDATED, user=focal_egypt).exists()


def test_the_bell_counts_unread_notices_and_the_list_marks_them_read(
    assignment, focal_egypt, secretariat
) -> None:  # type: ignore[no-untyped-def]
    services.assignment_submit(assignment=assignment, user=focal_egypt)
    client = client_for(secretariat)
    page = client.get(reverse("home")).content.decode()
    assert 'id="notice-bell"' in page and 'data-unread="1"' in page
    listing = client.get(reverse("notice_list"))
    assert listing.status_code == 200
    notice = Notice.objects.get(user=secretariat)
    assert f'data-notice="{notice.pk}"' in listing.content.decode()
    response = client.post(reverse("notices_read"), {"notice": notice.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("assignment_review", args=[assignment.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'data-unread="0"' in client.get(reverse("home")).content.decode()


def test_nobody_marks_someone_elses_notices_read(assignment, focal_egypt, secretariat) -> None:  # type: ignore[no-untyped-def]
    services.assignment_submit(assignment=assignment, user=focal_egypt)
    notice = Notice.objects.get(user=secretariat)
    client_for(focal_egypt).post(reverse("notices_read"), {"notice": notice.pk})
    client_for(focal_egypt).post(reverse("notices_read"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_site_url_must_be_an_http_address(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from infobase.core.env import env_url

    monkeypatch.setenv("SITE_URL", "https://infobase.example.org/")
    assert env_url("SITE_URL", "http://127.0.0.1:8000") == "https://infobase.example.org"
    monkeypatch.setenv("SITE_URL", "infobase.example.org")
    with pytest.raises(ValueError, match="SITE_URL"):
        env_url("SITE_URL", "http://127.0.0.1:8000")
