"""Scaling out: two worker processes drain one queue and no job is done twice."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
JOBS = 40

# Everything runs in other processes, on a database they can all open and commit to: on
# PostgreSQL the test database itself (cleaned up afterwards), on SQLite (an in-memory test
# database) a file copy of it. The test's own transaction is left untouched.
SETUP = "import sys, json, django; django.setup(); import tests.core.job_handlers; "
PRODUCE = SETUP + (
    "from infobase.core.jobs import start_job; "
    "[start_job(kind='tests.record', params={'log': sys.argv[1], 'sleep': 0.05}) "
    f"for _ in range({JOBS})]"
)
# The project's worker in batch mode: it stops when the queue is empty.
WORK = SETUP + (
    "from django.core.management import call_command; "
    "call_command('db_worker', '--batch', '--no-startup-delay', '--interval', '0.05', '-v0', "
    "'--worker-id', sys.argv[1])"
)
REPORT = SETUP + (
    "from infobase.core.models import Job; "
    "print(json.dumps([(str(i), s, a) for i, s, a in Job.objects.filter(kind='tests.record')"
    ".values_list('id', 'status', 'attempts')]))"
)
CLEAN = SETUP + (
    "from infobase.core.models import Job; from django_tasks_db.models import DBTaskResult; "
    "jobs = Job.objects.filter(kind='tests.record'); "
    "DBTaskResult.objects.filter(id__in=[j.task_id for j in jobs if j.task_id]).delete(); "
    "jobs.delete()"
)


def database_url(tmp_path: Path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    path = tmp_path / "queue.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


@pytest.mark.django_db
def test_two_workers_drain_one_queue_without_doing_a_job_twice(tmp_path):  # type: ignore[no-untyped-def]
    log = tmp_path / "done.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "infobase.settings",
        "DATABASE_URL": database_url(tmp_path),
        "INFOBASE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONPATH": str(ROOT),
    }

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603  (the test's own commands)
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(code: str, *args: str) -> str:
        process = start(code, *args)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        return out

    try:
        run(PRODUCE, str(log))
        workers = [start(WORK, f"worker-{n}") for n in (1, 2)]
        for worker in workers:
            _out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
        jobs = json.loads(run(REPORT))
    finally:
        run(CLEAN)
    done = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(jobs) == JOBS
    assert sorted(done) == sorted(job_id for job_id, _status, _attempts in jobs)  # each once
    assert {(status, attempts) for _id, status, attempts in jobs} == {("done", 1)}
