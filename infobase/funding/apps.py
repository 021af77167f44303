from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "infobase.funding"
    label = "funding"
    verbose_name = _("Resources and projects")

    def ready(self) -> None:
        from infobase.activities.money import register_money_converter
        from infobase.core.exports import register_export
        from infobase.funding import jobs  # noqa: F401  (registers the allocation job)
        from infobase.funding.money import convert

        # Activities show amounts in other currencies converted by the one money rule.
        register_money_converter(convert)
        register_export(
            "funding.gaps",
            permission="funding.view_overview",
            build="infobase.funding.views_equity.gaps_file",
            title=_("Funding gaps"),
        )
