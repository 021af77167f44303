"""What every form of the interface shares.

Django names the empty choice of a select "---------" (``ModelChoiceField.empty_label``, the
blank choice of a model field with choices): no word in any language, read aloud as dashes by
a screen reader. ``NamedEmptyChoice`` names it instead: "Choose…" where a choice is required,
"None" where it is optional. Filters name theirs themselves ("Any State"), and keep it.

A text held in several languages (a language → text map: an activity's title, a project's, a
reporting cycle's name) is given in one box per UN language: ``LanguageBoxes``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.functional import Promise, lazy
from django.utils.translation import pgettext_lazy

from infobase.core.i18n import FIELD_LANGUAGES, FIELD_SUFFIX, field_suffix, html_lang

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


# --- One box per language for a text held in several ------------------------------------------


def box_language(key: str) -> str:
    """The language of a key of a language → text map as its box names it: "zh" for "zh-Hans",
    "en" for "en-GB"; a language with no box ("pt") stays itself."""
    code = str(key).lower()
    return FIELD_SUFFIX.get(code, code.split("-")[0])


def _language_label(label: str | Promise, code: str) -> str:
    def text() -> str:
        names = {field_suffix(c): name for c, name in settings.LANGUAGES}
        return str(label) % {"language": names[code]}

    # Lazy: a box declared on a form class is labelled in each reader's language.
    return lazy(text, str)()


class LanguageBoxes:
    """One text box per UN language, ``<name>_ar`` … ``<name>_es`` (``FIELD_LANGUAGES``), for
    a text held as a language → text map.

    ``label`` has a ``%(language)s`` placeholder ("Title (%(language)s)"); ``required`` names
    the languages that must be given; ``rows`` makes the boxes text areas. Each box carries its
    language's ``lang`` and ``dir``: the Arabic box is right to left and the others left to
    right whatever the page's language (a French title starting with an Arabic name would turn
    a box of ``dir="auto"`` right to left). The map's keys are matched to the boxes by
    ``box_language``; empty boxes are dropped from the value, and a language the form has no
    box for (an IATI title in Portuguese) is kept as it was held."""

    def __init__(
        self,
        name: str,
        label: str | Promise,
        *,
        max_length: int | None = None,
        required: Iterable[str] = (),
        rows: int | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.max_length = max_length
        self.required = frozenset(required)
        self.rows = rows
        self.names = tuple(f"{name}_{code}" for code in FIELD_LANGUAGES)

    def field(self, code: str) -> forms.CharField:
        """The box for language ``code`` (a field suffix), to declare it on a form class."""
        attrs: dict[str, Any] = {
            "lang": html_lang(code),
            "dir": "rtl" if code in settings.LANGUAGES_RTL else "ltr",
        }
        widget = (
            forms.Textarea(attrs={"rows": self.rows, **attrs})
            if self.rows
            else forms.TextInput(attrs=attrs)
        )
        return forms.CharField(
            label=_language_label(self.label, code),
            max_length=self.max_length,
            required=code in self.required,
            widget=widget,
        )

    def add_to(self, form: forms.BaseForm, held: Mapping[str, Any] | None = None) -> None:
        """Add the boxes to ``form`` (those its class declares are left as they are) and, when
        it was not sent, fill them from the ``held`` map unless given another initial value."""
        for code, name in zip(FIELD_LANGUAGES, self.names, strict=True):
            if name not in form.fields:
                form.fields[name] = self.field(code)
        if not form.is_bound:
            for name, text in self.initial(held).items():
                form.initial.setdefault(name, text)

    def initial(self, held: Mapping[str, Any] | None) -> dict[str, str]:
        """The boxes' initial values from a language → text map."""
        initial: dict[str, str] = {}
        for key, text in (held or {}).items():
            code = box_language(key)
            name = f"{self.name}_{code}"
            # "en" wins over "en-GB" for the English box, whatever their order.
            if code in FIELD_LANGUAGES and text and (key == code or name not in initial):
                initial[name] = str(text)
        return initial

    def value(
        self, cleaned_data: Mapping[str, Any], held: Mapping[str, Any] | None = None
    ) -> dict[str, str]:
        """The language → text map the boxes give: the languages given, in the boxes' order,
        then those of ``held`` the form has no box for."""
        texts = {
            code: text
            for code, name in zip(FIELD_LANGUAGES, self.names, strict=True)
            if (text := str(cleaned_data.get(name) or "").strip())
        }
        for key, text in (held or {}).items():
            if text and box_language(key) not in FIELD_LANGUAGES:
                texts[str(key)] = str(text)
        return texts
