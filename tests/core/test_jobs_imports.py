"""Imports as jobs: IATI runs always end with their counts; uploads on the web become jobs."""

from __future__ import annotations

import html
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from infobase.activities import iati_import as importer
from infobase.activities.iati_import import IMPORT_STOPPED, iati_import
from infobase.activities.models import Activity, ImportRun, ImportRunStatus
from infobase.core.errors import InvalidInput
from infobase.core.jobs import jobs_sweep
from infobase.core.models import Job, JobStatus
from infobase.questionnaires.workbook import workbook_import
from tests.activities.test_iati_import import activity_xml, iati_file
from tests.conftest import client_for
from tests.questionnaires.test_workbook import (  # noqa: F401  (fixtures)
    KOBO_HEADER,
    csv_file,
    egypt_assignment,
    values,
    wb_questionnaire,
)

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_an_import_killed_mid_way_ends_failed_with_its_counts_after_the_sweep(secretariat):  # type: ignore[no-untyped-def]
    long_ago = timezone.now() - timedelta(hours=1)
    killed = ImportRun.objects.create(user=secretariat, created=120, updated=3, rejected=2)
    ImportRun.objects.filter(pk=killed.pk).update(heartbeat_at=long_ago, started_at=long_ago)
    alive = ImportRun.objects.create(user=secretariat, created=5, heartbeat_at=timezone.now())
    result = jobs_sweep()
    killed.refresh_from_db()
    alive.refresh_from_db()
    assert killed.status == ImportRunStatus.FAILED and killed.error == IMPORT_STOPPED
    assert (killed.created, killed.updated, killed.rejected) == (120, 3, 2)
    assert killed.finished_at is not None
    assert alive.status == ImportRunStatus.RUNNING and alive.finished_at is None
    assert result.ended["infobase.activities.jobs.end_dead_import_runs"] == 1
    page = client_for(secretariat).get(reverse("import_run_detail", args=[killed.pk]))
    assert IMPORT_STOPPED in page.content.decode()


def test_an_import_that_stops_on_an_error_ends_failed_with_the_counts_so_far(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    (tmp_path / "a.xml").write_bytes(iati_file(activity_xml("XX-TEST-1-A")))
    (tmp_path / "b.xml").write_bytes(iati_file(activity_xml("XX-TEST-1-B")))
    original = importer._Importer.import_file

    def import_file(self, name, source, **kwargs):  # type: ignore[no-untyped-def]
        if name == "b.xml":
            raise MemoryError("out of memory")
        return original(self, name, source, **kwargs)

    monkeypatch.setattr(importer._Importer, "import_file", import_file)
    with pytest.raises(MemoryError):
        iati_import(paths=[tmp_path])
    run = ImportRun.objects.get()
    assert run.status == ImportRunStatus.FAILED and "out of memory" in run.error
    assert run.created == 1 and run.finished_at is not None
    assert Activity.objects.filter(iati_identifier="XX-TEST-1-A").exists()


def test_a_finished_import_says_so(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "a.xml").write_bytes(iati_file(activity_xml("XX-TEST-1-A")))
    run = iati_import(paths=[tmp_path])
    assert run.status == ImportRunStatus.FINISHED and run.created == 1 and run.heartbeat_at


def test_the_web_upload_is_imported_by_a_worker(secretariat, monkeypatch):  # type: ignore[no-untyped-def]
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    client = client_for(secretariat)
    upload = SimpleUploadedFile("a.xml", iati_file(activity_xml("XX-TEST-1-W1")))
    with override_settings(TASKS=DB_QUEUE):
        response = client.post(reverse("iati_import_upload"), {"upload": [upload], "all": "on"})
        job = Job.objects.get()
        assert response["Location"] == job.get_absolute_url()
        assert job.status == JobStatus.QUEUED and not ImportRun.objects.exists()
        stored = Path(settings.MEDIA_ROOT) / job.params["folder"]
        assert (stored / "0" / "a.xml").is_file()
        call_command("db_worker", "--batch", "--no-startup-delay", "-v0")
    job.refresh_from_db()
    run = ImportRun.objects.get()
    assert job.status == JobStatus.DONE and run.status == ImportRunStatus.FINISHED
    assert job.result["url"] == reverse("import_run_detail", args=[run.pk])
    assert run.user == secretariat and [f["name"] for f in run.files] == ["a.xml"]
    assert not stored.exists()  # the upload is not kept once imported
    page = client.get(job.get_absolute_url()).content.decode()
    assert job.result["url"] in page


def test_submissions_uploaded_on_the_web_are_imported_as_a_job(egypt_assignment, secretariat):  # type: ignore[no-untyped-def]  # noqa: F811
    client = client_for(secretariat)
    code = egypt_assignment.questionnaire.code
    source = csv_file("2026-01-01;2026-01-02;yes;;0;0;5;;Egypt answer;EGY;1;u1;x")
    upload = SimpleUploadedFile("kobo.csv", source.getvalue(), content_type="text/csv")
    response = client.post(reverse("submissions_upload", args=[code]), {"file": upload})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["url"] == reverse("questionnaire_responses", args=[code])
    assert values(egypt_assignment)[("details", "")] == "Egypt answer"


def test_a_bad_workbook_fails_its_job_in_the_users_language(egypt_assignment, focal_egypt):  # type: ignore[no-untyped-def]  # noqa: F811
    blank = io.BytesIO()
    openpyxl.Workbook().save(blank)
    upload = SimpleUploadedFile("egypt.xlsx", blank.getvalue())
    client = client_for(focal_egypt)  # works in Arabic
    response = client.post(reverse("workbook_upload", args=[egypt_assignment.pk]), {"file": upload})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.FAILED
    said = {}
    for lang in ("ar", "en"):  # what the import itself says, in Arabic and in English
        with translation.override(lang), pytest.raises(InvalidInput) as refused:
            workbook_import(
                assignment=egypt_assignment,
                source=io.BytesIO(blank.getvalue()),
                filename="egypt.xlsx",
                user=focal_egypt,
            )
        said[lang] = str(refused.value)
    assert job.error == said["ar"] != said["en"] and "egypt.xlsx" in job.error
    page = client.get(job.get_absolute_url()).content.decode()
    assert html.escape(said["ar"]) in page


def test_the_same_files_sent_again_while_their_job_is_under_way_are_read_once(  # type: ignore[no-untyped-def]
    egypt_assignment,  # noqa: F811
    secretariat,
    monkeypatch,
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    client = client_for(secretariat)
    code = egypt_assignment.questionnaire.code
    answers = csv_file("2026-01-01;2026-01-02;yes;;0;0;5;;Egypt answer;EGY;1;u1;x").getvalue()
    stashes = Path(settings.MEDIA_ROOT) / "jobs"

    def send_answers(content: bytes = answers):  # type: ignore[no-untyped-def]
        upload = SimpleUploadedFile("kobo.csv", content, content_type="text/csv")
        return client.post(reverse("submissions_upload", args=[code]), {"file": upload})

    def send_iati():  # type: ignore[no-untyped-def]
        upload = SimpleUploadedFile("a.xml", iati_file(activity_xml("XX-TEST-1-TWICE")))
        return client.post(reverse("iati_import_upload"), {"upload": [upload], "all": "on"})

    stashed_before = len(list(stashes.iterdir())) if stashes.is_dir() else 0
    with override_settings(TASKS=DB_QUEUE):
        for send in (send_answers, send_iati):
            first = send()
            again = send()  # a double click, a second tab, the browser sending the form again
            assert again["Location"] == first["Location"], send
            page = client.get(again["Location"]).content.decode()
            assert (
                html.escape(_("What you sent is already being read: this page follows it.")) in page
            )
        assert Job.objects.count() == DBTaskResult.objects.count() == 2
        assert len(list(stashes.iterdir())) == stashed_before + 2  # the repeats are not kept
        # Other answers, or another person's, are other work.
        assert send_answers(answers.replace(b"Egypt answer", b"Other")).status_code == 302
        assert Job.objects.count() == 3
        call_command("db_worker", "--batch", "--no-startup-delay", "-v0")
        assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.DONE}
        assert ImportRun.objects.count() == 1
        # Once read, the same files sent again are read again: the person asks for it.
        send_iati()
        assert Job.objects.count() == 4
