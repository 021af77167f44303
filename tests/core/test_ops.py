"""Operating Infobase: health endpoint, the production server's command line, the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from infobase.core.ops.schedule import Entry, default_schedule, due_entries, is_due
from infobase.core.ops.serve import default_workers, gunicorn_argv

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_with_each_check_named(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "disk"}


def test_healthz_fails_when_a_job_has_waited_too_long_for_a_worker(tmp_path):
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.create(
        task_path="infobase.reports.tasks.run_report",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
    )
    # enqueued_at is set on creation; the job has been waiting for half an hour.
    DBTaskResult.objects.filter(pk=waiting.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=30)
    )
    with override_settings(MEDIA_ROOT=str(tmp_path), INFOBASE_HEALTH_MAX_QUEUE_WAIT=300):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"]["ok"] is False


def test_healthz_fails_when_the_disk_is_nearly_full(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path), INFOBASE_HEALTH_MIN_FREE_MB=10**12):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["disk"]["ok"] is False


def test_gunicorn_runs_the_wsgi_application_with_threads_and_recycling():
    argv = gunicorn_argv(bind="0.0.0.0:8000", workers=5, threads=4, timeout=90)
    assert "infobase.wsgi:application" in argv
    assert argv[argv.index("--workers") + 1] == "5"
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert "--max-requests" in argv


def test_serve_runs_two_threads_per_worker_unless_told(capsys):
    from django.core.management import call_command

    call_command("serve", "--print", "--workers", "3")
    argv = capsys.readouterr().out.split()
    assert argv[argv.index("--threads") + 1] == "2"
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    call_command("serve", "--print", "--workers", "3", "--threads", "1")
    argv = capsys.readouterr().out.split()
    assert argv[argv.index("--worker-class") + 1] == "sync"


def test_workers_follow_the_cores_within_bounds():
    assert default_workers(cpus=1) == 3
    assert default_workers(cpus=2) == 5
    assert default_workers(cpus=64) == 12


def test_interval_jobs_run_at_start_and_then_every_interval():
    sweep = Entry(("jobs-sweep",), every=timedelta(minutes=1))
    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert is_due(sweep, last_run=None, now=now)
    every = timedelta(minutes=1)
    assert not is_due(sweep, last_run=now - every / 2, now=now)  # half an interval ago
    assert is_due(sweep, last_run=now - every, now=now)  # a whole interval ago


def test_daily_jobs_run_once_a_day_after_their_time():
    reminders = Entry(("send-reminders",), daily_at=time(2, 0))
    morning = datetime(2026, 12, 5, 1, 59, tzinfo=UTC)
    after = datetime(2026, 12, 5, 2, 1, tzinfo=UTC)
    assert not is_due(reminders, last_run=None, now=morning)
    assert is_due(reminders, last_run=None, now=after)
    assert not is_due(reminders, last_run=after, now=after + timedelta(hours=5))
    assert is_due(reminders, last_run=after, now=after + timedelta(days=1))


def test_the_schedule_names_the_periodic_work():
    entries = default_schedule(daily_at=time(2, 0))
    names = {entry.name for entry in entries}
    assert {"jobs-sweep", "send-reminders", "requests-follow-up", "needs-derive"} <= names
    now = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert {e.name for e in due_entries(entries, last_runs={}, now=now)} == names


def test_serve_computes_the_shared_figures_beside_the_server_unless_told(monkeypatch):
    import subprocess

    from django.core.management import call_command

    started: list[list[str]] = []
    served: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kw: started.append(argv))
    monkeypatch.setattr("os.execv", lambda path, argv: served.append(argv))
    call_command("serve", "--workers", "2")
    assert [argv[1:] for argv in started] == [["-m", "infobase", "figures-warm"]]
    assert served and "gunicorn" in served[0]
    call_command("serve", "--workers", "2", "--no-warm")
    assert len(started) == 1 and len(served) == 2
