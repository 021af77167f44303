"""A list's file longer than a few rows is made by a background job (``POST /api/v1/exports/``)
through the very code the list's inline file runs, for the person who asked alone."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from infobase.accounts.models import Role
from infobase.api.models import IdempotentRequest
from infobase.api.views import NeedViewSet, QuestionnaireViewSet, RequestViewSet
from infobase.core import jobs
from infobase.core.exports import EXPORT_JOB, EXPORT_KEEP_DAYS, export_folder
from infobase.core.models import Job, JobStatus
from infobase.needs.models import AssistanceRequest
from infobase.reference.models import Instrument, State
from tests.api.conftest import make_need, token_client
from tests.conftest import client_for, make_user
from tests.core.test_jobs import DB_QUEUE

pytestmark = pytest.mark.django_db

SECRET = "Demande confidentielle du Kenya"


@pytest.fixture
def needs() -> None:
    make_need("EGY", 5)
    make_need("EGY", 6, kind="training")
    make_need("NGA", 5)
    make_need("KEN", 20, kind="technology", confidential=True)


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def ask(client: Client, resource: str, fmt: str = "csv", **filters: object) -> object:
    return client.post(
        "/api/v1/exports/",
        {"resource": resource, "format": fmt, "filters": filters},
        content_type="application/json",
    )


def exported_file(client: Client, resource: str, fmt: str = "csv", **filters: object) -> bytes:
    """Ask for the export (jobs run at once in tests), read its status, fetch its file."""
    response = ask(client, resource, fmt, **filters)
    assert response.status_code == 202, response.content
    export = client.get(response["Location"]).json()
    assert export["status"] == "done", export
    file = client.get(export["file"])
    assert file.status_code == 200
    assert "attachment" in file["Content-Disposition"]
    content = file.getvalue()  # once: the file is streamed
    assert export["size"] == len(content)
    return bytes(content)


def test_a_long_list_answers_a_problem_whose_request_gives_the_file(
    monkeypatch, needs, secretariat
):
    client = token_client(secretariat)
    monkeypatch.setattr(NeedViewSet, "inline_export_limit", 1)
    problem = client.get("/api/v1/needs/?state=EGY&format=csv&page_size=5")
    assert problem.status_code == 400 and not Job.objects.exists()
    assert problem.json()["type"] == "urn:infobase:problem:export-too-long"
    asked = problem.json()["export"]
    assert asked["body"] == {"resource": "needs", "format": "csv", "filters": {"state": "EGY"}}
    response = client.post(asked["url"], asked["body"], content_type="application/json")
    assert response.status_code == 202
    monkeypatch.setattr(NeedViewSet, "inline_export_limit", 2)
    inline = client.get("/api/v1/needs/?state=EGY&format=csv")
    assert inline.status_code == 200
    file = client.get(client.get(response["Location"]).json()["file"]).getvalue()
    assert rows_of(file) == rows_of(inline.content) and len(rows_of(file)) == 3


@pytest.mark.parametrize(
    ("resource", "url", "filters"),
    [
        ("needs", "/api/v1/needs/", {"kind": "legislative"}),
        ("request", "/api/v1/requests/", {"state": "KEN"}),
        # Its rows link to files at the address the export was asked at.
        ("questionnaires", "/api/v1/questionnaires/", {}),
    ],
)
def test_the_file_of_an_export_has_the_rows_of_the_inline_file(
    needs, secretariat, questionnaire, resource, url, filters
):
    kenya_request()
    client = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="fr")
    query = "".join(f"&{k}={v}" for k, v in filters.items())
    inline = client.get(f"{url}?format=csv{query}")
    assert inline.status_code == 200
    made = exported_file(client, resource, **filters)
    assert rows_of(made) == rows_of(inline.content)
    assert len(rows_of(made)) > 1
    job = Job.objects.get(kind=EXPORT_JOB)
    assert job.lang == "fr" and job.requested_by == secretariat
    if resource == "questionnaires":
        assert "http://testserver/" in made.decode("utf-8-sig")


def test_an_xlsx_export_is_a_workbook_with_the_lists_rows(needs, secretariat):
    from openpyxl import load_workbook

    made = exported_file(token_client(secretariat), "needs", "xlsx", state="EGY")
    sheet = load_workbook(io.BytesIO(made)).active
    assert sheet is not None
    assert sum(1 for row in sheet.iter_rows(values_only=True) if "EGY" in row) == 2


def kenya_request() -> AssistanceRequest:
    return AssistanceRequest.objects.create(
        state=State.objects.get(iso3="KEN"),
        instrument=Instrument.objects.get(code="untoc"),
        title=SECRET,
        description=SECRET,
        urgency="high",
        received_on=date(2025, 1, 1),
        source="web",
        confidential=True,
    )


def test_a_focal_points_export_holds_only_what_they_may_read(needs, focal_egypt, secretariat):
    kenya_request()
    client = token_client(focal_egypt)
    register = exported_file(client, "needs").decode("utf-8-sig")
    assert "EGY" in register and "KEN" not in register
    requests = exported_file(client, "requests").decode("utf-8-sig")
    assert SECRET not in requests
    # The secretariat's own export of the same list does hold them.
    assert SECRET in exported_file(token_client(secretariat), "requests").decode("utf-8-sig")


def test_nobody_else_sees_an_export_or_its_file(needs, focal_egypt, secretariat, focal_senegal):
    owner = token_client(focal_egypt)
    export = owner.get(ask(owner, "needs")["Location"]).json()
    other_secretariat = make_user("sec2", role=Role.SECRETARIAT, is_staff=True)
    for reader in (
        token_client(secretariat),
        client_for(other_secretariat),
        token_client(focal_senegal),
    ):
        assert reader.get(export["url"]).status_code == 404
        assert reader.get(export["file"]).status_code == 404
    assert Client().get(export["file"]).status_code in (401, 403)
    assert owner.get(export["file"]).status_code == 200


def test_a_web_pages_export_is_not_an_api_export(needs, secretariat):
    client = client_for(secretariat)
    client.post("/needs/export.csv")
    job = Job.objects.get(kind=EXPORT_JOB)
    assert client.get(f"/api/v1/exports/{job.pk}/").status_code == 404
    assert token_client(secretariat).get(f"/api/v1/exports/{job.pk}/file/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resource": "nothing", "format": "csv"}, "resource"),
        ({"resource": "exports", "format": "csv"}, "resource"),
        ({"resource": "needs", "format": "pdf"}, "format"),
        ({"resource": "needs", "format": "csv", "filters": {"kind": "poetry"}}, "filters.kind"),
        ({"resource": "needs", "format": "csv", "filters": {"colour": "red"}}, "filters.colour"),
        ({"resource": "needs", "format": "csv", "filters": {"state": {"a": 1}}}, "filters.state"),
        ({"resource": "requests", "format": "csv", "filters": {"received_after": "x"}}, None),
        ({"format": "csv"}, "resource"),
        # A text no database column holds.
        ({"resource": "needs", "format": "csv", "filters": {"fields": "id\x00"}}, "filters.fields"),
    ],
)
def test_a_bad_export_request_is_refused_with_the_field_named(secretariat, body, field):
    response = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="es").post(
        "/api/v1/exports/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert (field or "filters.received_after") in fields
    assert not Job.objects.exists()


def test_an_unknown_resource_is_refused_in_the_requests_language(secretariat):
    response = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="fr").post(
        "/api/v1/exports/",
        {"resource": "nothing", "format": "csv"},
        content_type="application/json",
    )
    error = response.json()["errors"][0]
    assert error["field"] == "resource" and "API" in error["detail"]
    assert error["detail"] != "No list of the API has this name."


def test_the_right_to_read_the_list_is_checked_when_asking(needs, focal_egypt):
    # Allocations are the secretariat's: a focal point may not list them, nor export them.
    client = token_client(focal_egypt)
    assert client.get("/api/v1/allocations/").status_code == 403
    assert ask(client, "allocations").status_code == 403
    assert not Job.objects.exists()
    assert ask(Client(), "needs").status_code in (401, 403)


def test_a_read_only_token_may_ask_for_an_export(needs, focal_egypt):
    client = token_client(focal_egypt, read_only=True)
    assert "EGY" in exported_file(client, "needs").decode("utf-8-sig")
    # It still writes nothing.
    refused = client.post("/api/v1/lessons/", {"title": "x"}, content_type="application/json")
    assert refused.status_code == 403


def test_the_same_idempotency_key_replays_the_first_answer(needs, secretariat):
    client = token_client(secretariat, HTTP_IDEMPOTENCY_KEY="export-1")
    with override_settings(TASKS=DB_QUEUE):
        first = ask(client, "needs")
        again = ask(client, "needs", state="EGY")
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"]
    assert Job.objects.filter(kind=EXPORT_JOB).count() == 1
    assert IdempotentRequest.objects.filter(key="export-1").count() == 1


def test_an_export_is_queued_and_its_file_waits_for_the_job(needs, secretariat):
    client = token_client(secretariat)
    with override_settings(TASKS=DB_QUEUE):
        response = ask(client, "needs", state="EGY", kind=["legislative", "training"])
    assert response.status_code == 202
    export = response.json()
    assert export["status"] == "queued" and export["file"] is None and export["rows"] is None
    assert export["filters"] == {"state": "EGY", "kind": ["legislative", "training"]}
    assert response["Location"].endswith(f"/api/v1/exports/{export['id']}/")
    assert client.get(f"/api/v1/exports/{export['id']}/file/").status_code == 409
    jobs.run_job.call(export["id"])
    done = client.get(response["Location"]).json()
    assert done["status"] == "done" and done["progress"] == 100
    assert done["rows"] == 1 and "1 row" in done["message"]  # the state filter applied


def test_an_export_of_more_rows_than_a_job_makes_fails_and_says_why(
    monkeypatch, needs, secretariat
):
    monkeypatch.setattr(NeedViewSet, "job_export_limit", 3)
    client = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="fr")
    export = client.get(ask(client, "needs")["Location"]).json()
    assert export["status"] == "failed" and export["file"] is None
    assert "4" in export["message"] and "3" in export["message"]
    assert "filtres" in export["message"]  # in the language asked in
    refused = client.get(f"/api/v1/exports/{export['id']}/file/")
    assert refused.status_code == 409 and export["message"] in refused.json()["detail"]
    assert ask(client, "needs", state="EGY").status_code == 202
    assert client.get(export["url"]).json()["status"] == "failed"
    assert Job.objects.filter(status=JobStatus.DONE).count() == 1


def test_a_person_who_lost_the_right_meanwhile_gets_no_file(needs, focal_egypt):
    client = token_client(focal_egypt, HTTP_ACCEPT_LANGUAGE="fr")
    with override_settings(TASKS=DB_QUEUE):
        export = ask(client, "needs").json()
    focal_egypt.role = ""  # no longer a focal point: the register is not theirs to read
    focal_egypt.save()
    jobs.run_job.call(export["id"])
    job = Job.objects.get(pk=export["id"])
    assert job.status == JobStatus.FAILED and job.error
    assert job.error != "You may no longer read this list."  # in the language asked in
    assert client.get(export["url"]).json()["message"] == job.error
    assert not (client.get(export["url"]).json()["file"])


def test_export_files_are_removed_a_week_after_they_were_made(needs, secretariat):
    client = token_client(secretariat)
    export = client.get(ask(client, "needs")["Location"]).json()
    assert client.get(export["file"]).status_code == 200
    Job.objects.filter(pk=export["id"]).update(
        finished_at=timezone.now() - timedelta(days=EXPORT_KEEP_DAYS, hours=1)
    )
    jobs.jobs_sweep()
    assert client.get(export["url"]).json()["file"] is None
    assert client.get(export["file"]).status_code == 404


def test_the_schema_documents_the_exports_and_the_too_long_problem():
    schema = Client().get("/api/v1/schema/?format=json").json()
    assert {"/api/v1/exports/", "/api/v1/exports/{id}/", "/api/v1/exports/{id}/file/"} <= set(
        schema["paths"]
    )
    create = schema["paths"]["/api/v1/exports/"]["post"]
    assert "202" in create["responses"]
    assert "ExportTooLongProblem" in schema["components"]["schemas"]
    refused = schema["paths"]["/api/v1/needs/"]["get"]["responses"]["400"]
    assert "ExportTooLongProblem" in str(refused)


def test_every_list_may_be_exported():
    from infobase.api.export_jobs import resource_named, resources

    assert resource_named("needs") == resource_named("need") is not None
    assert resource_named("exports") is None
    assert {r.viewset for r in resources().values()} >= {
        NeedViewSet,
        RequestViewSet,
        QuestionnaireViewSet,
    }


def test_a_fourth_export_under_way_is_refused_with_the_addresses_to_follow(needs, secretariat):
    client = token_client(secretariat)
    with override_settings(TASKS=DB_QUEUE):
        asked = [ask(client, "needs", state=iso3) for iso3 in ("EGY", "NGA", "KEN")]
        fourth = ask(client, "needs", state="MEX")
    assert [r.status_code for r in asked] == [202, 202, 202]
    assert fourth.status_code == 429
    problem = fourth.json()
    assert problem["type"] == "urn:infobase:problem:exports-under-way"
    assert "3 files being made" in problem["detail"]
    assert sorted(problem["under_way"]) == sorted(
        f"http://testserver{r['Location']}" for r in asked
    )
    assert Job.objects.filter(kind=EXPORT_JOB).count() == 3


def test_a_file_of_a_list_refuses_a_filter_the_list_does_not_have(needs, secretariat):
    # ``iso3`` is not a filter of the needs: the file would have held every State's needs.
    client = token_client(secretariat)
    refused = client.get("/api/v1/needs/?format=csv&iso3=EGY")
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["filters.iso3"]
    # The interface's language is no filter: it is the file's language.
    made = client.get("/api/v1/needs/?format=csv&state=EGY&lang=fr")
    assert made.status_code == 200 and made["Content-Language"] == "fr"
    rows = made.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 3  # the header and Egypt's two needs


def test_the_too_long_problem_asks_for_an_export_that_is_accepted(needs, secretariat, monkeypatch):
    from infobase.api.views import ReadOnly

    monkeypatch.setattr(ReadOnly, "inline_export_limit", 1)
    client = token_client(secretariat)
    problem = client.get("/api/v1/needs/?format=csv&state=EGY&lang=fr").json()
    body = problem["export"]["body"]
    assert body == {"resource": "needs", "format": "csv", "filters": {"state": "EGY"}}
    follow = client.post(problem["export"]["url"], body, content_type="application/json")
    assert follow.status_code == 202, follow.content


def test_an_export_made_under_other_rights_has_no_file_and_says_why(needs, focal_egypt, senegal):
    client = token_client(focal_egypt, HTTP_ACCEPT_LANGUAGE="en")
    export = client.get(ask(client, "needs")["Location"]).json()
    assert export["file"] and "row" in export["message"]
    focal_egypt.state = senegal
    focal_egypt.save()
    now = client.get(export["url"]).json()
    assert now["file"] is None
    assert now["message"] == "Your rights have changed since this file was made: export it again."


def test_an_export_whose_file_was_removed_has_no_file_and_says_why(needs, secretariat):
    client = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="en")
    export = client.get(ask(client, "needs")["Location"]).json()
    shutil.rmtree(export_folder(Job.objects.get(pk=export["id"])))
    now = client.get(export["url"]).json()
    assert now["file"] is None
    assert now["message"] == "This file is no longer kept: ask for the export again."
