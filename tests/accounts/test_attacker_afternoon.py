"""What a focal point, a donor or a visitor might try against Infobase: redirects off the site,
rights kept after a change of role, a read-only token that writes, many tokens or web processes
to get round a rate limit, uploads sent one after another, text of their own in the e-mails
others receive, search boxes filled with a page of words, numbers that are no record's."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from infobase.accounts.models import Role, User
from infobase.api.models import AccessToken
from infobase.core.models import Job
from infobase.core.search import MAX_SEARCH_WORDS, search
from infobase.needs.models import LessonLearned
from infobase.questionnaires.jobs import WORKBOOK_JOB
from infobase.questionnaires.models import Assignment
from infobase.questionnaires.services import notify
from infobase.reports.models import ReportRun
from tests.api.conftest import assign, make_need, token_client
from tests.conftest import client_for
from tests.core.test_jobs import DB_QUEUE
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

# --- Redirects --------------------------------------------------------------------------------

OFF_SITE = [
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "http:/evil.example",
    "///evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "https://testserver@evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_and_signing_out_stay_on_the_site(focal_egypt, target):
    switched = Client().post(reverse("switch_language"), {"language": "fr", "next": target})
    signed_out = client_for(focal_egypt).post(reverse("logout"), {"next": target})
    assert switched["Location"] == "/"
    assert signed_out["Location"] == "/"


def test_the_language_switch_does_not_leave_https_for_http():
    response = Client().post(
        reverse("switch_language"),
        {"language": "fr", "next": "http://testserver/states/"},
        secure=True,
    )
    assert response["Location"] == "/"


def test_the_language_cookie_is_kept_from_scripts_and_sent_over_https_where_sessions_are():
    switched = Client().post(reverse("switch_language"), {"language": "ar", "next": "/"})
    cookie = switched.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ar"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # this development server's sessions travel over HTTP too
    with override_settings(LANGUAGE_COOKIE_SECURE=True):
        switched = Client().post(reverse("switch_language"), {"language": "ar", "next": "/"})
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"] is True


def test_a_deployment_with_secure_cookies_gets_a_secure_language_cookie(tmp_path):
    # The settings as a deployment reads them (docs/deployment.md: SECURE_COOKIES behind HTTPS).
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SESSION_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SECURE)"
    )
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "infobase.settings",
        "INFOBASE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for secure, expected in (("1", "True True"), ("0", "False False")):
        printed = subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-c", code],
            env={**environ, "SECURE_COOKIES": secure},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert " ".join(printed) == expected


# --- Tokens after a change of rights -------------------------------------------------------------


def test_a_read_only_token_cannot_start_a_report(secretariat):
    client = token_client(secretariat, read_only=True)
    response = client.post(
        "/api/v1/report-runs/",
        {"report": "analytical", "params": {"instrument": "untoc", "cycle": 1}, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not ReportRun.objects.exists()


def test_a_token_made_before_becoming_secretariat_stops_working(focal_egypt):
    # Made by a focal point, who signs in without a second factor ...
    client = token_client(focal_egypt)
    assert client.get("/api/v1/needs/").status_code == 200
    # ... then made secretariat: the web asks for the second factor, the old token must not
    # give the new rights without it.
    focal_egypt.role = Role.SECRETARIAT
    focal_egypt.state = None
    focal_egypt.save()
    assert client.get("/api/v1/needs/").status_code == 401
    web = client_for(focal_egypt, second_factor=False).get("/api/v1/needs/")
    assert web.status_code == 302 and web["Location"].startswith(reverse("otp_verify"))
    assert not AccessToken.objects.filter(owner=focal_egypt, revoked_at__isnull=True).exists()


def test_a_change_that_needs_no_second_factor_keeps_the_tokens(focal_egypt, senegal, donor):
    client = token_client(focal_egypt)
    focal_egypt.state = senegal
    focal_egypt.language = "fr"
    focal_egypt.save()
    assert client.get("/api/v1/needs/").status_code == 200
    # An administrator who was one already keeps the tokens made past the second factor.
    donor.is_staff = True
    donor.save()
    staff = token_client(donor)
    donor.role = Role.SECRETARIAT
    donor.save()
    assert staff.get("/api/v1/needs/").status_code == 200


# --- Rate limits ----------------------------------------------------------------------------------


def test_a_persons_tokens_share_one_rate_limit(focal_egypt):
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "4/hour"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        answers = [token_client(focal_egypt).get("/api/v1/states/").status_code for _ in range(6)]
    cache.clear()
    assert answers == [200] * 4 + [429] * 2


# Run by two processes one after the other, as two of the web server's processes: the second
# finds the first one's requests counted.
COUNT_TWO_REQUESTS = """
import django
django.setup()
from types import SimpleNamespace
from django.test import RequestFactory
from infobase.api.throttling import TokenRateThrottle
request = SimpleNamespace(
    user=SimpleNamespace(is_authenticated=True, pk=7), auth=None, _request=RequestFactory().get("/")
)
print(*(TokenRateThrottle().allow_request(request, None) for _ in range(2)))
"""


def test_the_rate_limit_is_counted_across_the_servers_processes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "INFOBASE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "infobase.settings",
        "API_RATE_TOKEN": "3/hour",
    }
    seen = [
        subprocess.run(  # noqa: S603  (this interpreter, a fixed snippet)
            [sys.executable, "-c", COUNT_TWO_REQUESTS],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for _process in range(2)
    ]
    assert seen == [["True", "True"], ["True", "False"]]


# --- Jobs ---------------------------------------------------------------------------------------


def test_a_fourth_workbook_waiting_to_be_read_is_refused(focal_egypt, egypt):
    assignment = assign(build_questionnaire(cycle_number=95, code="uploads"), egypt)
    client = client_for(focal_egypt)
    url = reverse("workbook_upload", args=[assignment.pk])

    blank = io.BytesIO()
    openpyxl.Workbook().save(blank)

    def send(n: int):  # type: ignore[no-untyped-def]
        upload = SimpleUploadedFile(f"egypt-{n}.xlsx", blank.getvalue())
        return client.post(f"{url}?lang=en", {"file": upload})

    with override_settings(TASKS=DB_QUEUE):  # queued for a worker, not read at once
        sent = [send(n) for n in range(4)]
    jobs = list(Job.objects.filter(kind=WORKBOOK_JOB).order_by("requested_at"))
    assert len(jobs) == 3
    assert [r["Location"] for r in sent] == [job.get_absolute_url() for job in jobs] + [
        jobs[0].get_absolute_url()
    ]
    page = client.get(sent[3]["Location"], {"lang": "en"}).content.decode()
    assert "You have 3 uploads being read" in page


# --- Text of one person in another's e-mail ------------------------------------------------------


def test_a_questionnaires_title_reaches_the_mail_subject_as_written_on_one_line(egypt, senegal):
    questionnaire = build_questionnaire(cycle_number=93, code="mail-subject")
    questionnaire.title = {
        "en": "Smuggling & trafficking <2026>\nsecond line",
        "fr": "Application de l'article 5",
    }
    questionnaire.save()
    people = [
        User.objects.create_user(
            f"focal-{state.iso3}",
            email=f"{state.iso3}@example.org",
            role=Role.FOCAL_POINT,
            state=state,
            language=lang,
        )
        for state, lang in ((egypt, "en"), (senegal, "fr"))
    ]
    for person in people:
        assignment = Assignment.objects.create(
            questionnaire=questionnaire,
            state=person.state,
            deadline=date(2030, 1, 31),
            dispatched_at=timezone.now(),
        )
        notify(assignment=assignment, kind="dispatch")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["EGY@example.org"] == (
        "Questionnaire to answer: Smuggling & trafficking <2026> second line"
    )
    assert "l'article 5" in subjects["SEN@example.org"]


# --- Search boxes -------------------------------------------------------------------------------


def test_a_search_of_a_whole_page_of_words_is_answered(focal_egypt):
    words = " ".join(f"w{n}" for n in range(3000))
    client = client_for(focal_egypt)
    client.raise_request_exception = False
    for page in ("request_list", "lesson_list", "state_list"):
        response = client.get(reverse(page), {"q": words})
        assert response.status_code == 200, page


def test_a_search_looks_for_the_first_words_of_a_long_query():
    title = " ".join(f"w{n}" for n in range(MAX_SEARCH_WORDS))
    LessonLearned.objects.create(title=title, activity="Workshop")
    LessonLearned.objects.create(title="Asset recovery", activity="Workshop")
    # The words past the first MAX_SEARCH_WORDS are not looked for (here none of them is there).
    query = title + " " + " ".join(f"x{n}" for n in range(3000))
    found = search(LessonLearned.objects.all(), query)
    assert [lesson.title for lesson in found] == [title]


# --- Numbers that are no record's ----------------------------------------------------------------

NOT_IDS = ["²", "٣", "99999999999999999999999"]  # "²".isdigit() is true, int("²") fails


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_number_that_is_no_record_id_is_answered_without_a_server_error(
    value, focal_egypt, secretariat, egypt
):
    focal = client_for(focal_egypt)
    office = client_for(secretariat)
    for client in (focal, office):
        client.raise_request_exception = False
    assert focal.post(reverse("notices_read"), {"notice": value}).status_code == 302
    decided = office.post(
        reverse("need_register_decide"), {"need": [value], "action": "pin", "reason": "x"}
    )
    assert decided.status_code == 302
    need = make_need("EGY", 5)
    linked = office.post(reverse("need_links", args=[need.pk]), {"action": "accept", "link": value})
    assert linked.status_code == 404
    assignment = assign(build_questionnaire(cycle_number=94, code="not-ids"), egypt)
    put = token_client(focal_egypt).put(
        f"/api/v1/assignments/{assignment.pk}/answers/authority/",
        {"value": "Ministry"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"a{assignment.pk}-authority-v{value}"',
    )
    assert put.status_code == 412
