from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.errors import InvalidInput
from infobase.meetings.loaders import DECISION_2_6, load_mandates


class Command(BaseCommand):
    help = (
        "Load (or refresh) decision 2/6 of the Conference, its bodies and sessions, and its "
        "thirteen mandates, from the shipped data file (or another file of the same form)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DECISION_2_6)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_mandates(options["file"])
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        for key, count in sorted(result.counts.items()):
            self.stdout.write(f"{key}: {count}")
