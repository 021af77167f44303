"""Faults an operator meets, with real worker processes on a real database: the database going
away under a worker (its session ended mid-job, or the server gone for a while), a database
locked by another writer, a job whose payload kills its worker each time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.core.test_jobs_workers import ROOT, SETUP, database_url

pytestmark = pytest.mark.django_db

KINDS = ("tests.hold", "tests.locked_out", "tests.crash", "tests.record", "tests.echo")
# Queues jobs: argv[1] is a JSON list of [kind, params, max_attempts].
PRODUCE = SETUP + (
    "from infobase.core.jobs import start_job; "
    "[start_job(kind=k, params=p, max_attempts=m) for k, p, m in json.loads(sys.argv[1])]"
)
WORKER = SETUP + (
    "from django.core.management import call_command; "
    "call_command('db_worker', *sys.argv[1:], '--no-startup-delay', '--interval', '0.05', '-v0')"
)
# What a supervisor (systemd, a container's restart policy) and the scheduler do: start a
# worker again whenever it stops, sweep every so often; until the jobs argv[1:] have ended.
# Workers are forked from this process, which has set Django up once: a few seconds in all.
SUPERVISE = (
    SETUP
    + """
import os, time
from django.core.management import call_command
from django.db import connections
from infobase.core.jobs import jobs_sweep
from infobase.core.models import Job
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    connections.close_all()
    pid = os.fork()
    if pid == 0:
        call_command('db_worker', '--batch', '--no-startup-delay', '--interval', '0.05', '-v0')
        os._exit(0)
    os.waitpid(pid, 0)
    jobs_sweep()
    if not Job.objects.filter(kind__in=sys.argv[1:], status__in=['queued', 'running']).exists():
        break
    time.sleep(0.1)
"""
)
CLEAN = SETUP + (
    "from infobase.core.models import Job; from infobase.core.once import OnceToken; "
    "from django_tasks_db.models import DBTaskResult; "
    f"jobs = Job.objects.filter(kind__in={list(KINDS)!r}); "
    "DBTaskResult.objects.filter(id__in=[j.task_id for j in jobs if j.task_id]).delete(); "
    "jobs.delete(); OnceToken.objects.filter(token__startswith='faults-').delete()"
)
DEADLINE = 60  # seconds: generous, each wait ends as soon as its condition holds


class Queue:
    """The test database as worker processes see it, and the processes the test starts."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.url = database_url(tmp_path)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "infobase.settings",
            "DATABASE_URL": self.url,
            "INFOBASE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "PYTHONPATH": str(ROOT),
        }
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, code: str, *args: str, log: str = "") -> subprocess.Popen[str]:
        process = subprocess.Popen(  # noqa: S603  (the test's own commands)
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp_path / (log or "stderr.log"), "a"),  # noqa: SIM115
            text=True,
        )
        self.processes.append(process)
        return process

    def run(self, code: str, *args: str) -> int:
        return self.start(code, *args).wait(timeout=120)

    def produce(self, *jobs: tuple[str, dict[str, Any], int]) -> None:
        assert self.run(PRODUCE, json.dumps(jobs)) == 0, self.stderr()

    def stderr(self, log: str = "stderr.log") -> str:
        path = self.tmp_path / log
        return path.read_text() if path.exists() else ""

    def query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Read what the workers committed, through a connection of the test's own."""
        if connection.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as raw:
                return raw.execute(sql, params).fetchall()
        import sqlite3

        raw_lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
        try:
            return raw_lite.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            raw_lite.close()

    def job(self, kind: str) -> dict[str, Any]:
        rows = self.query("SELECT status, attempts, error FROM core_job WHERE kind = %s", [kind])
        assert len(rows) == 1, rows
        status, attempts, error = rows[0]
        return {"status": status, "attempts": attempts, "error": error}

    def tokens(self) -> set[str]:
        rows = self.query("SELECT token FROM core_oncetoken WHERE token LIKE %s", ["faults-%"])
        return {token for (token,) in rows}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stderr:
                process.stderr.close()


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still waiting, after {DEADLINE} s, for {what}")


def finished(queue: Queue, *kinds: str) -> Callable[[], bool]:
    return lambda: all(queue.job(kind)["status"] in ("done", "failed") for kind in kinds)


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[Queue]:
    queue = Queue(tmp_path)
    try:
        yield queue
    finally:
        queue.stop()
        if connection.vendor == "postgresql":
            queue.run(CLEAN)


def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a session ended by the server: PostgreSQL")


def admin(queue: Queue, sql: str, params: list[Any] | None = None) -> None:
    """A statement of the database's administrator (its own session, on the server's
    ``postgres`` database)."""
    import psycopg

    with psycopg.connect(queue.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as raw:
        raw.execute(sql, params or [])


def test_a_job_whose_database_session_is_ended_runs_again_and_the_worker_goes_on(queue):  # type: ignore[no-untyped-def]
    postgresql_only()
    session = queue.tmp_path / "session"
    log = queue.tmp_path / "done.log"
    queue.produce(
        ("tests.hold", {"token": "faults-hold", "session": str(session)}, 2),
        ("tests.record", {"log": str(log)}, 1),
    )
    worker = queue.start(WORKER, log="worker.log")
    pid = int(wait_for(lambda: session.exists() and session.read_text(), "the job's session"))
    admin(queue, "SELECT pg_terminate_backend(%s)", [pid])  # mid-transaction

    wait_for(finished(queue, "tests.hold", "tests.record"), "both jobs to end")
    hold = queue.job("tests.hold")
    assert (hold["status"], hold["attempts"]) == ("done", 2), (hold, queue.stderr("worker.log"))
    # The first attempt's write went with its transaction; the second one's is kept.
    assert queue.tokens() == {"faults-hold-2"}
    assert queue.job("tests.record")["status"] == "done" and log.read_text()
    assert worker.poll() is None  # still taking jobs


def test_a_worker_waits_for_a_database_gone_for_a_while_and_takes_the_next_job(queue):  # type: ignore[no-untyped-def]
    postgresql_only()
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:  # the test's own session stays
        cursor.execute("SELECT pg_backend_pid()")
        (own,) = cursor.fetchone()
    worker = queue.start(WORKER, log="worker.log")
    log = queue.tmp_path / "done.log"
    queue.produce(("tests.record", {"log": str(log)}, 1))
    wait_for(finished(queue, "tests.record"), "the worker to take a first job")
    # The worker is idle, polling the queue; then the server goes away for it: its sessions
    # are ended and no new one is let in (as while PostgreSQL restarts).
    try:
        admin(queue, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin(
            queue,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            [name, own],
        )
        wait_for(
            lambda: (
                worker.poll() is not None
                or "could not reach the database" in queue.stderr("worker.log")
            ),
            "the worker to meet the missing database",
        )
        assert worker.poll() is None, queue.stderr("worker.log")
    finally:
        admin(queue, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    queue.produce(("tests.echo", {"value": 1}, 1))
    wait_for(finished(queue, "tests.echo"), "the job queued once the database is back")
    assert queue.job("tests.echo")["status"] == "done" and worker.poll() is None


def test_a_job_that_finds_the_database_locked_runs_again_instead_of_failing(queue):  # type: ignore[no-untyped-def]
    if connection.vendor != "sqlite":
        pytest.skip("a database locked by another writer: SQLite")
    queue.produce(("tests.locked_out", {"token": "faults-locked"}, 3))
    assert queue.run(WORKER, "--batch") == 0, queue.stderr()
    job = queue.job("tests.locked_out")
    assert (job["status"], job["attempts"]) == ("done", 2), (job, queue.stderr())
    assert queue.tokens() == {"faults-locked-2"}


def test_a_job_that_kills_its_worker_each_time_ends_failed_and_the_queue_goes_on(queue):  # type: ignore[no-untyped-def]
    queue.env["JOB_LEASE_SECONDS"] = "1"  # a dead worker's job is taken for dead soon
    crashes, log = queue.tmp_path / "crashes.log", queue.tmp_path / "done.log"
    queue.produce(
        ("tests.crash", {"log": str(crashes)}, 2),
        ("tests.record", {"log": str(log)}, 1),
    )

    assert queue.run(SUPERVISE, "tests.crash", "tests.record") == 0, queue.stderr()
    assert queue.job("tests.record")["status"] == "done"
    crash = queue.job("tests.crash")
    assert (crash["status"], crash["attempts"]) == ("failed", 2)
    assert crash["error"] == "The worker running this job stopped before it finished."
    assert len(crashes.read_text().splitlines()) == 2  # run once per attempt, no more
