from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.core.i18n import FIELD_LANGUAGES, FIELD_SUFFIX
from infobase.questionnaires.models import ReportingCycle, default_cycle_names
from infobase.questionnaires.xlsform import import_warnings, import_xlsform
from infobase.reference.models import Instrument


class Command(BaseCommand):
    help = (
        "Import an XLSForm workbook (.xlsx) as a questionnaire of a reporting cycle. "
        "The whole workbook is checked first; on any problem nothing is written, not even "
        "the cycle --create-cycle asked for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--cycle", type=int, required=True, help="Reporting cycle number.")
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the importing user (kept in the questionnaire's history).",
        )
        parser.add_argument("--code", default=None, help="Code of the new questionnaire.")
        parser.add_argument(
            "--instrument",
            action="append",
            default=[],
            metavar="CODE",
            help="Instrument covered (untoc, tip, som, firearms); may be repeated.",
        )
        parser.add_argument(
            "--create-cycle",
            action="store_true",
            help="Create the reporting cycle if it does not exist.",
        )
        parser.add_argument(
            "--cycle-name",
            action="append",
            default=[],
            metavar="LANG=NAME",
            help=(
                "Name of the cycle created by --create-cycle in one language (ar, zh, en, fr, "
                "ru, es); may be repeated. Without it, 'Reporting cycle N' in the six languages."
            ),
        )

    def _names(self, given: list[str]) -> dict[str, str]:
        languages = dict.fromkeys(FIELD_LANGUAGES)
        names: dict[str, str] = {}
        for pair in given:
            raw, sep, text = pair.partition("=")
            code = FIELD_SUFFIX.get(raw.strip().lower(), raw.strip().lower())
            if not sep or not text.strip() or code not in languages:
                raise CommandError(
                    f"--cycle-name {pair!r}: give LANG=NAME, LANG one of {', '.join(languages)}"
                )
            names[code] = text.strip()
        if names and "en" not in names:
            raise CommandError("--cycle-name: give the English name too (en=…)")
        return names

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"{options['user']}: no such active user")
        number: int = options["cycle"]
        cycle = ReportingCycle.objects.filter(number=number).first()
        if cycle is None and not options["create_cycle"]:
            raise CommandError(
                f"There is no reporting cycle {number}; create it first or pass --create-cycle."
            )
        names = self._names(options["cycle_name"])
        codes: list[str] = options["instrument"]
        instruments = list(Instrument.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {i.code for i in instruments})
        if unknown:
            raise CommandError(f"Unknown instrument(s): {', '.join(unknown)}")
        try:
            # The new cycle and the questionnaire together: a refused workbook leaves no cycle.
            with transaction.atomic():
                if cycle is None:
                    cycle = ReportingCycle.objects.create(
                        number=number, name=names or default_cycle_names(number)
                    )
                questionnaire = import_xlsform(
                    path,
                    filename=path.name,
                    cycle=cycle,
                    code=options["code"],
                    user=user,
                    instruments=instruments,
                )
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user.username} may not import questionnaires") from exc
        # what was skipped goes to stderr, so the summary on stdout stays one line
        for warning in import_warnings(questionnaire):
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{questionnaire.code}: {questionnaire.items.count()} items, "
            f"languages {', '.join(questionnaire.language_codes)}"
        )
