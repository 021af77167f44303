from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from infobase.core.figures import warm


class Command(BaseCommand):
    help = (
        "Compute ahead, in every language, the figures over the whole information base that "
        "pages start from (who does what where, the overlaps), into the cache the web "
        "server's processes share. `infobase serve` runs it as it starts."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            asked = warm()
        except DatabaseError as exc:
            self.stderr.write(f"figures-warm: the database could not be read: {exc}")
            raise SystemExit(1) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(f"figures ready: {asked} in {time.perf_counter() - started:.1f} s")
