from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "infobase.demo"
    label = "demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        # Each app may add to the demo data set from its own ``demo_data`` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("demo_data")
