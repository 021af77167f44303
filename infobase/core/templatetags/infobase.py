from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from infobase.core.collation import sorted_by_name
from infobase.core.i18n import Translated, language_name

register = template.Library()


@register.simple_tag
def tr(obj: Any, field: str) -> SafeString:
    """A translated field in the active language; an English fallback is marked as such."""
    value: Translated = obj.translated(field)
    if value.is_fallback:
        return format_html(
            '<span lang="{}" dir="{}" class="fallback" title="{}">{}</span>',
            value.html_lang,
            value.dir,
            _("Not yet available in this language; shown in English.")
            if value.lang == "en"
            # a text held only in another language (a cycle named in Arabic alone): its name
            else language_name(value.html_lang),
            value.text,
        )
    return format_html('<span lang="{}">{}</span>', value.html_lang, value.text)


@register.filter
def percent(value: Any) -> str:
    """A share of 0–1 as a percentage, by the one rule of percentages on pages and in reports
    (``core.i18n.format_percent``: CLDR's sign and spacing, ``PERCENT_DIGITS`` decimals)."""
    from infobase.core.i18n import format_share_percent

    return format_share_percent(value)


@register.filter
def percent_points(value: Any, digits: Any = None) -> str:
    """A figure already in percent (a fair share, a progress, an IATI sector's percentage) by
    the same rule, with ``digits`` decimals; without them, as many as the figure has (at most
    two: 50 is «50%», 33.33 «33.33%»)."""
    from decimal import Decimal, InvalidOperation

    from infobase.core.i18n import format_percent

    if value is None or value == "":
        return "—"
    if digits is None or digits == "":
        try:
            exponent = Decimal(str(value)).normalize().as_tuple().exponent
        except InvalidOperation:
            return str(value)
        digits = min(2, max(0, -exponent)) if isinstance(exponent, int) else 0
    return format_percent(value, int(digits))


@register.filter
def bdi(value: Any) -> SafeString:
    """``value`` isolated from the sentence around it (``<bdi>``): a name in another script, put
    into a translated sentence, keeps its words in order and does not pull the sentence's
    punctuation into its own direction («الدورة: Working group, 2007.» in Arabic)."""
    return format_html("<bdi>{}</bdi>", value)


@register.simple_tag
def money(amount: Any, currency: str = "", places: str = "2g") -> SafeString | str:
    """An amount and its currency by the one rule of ``core.i18n.format_money``."""
    from infobase.core.i18n import format_money

    return format_money(amount, currency, places)


@register.filter
def by_name(items: Any) -> list[Any]:
    """Records (States…) in the alphabetical order of their names in the page's language
    (``core.collation``), not the database's English order."""
    return sorted_by_name(items or (), str)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, 0)


@register.simple_tag
def ml(labels: dict[str, str] | None, default: str = "en", fallback: str = "") -> SafeString:
    """A label held as a language → text map, in the active language or marked as fallback."""
    from django.utils import translation

    from infobase.core.i18n import html_lang

    labels = labels or {}
    active = (translation.get_language() or "en").split("-")[0]
    code = next((c for c in (active, default, "en") if labels.get(c)), None)
    if code is None:
        code, text = next(((c, t) for c, t in labels.items() if t), (active, fallback))
    else:
        text = labels[code]
    rtl = code in {"ar", "fa", "prs", "ur", "he", "ps"}
    if code == active:
        return format_html('<span lang="{}">{}</span>', html_lang(code), text)
    return format_html(
        '<span lang="{}" dir="{}" class="fallback" title="{}">{}</span>',
        html_lang(code),
        "rtl" if rtl else "ltr",
        _("Not yet available in this language; shown in the questionnaire's language."),
        text,
    )


@register.filter
def get_item_default(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping[key]``, True when absent (for maps of flags such as relevance)."""
    return mapping.get(key, True)


@register.filter
def join_list(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


@register.simple_tag
def other_query_pairs(querydict: Any, *skip: str) -> list[tuple[str, str]]:
    """Every (name, value) of a query string but the names in ``skip``, for the hidden inputs of
    a filter form. A tag, because ``request.GET.items`` in a template looks up a parameter
    named "items" first."""
    return [
        (key, value) for key, values in querydict.lists() if key not in skip for value in values
    ]
