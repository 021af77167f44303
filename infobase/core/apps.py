from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "infobase.core"
    label = "core"
    verbose_name = _("Infobase core")

    def ready(self) -> None:
        from infobase.core import (
            checks,  # noqa: F401  (registers system checks)
            exports,  # noqa: F401  (registers the export job)
        )
        from infobase.core.jobs import sweeper
        from infobase.core.once import forget_old_tokens

        sweeper(forget_old_tokens)
        text_checked()


def text_checked() -> None:
    """Every text field of every form and API serializer refuses what the imports refuse
    (``core.errors.text_problem``: control characters, bidi overrides and isolates), by one
    default validator, so that no form is left out. Set before any form class is defined:
    the apps after this one, and the URLs, import them later."""
    from django import forms
    from rest_framework import serializers

    from infobase.core.errors import validate_text

    for field in (forms.CharField, serializers.CharField, *_own_validators()):
        if validate_text not in field.default_validators:
            field.default_validators = [*field.default_validators, validate_text]


def _own_validators() -> list[type]:
    """The subclasses of the text fields with validators of their own (URLField, EmailField,
    SlugField …), which do not inherit those of CharField."""
    from django import forms
    from rest_framework import serializers

    found: list[type] = []
    todo: list[type] = [forms.CharField, serializers.CharField]
    while todo:
        subclasses: list[type] = todo.pop().__subclasses__()
        for sub in subclasses:
            todo.append(sub)
            if "default_validators" in sub.__dict__:
                found.append(sub)
    return found
