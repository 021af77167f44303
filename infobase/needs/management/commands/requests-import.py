from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.needs.requests_import import requests_import


class Command(BaseCommand):
    help = (
        "Import requests for technical assistance from a CSV or XLSX file (one request per "
        "row; columns iso3, instrument, articles, kinds, title, description, language, urgency, "
        "received_on, needed_by, reference, confidential). Every row is checked first; on any "
        "problem nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Username of the importing user.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"{options['user']}: no such active user")
        try:
            created = requests_import(source=path, filename=path.name, user=user)
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user.username} may not import requests") from exc
        for request in created:
            self.stdout.write(f"{request.pk}\t{request.state.iso3}\t{request.title}")
        self.stdout.write(f"requests imported: {len(created)}")
