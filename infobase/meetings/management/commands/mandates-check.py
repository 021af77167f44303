from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from infobase.core.i18n import language, pick_label
from infobase.meetings.mandates import evaluate_decision
from infobase.meetings.models import Outcome, OutcomeKind


class Command(BaseCommand):
    help = (
        "Print each mandate of a decision with its status and evidence; exit with status 1 "
        "when a mandate that is due is not met."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--decision", default="2/6", help="Decision number, e.g. 2/6.")
        parser.add_argument("--today", help="Evaluate as on this day (YYYY-MM-DD).")
        parser.add_argument(
            "--lang", choices=[code for code, _name in settings.LANGUAGES], default=None
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with language(options["lang"] or settings.LANGUAGE_CODE):
            failing = self.report(options)
        if failing:
            raise CommandError(
                _("%(count)s mandate(s) due and not met.") % {"count": failing}, returncode=1
            )

    def report(self, options: dict[str, Any]) -> int:
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else date.today()
        except ValueError:
            raise CommandError(
                _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": options["today"]}
            ) from None
        decision = Outcome.objects.filter(
            kind=OutcomeKind.DECISION, number=options["decision"]
        ).first()
        if decision is None:
            raise CommandError(
                _("Decision %(number)s is not recorded (run infobase load-mandates).")
                % {"number": options["decision"]}
            )
        self.stdout.write(
            _("Decision %(number)s — %(title)s, as on %(today)s")
            % {
                "number": decision.number,
                "title": pick_label(decision.title)[0],
                "today": today.isoformat(),
            }
        )
        failing = 0
        for state in evaluate_decision(decision, today=today):
            mandate = state.mandate
            how = _("checked automatically") if state.automatic else _("set by a person")
            due = state.due_date.isoformat() if state.due_date else _("no due date")
            marker = "!!" if state.is_failing else "  "
            line = _("(%(paragraph)s) %(actor)s: %(status)s [%(how)s; due: %(due)s]") % {
                "paragraph": mandate.paragraph,
                "actor": mandate.get_actor_display(),
                "status": state.status_label,
                "how": how,
                "due": due,
            }
            self.stdout.write(f"{marker} {line}")
            if state.explanation:
                self.stdout.write(f"     {state.explanation}")
            for item in state.evidence:
                self.stdout.write(f"     - {item.label}")
            if state.is_failing:
                failing += 1
        return failing
