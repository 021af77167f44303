from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from infobase.core.jobs import jobs_sweep


class Command(BaseCommand):
    help = (
        "Find background jobs whose worker died (no heartbeat within the lease): queue them "
        "again while they have attempts left, else mark them failed; end the other records of "
        "work left unfinished (IATI import runs). Run it every minute or so."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = jobs_sweep()
        if options["verbosity"] >= 1:
            self.stdout.write(f"queued again: {len(result.retried)}")
            self.stdout.write(f"failed: {len(result.failed)}")
            for job_id in result.retried:
                self.stdout.write(f"  queued again {job_id}")
            for job_id in result.failed:
                self.stdout.write(f"  failed {job_id}")
            for name, count in result.ended.items():
                self.stdout.write(f"ended by {name}: {count}")
