from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The pages that read every app: each person's home page with its work queues, a record's
    history, a background job's progress, notifications. Sits above all the domain apps."""

    name = "infobase.home"
    label = "home"
    verbose_name = _("Home")
