"""The job framework: running, failing, de-duplicating, the lease and the sweep, the job page."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import QueryDict
from django.shortcuts import resolve_url
from django.test import override_settings
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from infobase.core import jobs
from infobase.core.i18n import format_percent
from infobase.core.jobs import JobContext, JobLost, jobs_sweep, start_job
from infobase.core.models import Job, JobStatus
from tests.conftest import client_for
from tests.core import job_handlers

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker(monkeypatch):  # type: ignore[no-untyped-def]
    """``infobase db_worker --batch`` in this process."""
    from django_tasks_db.management.commands import db_worker

    # The worker closes "old" connections between tasks: inside the test's transaction that
    # would close the test's own connection (PostgreSQL).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", "-v0")


def die(job: Job, *, minutes: int = 10) -> Job:
    """What a worker killed mid-job leaves behind: the job running, its heartbeat old."""
    long_ago = timezone.now() - timedelta(minutes=minutes)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        attempts=job.attempts + 1,
        started_at=long_ago,
        heartbeat_at=long_ago,
        progress=40,
    )
    job.refresh_from_db()
    return job


def test_a_job_runs_its_handler_and_keeps_the_result(secretariat):  # type: ignore[no-untyped-def]
    job = start_job(kind="tests.echo", params={"value": 7}, user=secretariat)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100
    assert job.result == {"echo": 7, "url": ""} and job.attempts == 1
    assert job.requested_by == secretariat and job.finished_at is not None


def test_a_handler_error_fails_the_job_with_its_message(secretariat):  # type: ignore[no-untyped-def]
    job = start_job(kind="tests.invalid", params={}, user=secretariat)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "data.csv, line 3: This field is required."


def test_an_unexpected_error_fails_the_job_in_the_readers_words_without_its_details(  # type: ignore[no-untyped-def]
    focal_egypt,
):
    # A bug's message may quote a query's values or a path: the page names only its kind and
    # where the details are (the server's log), in the requester's language.
    with translation.override("ar"):
        job = start_job(kind="tests.bug", params={}, user=focal_egypt)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "someone.else" not in job.error and "(ValueError)" in job.error
    with translation.override("ar"):
        assert job.error == jobs.error_message(ValueError("x")) != jobs.error_message(KeyError())


def test_the_same_live_work_is_not_queued_twice(secretariat):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        first = start_job(kind="tests.echo", params={}, user=secretariat, dedupe_key="echo:1")
        again = start_job(kind="tests.echo", params={}, user=secretariat, dedupe_key="echo:1")
        other = start_job(kind="tests.echo", params={}, user=secretariat, dedupe_key="echo:2")
    assert first.status == JobStatus.QUEUED and again.pk == first.pk and other.pk != first.pk
    assert DBTaskResult.objects.count() == 2


def test_a_dead_job_is_never_returned_for_the_same_work(secretariat):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        first = start_job(kind="tests.echo", params={}, user=secretariat, dedupe_key="echo:1")
        die(first)
        fresh = start_job(kind="tests.echo", params={}, user=secretariat, dedupe_key="echo:1")
    first.refresh_from_db()
    assert fresh.pk != first.pk and fresh.status == JobStatus.QUEUED
    assert first.status == JobStatus.FAILED and first.error == jobs.WORKER_DIED
    assert str(first.pk) in job_handlers.FAILED_HOOK_CALLS


def test_the_sweep_queues_a_dead_job_again_at_most_max_attempts(secretariat):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        job = start_job(kind="tests.echo", params={}, user=secretariat, max_attempts=2)
        die(job)
        first = jobs_sweep()
        job.refresh_from_db()
        assert first.retried == [str(job.pk)] and first.failed == []
        assert job.status == JobStatus.QUEUED and job.attempts == 1
        assert job.error == jobs.WORKER_DIED_RETRY
        # The dead attempt's task is closed; a new one is waiting for a worker.
        assert DBTaskResult.objects.ready().count() == 1
        assert DBTaskResult.objects.failed().count() == 1

        die(job)  # the second attempt dies too: no attempt left
        second = jobs_sweep()
        job.refresh_from_db()
        assert second.retried == [] and second.failed == [str(job.pk)]
        assert job.status == JobStatus.FAILED and job.attempts == 2 and job.finished_at
        assert DBTaskResult.objects.ready().count() == 0
        assert jobs_sweep().failed == []  # nothing left to do


def test_the_sweep_leaves_a_live_job_alone(secretariat):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        queued = start_job(kind="tests.echo", params={}, user=secretariat)
        running = start_job(kind="tests.echo", params={}, user=secretariat)
        Job.objects.filter(pk=running.pk).update(
            status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now()
        )
        result = jobs_sweep()
    assert result.retried == [] and result.failed == []
    assert set(Job.objects.values_list("status", flat=True)) == {"queued", "running"}
    assert queued.pk != running.pk


def test_a_job_whose_transaction_keeps_its_heartbeat_back_is_alive_while_its_worker_runs(  # type: ignore[no-untyped-def]
    secretariat, settings, tmp_path
):
    # A handler's long transaction (an IATI file, a derivation) keeps the heartbeat from being
    # written: SQLite has one writer. Taken for dead, the job ran again over its own upload,
    # already imported and removed, and ended "done" on an empty import.
    settings.JOB_BEATS_DIR = tmp_path
    with override_settings(TASKS=DB_QUEUE):
        job = die(start_job(kind="tests.echo", params={}, user=secretariat))
        beat = tmp_path / f"{job.pk}-{job.attempts}"
        beat.touch()  # what the worker's thread does, whatever the database lets it write
        assert jobs_sweep().retried == []
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.attempts == 1
        stopped = (timezone.now() - timedelta(minutes=10)).timestamp()
        os.utime(beat, (stopped, stopped))  # the worker died: nothing touches it any more
        assert jobs_sweep().retried == [str(job.pk)]


def test_a_queued_job_whose_task_was_lost_is_queued_again(secretariat, worker):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        job = start_job(kind="tests.echo", params={}, user=secretariat)
        DBTaskResult.objects.all().delete()
        result = jobs_sweep()
        job.refresh_from_db()
        assert result.retried == [str(job.pk)] and job.status == JobStatus.QUEUED
        assert DBTaskResult.objects.ready().count() == 1
        worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_an_attempt_given_up_by_the_sweep_cannot_record_its_result(secretariat):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        job = die(start_job(kind="tests.echo", params={}, user=secretariat))
        context = JobContext(job, job.attempts)
        jobs_sweep()
        with pytest.raises(JobLost):
            context.progress(60, "later")
        jobs._finish(job, 1, status=JobStatus.DONE, result={"late": True})
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.result == {}


def test_the_worker_runs_a_queued_job_once(secretariat, worker):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        job = start_job(kind="tests.echo", params={"value": "x"}, user=secretariat)
        assert job.status == JobStatus.QUEUED
        worker()
        jobs.run_job.call(str(job.pk))  # a duplicate delivery is skipped
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1 and job.result["echo"] == "x"


def test_the_sweep_command(secretariat):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        job = die(start_job(kind="tests.echo", params={}, user=secretariat, max_attempts=1))
        call_command("jobs-sweep", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


# --- The job page ---------------------------------------------------------------------------


def test_the_job_page_shows_progress_then_the_result(secretariat):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    with override_settings(TASKS=DB_QUEUE):
        job = start_job(kind="tests.echo", params={"url": "/reports/"}, user=secretariat)
    assert job.get_absolute_url() == f"/jobs/{job.pk}/"
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-progress"' in page and f"/jobs/{job.pk}/status.json" in page
    jobs.run_job.call(str(job.pk))
    status = client.get(f"/jobs/{job.pk}/status.json").json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["url"] == "/reports/" and status["finished"] is True
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'href="/reports/"' in page and 'id="job-progress"' not in page


def test_the_job_page_is_translated(focal_egypt):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        job = die(start_job(kind="tests.echo", params={}, user=focal_egypt, max_attempts=1))
        jobs_sweep()
    for lang in ("ar", "fr"):
        with translation.override(lang):
            expected = translation.gettext(jobs.WORKER_DIED)
        assert expected != jobs.WORKER_DIED
        client = client_for(focal_egypt)
        page = client.get(job.get_absolute_url(), {"lang": lang})
        status = client.get(f"/jobs/{job.pk}/status.json", {"lang": lang})
        assert expected in page.content.decode()
        assert status.json()["error"] == expected
        # The progress bar's text, for browsers that show it, as the page writes a percentage.
        assert status.json()["progress_display"] == format_percent(
            status.json()["progress"], 0, lang
        )


def test_only_the_requester_and_the_secretariat_see_a_job(
    focal_egypt, focal_senegal, donor, secretariat
):  # type: ignore[no-untyped-def]
    job = start_job(kind="tests.echo", params={}, user=focal_egypt)
    for user in (focal_egypt, secretariat):
        client = client_for(user)
        assert client.get(job.get_absolute_url()).status_code == 200
        assert client.get(f"/jobs/{job.pk}/status.json").status_code == 200
    for user in (focal_senegal, donor):
        client = client_for(user)
        assert client.get(job.get_absolute_url()).status_code == 403
        assert client.get(f"/jobs/{job.pk}/status.json").status_code == 403


def test_a_job_link_followed_after_the_session_ended_leads_to_the_login_and_back(
    focal_egypt,
):  # type: ignore[no-untyped-def]
    job = start_job(kind="tests.echo", params={}, user=focal_egypt)
    anonymous = client_for(None)
    for url in (job.get_absolute_url(), f"/jobs/{job.pk}/status.json"):
        response = anonymous.get(url)
        assert response.status_code == 302
        login, _, query = response["Location"].partition("?")
        assert login == resolve_url(settings.LOGIN_URL)
        assert QueryDict(query)["next"] == url


def test_the_sweep_forgets_form_tokens_a_week_old():  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    from infobase.core.jobs import jobs_sweep
    from infobase.core.once import OnceToken

    old = OnceToken.objects.create(token="old-token")
    OnceToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    OnceToken.objects.create(token="recent-token")
    result = jobs_sweep()
    assert list(OnceToken.objects.values_list("token", flat=True)) == ["recent-token"]
    assert result.ended["infobase.core.once.forget_old_tokens"] == 1
