"""``infobase backup --out FILE.tar.gz``: the database, the files and the secret key in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from infobase.core.ops.backup import make_backup


class Command(BaseCommand):
    help = (
        "Write a backup (every table, every file under MEDIA_ROOT, the secret key, and a "
        "manifest with counts and checksums) to one tar file; .tar.gz or .tgz compresses it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = make_backup(out=options["out"])
        rows = sum(table["rows"] for table in manifest.tables.values())
        key = ", secret key" if manifest.secret_key else ""
        self.stdout.write(
            f"{options['out']}: {len(manifest.tables)} tables, {rows} rows, "
            f"{len(manifest.files)} files{key}"
        )
