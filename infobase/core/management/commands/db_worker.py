"""``infobase db_worker``: django_tasks_db's worker, which outlives a database gone for a while.

Its own loop stops on any database error but a locked SQLite file: PostgreSQL restarted, or the
worker's connection ended by an administrator, and the worker exited, leaving the queue to wait
for whoever restarts it. This one waits for the database and takes the next job when it is back
(a job whose handler lost the database is queued again by ``infobase.core.jobs``).
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("infobase.core.jobs")

# Seconds between two tries while the database cannot be reached (at least the --interval).
PAUSE = 1.0


class Command(db_worker.Command):
    help = (
        "Run the background worker (django_tasks_db's), waiting for the database when it "
        "cannot be reached instead of exiting."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                super().handle(*args, **options)
                return
            except (OperationalError, InterfaceError):
                logger.warning(
                    "the worker could not reach the database; trying again", exc_info=True
                )
            for conn in connections.all(initialized_only=True):
                with suppress(DatabaseError):
                    conn.close()
            options["startup_delay"] = False
            time.sleep(max(PAUSE, options.get("interval") or 0))
