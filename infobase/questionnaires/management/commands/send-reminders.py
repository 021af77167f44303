from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from infobase.questionnaires.services import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail reminders to States that have not submitted: once in the two weeks before the "
        "deadline, then weekly after it. Safe to run from cron as often as you like."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders(today=options["today"])
        self.stdout.write(f"reminders sent: {len(sent)}")
