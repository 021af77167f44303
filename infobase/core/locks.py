"""Named locks for batch work (derivation, imports) that must not run twice at once.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``), released by the database when
the process holding it dies. SQLite: a row of ``core.Lock`` inserted in its own committed
transaction; a row left by a process that is gone (same host, pid not running, or its pid now
another process's: the holder names its process's start and the machine's boot) is taken over.
Take a lock outside any transaction: inside one, other connections could not see it on SQLite.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from infobase.core.models import Lock


class AlreadyRunning(Exception):
    """The lock is held by another process: the same work is already running."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            _("“%(name)s” is already running; try again when it has finished.") % {"name": name}
        )


def _pg_key(name: str) -> int:
    # pg advisory locks take a signed 64-bit integer.
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(name: str, *, wait: float = 0) -> Iterator[None]:
    """Hold the lock ``name`` for the block, or raise ``AlreadyRunning`` when another process
    holds it (after waiting up to ``wait`` seconds)."""
    deadline = time.monotonic() + wait
    take, release = (
        (_pg_try, _pg_release) if connection.vendor == "postgresql" else (_row_try, _row_release)
    )
    while True:
        token = take(name)
        if token is not None:
            break
        if time.monotonic() >= deadline:
            raise AlreadyRunning(name)
        time.sleep(0.2)
    try:
        yield
    finally:
        release(name, token)


def _pg_try(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_pg_key(name)])
        return "pg" if cursor.fetchone()[0] else None


def _pg_release(name: str, token: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_pg_key(name)])


def _holder() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex}:{_boot_id()}:{_started(pid)}"


def _boot_id() -> str:
    """This machine's boot (Linux), or "" where it cannot be told."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            return boot.read().strip()
    except OSError:
        return ""


def _started(pid: int) -> str:
    """When process ``pid`` started, in clock ticks since boot (Linux), or "" where it cannot be
    told (no such process, another system). A pid given to a new process has another start: a
    container restarted runs its new worker under the pid its dead one had."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _row_try(name: str) -> str | None:
    holder = _holder()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                Lock.objects.create(name=name, holder=holder)
            return holder
        except IntegrityError:
            current = Lock.objects.filter(name=name).values_list("holder", flat=True).first()
            if current is None or not _holder_gone(current):
                return None
            # Its process is gone: take the row over (one of several contenders wins).
            Lock.objects.filter(name=name, holder=current).delete()
    return None


def _holder_gone(holder: str) -> bool:
    host, pid_text, *rest = [*holder.split(":"), ""]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine: cannot tell, wait for it to release
    pid = int(pid_text)
    boot, started = (rest[1], rest[2]) if len(rest) >= 3 else ("", "")
    if boot and boot != _boot_id():
        return True  # the machine restarted since: every process of then is gone
    now = _started(pid) if started else ""
    if now and now != started:
        return True  # the pid is another process's now
    if pid == os.getpid():
        return False  # another thread of this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _row_release(name: str, token: str) -> None:
    Lock.objects.filter(name=name, holder=token).delete()
