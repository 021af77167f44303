"""The API: tokens, the web's scoping and services, safe writes, problem details, open data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from infobase.activities.coverage.measures import gaps
from infobase.api.models import AccessToken, IdempotentRequest
from infobase.api.tokens import digest, token_create
from infobase.needs.models import AssistanceRequest, LessonLearned
from infobase.questionnaires.models import Answer
from infobase.reference.models import State
from tests.api.conftest import assign, make_need, token_client
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- Tokens ---------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_a_digest(focal_egypt):
    page = client_for(focal_egypt).post(reverse("api_tokens"), {"name": "national tool"})
    secret = page.context["created"].secret
    assert secret in page.content.decode()
    token = AccessToken.objects.get(owner=focal_egypt)
    assert token.digest == digest(secret) and secret not in (token.digest, token.prefix)
    again = client_for(focal_egypt).get(reverse("api_tokens"))
    assert secret not in again.content.decode() and "national tool" in again.content.decode()
    used = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/assignments/")
    assert used.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_expired_revoked_and_wrong_tokens_are_refused_as_problems(focal_egypt):
    new = token_create(owner=focal_egypt, name="t", expires_at=timezone.now() + timedelta(days=1))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert client.get("/api/v1/assignments/").status_code == 200
    AccessToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now())
    expired = client.get("/api/v1/assignments/")
    assert expired.status_code == 401
    assert expired["Content-Type"] == "application/problem+json"
    assert expired.json()["status"] == 401
    AccessToken.objects.filter(pk=new.token.pk).update(expires_at=None)
    client_for(focal_egypt).post(reverse("api_token_revoke", args=[new.token.pk]))
    assert client.get("/api/v1/assignments/").status_code == 401
    wrong = Client(HTTP_AUTHORIZATION=f"Bearer {new.secret[:-2]}xx")
    assert wrong.get("/api/v1/assignments/").status_code == 401


def test_a_person_cannot_revoke_someone_elses_token(focal_egypt, focal_senegal):
    theirs = token_create(owner=focal_senegal, name="t").token
    response = client_for(focal_egypt).post(reverse("api_token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_read_only_token_reads_but_cannot_write(focal_egypt, egypt, questionnaire):
    assignment = assign(questionnaire, egypt)
    client = token_client(focal_egypt, read_only=True)
    url = f"/api/v1/assignments/{assignment.pk}/answers/authority/"
    read = client.get(url)
    assert read.status_code == 200
    write = client.put(
        url, {"value": "Ministry"}, content_type="application/json", HTTP_IF_MATCH=read["ETag"]
    )
    assert write.status_code == 403
    assert "read-only" in write.json()["detail"]
    assert not Answer.objects.exists()


def test_an_answer_put_without_its_confidential_flag_stays_as_confidential_as_it_was(
    focal_egypt, egypt, questionnaire
):
    assignment = assign(questionnaire, egypt)
    client = token_client(focal_egypt)
    url = f"/api/v1/assignments/{assignment.pk}/answers/authority/"

    def put(body):
        etag = client.get(url)["ETag"]
        response = client.put(url, body, content_type="application/json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        return response.json()["confidential"]

    assert put({"value": "Ministry"}) is False  # a new answer: not confidential
    assert put({"value": "Ministry", "confidential": True}) is True
    # A script that sends values only does not publish what the State marked confidential.
    assert put({"value": "Ministry of Justice"}) is True
    assert Answer.objects.get(assignment=assignment).confidential
    assert put({"value": "Ministry of Justice", "confidential": False}) is False


def test_an_answer_holding_a_null_character_is_refused_with_a_message(
    focal_egypt, egypt, questionnaire
):
    # JSON can carry NUL where no form can; PostgreSQL cannot store it (a server error before).
    assignment = assign(questionnaire, egypt)
    client = token_client(focal_egypt)
    url = f"/api/v1/assignments/{assignment.pk}/answers/authority/"
    etag = client.get(url)["ETag"]
    put = client.put(
        url, {"value": "Ministry\u0000"}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert put.status_code == 422
    assert "U+0000" in put.content.decode()
    assert not Answer.objects.filter(assignment=assignment).exists()


@pytest.mark.parametrize("odd", ["\u202e", "\u202d", "\x07", "\x1b"])
def test_an_answer_holding_a_control_or_bidi_character_is_refused_naming_it(
    focal_egypt, egypt, questionnaire, odd
):
    # A right-to-left override shows "Ministry" reversed wherever the answer is listed.
    assignment = assign(questionnaire, egypt)
    client = token_client(focal_egypt)
    url = f"/api/v1/assignments/{assignment.pk}/answers/authority/"
    etag = client.get(url)["ETag"]
    put = client.put(
        url, {"value": f"Min{odd}istry"}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert put.status_code == 422
    assert f"U+{ord(odd):04X}" in put.content.decode()
    assert not Answer.objects.filter(assignment=assignment).exists()


# --- Scoping ----------------------------------------------------------------------------------


def test_a_focal_point_sees_and_changes_only_its_own_states_answers(
    focal_egypt, egypt, senegal, questionnaire
):
    mine, theirs = assign(questionnaire, egypt), assign(questionnaire, senegal)
    Answer.objects.create(
        assignment=theirs,
        item=questionnaire.items.get(name="authority"),
        value="Ministère secret",
        confidential=True,
    )
    client = token_client(focal_egypt)
    listed = client.get("/api/v1/assignments/").json()["results"]
    assert [a["id"] for a in listed] == [mine.pk]
    assert client.get(f"/api/v1/assignments/{theirs.pk}/answers/").status_code == 404
    url = f"/api/v1/assignments/{theirs.pk}/answers/authority/"
    assert client.get(url).status_code == 404
    put = client.put(url, {"value": "x"}, content_type="application/json", HTTP_IF_MATCH='"x"')
    assert put.status_code == 404
    assert Answer.objects.get(assignment=theirs).value == "Ministère secret"
    everything = b"".join(
        client.get(u).content
        for u in ("/api/v1/assignments/", "/api/v1/needs/", "/api/v1/requests/")
    )
    assert "Ministère secret".encode() not in everything


def test_confidential_needs_of_other_states_are_absent_for_others(
    focal_egypt, delegate, secretariat
):
    hidden = make_need("KEN", 5, confidential=True)
    shown = make_need("NGA", 5)
    for user in (focal_egypt, delegate):
        ids = {n["id"] for n in token_client(user).get("/api/v1/needs/").json()["results"]}
        assert ids == {shown.pk}
        assert token_client(user).get(f"/api/v1/needs/{hidden.pk}/").status_code in (403, 404)
    ids = {n["id"] for n in token_client(secretariat).get("/api/v1/needs/").json()["results"]}
    assert ids == {shown.pk, hidden.pk}


def test_the_anonymous_public_cannot_read_the_register_or_answers(egypt, questionnaire):
    assign(questionnaire, egypt)
    client = Client()
    assert client.get("/api/v1/needs/").status_code in (401, 403)
    assert client.get("/api/v1/assignments/").status_code in (401, 403)
    assert client.get("/api/v1/requests/").status_code in (401, 403)


# --- Safe writes ------------------------------------------------------------------------------


def test_an_answer_is_saved_with_if_match_and_a_stale_one_is_refused(
    focal_egypt, egypt, questionnaire
):
    assignment = assign(questionnaire, egypt)
    client = token_client(focal_egypt)
    url = f"/api/v1/assignments/{assignment.pk}/answers/authority/"
    first = client.get(url)
    missing = client.put(url, {"value": "Ministry"}, content_type="application/json")
    assert missing.status_code == 428
    saved = client.put(
        url, {"value": "Ministry"}, content_type="application/json", HTTP_IF_MATCH=first["ETag"]
    )
    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert saved["ETag"] != first["ETag"]
    stale = client.put(
        url, {"value": "Other"}, content_type="application/json", HTTP_IF_MATCH=first["ETag"]
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert stale.json()["current"]["value"] == "Ministry"
    assert Answer.objects.get(assignment=assignment).value == "Ministry"


def test_an_api_write_is_in_the_history_with_the_token_owner(focal_egypt, egypt, questionnaire):
    assignment = assign(questionnaire, egypt)
    client = token_client(focal_egypt)
    url = f"/api/v1/assignments/{assignment.pk}/answers/authority/"
    tag = client.get(url)["ETag"]
    client.put(url, {"value": "Ministry"}, content_type="application/json", HTTP_IF_MATCH=tag)
    answer = Answer.objects.get(assignment=assignment)
    assert answer.history.latest().history_user == focal_egypt
    assert answer.updated_by == focal_egypt


def test_submitting_incomplete_answers_names_each_missing_field(focal_egypt, egypt, questionnaire):
    assignment = assign(questionnaire, egypt)
    response = token_client(focal_egypt).post(f"/api/v1/assignments/{assignment.pk}/submit/")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"authority", "a5_status"} <= fields


REQUEST = {
    "state": "EGY",
    "instrument": "untoc",
    "title": "Training of prosecutors",
    "description": "On article 5.",
    "language": "ar",
    "urgency": "high",
    "received_on": "2026-01-05",
    "lines": [],
}


def _request_body(article_id: int) -> dict[str, object]:
    return {**REQUEST, "lines": [{"article": article_id, "kind": "training"}]}


def test_a_retried_request_with_the_same_idempotency_key_creates_once(focal_egypt):
    from infobase.reference.models import Article

    article = Article.objects.get(instrument__code="untoc", number=5)
    client = token_client(focal_egypt)
    send = lambda: client.post(  # noqa: E731
        "/api/v1/requests/",
        _request_body(article.pk),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="req-1",
    )
    first, second = send(), send()
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second["Idempotent-Replayed"] == "true"
    assert AssistanceRequest.objects.count() == 1
    created = AssistanceRequest.objects.get()
    assert created.history.latest().history_user == focal_egypt
    assert IdempotentRequest.objects.get().owner == focal_egypt


def test_a_number_too_large_for_the_database_is_a_problem_naming_the_field(focal_egypt):
    response = token_client(focal_egypt).post(
        "/api/v1/requests/", _request_body(2**70), content_type="application/json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["lines.0.article"]
    assert not AssistanceRequest.objects.exists()


@pytest.mark.parametrize("ident", ["abc", "%C2%B2"])
def test_an_identifier_that_is_no_number_is_a_404_problem_on_every_detail_action(
    ident, focal_egypt, secretariat
):
    focal = token_client(focal_egypt)
    office = token_client(secretariat, HTTP_IF_MATCH='"x"')
    for client in (focal, office):
        client.raise_request_exception = False
    answers = f"/api/v1/assignments/{ident}/answers/"
    asked = [
        focal.get(answers),
        focal.get(answers + "authority/"),
        focal.put(
            answers + "authority/",
            {"value": "x"},
            content_type="application/json",
            HTTP_IF_MATCH='"a1-authority-v0"',
        ),
        focal.post(f"/api/v1/assignments/{ident}/submit/"),
        office.put(f"/api/v1/lessons/{ident}/", {"title": "x"}, content_type="application/json"),
    ]
    assert [r.status_code for r in asked] == [404] * len(asked)
    assert {r["Content-Type"] for r in asked} == {"application/problem+json"}


def test_the_jobs_sweep_forgets_idempotency_keys_a_week_old(focal_egypt):
    from infobase.core.jobs import jobs_sweep

    def remembered(key: str, age: timedelta) -> None:
        record = IdempotentRequest.objects.create(
            owner=focal_egypt, key=key, method="POST", path="/api/v1/requests/", status=201
        )
        IdempotentRequest.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)

    remembered("last-week", timedelta(days=8))
    remembered("yesterday", timedelta(days=1))
    result = jobs_sweep()
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["yesterday"]
    assert result.ended["infobase.api.idempotency.forget_old_keys"] == 1


def test_a_focal_point_cannot_file_a_request_for_another_state(focal_egypt):
    from infobase.reference.models import Article

    article = Article.objects.get(instrument__code="untoc", number=5)
    body = {**_request_body(article.pk), "state": "SEN"}
    response = token_client(focal_egypt).post(
        "/api/v1/requests/", body, content_type="application/json"
    )
    assert response.status_code == 403
    assert not AssistanceRequest.objects.exists()


def test_a_lesson_update_needs_the_current_etag(secretariat):
    client = token_client(secretariat)
    created = client.post(
        "/api/v1/lessons/",
        {"title": "Mentoring works", "activity": "Workshop", "kinds": ["training"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    url = created["Location"]
    tag = client.get(url)["ETag"]
    body = {"title": "Mentoring works well", "activity": "Workshop", "kinds": ["training"]}
    changed = client.put(url, body, content_type="application/json", HTTP_IF_MATCH=tag)
    assert changed.status_code == 200
    stale = client.put(
        url, {**body, "title": "Lost"}, content_type="application/json", HTTP_IF_MATCH=tag
    )
    assert stale.status_code == 412
    lesson = LessonLearned.objects.get()
    assert lesson.title == "Mentoring works well"
    assert lesson.history.latest().history_user == secretariat


# --- Problem details in the request's language -------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"), [("fr", "Ce champ est obligatoire."), ("ar", "هذا الحقل مطلوب.")]
)
def test_validation_problems_name_each_field_in_the_requests_language(secretariat, lang, expected):
    response = token_client(secretariat, HTTP_ACCEPT_LANGUAGE=lang).post(
        "/api/v1/requests/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"state", "title", "lines"} <= {e["field"] for e in body["errors"]}
    assert any(e["detail"] == expected for e in body["errors"])


# --- Open data ---------------------------------------------------------------------------------


def test_open_gaps_equal_the_webs_figures_and_leave_confidential_needs_out(donor):
    make_need("KEN", 5, confidential=True)
    make_need("NGA", 5)
    make_need("EGY", 6, kind="training")
    response = Client().get("/api/v1/open/needs/gaps/?by=regional_group")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and response["ETag"]
    web = {r.key: (r.uncovered, r.partly, r.covered) for r in gaps(user=donor, by="regional_group")}
    api = {r["key"]: (r["uncovered"], r["partly"], r["covered"]) for r in response.json()}
    assert api == web == {"african": (2, 0, 0)}
    assert gaps(user=AnonymousUser(), by="regional_group")[0].total == 2
    again = Client().get(
        "/api/v1/open/needs/gaps/?by=regional_group", HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304


def test_the_iati_file_has_a_stable_public_address():
    response = Client().get("/api/v1/open/iati/activities.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert b"<iati-activities" in response.content


def test_lists_export_as_csv_through_the_exporter_with_the_same_filters():
    response = Client().get("/api/v1/open/states/?regional_group=african&format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    african = State.objects.filter(regional_group="african").count()
    assert len(lines) == african + 1 and lines[0].startswith("id,iso3")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_list_too_long_for_a_file_made_while_you_wait_says_how_to_export_it(monkeypatch, fmt):
    from infobase.api.views import StateViewSet

    african = State.objects.filter(regional_group="african").count()
    monkeypatch.setattr(StateViewSet, "inline_export_limit", african)
    url = f"/api/v1/open/states/?regional_group=african&format={fmt}"
    assert Client().get(url).status_code == 200
    monkeypatch.setattr(StateViewSet, "inline_export_limit", african - 1)
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:infobase:problem:export-too-long"
    assert (problem["count"], problem["limit"]) == (african, african - 1)
    assert problem["export"] == {
        "method": "POST",
        "url": "/api/v1/exports/",
        "body": {"resource": "states", "format": fmt, "filters": {"regional_group": "african"}},
    }
    detail = problem["detail"]
    assert str(african) in detail and "/api/v1/exports/" in detail and "attendez" in detail


def test_sparse_fieldsets_keep_only_the_fields_asked_for():
    rows = Client().get("/api/v1/open/states/?fields=iso3,name&page_size=3").json()["results"]
    assert len(rows) == 3 and all(set(r) == {"iso3", "name"} for r in rows)


# --- Queries constant in the page size and the amount of data -----------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_page_size_or_the_data(secretariat):
    client = token_client(secretariat)
    client.get("/api/v1/states/?page_size=1")  # token's last use recorded once
    states = list(State.objects.exclude(iso3="EGY").order_by("pk")[:40])
    for state in states[:5]:
        make_need(state.iso3, 5)
    small = _queries(client, "/api/v1/needs/?page_size=10")
    for state in states[5:]:
        make_need(state.iso3, 5)
        make_need(state.iso3, 6, kind="training")
    large = _queries(client, "/api/v1/needs/?page_size=100")
    assert small == large
    assert _queries(client, "/api/v1/states/?page_size=10") == _queries(
        client, "/api/v1/states/?page_size=100"
    )
    assert _queries(client, "/api/v1/activities/?page_size=10") == _queries(
        client, "/api/v1/activities/?page_size=100"
    )


def test_the_working_group_chair_reads_and_starts_only_the_chairs_report(delegate, secretariat):
    from infobase.reports.models import ReportRun

    def run(report: str, user: object) -> ReportRun:
        return ReportRun.objects.create(
            report=report, lang="en", fmt="pdf", fingerprint="x", requested_by=user
        )

    chairs, secretariats = run("chair", delegate), run("analytical", secretariat)
    client = token_client(delegate)
    listed = client.get("/api/v1/report-runs/").json()["results"]
    assert [r["id"] for r in listed] == [str(chairs.pk)]
    assert client.get(f"/api/v1/report-runs/{secretariats.pk}/").status_code == 404
    assert client.get(f"/api/v1/report-runs/{chairs.pk}/").status_code == 200
    started = client.post(
        "/api/v1/report-runs/",
        {"report": "analytical", "params": {"instrument": "untoc", "cycle": 1}},
        content_type="application/json",
    )
    assert started.status_code == 403
    assert ReportRun.objects.count() == 2
    everything = token_client(secretariat).get("/api/v1/report-runs/").json()["results"]
    assert {r["id"] for r in everything} == {str(chairs.pk), str(secretariats.pk)}


def test_a_donor_lists_only_its_own_pledges_and_a_focal_point_none_as_on_the_web(
    donor, secretariat, focal_egypt
):
    from decimal import Decimal

    from infobase.funding.models import Pledge
    from infobase.reference.models import Organization

    def pledge(donor_org: Organization) -> Pledge:
        return Pledge.objects.create(
            donor=donor_org,
            amount=Decimal("1000"),
            currency="USD",
            pledged_on=date(2025, 1, 1),
            status="agreed",
        )

    own = pledge(donor.organization)
    pledge(Organization.objects.create(code="other-fund", name_en="Other Fund", kind="fund"))
    listed = token_client(donor).get("/api/v1/pledges/").json()["results"]
    assert [p["id"] for p in listed] == [own.pk]
    assert len(token_client(secretariat).get("/api/v1/pledges/").json()["results"]) == 2
    assert token_client(focal_egypt).get("/api/v1/pledges/").status_code == 403


# --- Documentation ------------------------------------------------------------------------------


def test_the_schema_and_the_docs_are_served_without_a_cdn():
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200 and "/api/v1/needs/" in schema.json()["paths"]
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html
    assert (
        "unsafe-inline" not in docs["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )


def test_the_redoc_page_and_its_bundle_name_no_other_site():
    page = Client().get("/api/v1/redoc/")
    html = page.content.decode()
    assert page.status_code == 200 and "googleapis" not in html
    bundle_url = reverse("api:redoc-bundle")
    assert f'src="{bundle_url}"' in html
    bundle = Client().get(bundle_url)
    assert bundle.status_code == 200 and bundle["Content-Type"].startswith("text/javascript")
    assert b"Redoc" in bundle.content and b"cdn.redoc.ly" not in bundle.content
