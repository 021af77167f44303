from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.locks import AlreadyRunning
from infobase.needs.derivation import needs_derive_exclusive
from infobase.needs.score_table import need_scores_refresh_exclusive


class Command(BaseCommand):
    help = (
        "Bring the consolidated needs register up to date with the validated questionnaire "
        "answers and the requests for assistance. Incremental: safe to run as often as you like; "
        "decisions taken by hand (merge, split, close, pin, exclude) are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="When another derivation is running, wait up to this long for it to finish "
            "(default: stop at once, exit code 1).",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Derive from every source, not only from what the change log names (after a "
            "truncation or writes made with the triggers removed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = needs_derive_exclusive(
                today=options["today"], wait=options["wait"], full=options["full"]
            )
            scores = need_scores_refresh_exclusive(today=options["today"], wait=300)
        except AlreadyRunning as running:
            raise CommandError(str(running)) from None
        for name, value in result.as_dict().items():
            self.stdout.write(f"{name.replace('_', ' ')}: {value}")
        self.stdout.write(f"scores: {scores.as_dict()}")
        if result.new_evidence_on_closed:
            ids = ", ".join(str(pk) for pk in result.new_evidence_on_closed)
            self.stdout.write(f"closed needs with new evidence (to review): {ids}")
