"""The periodic jobs of Infobase and when each is due.

One scheduler process runs for the whole installation (a second one would only repeat work:
each command is idempotent and the batch ones take their own lock). It starts each job as a
separate process, so a job that crashes or leaks memory never takes the scheduler with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta


@dataclass(frozen=True)
class Entry:
    command: tuple[str, ...]
    every: timedelta | None = None  # run at this interval …
    daily_at: time | None = None  # … or once a day at this time (UTC)

    @property
    def name(self) -> str:
        return " ".join(self.command)


def default_schedule(*, daily_at: time) -> list[Entry]:
    return [
        # Marks jobs whose worker died as failed and re-queues them (bounded retries).
        Entry(("jobs-sweep",), every=timedelta(minutes=1)),
        Entry(("send-reminders",), daily_at=daily_at),
        Entry(("requests-follow-up",), daily_at=daily_at),
        Entry(("needs-derive",), daily_at=daily_at),
    ]


def is_due(entry: Entry, *, last_run: datetime | None, now: datetime) -> bool:
    """Interval entries run at start and then every ``every``; daily entries run once on each
    day once their time has passed (a scheduler started late in the day runs them at once)."""
    if entry.every is not None:
        return last_run is None or now - last_run >= entry.every
    if entry.daily_at is None:
        return False
    today_at = datetime.combine(now.date(), entry.daily_at, tzinfo=now.tzinfo)
    if now < today_at:
        return False
    return last_run is None or last_run < today_at


def due_entries(
    entries: list[Entry], *, last_runs: dict[str, datetime], now: datetime
) -> list[Entry]:
    return [
        entry for entry in entries if is_due(entry, last_run=last_runs.get(entry.name), now=now)
    ]
