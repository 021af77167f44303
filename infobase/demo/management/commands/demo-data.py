from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.demo.services import SCALES, demo_logins, generate


class Command(BaseCommand):
    help = "Create the illustrative demo data set (deterministic for a scale and seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-documents",
            action="store_true",
            help="Publish the demo report without its PDF and Word files (faster).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ctx = generate(
                scale=options["scale"], seed=options["seed"], documents=not options["no_documents"]
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        for what, n in sorted(ctx.created.items()):
            self.stdout.write(f"{what}: {n}")
        self.stdout.write("Demo logins (illustrative accounts):")
        for login in demo_logins():
            where = f" [{login['state']}]" if login["state"] else ""
            self.stdout.write(
                f"  {login['username']} / {login['password']}  ({login['role']}{where})"
            )
