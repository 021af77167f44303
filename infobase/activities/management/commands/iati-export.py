from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.activities.iati_export import default_activities, iati_export, validate_iati
from infobase.activities.models import Activity


class Command(BaseCommand):
    help = (
        "Export the secretariat's own activities as an IATI 2.03 activity file. The file is "
        "validated against the official schema and the IATI codelists; if it is not valid, the "
        "problems are listed and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="File to write.")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Export every activity held, not only the secretariat's own "
            "(others' activities are marked as secondary reporting).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        activities = Activity.objects.all() if options["all"] else None
        content = iati_export(activities=activities)
        problems = validate_iati(content)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"The export does not validate ({len(problems)} problems); {out} was not written."
            )
        try:
            _write_atomically(out, content)
        except OSError as exc:
            raise CommandError(f"{out}: {exc}") from exc
        count = (Activity.objects.all() if options["all"] else default_activities()).count()
        self.stdout.write(f"{out}: {count} activities, {len(content)} bytes, valid IATI 2.03")


def _write_atomically(out: Path, content: bytes) -> None:
    folder = out.resolve().parent
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".iati-export-", suffix=".xml")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
