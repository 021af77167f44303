"""infobase report <report> [its options] --lang ar --format pdf --out FILE

Each registered report is a sub-command whose options come from its parameters, e.g.
``infobase report analytical --instrument untoc --cycle 2 --lang ar --format pdf --out r.pdf``.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django import forms
from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.core.i18n import language, language_codes
from infobase.reports import engine
from infobase.reports.engine import FORMATS
from infobase.reports.services import report_render


class Command(BaseCommand):
    help = "Produce a report (HTML, PDF, Word or Excel) in one of the six languages."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        for report in engine.all_reports():
            sub: ArgumentParser = subparsers.add_parser(report.slug, help=str(report.title))
            for name, field in report.Parameters.base_fields.items():
                sub.add_argument(
                    "--" + name.replace("_", "-"),
                    dest=f"param_{name}",
                    required=field.required and field.initial is None,
                    help=str(field.help_text or field.label or name),
                )
            sub.add_argument("--lang", default="en", choices=language_codes())
            sub.add_argument("--format", dest="fmt", default="pdf", choices=FORMATS)
            sub.add_argument("--out", required=True, help="file to write ('-' for stdout)")
            sub.add_argument(
                "--confirm",
                "--yes",
                dest="confirm",
                action="store_true",
                help="produce the report even when it rests on very little (see its basis)",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        report = engine.get(options["report"])
        raw = {
            key.removeprefix("param_"): value
            for key, value in options.items()
            if key.startswith("param_") and value is not None
        }
        try:
            params = report.clean(raw)
        except forms.ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        with language(options["lang"]):
            basis = report.basis(params)
        if basis is not None:
            # Said on stderr so that "--out -" still writes only the file to stdout.
            self.stderr.write(basis.text)
            if basis.thin and not options["confirm"]:
                raise CommandError(
                    "The report would rest on very little (see above); "
                    "run again with --confirm to produce it anyway."
                )

        def progress(fraction: float, step: str) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(f"{round(fraction * 100):3d} % {step}")

        data = report_render(
            slug=report.slug,
            params=params,
            lang=options["lang"],
            fmt=options["fmt"],
            progress=progress,
        )
        if options["out"] == "-":
            sys.stdout.buffer.write(data)
            return
        Path(options["out"]).write_bytes(data)
        if options["verbosity"]:
            self.stdout.write(f"{options['out']}: {len(data)} bytes")
