from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "infobase.questionnaires"
    label = "questionnaires"
    verbose_name = _("Questionnaires and answers")

    def ready(self) -> None:
        from infobase.core.quota import register_state_files
        from infobase.questionnaires import jobs  # noqa: F401  (registers the import jobs)
        from infobase.questionnaires.selectors import attachments_bytes

        register_state_files(attachments_bytes)
