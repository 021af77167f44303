"""A table wider than a phone's screen scrolls inside its own region: the reader is told so in
words, and the side where columns are hidden fades out, in the direction the language reads
(in Arabic the columns that do not fit are on the left)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tests.browser.conftest import assert_accessible
from tests.browser.pages import DESK, LANGUAGES, PHONE, expect_direction, shoot

HINT = "The table is wider than the screen: scroll it sideways to see every column."
# The region's box and the box of its table's last header cell (the column read last).
BOXES = """region => {
  const last = region.querySelector("thead th:last-child").getBoundingClientRect();
  const box = region.getBoundingClientRect();
  return {left: box.left, right: box.right, lastLeft: last.left, lastRight: last.right};
}"""
TO_THE_END = """region => {
  const rtl = getComputedStyle(region).direction === "rtl";
  region.scrollLeft = (rtl ? -1 : 1) * region.scrollWidth;
}"""


MASK = "e => getComputedStyle(e).maskImage || getComputedStyle(e).webkitMaskImage"
AT_THE_END = "e => e.classList.contains('more-start') && !e.classList.contains('more-end')"
NEXT_TO = "(hint, region) => hint.nextElementSibling === region"


def classes(region: Any) -> set[str]:
    return set((region.get_attribute("class") or "").split())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_table_wider_than_a_phone_says_so_and_fades_on_the_hidden_side(
    open_page: Any, lang: str
) -> None:
    page = open_page("/requests/", as_="secretariat", lang=lang, width=PHONE)
    page.wait_for_load_state("load")
    expect_direction(page, lang)
    rtl = lang == "ar"
    region = page.locator("main .table-scroll").first
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    hint = page.locator("main .scroll-hint").first
    with translation.override(lang):
        assert hint.inner_text().strip() == translation.gettext(HINT)
    assert hint.is_visible()
    assert hint.evaluate(NEXT_TO, region.element_handle())

    # At the start, the last column is cut off on the side the lines end (left in Arabic), and
    # that is the side that fades.
    boxes = region.evaluate(BOXES)
    if rtl:
        assert boxes["lastLeft"] < boxes["left"], boxes
    else:
        assert boxes["lastRight"] > boxes["right"], boxes
    assert classes(region) >= {"more-end"} and "more-start" not in classes(region)
    mask = region.evaluate(MASK)
    assert ("to right" if rtl else "to left") in mask, mask
    shoot(page, f"wide-table-start-{lang}")

    # Scrolled to the end, the fade moves to the side where the first columns now hide.
    region.evaluate(TO_THE_END)
    page.wait_for_function(AT_THE_END, arg=region.element_handle())
    mask = region.evaluate(MASK)
    assert ("to left" if rtl else "to right") in mask, mask
    shoot(page, f"wide-table-end-{lang}")
    assert_accessible(page)


def test_a_table_that_fits_has_no_hint_and_no_fade(open_page: Any) -> None:
    page = open_page("/requests/", as_="secretariat", lang="ar", width=DESK)
    page.wait_for_load_state("load")
    region = page.locator("main .table-scroll").first
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert not page.locator("main .scroll-hint").first.is_visible()
    assert not classes(region) & {"more-start", "more-end"}


def test_a_needs_score_explained_on_a_phone_keeps_its_sentences_readable(open_page: Any) -> None:
    # The explanation column of a need's score holds sentences: at a phone's width its table
    # scrolls sideways rather than squeezing them to a word a line.
    page = open_page("/needs/", as_="secretariat", lang="ar", width=PHONE)
    page.locator('main table th a[href^="/needs/"]').first.click()
    page.wait_for_load_state("load")
    cells = page.locator("main table.data td.prose")
    assert cells.count() >= 5  # one a term of the score
    rem = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    widths = [cells.nth(i).bounding_box()["width"] for i in range(cells.count())]
    assert min(widths) >= 16 * rem - 1, widths
    assert page.locator("main .table-scroll").first.evaluate("e => e.scrollWidth > e.clientWidth")
