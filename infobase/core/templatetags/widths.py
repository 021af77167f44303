"""Percentages as CSS classes, so that pages need no ``style`` attribute (strict CSP)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def bucket(percent: Any) -> int:
    """The percentage rounded to the nearest 5, clamped to 0–100 (``pct-35``, ``heat-35``)."""
    try:
        value = float(percent)
    except (TypeError, ValueError):
        return 0
    return int(min(100, max(0, round(value / 5) * 5)))
