"""``infobase restore FILE``: replace all data and files by those of a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from infobase.core.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `infobase backup`: checks the whole archive first, then "
        "replaces every table in one transaction and the files under MEDIA_ROOT. The database "
        "must be migrated to the same migrations as the one backed up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the current data is to be replaced"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.is_file():
            self.stderr.write(f"{source}: no such file")
            raise SystemExit(2)
        if not options["yes"]:
            self.stderr.write("restore replaces all data and files: run again with --yes")
            raise SystemExit(2)
        try:
            manifest = restore_backup(source=source)
        except BackupError as error:
            self.stderr.write(f"{source}: {error}")
            raise SystemExit(1) from None
        rows = sum(table["rows"] for table in manifest.tables.values())
        self.stdout.write(
            f"restored {len(manifest.tables)} tables, {rows} rows, {len(manifest.files)} files "
            f"from {source} (made {manifest.created_at} on {manifest.vendor})"
        )
