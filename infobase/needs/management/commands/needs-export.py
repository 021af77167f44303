from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.exporters import FORMATS, render
from infobase.needs.exports import NeedsRegisterExporter
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import ranked_needs


class Command(BaseCommand):
    help = "Export the ranked needs register (open needs) as CSV or XLSX in a language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--lang", default="en")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--all", action="store_true", help="Include closed needs too.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["lang"] not in {code for code, _name in settings.LANGUAGES}:
            raise CommandError(f"unknown language: {options['lang']}")
        needs = Need.objects.exclude(status=NeedStatus.MERGED)
        if not options["all"]:
            needs = needs.filter(status=NeedStatus.OPEN)
        # The command runs for the secretariat: every need, confidential ones included.
        ranked, table = ranked_needs(needs_qs=needs)
        export = render(
            NeedsRegisterExporter(ranked=ranked, weights=table.weights, themes=table.themes),
            fmt=options["format"],
            lang=options["lang"],
        )
        options["out"].write_bytes(export.content)
        self.stdout.write(f"{options['out']}: {needs.count()} needs")
