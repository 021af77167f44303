"""What every form of the interface shares.

Django names the empty choice of a select "---------" (``ModelChoiceField.empty_label``, the
blank choice of a model field with choices): no word in any language, read aloud as dashes by
a screen reader. ``NamedEmptyChoice`` names it instead: "Choose…" where a choice is required,
"None" where it is optional. Filters name theirs themselves ("Any State"), and keep it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import pgettext_lazy

DASHES = BLANK_CHOICE_DASH[0][1]  # Django's label of the empty choice, "---------"
CHOOSE = pgettext_lazy("empty choice of a required select", "Choose…")
NONE = pgettext_lazy("empty choice of an optional select", "None")


def name_empty_choice(field: forms.Field) -> None:
    """Name the empty choice of ``field`` if Django left it "---------" (see the module)."""
    if getattr(field, "empty_choice_named", False):
        return
    field.empty_choice_named = True  # type: ignore[attr-defined]
    if not isinstance(field.widget, forms.Select) or isinstance(field.widget, forms.SelectMultiple):
        return
    label = CHOOSE if field.required else NONE
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DASHES:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        # A model field's choices come as a lazy iterator with the blank choice first.
        choices = list(field.choices)  # type: ignore[arg-type]
        if choices and tuple(choices[0]) == ("", DASHES):
            field.choices = [("", label), *choices[1:]]


class NamedEmptyChoice:
    """A form mixin: each select's empty choice named (``name_empty_choice``) when the field
    is read, so that fields a form adds in its ``__init__`` are named too."""

    fields: dict[str, forms.Field]

    def __getitem__(self, name: str) -> Any:
        field = self.fields.get(name)
        if field is not None:
            name_empty_choice(field)
        return super().__getitem__(name)  # type: ignore[misc]
