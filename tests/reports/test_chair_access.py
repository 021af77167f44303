"""The delegate who chairs the working group reads and prepares the Chair's report, and only
that report; other reports stay with the secretariat."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from infobase.meetings.models import Body, BodyKind
from infobase.reports import services
from infobase.reports.models import ReportRun, RunStatus
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def working_group(db) -> Body:  # type: ignore[no-untyped-def]
    cop = Body.objects.get_or_create(
        code="cop", defaults={"kind": BodyKind.CONFERENCE, "name": {"en": "Conference"}}
    )[0]
    return Body.objects.get_or_create(
        code="wg-ta",
        defaults={"kind": BodyKind.WORKING_GROUP, "name": {"en": "Working group"}, "parent": cop},
    )[0]


def chair_form(body: Body) -> dict[str, str]:
    return {
        "body": body.code,
        "start": "2024-01-01",
        "end": "2026-12-31",
        "lang": "en",
        "fmt": "html",
    }


def test_chair_prepares_and_reads_the_chairs_report(delegate, working_group) -> None:  # type: ignore[no-untyped-def]
    client = client_for(delegate)
    assert client.get(reverse("reports:new", args=["chair"])).status_code == 200
    response = client.post(reverse("reports:new", args=["chair"]), chair_form(working_group))
    assert response.status_code == 302, response.content[:2000]
    run = ReportRun.objects.get(report="chair")
    assert run.status == RunStatus.DONE
    assert client.get(reverse("reports:run", args=[run.pk])).status_code == 200
    assert client.get(reverse("reports:download", args=[run.pk])).status_code == 200


def test_chair_sees_only_the_chairs_report_in_the_list(delegate, working_group) -> None:  # type: ignore[no-untyped-def]
    page = client_for(delegate).get(reverse("reports:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert reverse("reports:new", args=["chair"]) in body
    assert reverse("reports:new", args=["secretariat"]) not in body
    assert reverse("reports:new", args=["analytical"]) not in body


def test_chair_may_not_request_or_read_other_reports(delegate, secretariat) -> None:  # type: ignore[no-untyped-def]
    client = client_for(delegate)
    assert client.get(reverse("reports:new", args=["secretariat"])).status_code == 403
    other = ReportRun.objects.create(report="analytical", lang="en", fmt="html", fingerprint="x")
    assert client.get(reverse("reports:run", args=[other.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_request(user=delegate, slug="analytical", params={}, lang="en", fmt="html")


def test_chair_may_not_publish_the_chairs_report(delegate) -> None:  # type: ignore[no-untyped-def]
    run = ReportRun.objects.create(report="chair", lang="en", fmt="html", fingerprint="x")
    response = client_for(delegate).post(reverse("reports:publish", args=[run.pk]))
    assert response.status_code == 403


def test_a_member_who_is_not_the_chair_gets_no_report(egypt, working_group) -> None:  # type: ignore[no-untyped-def]
    member = make_user("mona", role="wg_member", state=egypt)
    client = client_for(member)
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.get(reverse("reports:new", args=["chair"])).status_code == 403
