from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.errors import InvalidInput
from infobase.reference.loaders.reference import import_participation


class Command(BaseCommand):
    help = (
        "Update participation from a CSV with the columns "
        "instrument,iso3,signature_date,consent_date,consent_type,as_of. "
        "Every row is checked first; on any problem nothing is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="Where the figures come from.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            result = import_participation(path, name=path.name, source_label=options["source"])
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        for key, count in sorted(result.counts.items()):
            self.stdout.write(f"{key}: {count}")
