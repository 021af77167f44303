from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "infobase.accounts"
    label = "accounts"
    verbose_name = _("People and roles")

    def ready(self) -> None:
        from infobase.accounts import (
            permissions,  # noqa: F401  (registers the rules)
            receivers,  # noqa: F401  (writes the audit log)
        )
