from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from infobase.activities.iati_export import iati_export_valid
from infobase.activities.models import Activity


class Command(BaseCommand):
    help = (
        "Export the secretariat's own activities as an IATI 2.03 activity file, validated "
        "against the official schema, the IATI codelists and the IATI rules. Every activity "
        "that validates is written; each one left out is printed on standard error with its "
        "reasons and where to correct it. Exit status: 0 when a file was written (even if some "
        "activities were left out), 1 when nothing at all could be exported or the file would "
        "not validate; then nothing is written."
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
        result = iati_export_valid(activities=activities)
        for item in result.left_out:
            if item.activity_id is None:
                where = ""
            elif item.recorded_here:
                where = " " + reverse("activity_edit", args=[item.activity_id])
            else:
                where = " " + reverse("activity_detail", args=[item.activity_id])
            self.stderr.write(f"left out: {item.identifier} ({item.title}){where}")
            for reason in item.reasons:
                self.stderr.write(f"  - {reason}")
        if not result.valid:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"The export does not validate ({len(result.problems)} problems); "
                f"{out} was not written."
            )
        if not result.exported:
            raise CommandError(
                f"No activity could be exported ({len(result.left_out)} left out); "
                f"{out} was not written."
            )
        try:
            _write_atomically(out, result.content)
        except OSError as exc:
            raise CommandError(f"{out}: {exc}") from exc
        left = f", {len(result.left_out)} left out (listed above)" if result.left_out else ""
        self.stdout.write(
            f"{out}: {result.exported} activities, {len(result.content)} bytes, "
            f"valid IATI 2.03{left}"
        )


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
