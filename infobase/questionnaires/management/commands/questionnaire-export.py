from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.errors import InvalidInput
from infobase.questionnaires.models import Questionnaire
from infobase.questionnaires.xlsform import export_xform, export_xlsform


class Command(BaseCommand):
    help = "Export a questionnaire as an XLSForm workbook or as an ODK XForm."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Code of the questionnaire.")
        parser.add_argument("--format", choices=["xlsform", "xform"], default="xlsform")
        parser.add_argument("--out", type=Path, required=True, help="File to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        questionnaire = Questionnaire.objects.filter(code=options["code"]).first()
        if questionnaire is None:
            raise CommandError(f"There is no questionnaire “{options['code']}”.")
        try:
            if options["format"] == "xform":
                content = export_xform(questionnaire)
            else:
                content = export_xlsform(questionnaire)
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        out: Path = options["out"]
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"{out}: {exc}") from exc
        self.stdout.write(f"{out}: {len(content)} bytes")
