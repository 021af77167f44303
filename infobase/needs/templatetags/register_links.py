"""Links from tables of counts (gaps, coverage, funding) to the register filtered the same way."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()

# A table's dimension → the register's filter of the same meaning.
_PARAMETERS = {
    "regional_group": "regional_group",
    "legal_family": "legal_family",
    "article": "article",
    "kind": "kind",
    "state": "state",
    "instrument": "instrument",
}


@register.simple_tag
def register_url(dimension: str, key: Any, coverage: str = "") -> str:
    """The register's address showing the open needs of one row (``key`` along ``dimension``),
    optionally of one coverage status; "" when the register has no such filter."""
    parameter = _PARAMETERS.get(dimension)
    key = "" if key is None else str(key)
    if parameter is None or (not key and parameter != "regional_group"):
        return ""
    query = {parameter: key or "none"}
    if coverage:
        query["coverage"] = coverage
    return f"{reverse('need_register')}?{urlencode(query)}"
