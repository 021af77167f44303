from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from infobase.needs.requests_mail import requests_follow_up


class Command(BaseCommand):
    help = (
        "E-mail the State's focal points about requests still open a year after they were "
        "matched, then once a year. Safe to run from cron as often as you like."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        done = requests_follow_up(today=options["today"])
        for request in done:
            self.stdout.write(f"{request.pk}\t{request.state.iso3}\t{request.title}")
        self.stdout.write(f"follow-ups sent: {len(done)}")
