from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "infobase.needs"
    label = "needs"
    verbose_name = _("Technical-assistance needs")

    def ready(self) -> None:
        from infobase.core.exports import register_export
        from infobase.core.quota import register_state_files
        from infobase.needs import jobs  # noqa: F401  (registers the derivation job)
        from infobase.needs.selectors import request_documents_bytes

        register_state_files(request_documents_bytes)

        register_export(
            "needs.register",
            permission="needs.view_register",
            build="infobase.needs.exports.register_file",
            title=_("Needs register"),
        )
