"""A working-group member narrows the register to a priority theme from the work programmes
page: each theme's number of open needs leads to the register filtered by that theme, which
names the theme in its filter and lists as many needs; in Arabic on a phone, English on a desk."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import DESK, PHONE, expect_direction


def first_number(text: str) -> int:
    """The first number of ``text``, its thousands separated or not."""
    found = re.search(r"\d+(?:[,.\u00a0\u202f]\d{3})*", text)
    assert found is not None, text
    return int(re.sub(r"\D", "", found.group()))


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_a_themes_open_needs_lead_to_the_register_narrowed_to_it(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/programmes/", as_="delegate.mexico", lang=lang, width=width)
    expect_direction(page, lang)
    links = page.locator('main table td.num a[href*="theme="]')
    counted = [
        (links.nth(i), first_number(links.nth(i).inner_text()))
        for i in range(links.count())
        if first_number(links.nth(i).inner_text()) > 0
    ]
    assert counted, "no theme of the demo programme has open needs"
    link, number = counted[0]
    title = link.locator("xpath=ancestor::tr/th").inner_text().strip()
    theme = re.search(r"theme=(\d+)", link.get_attribute("href") or "")
    assert theme is not None
    link.click()
    page.wait_for_load_state()

    expect_direction(page, lang)
    assert re.search(rf"[?&]theme={theme.group(1)}\b", page.url), page.url
    # The filter holds the theme, and the filters in force name it as the programmes page
    # does, in the reader's language: seen on a phone too, where the filters are folded.
    assert page.locator('select[name="theme"]').input_value() == theme.group(1)
    in_force = page.locator('.in-force li[data-filter="theme"]')
    assert in_force.is_visible()
    assert title in in_force.inner_text()
    # As many needs as the programmes page counted, and fewer than the whole register.
    assert first_number(page.locator("#register-count").inner_text()) == number
    whole = open_page("/needs/", as_="delegate.mexico", lang=lang, width=width)
    assert first_number(whole.locator("#register-count").inner_text()) > number
    assert_accessible(page)
