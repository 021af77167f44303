from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from infobase.core.i18n import Translated

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
            _("Not yet available in this language; shown in English."),
            value.text,
        )
    return format_html('<span lang="{}">{}</span>', value.html_lang, value.text)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, 0)
