"""Reports whose worker died: never returned for a new request, failed or retried by the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from infobase.core import jobs
from infobase.core.jobs import jobs_sweep
from infobase.core.models import Job, JobStatus
from infobase.questionnaires.models import ReportingCycle
from infobase.reports.models import ReportRun, RunStatus
from infobase.reports.services import report_request
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PARAMS = {"instrument": "untoc", "cycle": 1, "date": "2008-08-01"}


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.create(number=1, name="Cycle 1")


@pytest.fixture
def worker(monkeypatch):  # type: ignore[no-untyped-def]
    # The worker closes "old" connections between tasks; inside the test's transaction that
    # would close the test's own connection (PostgreSQL), so it is left open here.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "-v0")

    return run


def request(user, lang: str = "en") -> ReportRun:  # type: ignore[no-untyped-def]
    return report_request(user=user, slug="analytical", params=PARAMS, lang=lang, fmt="html")


def kill_worker_mid_job(run: ReportRun) -> None:
    """What a worker killed mid-report leaves: run and job running, the heartbeat old."""
    long_ago = timezone.now() - timedelta(minutes=30)
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=long_ago, progress=40
    )
    Job.objects.filter(pk=run.job_id).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )


def test_a_report_whose_worker_died_is_produced_again_on_request(secretariat, cycle, worker):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        dead = request(secretariat)
        assert dead.status == RunStatus.QUEUED and dead.job is not None
        kill_worker_mid_job(dead)
        fresh = request(secretariat)
        assert fresh.pk != dead.pk and fresh.status == RunStatus.QUEUED
        worker()
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert dead.status == RunStatus.FAILED and dead.error == jobs.WORKER_DIED
    assert dead.job is not None and dead.job.status == JobStatus.FAILED
    assert fresh.status == RunStatus.DONE and fresh.file
    assert request(secretariat).pk == fresh.pk  # the finished run is the cache again


def test_a_report_left_running_without_a_job_is_not_returned(secretariat, cycle):  # type: ignore[no-untyped-def]
    # Runs queued before reports had a lease: "running" for ever.
    stuck = request(secretariat)
    ReportRun.objects.filter(pk=stuck.pk).update(status=RunStatus.RUNNING, job=None)
    fresh = request(secretariat)
    stuck.refresh_from_db()
    assert fresh.pk != stuck.pk and fresh.status == RunStatus.DONE
    assert stuck.status == RunStatus.FAILED


def test_the_sweep_retries_a_dead_report_then_gives_up(secretariat, cycle, worker):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        run = request(secretariat)
        job = run.job
        assert job is not None and job.max_attempts == 3
        for _attempt in (1, 2):
            kill_worker_mid_job(run)
            assert jobs_sweep().retried == [str(job.pk)]
            # Queued again and alive: the same request returns it, it is not duplicated.
            assert request(secretariat).pk == run.pk
        kill_worker_mid_job(run)
        assert jobs_sweep().failed == [str(job.pk)]
        worker()  # nothing left to run
    run.refresh_from_db()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 3
    assert run.status == RunStatus.FAILED and run.error == jobs.WORKER_DIED
    assert request(secretariat).pk != run.pk


def test_a_report_retried_by_the_sweep_is_then_produced(secretariat, cycle, worker):  # type: ignore[no-untyped-def]
    with override_settings(TASKS=DB_QUEUE):
        run = request(secretariat, lang="fr")
        kill_worker_mid_job(run)
        jobs_sweep()
        worker()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.file and run.job is not None
    assert run.job.status == JobStatus.DONE and run.job.attempts == 2
    assert run.job.result["url"] == f"/reports/runs/{run.pk}/"


def test_a_report_stopped_by_an_unexpected_error_says_so_in_the_readers_language(
    secretariat, cycle, monkeypatch
):  # type: ignore[no-untyped-def]
    # The run kept the error's own text ("ValueError: …"), which may hold a path or a query's
    # values, and showed it as code on an Arabic page; the log keeps it now.
    from infobase.reports import services

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("/srv/secret/path.sqlite3")

    monkeypatch.setattr(services, "report_render", broken)
    run = request(secretariat)
    assert run.status == RunStatus.FAILED and run.error == services.RENDER_FAILED
    page = client_for(secretariat).get(reverse("reports:run", args=[run.pk]), {"lang": "ar"})
    text = page.content.decode()
    assert "secret" not in text and "ValueError" not in text
    with translation.override("ar"):
        assert translation.gettext(services.RENDER_FAILED) in text


def test_a_report_that_lost_the_database_is_queued_again_not_failed(
    secretariat, cycle, worker, monkeypatch
):  # type: ignore[no-untyped-def]
    from django.db import OperationalError

    from infobase.reports import services

    real = services.report_render
    calls = []

    def locked_once(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(services, "report_render", locked_once)
    with override_settings(TASKS=DB_QUEUE):
        run = request(secretariat)
        worker()  # runs the queue empty: the job queued again is run again
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.file and len(calls) == 2
    assert run.job is not None and run.job.status == JobStatus.DONE and run.job.attempts == 2
