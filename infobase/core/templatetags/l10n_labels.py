"""Filters that show stored codes and figures in the interface language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from infobase.core import i18n

register = template.Library()


@register.filter
def language_label(code: str | None) -> str:
    """``"ar"`` → «العربية» in Arabic, "Arabic" in English (Django's own ``language_name``
    filter gives the English name whatever the interface language)."""
    return i18n.language_name(code)


@register.simple_tag
def list_sep() -> str:
    """What separates the items of a list in the interface language: «، » in Arabic, "、" in
    Chinese, ", " in the others."""
    return i18n.list_separator()


@register.filter
def join_list(values: Any) -> str:
    """The items joined as a list is written in the interface language (see ``list_sep``)."""
    return i18n.list_separator().join(str(value) for value in values)


@register.filter
def number(value: int | float | Decimal | None, digits: Any = 0) -> str:
    """A number with the interface language's separators and ``digits`` decimals."""
    return i18n.format_number(value, int(digits))


@register.inclusion_tag("infobase/_interface_text.html")
def interface_text(texts: dict[str, str] | None, css_class: str = "") -> dict[str, Any]:
    """A text held in several languages, shown in the interface language, or in English with
    a label naming the language(s) it is held in: "English (original: Arabic)"."""
    chosen = i18n.text_for_interface(texts)
    label = ""
    if chosen is not None and chosen.is_fallback:
        originals = ", ".join(i18n.language_name(i18n.html_lang(c)) for c in chosen.originals)
        shown = i18n.language_name(i18n.html_lang(chosen.code))
        label = (
            _("%(shown)s (original: %(original)s)") % {"shown": shown, "original": originals}
            if originals
            else shown
        )
    return {"chosen": chosen, "label": label, "css_class": css_class}
