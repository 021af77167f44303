"""Lessons learned in the browser, in Arabic on a phone and in English on a desk: the secretariat
reads the list (each lesson's activity and date, the date written as the page writes dates and
read after the activity), opens a lesson (its title in its own language, the page's words in the
page's), and records one (a criterion left unrated says so). Nothing is wider than a phone; each
page passes the accessibility check."""

from __future__ import annotations

import re
from datetime import date as date_type
from typing import Any

import pytest
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from tests.browser.conftest import Site
from tests.browser.pages import DESK, PHONE, expect_direction, say
from tests.browser.test_allocation_pages import read_as_a_whole

# Where an element's first and last characters are drawn: [left, top] of each.
ENDS = """element => {
  const range = document.createRange();
  const box = node => { range.selectNodeContents(node); return range.getClientRects(); };
  const activity = [...box(element.querySelector("bdi"))];
  const date = [...box(element.querySelector("time"))];
  const first = activity[0], last = date[date.length - 1];
  return {activity: [first.left, first.right, first.top], date: [last.left, last.right, last.top]};
}"""


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_secretariat_reads_the_lessons_learned_and_records_one(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/lessons/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    rows = page.locator("main table.ratings tbody tr")
    assert rows.count() >= 2
    dated = 0
    for row in rows.all():
        meta = row.locator(".lesson-meta")
        if not meta.locator("time").count():
            continue
        dated += 1
        # The date as pages write dates in the reader's language, after the activity's name in
        # the page's direction, whatever the script of that name (the Latin names of the demo
        # put an Arabic date before them, or split it, when the line took their direction).
        date = meta.locator("time")
        iso = date.get_attribute("datetime")
        assert iso is not None
        with translation.override(lang):
            written = date_format(date_type.fromisoformat(iso), "DATE_FORMAT")
        assert date.inner_text().strip() == written
        drawn = meta.evaluate(ENDS)
        (a_left, a_right, a_top), (d_left, d_right, d_top) = drawn["activity"], drawn["date"]
        if abs(a_top - d_top) < 4:
            assert (d_right <= a_left) if lang == "ar" else (d_left >= a_right), drawn
        else:
            assert d_top > a_top, drawn
    assert dated, "no lesson's date is marked as a date"
    read_as_a_whole(page, f"lessons-{lang}-{width}", width)

    # A lesson: its title in its language, the "illustrative" tag in the page's.
    rows.first.locator("th a").click()
    page.wait_for_url(re.compile(r"/lessons/\d+/$"))
    expect_direction(page, lang)
    tag = page.locator("main h1 .tag.demo")
    if tag.count():
        assert tag.evaluate("e => e.closest('[lang]').getAttribute('lang')") == lang
    read_as_a_whole(page, f"lesson-{lang}-{width}", width)

    # Recording one: the criteria not evaluated say so, as the note above them does.
    page.goto("/lessons/new/")
    expect_direction(page, lang)
    form = page.locator("main form.stacked")
    not_rated = say(gettext_lazy("Not rated"), lang)
    relevance = form.locator('select[name="relevance"]')
    assert relevance.locator("option:checked").inner_text().strip() == not_rated
    read_as_a_whole(page, f"lesson-new-{lang}-{width}", width)
    title = f"Walk lesson {lang} {width}"
    form.locator('input[name="title"]').fill(title)
    form.locator('input[name="activity"]').fill("Regional workshop, Dakar 2025")
    form.locator('input[name="delivered_on"]').fill("2025-06-12")
    relevance.select_option("3")
    form.locator('textarea[name="what_worked"]').fill("Exchanges between prosecutors.")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/lessons/\d+/$"))
    expect_direction(page, lang)
    assert page.locator("main h1 bdi").inner_text().strip() == title
    ratings = page.locator("main table.data tbody tr")
    assert say(gettext_lazy("Not rated"), lang) in ratings.nth(1).inner_text()
    read_as_a_whole(page, f"lesson-recorded-{lang}-{width}", width)
