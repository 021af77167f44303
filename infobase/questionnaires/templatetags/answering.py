"""Template helpers of the answering page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from infobase.questionnaires.selectors import Field

register = template.Library()


@register.simple_tag
def select_options(f: Field) -> SafeString:
    """The ``<option>``s of a drop-down question, built in one pass: real lists hold thousands
    of choices (2,131 neighbourhoods in one form), too many for a template loop."""
    filtered, value = f.filtered, f.value
    rows = []
    for o in f.options:
        name = o.choice.name
        attrs = format_html(' data-choice="{}" data-choice-columns="{}"', name, o.columns)
        rows.append(
            (
                name,
                attrs if filtered else "",
                format_html("{}", " hidden disabled") if not o.allowed else "",
                format_html("{}", " selected") if value == name else "",
                o.label,
            )
        )
    return format_html_join("\n", '<option value="{}"{}{}{}>{}</option>', rows)
