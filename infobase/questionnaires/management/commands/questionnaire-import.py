from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.errors import InvalidInput
from infobase.questionnaires.models import ReportingCycle
from infobase.questionnaires.xlsform import import_warnings, import_xlsform
from infobase.reference.models import Instrument


class Command(BaseCommand):
    help = (
        "Import an XLSForm workbook (.xlsx) as a questionnaire of a reporting cycle. "
        "The whole workbook is checked first; on any problem nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--cycle", type=int, required=True, help="Reporting cycle number.")
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

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        number: int = options["cycle"]
        cycle = ReportingCycle.objects.filter(number=number).first()
        if cycle is None and not options["create_cycle"]:
            raise CommandError(
                f"There is no reporting cycle {number}; create it first or pass --create-cycle."
            )
        codes: list[str] = options["instrument"]
        instruments = list(Instrument.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {i.code for i in instruments})
        if unknown:
            raise CommandError(f"Unknown instrument(s): {', '.join(unknown)}")
        if cycle is None:
            cycle = ReportingCycle.objects.create(number=number, name=f"Cycle {number}")
        try:
            questionnaire = import_xlsform(
                path,
                filename=path.name,
                cycle=cycle,
                code=options["code"],
                instruments=instruments,
            )
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        # what was skipped goes to stderr, so the summary on stdout stays one line
        for warning in import_warnings(questionnaire):
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{questionnaire.code}: {questionnaire.items.count()} items, "
            f"languages {', '.join(questionnaire.language_codes)}"
        )
