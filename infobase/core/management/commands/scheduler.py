"""``infobase scheduler``: run the periodic jobs (reminders, follow-ups, needs derivation,
the sweep of dead jobs) for the whole installation."""

from __future__ import annotations

import subprocess
import sys
import time as clock
from datetime import datetime, time
from typing import Any

from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from infobase.core.ops.schedule import Entry, default_schedule, due_entries


class Command(BaseCommand):
    help = (
        "Run the periodic jobs: the sweep of dead background jobs every minute; reminders, "
        "follow-ups of requests and the derivation of needs once a day. Run exactly one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--daily-at", default="02:00", help="time of day (UTC, HH:MM) of the daily jobs"
        )
        parser.add_argument(
            "--once", action="store_true", help="run what is due now, then exit (for cron)"
        )
        parser.add_argument("--tick", type=float, default=15.0, help="seconds between checks")
        parser.add_argument("--job-timeout", type=int, default=3600)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            daily_at = time.fromisoformat(options["daily_at"])
        except ValueError:
            raise CommandError(
                "--daily-at must be HH:MM, not {!r}".format(options["daily_at"])
            ) from None
        known = get_commands()
        entries = [e for e in default_schedule(daily_at=daily_at) if e.command[0] in known]
        last_runs: dict[str, datetime] = {}
        failures = 0
        while True:
            now = timezone.now()
            for entry in due_entries(entries, last_runs=last_runs, now=now):
                last_runs[entry.name] = now
                if not self.run(entry, timeout=options["job_timeout"]):
                    failures += 1
            if options["once"]:
                if failures:
                    raise SystemExit(1)
                return
            clock.sleep(options["tick"])

    def run(self, entry: Entry, *, timeout: int) -> bool:
        argv = [sys.executable, "-m", "infobase", *entry.command]
        self.stdout.write(f"{timezone.now().isoformat(timespec='seconds')} start {entry.name}")
        try:
            done = subprocess.run(argv, timeout=timeout, check=False)  # noqa: S603 - fixed argv
        except subprocess.TimeoutExpired:
            self.stderr.write(f"{entry.name} timed out after {timeout} s")
            return False
        if done.returncode != 0:
            self.stderr.write(f"{entry.name} exited with {done.returncode}")
            return False
        self.stdout.write(f"{timezone.now().isoformat(timespec='seconds')} done {entry.name}")
        return True
