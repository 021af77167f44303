"""What a load balancer asks before sending traffic: can this process reach the database, are
background jobs being taken, is there room on disk.

Each check answers ``ok`` or ``fail`` with a short reason in English (the page is for machines
and operators, not for the public).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not healthy", with its text
        return Check("database", False, type(error).__name__)
    return Check("database", True, connection.vendor)


def check_queue(*, max_wait: timedelta) -> Check:
    """Workers are alive when no job has waited in the queue longer than ``max_wait``.

    Measuring the oldest waiting job needs no heartbeat of its own and catches every way of
    failing (no worker started, all workers dead, workers stuck on long jobs).
    """
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return Check("queue", True, "no database queue")
    from django_tasks_db.models import DBTaskResult

    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    if oldest is None:
        return Check("queue", True, "empty")
    waited = timezone.now() - oldest
    seconds = int(waited.total_seconds())
    if waited > max_wait:
        return Check("queue", False, f"oldest job waiting {seconds} s")
    return Check("queue", True, f"oldest job waiting {seconds} s")


def check_disk(*, path: Path, min_free_bytes: int) -> Check:
    path.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path).free
    megabytes = free // (1024 * 1024)
    if free < min_free_bytes:
        return Check("disk", False, f"{megabytes} MB free")
    return Check("disk", True, f"{megabytes} MB free")


def health(
    *, max_queue_wait: timedelta | None = None, min_free_bytes: int | None = None
) -> list[Check]:
    wait = max_queue_wait or timedelta(seconds=settings.INFOBASE_HEALTH_MAX_QUEUE_WAIT)
    free = min_free_bytes if min_free_bytes is not None else settings.INFOBASE_HEALTH_MIN_FREE_MB
    database = check_database()
    checks = [database]
    # Without a database the queue cannot be read; say so rather than raising.
    checks.append(
        check_queue(max_wait=wait) if database.ok else Check("queue", False, "no database")
    )
    checks.append(check_disk(path=Path(settings.MEDIA_ROOT), min_free_bytes=free * 1024 * 1024))
    return checks
