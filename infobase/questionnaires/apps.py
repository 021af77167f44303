from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "infobase.questionnaires"
    label = "questionnaires"
    verbose_name = _("Questionnaires and answers")

    def ready(self) -> None:
        from infobase.questionnaires import jobs  # noqa: F401  (registers the import jobs)
