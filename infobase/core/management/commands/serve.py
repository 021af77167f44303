"""``infobase serve``: run the web application under gunicorn (production)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from infobase.core.ops.serve import default_workers, gunicorn_argv


class Command(BaseCommand):
    help = (
        "Serve Infobase with gunicorn. Workers default to 2 × cores + 1 (at most 12); "
        "run `infobase migrate` and `infobase collectstatic` first, and the workers "
        "(`infobase db_worker`) and `infobase scheduler` beside it."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("INFOBASE_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=None)
        # Two threads per worker: on a 2-core machine under 16 clients (benchmarks/web_load.py,
        # world data) four threads let the GIL share time among more requests at once, so the
        # heaviest page waited longest (p95 3.3× the login page's; 1.4× with two, same run).
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--timeout", type=int, default=120)
        parser.add_argument(
            "--print", action="store_true", help="print the gunicorn command instead of running it"
        )
        parser.add_argument(
            "--no-warm",
            action="store_true",
            help="do not compute the pages' shared figures ahead (`infobase figures-warm`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or default_workers()
        if workers < 1 or options["threads"] < 1 or options["timeout"] < 1:
            self.stderr.write("--workers, --threads and --timeout must be at least 1")
            raise SystemExit(2)
        argv = gunicorn_argv(
            bind=options["bind"],
            workers=workers,
            threads=options["threads"],
            timeout=options["timeout"],
        )
        if options["print"]:
            self.stdout.write(" ".join(argv))
            return
        if not options["no_warm"]:
            # Beside the server, not before it: pages that need the figures meanwhile wait for
            # this computation (core.figures) instead of repeating it in every worker.
            subprocess.Popen(
                [sys.executable, "-m", "infobase", "figures-warm"], start_new_session=True
            )
        os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, arguments built above
