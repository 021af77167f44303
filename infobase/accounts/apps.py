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
        from infobase.accounts.selectors import scope_fingerprint
        from infobase.core.exports import register_scope

        # An export's file is served while its requester's rights are the ones it was made with.
        register_scope(scope_fingerprint)
