"""``infobase project-beneficiaries-review [--check]``: list, for an operator, the projects
naming a beneficiary State whose needs in the project are all confidential and that the
secretariat has not confirmed on purpose (``funding.selectors.beneficiaries_to_review``, the
rule of the project page's notice): one line per project, its code and those States. The
secretariat settles each one on the project's page. ``--check`` exits with status 1 when
there is any (for a scheduled check)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infobase.funding.selectors import beneficiaries_to_review


class Command(BaseCommand):
    help = (
        "List the projects naming a beneficiary State whose needs in the project are all "
        "confidential, not confirmed on purpose; --check exits with status 1 if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="exit with status 1 when a project is listed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = list(
                beneficiaries_to_review()
                .order_by("project__code", "state__name_en")
                .values_list("project__code", "state__name_en")
            )
        except DatabaseError as exc:
            raise CommandError(
                _("The projects could not be read: %(error)s") % {"error": type(exc).__name__}
            ) from exc
        projects: dict[str, list[str]] = {}
        for code, state in rows:
            projects.setdefault(code, []).append(state)
        for code, states in projects.items():
            self.stdout.write(f"{code}\t{'; '.join(states)}")
        if not projects:
            self.stdout.write(_("No project names a State through confidential needs alone."))
        elif options["check"]:
            raise CommandError(
                ngettext(
                    "%(count)s project names a State through confidential needs alone.",
                    "%(count)s projects name a State through confidential needs alone.",
                    len(projects),
                )
                % {"count": len(projects)},
                returncode=1,
            )
