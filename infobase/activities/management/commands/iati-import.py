from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infobase.activities.iati_import import (
    RelevanceFilter,
    file_messages,
    iati_import,
    refused_files,
)
from infobase.core.figures import warm


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
            messages = file_messages(info)
            if messages:
                self.stdout.write(messages[0])
            for message in messages[1:]:
                self.stdout.write(f"  {message}")
            if "schema_errors" in info:
                errors = info["schema_errors"]
                if not errors:
                    self.stdout.write("  " + _("schema: no error(s)"))
                else:
                    self.stdout.write(
                        "  "
                        + ngettext(
                            "schema: %(count)s error (not blocking)",
                            "schema: %(count)s errors (not blocking)",
                            len(errors),
                        )
                        % {"count": len(errors)}
                    )
                for error in errors[:20]:
                    self.stdout.write(f"    {error}")
                if len(errors) > 20:
                    self.stdout.write("    " + _("… %(count)s more") % {"count": len(errors) - 20})
        if options["report"]:
            for entry in run.report:
                reasons = "; ".join(entry["reasons"] + entry["warnings"])
                self.stdout.write(
                    f"{entry['file']}:{entry['line'] or ''} {entry['identifier']} "
                    f"{entry['outcome']}: {reasons}"
                )
        self.stdout.write(
            _(
                "Import run %(run)s: %(created)s created, %(updated)s updated, %(unchanged)s "
                "unchanged, %(skipped)s left out, %(rejected)s rejected, %(missing)s marked "
                "missing, %(duplicates)s repeated in a file"
            )
            % {
                "run": run.pk,
                "created": run.created,
                "updated": run.updated,
                "unchanged": run.unchanged,
                "skipped": run.skipped,
                "rejected": run.rejected,
                "missing": run.marked_missing,
                "duplicates": run.duplicates,
            }
        )
        if run.changed_activities:
            warm()  # the pages' shared figures over every activity, once for the web server
        refused = refused_files(run)
        if refused:
            raise CommandError("; ".join(file_messages(f)[0] for f in refused))
