from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "infobase.needs"
    label = "needs"
    verbose_name = _("Technical-assistance needs")

    def ready(self) -> None:
        from infobase.needs import jobs  # noqa: F401  (registers the derivation job)
