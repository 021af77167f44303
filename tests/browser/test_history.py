"""The history pages (who, when, what changed, why), reached from the record's own page by its
link, read in Arabic and in English, on a desk and on a phone.

``prepare.py`` changes each record once more with a reason: a need closed, an activity's end
moved, an answer to a choice question corrected; the project is the one changed most often.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from infobase.needs.models import NeedStatus
from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import LANGUAGES, PHONE, expect_direction, say

# name (the key of its fact): (the record's own page, the model of its history, its reason)
RECORDS: dict[str, tuple[str, str, str]] = {
    "need": ("/needs/{pk}/", "needs.need", "Met by the 2026 training"),
    "answer": ("/assignments/{answer_assignment}/", "questionnaires.answer", ""),
    "assignment": ("/assignments/{pk}/review/", "questionnaires.assignment", ""),
    "activity": ("/activities/{pk}/", "activities.activity", "Extended by three months"),
    "project": ("/funding/projects/{pk}/", "funding.project", ""),
}
REASONS = {"answer": "Corrected after the national consultation"}
LATIN = re.compile("[A-Za-z]")


def cases() -> list[Any]:
    return [pytest.param(name, lang, id=f"{name}-{lang}") for name in RECORDS for lang in LANGUAGES]


@pytest.mark.parametrize(("name", "lang"), cases())
def test_history_is_reached_from_its_record_and_reads_in_the_language(
    site: Site, open_page: Any, name: str, lang: str
) -> None:
    facts = site.facts["history"]
    start, model, reason = RECORDS[name]
    reason = reason or REASONS.get(name, "")
    pk = facts[name]
    page = open_page(start.format(pk=pk, **facts), as_="secretariat", lang=lang, width=1366)
    link = page.locator(f'main a[href="/history/{model}/{pk}/"]').first
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(f"**/history/{model}/{pk}/")
    expect_direction(page, lang)

    entries = page.locator("main ol.history > li")
    assert entries.count() >= 2, page.url  # created, then changed
    newest = entries.first
    if reason:
        assert reason in newest.locator(".reason").inner_text()
    # Before, then after, in the reading direction: in Arabic the value before on the right.
    rows = newest.locator("table tbody tr")
    assert rows.count() >= 1, page.url
    before, after = (rows.first.locator("td").nth(i).bounding_box() for i in (0, 1))
    assert before is not None and after is not None
    assert (before["x"] > after["x"]) if lang == "ar" else (before["x"] < after["x"])
    # Field labels in the reader's language (the changes prepared are to labelled fields).
    labels = [text.strip() for text in rows.locator("th").all_inner_texts()]
    if lang == "ar":
        assert not [label for label in labels if LATIN.search(label)], labels
    # The record's name, dates and values isolated from the sentence around them.
    assert page.locator("main h1 > bdi").count() == 1
    times = page.locator("main time")
    assert times.count() == page.locator("main bdi > time").count() >= entries.count()
    assert rows.locator("td").count() == rows.locator("td > bdi").count()
    if name == "need":  # a choice by its label
        after = [text.strip() for text in rows.locator("td:nth-of-type(2)").all_inner_texts()]
        assert say(NeedStatus.MET.label, lang) in after, after

    assert_accessible(page)
    # The same page on a phone: nothing wider than the screen.
    page.set_viewport_size({"width": PHONE, "height": 844})
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


# Pages listing records that keep history, each row linking to its record's history.
LISTS = {
    "participation": (None, "/states/EGY/", "reference.participation"),
    "organization": (None, "/organizations/", "reference.organization"),
    "membership": ("secretariat", "/meetings/bodies/wg-ta/", "meetings.membership"),
    "exchange rate": ("secretariat", "/funding/rates/", "funding.exchangerate"),
    "priority theme": ("secretariat", "/programmes/", "needs.prioritytheme"),
}


@pytest.mark.parametrize(
    ("name", "lang"), [pytest.param(n, lang, id=f"{n}-{lang}") for n in LISTS for lang in LANGUAGES]
)
def test_listed_records_link_to_their_history_on_a_phone_too(
    site: Site, open_page: Any, name: str, lang: str
) -> None:
    persona, path, model = LISTS[name]
    page = open_page(path, as_=persona, lang=lang, width=PHONE)
    links = page.locator(f'main a[href^="/history/{model}/"]')
    assert links.count() >= 1
    # Each named by its record: a screen reader's list of links tells them apart.
    names = [links.nth(i).get_attribute("aria-label") for i in range(min(links.count(), 5))]
    assert all(names) and len(set(names)) == len(names), names
    # The column's hidden heading widens no page (it stays inside the table's scrolled region).
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    assert_accessible(page)
    links.first.click()
    page.wait_for_url(f"**/history/{model}/**")
    expect_direction(page, lang)
