"""Long work run by a background worker, with a lease: reports, allocation, imports, derivation.

A handler is registered under a kind name; ``start_job`` records a ``Job`` and queues it on
Django's tasks framework (``infobase db_worker`` runs it). While a handler runs, its worker
renews the job's heartbeat (a thread, and every ``ctx.progress`` call). When a worker dies the
heartbeat goes stale: ``jobs_sweep`` (``infobase jobs-sweep``) then fails the attempt and queues
the job again while ``attempts < max_attempts``, else marks it failed for good. A job is claimed
by one conditional update, so two workers never run the same attempt.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task, task_backends

from infobase.core.errors import InvalidInput
from infobase.core.i18n import language
from infobase.core.locks import AlreadyRunning
from infobase.core.models import Job, JobStatus

logger = logging.getLogger(__name__)

Handler = Callable[["JobContext", dict[str, Any]], dict[str, Any] | None]

# Stored as message ids, translated when shown (infobase/core/templates, selectors).
WORKER_DIED = gettext_noop("The worker running this job stopped before it finished.")
WORKER_DIED_RETRY = gettext_noop(
    "The worker running this job stopped before it finished; the job was queued again."
)
UNKNOWN_KIND = gettext_noop("This kind of job is not known to the worker.")
NOT_QUEUED = gettext_noop("The job was never picked up by a worker.")
DATABASE_LOST = gettext_noop(
    "The database could not be reached while this job ran. Try again in a while; if it happens "
    "again, tell the administrators."
)
DATABASE_LOST_RETRY = gettext_noop(
    "The database could not be reached while this job ran; the job was queued again."
)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class _Registered:
    handler: Handler
    on_failed: Callable[[Job], None] | None
    title: Any  # a lazy translated string, shown on the job page


_HANDLERS: dict[str, _Registered] = {}
# Functions that end other records of work whose process died (e.g. import runs), each
# ``sweeper(now=...) -> count``; ``jobs_sweep`` calls them all.
_SWEEPERS: dict[str, Callable[..., int]] = {}


def lease() -> timedelta:
    """How long a running job may go without a heartbeat before its worker is taken for dead."""
    return timedelta(seconds=getattr(settings, "JOB_LEASE_SECONDS", 120))


def job_handler(
    kind: str, *, title: Any = None, on_failed: Callable[[Job], None] | None = None
) -> Callable[[Handler], Handler]:
    """Register ``handler(ctx, params) -> result`` under ``kind``. ``title`` (lazy translated)
    names the work on the job page; ``on_failed(job)`` is called when a job of that kind fails
    for good (its own records can then say so)."""

    def register(handler: Handler) -> Handler:
        known = _HANDLERS.get(kind)
        name = f"{handler.__module__}.{handler.__qualname__}"
        if known is not None:
            known_name = f"{known.handler.__module__}.{known.handler.__qualname__}"
            if known_name != name:
                raise ImproperlyConfigured(f"job kind {kind!r} registered twice ({known_name})")
        _HANDLERS[kind] = _Registered(handler, on_failed, title)
        return handler

    return register


def sweeper(func: Callable[..., int]) -> Callable[..., int]:
    """Register ``func(*, now) -> int`` to be called by every sweep (named by its module and
    name in the sweep's result)."""
    _SWEEPERS[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def kind_title(kind: str) -> Any:
    registered = _HANDLERS.get(kind)
    return registered.title if registered is not None and registered.title else None


class JobLost(Exception):
    """This attempt no longer owns the job (the sweep took it for dead): stop quietly."""


class JobContext:
    """What a handler gets: the job, and ``progress`` to report (and prove it is alive)."""

    def __init__(self, job: Job, attempt: int, beat: _Beat | None = None) -> None:
        self.job = job
        self.attempt = attempt
        self.beat = beat

    @property
    def user(self) -> Any:
        return self.job.requested_by

    def progress(self, percent: float, step: str = "") -> None:
        """Record ``percent`` (0-100) and ``step`` (a message id, translated when shown).

        Raises ``JobLost`` when this attempt was given up by the sweep meanwhile.
        """
        percent = max(0, min(99, round(percent)))
        if self.beat is not None and connection.in_atomic_block:
            # Written by the heartbeat's own connection: through the handler's, inside its
            # transaction, nobody would see it, and on PostgreSQL the job's row would stay
            # locked (the heartbeat, and the sweep, waiting) until the transaction ends.
            self.beat.pending = (percent, str(step)[:200])
            if self.beat.lost:
                raise JobLost(str(self.job.pk))
            return
        updated = _own(self.job.pk, self.attempt).update(
            progress=percent,
            step=str(step)[:200],
            heartbeat_at=timezone.now(),
        )
        if not updated:
            raise JobLost(str(self.job.pk))


def _own(job_id: Any, attempt: int) -> Any:
    return Job.objects.filter(pk=job_id, attempts=attempt, status=JobStatus.RUNNING)


def start_job(
    *,
    kind: str,
    params: dict[str, Any],
    user: Any = None,
    dedupe_key: str = "",
    max_attempts: int = 3,
) -> Job:
    """Queue a job of ``kind`` (or return the live job with the same ``dedupe_key``).

    A job of the same key whose worker died is failed first, never returned. With the
    immediate task backend (tests) the handler runs now and the returned job is finished.
    """
    if kind not in _HANDLERS:
        raise ImproperlyConfigured(f"no job handler registered for {kind!r}")
    dedupe_key = dedupe_key[:200]
    if dedupe_key:
        existing = live_job(dedupe_key=dedupe_key)
        if existing is not None:
            return existing
    requester = user if getattr(user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                params=params,
                dedupe_key=dedupe_key,
                max_attempts=max(1, max_attempts),
                requested_by=requester,
                lang=translation.get_language() or settings.LANGUAGE_CODE,
            )
    except IntegrityError:
        # Another request queued the same work a moment ago.
        existing = live_job(dedupe_key=dedupe_key)
        if existing is None:
            raise
        return existing
    _enqueue(job)
    job.refresh_from_db()
    return job


def live_job(*, dedupe_key: str) -> Job | None:
    """The queued or running job of this key whose worker is alive; dead ones are failed."""
    for job in Job.objects.filter(
        dedupe_key=dedupe_key, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ):
        if job_is_alive(job):
            return job
        reap(job, retry=False)
    return None


def jobs_under_way(*, user: Any, kinds: Iterable[str]) -> list[Job]:
    """``user``'s jobs of ``kinds`` queued or running that can still finish, oldest first: what
    the caps on work one person may have under way (exports, uploads, reports) count. A soft
    cap: two requests at the same instant may both pass it (one job more)."""
    return [
        job
        for job in Job.objects.filter(
            kind__in=sorted(kinds),
            requested_by=user,
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        ).order_by("requested_at")
        if job_is_alive(job)
    ]


def _enqueue(job: Job) -> None:
    result = run_job.enqueue(str(job.pk))
    # With the immediate backend the job has already run; task_id is kept for the sweep.
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


def job_is_alive(job: Job, *, now: datetime | None = None) -> bool:
    """False when a queued or running job can no longer finish by itself."""
    now = now or timezone.now()
    if job.status == JobStatus.RUNNING:
        beat = job.heartbeat_at or job.started_at or job.requested_at
        return beat >= now - lease() or _beat_file_fresh(job, now)
    if job.status != JobStatus.QUEUED:
        return False
    return _queued_task_alive(job, now)


def _queued_task_alive(job: Job, now: datetime) -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not job.task_id:
        # Between creating (or requeueing) the job and queueing its task.
        return (job.heartbeat_at or job.requested_at) >= now - lease()
    try:
        result = task_backends["default"].get_result(job.task_id)
    except NotImplementedError:
        return True  # a backend that keeps no results: nothing to tell
    except TaskResultDoesNotExist:
        return False
    if result.status == TaskResultStatus.READY:
        return True
    if result.status == TaskResultStatus.RUNNING:
        # Claimed by a worker that has not started the job yet (or died doing so).
        started = result.started_at or job.requested_at
        return started >= now - lease()
    return False  # the task ended without running the job


def reap(
    job: Job,
    *,
    retry: bool,
    now: datetime | None = None,
    errors: tuple[str, str] = (WORKER_DIED, WORKER_DIED_RETRY),
) -> str:
    """Give up the current attempt of a dead job: queue it again (``retry`` and attempts
    left) or fail it. Returns the job's new status, or "" when someone else changed it.
    ``errors``: what the job page says of a started attempt (failed for good, queued again)."""
    now = now or timezone.now()
    given_up, queued_again = errors
    current = Job.objects.filter(
        pk=job.pk, status=job.status, attempts=job.attempts, task_id=job.task_id
    )
    never_started = job.status == JobStatus.QUEUED
    attempts = job.attempts + (1 if never_started else 0)
    if not never_started:
        _beat_file(job.pk, job.attempts).unlink(missing_ok=True)  # its dead worker's
    if retry and attempts < job.max_attempts:
        if not current.update(
            status=JobStatus.QUEUED,
            attempts=attempts,
            error=NOT_QUEUED if never_started else queued_again,
            heartbeat_at=now,  # when it was queued again (see _queued_task_alive)
            worker="",
            task_id="",
        ):
            return ""
        _end_task(job.task_id, now)
        _enqueue(job)
        logger.warning("job %s (%s) queued again after attempt %s", job.pk, job.kind, attempts)
        return JobStatus.QUEUED
    if not current.update(
        status=JobStatus.FAILED,
        attempts=attempts,
        error=NOT_QUEUED if never_started else given_up,
        finished_at=now,
    ):
        return ""
    _end_task(job.task_id, now)
    logger.warning("job %s (%s) failed: %s", job.pk, job.kind, given_up)
    _failed_hook(Job.objects.get(pk=job.pk))
    return JobStatus.FAILED


def _end_task(task_id: str, now: datetime) -> None:
    """Close the queue's record of a task whose worker died (it would stay "running")."""
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    with suppress(ValidationError):  # not a UUID: another backend's id
        DBTaskResult.objects.filter(
            id=task_id, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).update(status=TaskResultStatus.FAILED, finished_at=now)


def _failed_hook(job: Job) -> None:
    registered = _HANDLERS.get(job.kind)
    if registered is not None and registered.on_failed is not None:
        try:
            registered.on_failed(job)
        except Exception:
            logger.exception("on_failed of job %s (%s)", job.pk, job.kind)


@dataclass
class SweepResult:
    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    ended: dict[str, int] = field(default_factory=dict)  # sweeper -> records it ended


def jobs_sweep(*, now: datetime | None = None) -> SweepResult:
    """Find the jobs whose worker died; queue them again (bounded) or fail them."""
    now = now or timezone.now()
    result = SweepResult()
    stale = now - lease()
    running = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    )
    queued = Job.objects.filter(status=JobStatus.QUEUED)
    for job in [*running, *queued]:
        if job_is_alive(job, now=now):
            continue
        status = reap(job, retry=True, now=now)
        if status == JobStatus.QUEUED:
            result.retried.append(str(job.pk))
        elif status == JobStatus.FAILED:
            result.failed.append(str(job.pk))
    for name, func in _SWEEPERS.items():
        result.ended[name] = func(now=now)
    return result


@task()
def run_job(job_id: str) -> None:
    """The task the worker runs: claim the job, run its handler with a heartbeat, record the
    outcome. A job that is not queued any more (done, failed, claimed elsewhere) is skipped."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker=WORKER_ID[:200],
        progress=0,
        step="",
    )
    if not claimed:
        return
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    attempt = job.attempts
    registered = _HANDLERS.get(job.kind)
    if registered is None:
        _finish(job, attempt, status=JobStatus.FAILED, error=UNKNOWN_KIND)
        return
    lang = job.lang or getattr(job.requested_by, "language", "") or settings.LANGUAGE_CODE
    try:
        with _heartbeat(job.pk, attempt) as beat, language(lang):
            result = registered.handler(JobContext(job, attempt, beat), dict(job.params))
    except JobLost:
        logger.warning("job %s attempt %s was given up by the sweep", job.pk, attempt)
        return
    except Exception as error:
        if database_unavailable(error):
            _database_lost(job)
            return
        if isinstance(error, EXPECTED_ERRORS):
            logger.info("job %s (%s) refused: %s", job.pk, job.kind, error)
        else:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
        with language(lang):
            message = error_message(error)
        _finish(job, attempt, status=JobStatus.FAILED, error=message)
        return
    _finish(job, attempt, status=JobStatus.DONE, result=result or {})


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database went away (its connection was ended, the server
    could not be reached) or stayed locked past the timeout (SQLite): not the work's fault,
    and what the work wrote meanwhile was rolled back with its transaction."""
    if isinstance(error, InterfaceError):
        return True  # a connection already closed
    if not isinstance(error, OperationalError):
        return False
    if "is locked" in str(error).lower():
        return True
    # PostgreSQL: a connection refused or broken (class 08), the session ended by an
    # administrator or a server shutting down (57P01-57P05; not 57014, a statement cancelled).
    state = getattr(error.__cause__, "sqlstate", None) or ""
    if state.startswith("08") or state.startswith("57P"):
        return True
    raw = connection.connection
    return raw is None or bool(getattr(raw, "closed", False))


def _database_lost(job: Job) -> None:
    """Queue again (or fail, no attempt left) a job whose handler lost the database."""
    logger.warning(
        "job %s (%s): the database could not be reached", job.pk, job.kind, exc_info=True
    )
    if connection.connection is not None and getattr(connection.connection, "closed", False):
        connection.close()  # ended by the server: Django reconnects at the next query
    job.refresh_from_db()  # raises again while the database is away: the sweep sees to it
    reap(job, retry=True, errors=(DATABASE_LOST, DATABASE_LOST_RETRY))


# Errors that say what is wrong with the request in the user's words (shown as they are), and
# a requester whose rights were taken away before the worker checked them again.
EXPECTED_ERRORS = (InvalidInput, ValidationError, CommandError, AlreadyRunning, PermissionDenied)


def error_message(error: Exception) -> str:
    """What the job page shows for a handler's exception."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, PermissionDenied):
        return _("Your account may not see or change this.")
    if isinstance(error, EXPECTED_ERRORS):
        return str(error)
    # Its text may hold what the requester should not read (a query's values, a path): the
    # details are in the server's log, under the job's id.
    return _(
        "The work stopped on an unexpected error (%(kind)s), recorded with its details in the "
        "server's log. Try again; if it stops again, tell the administrators."
    ) % {"kind": type(error).__name__}


def _finish(
    job: Job,
    attempt: int,
    *,
    status: str,
    error: str = "",
    result: dict[str, Any] | None = None,
) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "error": error,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
    }
    if status == JobStatus.DONE:
        fields.update(progress=100, step="", result=result or {})
    if _own(job.pk, attempt).update(**fields) and status == JobStatus.FAILED:
        _failed_hook(Job.objects.get(pk=job.pk))


def _beat_file(job_id: Any, attempt: int) -> Path:
    return Path(settings.JOB_BEATS_DIR) / f"{job_id}-{attempt}"


def _beat_file_fresh(job: Job, now: datetime) -> bool:
    """Whether the worker running ``job`` touched its beat file within the lease: it is alive
    though its heartbeat could not be written (a long transaction of its handler)."""
    try:
        touched = _beat_file(job.pk, job.attempts).stat().st_mtime
    except OSError:
        return False
    return touched >= (now - lease()).timestamp()


@dataclass
class _Beat:
    pending: tuple[int, str] | None = None  # progress reported inside a transaction
    lost: bool = False  # the sweep gave this attempt up


@contextmanager
def _heartbeat(job_id: Any, attempt: int) -> Iterator[_Beat | None]:
    """Renew the lease from threads while the handler runs in a worker: one writes the
    heartbeat (and progress reported inside a transaction), one touches the beat file. Not
    started inside a transaction (a job run inline by the immediate backend in a test or a
    request), where another connection could not see the job anyway."""
    if connection.in_atomic_block:
        yield None
        return
    stop = threading.Event()
    interval = max(0.5, lease().total_seconds() / 4)
    state = _Beat()
    path = _beat_file(job_id, attempt)
    with suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def touch() -> None:
        while not stop.wait(interval):
            with suppress(OSError):
                path.touch()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
                pending = state.pending
                if pending is not None:
                    fields.update(progress=pending[0], step=pending[1])
                try:
                    if not _own(job_id, attempt).update(**fields):
                        state.lost = True
                except Exception:  # a locked SQLite database: try again at the next beat
                    logger.warning("heartbeat of job %s missed", job_id, exc_info=True)
                    close_old_connections()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=target, name=f"job-{name}-{job_id}", daemon=True)
        for name, target in (("heartbeat", beat), ("beat-file", touch))
    ]
    for thread in threads:
        thread.start()
    try:
        yield state
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        path.unlink(missing_ok=True)


# --- Files handed to a job ------------------------------------------------------------------
# Uploads are stored under MEDIA_ROOT (shared by the web and the workers) until the job is done.


def stash_uploads(uploads: list[tuple[str, IO[bytes]]]) -> str:
    """Store uploaded files (name, stream) for a job; returns the folder, relative to
    MEDIA_ROOT, to pass in the job's parameters. Each file keeps its own name."""
    folder = Path("jobs") / uuid.uuid4().hex
    root = Path(settings.MEDIA_ROOT) / folder
    for index, (name, stream) in enumerate(uploads):
        target = root / str(index) / (Path(name).name or "upload")
        target.parent.mkdir(parents=True, exist_ok=True)
        if hasattr(stream, "seek"):
            stream.seek(0)
        with open(target, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
    return folder.as_posix()


def _stash_root(folder: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / folder).resolve()
    if root not in path.parents or not folder.startswith("jobs/"):
        raise ValueError(f"not a job folder: {folder!r}")
    return path


def stashed_files(folder: str) -> list[Path]:
    """The files stored by ``stash_uploads``, in upload order."""
    path = _stash_root(folder)
    if not path.is_dir():
        return []
    return [
        file
        for index in sorted(
            (p for p in path.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
        )
        for file in sorted(index.iterdir())
    ]


def discard_stash(folder: str) -> None:
    shutil.rmtree(_stash_root(folder), ignore_errors=True)
