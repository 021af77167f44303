"""An amount of money is written one way on every page: ``{% money amount currency %}``, the
number grouped as the reader's language groups it and isolated left to right, then its code;
a percentage by ``|percent`` and ``|percent_points``, as the reports write it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

import infobase

MONEY = Template("{% load infobase %}{% money amount currency %}")


def render(amount: object, currency: str, lang: str) -> str:
    with translation.override(lang):
        return MONEY.render(Context({"amount": amount, "currency": currency}))


@pytest.mark.parametrize(
    ("lang", "number"),
    [
        ("en", "1,234,567.50"),
        ("ar", "1,234,567.50"),
        ("fr", "1\u202f234\u202f567,50"),
        ("es", "1.234.567,50"),
    ],
)
def test_an_amount_is_its_grouped_number_isolated_left_to_right_then_its_code(
    lang: str, number: str
) -> None:
    # One element holds both, kept on one line, isolated in the page's direction; the number
    # is isolated left to right inside it, so that the code follows it in the page's direction
    # (on its left on an Arabic page, read after it).
    direction = "rtl" if lang == "ar" else "ltr"
    assert render(Decimal("1234567.5"), "EUR", lang) == (
        f'<span class="money" dir="{direction}"><bdi dir="ltr">{number}</bdi>\xa0EUR</span>'
    )


def test_no_amount_is_a_dash_and_an_amount_without_its_code_is_the_number_alone() -> None:
    assert render(None, "USD", "en") == "—"
    assert render(Decimal("3"), "", "ar") == '<bdi dir="ltr">3.00</bdi>'


# An amount followed by its currency written by hand: ``{{ x|floatformat:"2g" }} {{ y.currency }}``
# or ``… }} USD``, with or without a ``<bdi>`` around the number.
BY_HAND = re.compile(
    r'floatformat:"\d?g" \}\}(?:</bdi>)?\s*(?:\{\{ [\w.]*currency[\w.]* \}\}|[A-Z]{3}\b)'
)


# A figure followed by a percent sign written by hand: ``{{ x|floatformat:1 }} %``,
# ``{{ r.progress }} %``
# (a translated sentence's bare ``{{ percent }} %`` is the translator's to write).
PERCENT_BY_HAND = re.compile(r"\{\{ (?:[\w.]+\|[^ }]+|\w+\.[\w.]+) \}\} ?%")


@pytest.mark.parametrize(("rule", "pattern"), [("money", BY_HAND), ("percent", PERCENT_BY_HAND)])
def test_no_template_writes_an_amount_or_a_percentage_by_hand(rule: str, pattern: Any) -> None:
    root = Path(infobase.__file__).parent
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not found, (rule, found)
