from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from infobase.core.errors import InvalidInput
from infobase.reference.loaders.reference import load_reference


class Command(BaseCommand):
    help = (
        "Load (or refresh) the shipped reference data: States, instruments, participation, "
        "organizations, IATI codelists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_reference()
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        for key, count in sorted(result.counts.items()):
            self.stdout.write(f"{key}: {count}")
