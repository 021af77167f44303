from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "infobase.activities"
    label = "activities"
    verbose_name = _("Technical-assistance activities")

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from infobase.activities import (
            jobs,  # noqa: F401  (registers the IATI import job)
            selectors,  # noqa: F401  (registers its kept figures)
        )
        from infobase.activities.coverage import overlaps  # noqa: F401  (the same)
        from infobase.activities.coverage.measures import coverage_of
        from infobase.activities.models import Activity, activity_parts
        from infobase.core.exports import register_export
        from infobase.needs.scoring import register_coverage

        def keep_parts(sender: Any, instance: Any, history_instance: Any, **_kw: Any) -> None:
            # Each version of an activity keeps its recipients, sectors, themes, participants.
            if isinstance(instance, Activity):
                history_instance.parts = activity_parts(instance)

        pre_create_historical_record.connect(keep_parts, weak=False, dispatch_uid="activity-parts")
        register_coverage(coverage_of)
        register_export(
            "activities.matrix",
            permission="activities.view_activity",
            build="infobase.activities.views_screens.matrix_file",
            title=_("Who does what where"),
        )
        for what, title in (
            ("gaps", _("Gaps by region, legal system, article and kind")),
            ("needs", _("Needs not fully covered")),
            ("overlaps", _("Overlaps")),
        ):
            register_export(
                f"activities.coverage.{what}",
                permission="activities.view_coverage",
                build=f"infobase.activities.coverage.exports.{what}_file",
                title=title,
            )
