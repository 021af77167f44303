"""``infobase coverage-suggest [--today YYYY-MM-DD]``: suggest links between needs and
activities (``infobase.activities.coverage.suggestions.suggest_links``) and print the counts."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.activities.coverage.suggestions import suggest_links


class Command(BaseCommand):
    help = "Suggest which current and planned activities address which open needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the day activities are current on (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: not a date (YYYY-MM-DD): {options['today']}") from exc
        r = suggest_links(today=today)
        self.stdout.write(
            f"open needs: {r.needs}; activities considered: {r.activities}; "
            f"suggestions: {r.suggested} (created {r.created}, updated {r.updated}, "
            f"unchanged {r.unchanged}); stale suggestions removed: {r.removed}; "
            f"already decided by a person: {r.decided}"
        )
