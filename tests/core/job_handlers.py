"""Job handlers used by the tests of the job framework (imported by the tests and by the worker
processes they start)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy, gettext_noop

from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.jobs import JobContext, job_handler
from infobase.core.models import Job

FAILED_HOOK_CALLS: list[str] = []


def _remember_failure(job: Job) -> None:
    FAILED_HOOK_CALLS.append(str(job.pk))


@job_handler("tests.echo", title=gettext_lazy("History"), on_failed=_remember_failure)
def echo(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(50, gettext_noop("Status"))
    return {"echo": params.get("value"), "url": params.get("url", "")}


@job_handler("tests.invalid")
def invalid(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from django.utils.translation import gettext as _

    raise InvalidInput([InputProblem("data.csv", _("This field is required."), line=3)])


@job_handler("tests.bug")
def bug(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """A handler's own bug, its message holding what no requester should read."""
    raise ValueError("duplicate key value (email)=(someone.else@example.org)")


@job_handler("tests.record")
def record(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Appends the job id and the worker's pid to a log file: each run leaves one line."""
    ctx.progress(10, gettext_noop("Status"))
    time.sleep(params.get("sleep", 0))  # long enough for the other worker to be busy too
    with open(params["log"], "a", encoding="utf-8") as log:
        log.write(f"{ctx.job.pk} {os.getpid()}\n")
    return {"pid": os.getpid()}


@job_handler("tests.hold")
def hold(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Writes a row in its transaction; its first attempt then stays in that transaction, the
    pid of its database session written to ``params["session"]``, until the session is ended
    (PostgreSQL) or a minute has passed."""
    from django.db import connection, transaction

    from infobase.core.once import OnceToken

    with transaction.atomic():
        OnceToken.objects.create(token=f"{params['token']}-{ctx.attempt}")
        if ctx.attempt == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            ready = Path(params["session"])
            Path(f"{ready}.part").write_text(str(pid))
            Path(f"{ready}.part").rename(ready)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                time.sleep(0.05)
    return {"attempt": ctx.attempt}


@job_handler("tests.locked_out")
def locked_out(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """SQLite: its first attempt finds the database locked by another writer (another
    connection holds the write lock longer than this connection waits)."""
    import sqlite3

    from django.db import connection

    from infobase.core.once import OnceToken

    if ctx.attempt == 1:
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the write lock, as a long import holds it
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 50")
            OnceToken.objects.create(token=f"{params['token']}-{ctx.attempt}")
        finally:
            other.execute("ROLLBACK")
            other.close()
    OnceToken.objects.create(token=f"{params['token']}-{ctx.attempt}")
    return {"attempt": ctx.attempt}


@job_handler("tests.crash")
def crash(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """A payload that kills the worker's process each time it is run (it leaves a line in
    ``params["log"]`` first)."""
    with open(params["log"], "a", encoding="utf-8") as log:
        log.write(f"{ctx.job.pk} {os.getpid()}\n")
    os._exit(3)
