"""Job handlers used by the tests of the job framework (imported by the tests and by the worker
processes they start)."""

from __future__ import annotations

import os
import time
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
