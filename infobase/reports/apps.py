from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "infobase.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Each app defines its reports in its own `reports` module (one module per report
        # family); importing them registers them with the engine.
        autodiscover_modules("reports")
        from infobase.reports import tasks  # noqa: F401  (registers the report job)
