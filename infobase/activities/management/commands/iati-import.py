from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.activities.iati_import import RelevanceFilter, iati_import, refused_files


class Command(BaseCommand):
    help = (
        "Import IATI activity files (2.01–2.03), or every *.xml of a folder. By default only the "
        "activities the relevance filter keeps enter the register; --all keeps every activity. "
        "Exits non-zero only when a file could not be read at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_FOLDER")
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Also validate each file against the IATI schema of its version (reported, "
            "not blocking).",
        )
        parser.add_argument(
            "--all", action="store_true", help="No relevance filter: import every activity."
        )
        parser.add_argument(
            "--report", action="store_true", help="Print the per-activity report too."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        relevance = None if options["all"] else RelevanceFilter.from_settings()
        run = iati_import(paths=paths, relevance=relevance, validate=options["validate"])
        for info in run.files:
            if not info.get("name"):
                self.stdout.write(f"note: {info.get('message', '')}")
                continue
            status = info.get("status")
            line = f"{info['name']}: {status}"
            if status == "read":
                line += (
                    f", IATI {info.get('version') or '?'}, {info.get('activities', 0)} activities"
                )
            self.stdout.write(line)
            if info.get("message"):
                self.stdout.write(f"  {info['message']}")
            for note in info.get("notes", []):
                self.stdout.write(f"  note: {note}")
            if "schema_errors" in info:
                errors = info["schema_errors"]
                self.stdout.write(f"  schema: {len(errors) or 'no'} error(s)")
                for error in errors[:20]:
                    self.stdout.write(f"    {error}")
                if len(errors) > 20:
                    self.stdout.write(f"    … {len(errors) - 20} more")
        if options["report"]:
            for entry in run.report:
                reasons = "; ".join(entry["reasons"] + entry["warnings"])
                self.stdout.write(
                    f"{entry['file']}:{entry['line'] or ''} {entry['identifier']} "
                    f"{entry['outcome']}: {reasons}"
                )
        self.stdout.write(
            f"Import run {run.pk}: {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.skipped} skipped, {run.rejected} rejected, "
            f"{run.marked_missing} marked missing"
        )
        refused = refused_files(run)
        if refused:
            raise CommandError(
                "Could not be read: " + "; ".join(f"{f['name']}: {f['message']}" for f in refused)
            )
