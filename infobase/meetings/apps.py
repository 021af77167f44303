from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "infobase.meetings"
    label = "meetings"
    verbose_name = _("Meetings and mandates")

    def ready(self) -> None:
        from infobase.meetings.un_style import Records
        from infobase.reports.params import register_meetings_records

        register_meetings_records(Records())
