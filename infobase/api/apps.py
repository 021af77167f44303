from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "infobase.api"
    label = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from infobase.api.export_jobs import API_EXPORT, BUILD, export_title
        from infobase.api.idempotency import forget_old_keys
        from infobase.api.tokens import (
            revoke_when_password_changes,
            revoke_when_second_factor_becomes_needed,
        )
        from infobase.core.exports import register_export
        from infobase.core.jobs import sweeper

        sweeper(forget_old_keys)
        pre_save.connect(
            revoke_when_second_factor_becomes_needed,
            sender=get_user_model(),
            dispatch_uid="infobase.api.tokens.second_factor",
        )
        pre_save.connect(
            revoke_when_password_changes,
            sender=get_user_model(),
            dispatch_uid="infobase.api.tokens.password",
        )
        # The lists' files made by the pages' export job; each list checks its own right.
        register_export(API_EXPORT, permission="", build=BUILD, title=export_title)
