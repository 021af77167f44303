from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.questionnaires.models import Questionnaire
from infobase.questionnaires.workbook import submissions_import


class Command(BaseCommand):
    help = (
        "Import an ODK/KoboToolbox export of submissions (CSV or XLSX, one row per State) into "
        "a questionnaire's assignments. Every row is checked first; on any problem nothing is "
        "changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The questionnaire's code.")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Username of the importing user.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        questionnaire = Questionnaire.objects.filter(code=options["code"]).first()
        if questionnaire is None:
            raise CommandError(f"{options['code']}: no such questionnaire")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"{options['user']}: no such active user")
        try:
            results = submissions_import(
                questionnaire=questionnaire, source=path, filename=path.name, user=user
            )
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user.username} may not import submissions") from exc
        for iso3, result in sorted(results.items()):
            self.stdout.write(
                f"{iso3}: {result.saved} saved, {result.unchanged} unchanged, "
                f"{len(result.conflicts)} conflicts"
            )
