"""Named locks for batch work: a second derivation says it is already running, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection

from infobase.core import locks
from infobase.core.locks import AlreadyRunning, advisory_lock
from infobase.core.models import Lock
from infobase.needs.derivation import DERIVE_LOCK


@contextmanager
def held_elsewhere(name: str) -> Iterator[None]:
    """The lock held by another process running the same work."""
    if connection.vendor != "postgresql":
        # SQLite: the lock row of another live process (the one that started the tests).
        Lock.objects.create(name=name, holder=f"{socket.gethostname()}:{os.getppid()}:other")
        yield
        Lock.objects.filter(name=name).delete()
        return
    # PostgreSQL: an advisory lock taken by another session (a thread's own connection).
    taken, release, failed = threading.Event(), threading.Event(), []

    def hold() -> None:
        try:
            with advisory_lock(name):
                taken.set()
                release.wait(30)
        except Exception as error:  # reported to the test below
            failed.append(error)
            taken.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(30)
    assert not failed, failed
    try:
        yield
    finally:
        release.set()
        thread.join(30)


@pytest.mark.django_db
def test_a_second_derivation_says_it_is_already_running(capsys, monkeypatch):  # type: ignore[no-untyped-def]
    from django.core.management import base

    # The command line closes the connections when done: that would end the test's transaction.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    with held_elsewhere(DERIVE_LOCK):
        with pytest.raises(CommandError, match="already running"):
            call_command("needs-derive", verbosity=0)
        # From the command line: a message and exit code 1, no traceback.
        with pytest.raises(SystemExit) as stopped:
            ManagementUtility(["infobase", "needs-derive"]).execute()
        assert stopped.value.code == 1
        err = capsys.readouterr().err
        assert "already running" in err and "Traceback" not in err
    # Once the other derivation is over, it runs.
    call_command("needs-derive", verbosity=0)
    assert "already running" not in capsys.readouterr().err
    assert not Lock.objects.exists()


@pytest.mark.django_db
def test_a_lock_is_taken_once_and_released():  # type: ignore[no-untyped-def]
    with advisory_lock("tests-batch"), held_elsewhere("another-batch"):
        pass  # different names do not block each other
    with (
        held_elsewhere("tests-batch"),
        pytest.raises(AlreadyRunning),
        advisory_lock("tests-batch", wait=0.3),
    ):
        pass
    with advisory_lock("tests-batch"):
        pass


@pytest.mark.django_db
def test_a_lock_row_left_by_a_dead_process_is_taken_over():  # type: ignore[no-untyped-def]
    # The SQLite way (a row per lock), exercised on any database.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    Lock.objects.create(name="tests-batch", holder=f"{socket.gethostname()}:{gone.pid}:x")
    token = locks._row_try("tests-batch")
    assert token is not None and Lock.objects.get(name="tests-batch").holder == token
    assert locks._row_try("tests-batch") is None  # held by this live process now
    locks._row_release("tests-batch", token)
    assert not Lock.objects.exists()


@pytest.mark.django_db
def test_a_lock_row_whose_pid_is_now_another_process_is_taken_over():  # type: ignore[no-untyped-def]
    # A restarted container runs its new worker under the pid its dead one had: the row names
    # the pid's process by its start (and the machine's boot), so the pid alone holds nothing.
    host, pid, boot = socket.gethostname(), os.getpid(), locks._boot_id()
    started = locks._started(pid)
    assert started and boot  # Linux, as everywhere Infobase runs its tests
    earlier = str(int(started) - 1)
    for holder in (f"{host}:{pid}:x:{boot}:{earlier}", f"{host}:{pid}:x:another-boot:{started}"):
        Lock.objects.create(name="tests-batch", holder=holder)
        token = locks._row_try("tests-batch")
        assert token is not None, holder
        locks._row_release("tests-batch", token)
    # This very process (another of its threads) still holds it.
    Lock.objects.create(name="tests-batch", holder=f"{host}:{pid}:x:{boot}:{started}")
    assert locks._row_try("tests-batch") is None
    # A row written before the start was recorded: judged by its pid alone, as then.
    Lock.objects.all().delete()
    Lock.objects.create(name="tests-batch", holder=f"{host}:{os.getppid()}:x")
    assert locks._row_try("tests-batch") is None


@pytest.mark.django_db
def test_derivation_on_demand_runs_as_a_job(secretariat, focal_egypt):  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied

    from infobase.core.models import JobStatus
    from infobase.needs.jobs import needs_derive_request

    job = needs_derive_request(user=secretariat)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["url"] == "/needs/"
    with pytest.raises(PermissionDenied):
        needs_derive_request(user=focal_egypt)


@pytest.mark.django_db
def test_a_derivation_job_while_another_runs_fails_with_a_clear_message(secretariat):  # type: ignore[no-untyped-def]
    from infobase.core.jobs import start_job
    from infobase.core.models import JobStatus
    from infobase.needs.jobs import DERIVE_JOB

    with held_elsewhere(DERIVE_LOCK):
        job = start_job(kind=DERIVE_JOB, params={"wait": 0.3}, user=secretariat)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == str(AlreadyRunning(DERIVE_LOCK)) and "Traceback" not in job.error
