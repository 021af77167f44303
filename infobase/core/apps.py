from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "infobase.core"
    label = "core"
    verbose_name = _("Infobase core")

    def ready(self) -> None:
        from infobase.core import (
            checks,  # noqa: F401  (registers system checks)
            exports,  # noqa: F401  (registers the export job)
        )
        from infobase.core.jobs import sweeper
        from infobase.core.once import forget_old_tokens

        sweeper(forget_old_tokens)
