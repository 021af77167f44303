"""The secretariat records a pledge in the browser, in Arabic on a phone and in English on a
desk: the form's earmark parts, a geographic earmark to a regional group and a State, and the
pledge read back on its page as the reader's language writes amounts and lists."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.translation import gettext_lazy

from infobase.core.i18n import list_separator
from infobase.funding.models import Earmark, PledgeStatus
from infobase.reference.models import RegionalGroup
from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import DESK, PHONE, TEXT_GAPS, expect_direction, say

# Senegal as the States list names it (the UN's names in the reference data).
SENEGAL = {"en": "Senegal", "ar": "السنغال"}


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_secretariat_records_a_pledge_earmarked_to_a_region_and_reads_it_back(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/funding/pledges/new/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    assert_accessible(page)
    form = page.locator("main form.stacked")
    # The geographic earmark is a part of its own, named by its legend.
    legend = say(gettext_lazy("Geographic earmark"), lang)
    geographic = form.locator("fieldset.earmark", has_text=legend)
    assert geographic.locator('select[name="regional_group"]').count() == 1

    form.locator('select[name="donor"]').select_option(index=1)
    form.locator('input[name="amount"]').fill("1234567.50")
    form.locator('select[name="currency"]').select_option("EUR")
    form.locator('input[name="pledged_on"]').fill("2026-11-30")
    form.locator('select[name="status"]').select_option(PledgeStatus.AGREED.value)
    form.locator('select[name="earmark"]').select_option(Earmark.GEOGRAPHIC.value)
    geographic.locator('select[name="regional_group"]').select_option(RegionalGroup.AFRICAN.value)
    states = geographic.locator('fieldset:has(input[name="states"])')
    states.get_by_label(say(gettext_lazy("Find in this list"), lang)).fill(SENEGAL[lang])
    states.get_by_role("checkbox", name=SENEGAL[lang], exact=True).check()
    form.locator('input[name="reason"]').fill(f"Pledged at the donors' meeting ({lang})")
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()

    assert re.search(r"/funding/pledges/\d+/$", page.url), page.url
    expect_direction(page, lang)
    facts = page.locator("main dl.facts").inner_text()
    with translation.override(lang):
        amount = floatformat(Decimal("1234567.50"), "2g")
        where = list_separator().join([str(RegionalGroup.AFRICAN.label), SENEGAL[lang]])
    assert f"{amount}\xa0EUR" in facts
    assert where in facts
    assert say(PledgeStatus.AGREED.label, lang) in facts
    # Each amount stands by its label (at the right on an Arabic page), its digits left to
    # right, its code after it in the page's direction: on its left on an Arabic page.
    amounts = page.locator("main dl.facts > dd > .money")
    assert amounts.count() == 3  # the amount, what is allocated, what remains
    for index in range(amounts.count()):
        money = amounts.nth(index)
        left, right = money.locator("xpath=..").evaluate(TEXT_GAPS)
        assert (right < 1 < left) if lang == "ar" else (left < 1 < right), (index, left, right)
        number = money.locator("bdi").bounding_box()
        whole = money.bounding_box()
        assert number is not None and whole is not None
        code_on_left = number["x"] - whole["x"] > 1
        assert code_on_left == (lang == "ar"), (index, number, whole)
    assert_accessible(page)
