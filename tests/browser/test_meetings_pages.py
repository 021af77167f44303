"""The pages that list or count the needs an outcome, a session and an activity concern, read in
Arabic and in English: only the needs their reader may see (``needs.selectors.visible_needs_q``).

``prepare.py`` links a confidential need of a State no persona acts for to the outcome, its
session and the activity: the public and a donor must not find it; the secretariat does.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import gettext_lazy

from tests.browser.conftest import Site
from tests.browser.pages import LANGUAGES, PHONE, TEXT_GAPS, expect_direction, say

# Of an element starting with a number: whether its first digit is drawn at its left edge, and
# whether at its right edge.
FIRST_DIGIT = """element => {
  const text = document.createTreeWalker(element, NodeFilter.SHOW_TEXT).nextNode();
  const range = document.createRange();
  range.setStart(text, 0);
  range.setEnd(text, 1);
  const digit = range.getBoundingClientRect(), box = element.getBoundingClientRect();
  return [Math.abs(digit.left - box.left) < 1, Math.abs(digit.right - box.right) < 1];
}"""


def fact(page: Any, label: Any, lang: str) -> Any:
    """The ``dd`` of the page's fact (``dl.facts``) whose term reads ``label`` in ``lang``."""
    terms = page.locator("main dl.facts > dt")
    texts = [text.strip() for text in terms.all_inner_texts()]
    wanted = say(label, lang)
    assert wanted in texts, (wanted, texts)
    return terms.nth(texts.index(wanted)).locator("xpath=following-sibling::dd[1]")


def headings(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("main h2").all_inner_texts()]


def lines(locator: Any) -> list[str]:
    return sorted(line.strip() for line in locator.inner_text().split("\n") if line.strip())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_needs_of_a_session_its_outcome_and_an_activity_are_those_the_reader_may_see(
    site: Site, open_page: Any, lang: str
) -> None:
    facts = site.facts
    shown = facts["meetings_pages"][lang]
    hidden = shown["confidential_need"]

    # The public reads the working group's session: its count leaves the confidential need out.
    page = open_page(f"/meetings/sessions/{facts['wg_session']}/", lang=lang)
    expect_direction(page, lang)
    assert shown["wg_session_title"] in page.locator("main h1").inner_text()
    assert {say(gettext_lazy(h), lang) for h in ("Agenda", "Outcomes")} <= set(headings(page))
    reviewed = fact(page, gettext_lazy("Needs of the register reviewed"), lang)
    assert reviewed.inner_text().strip() == str(facts["wg_session_public_needs"])
    # An agenda item's number comes first in the reading direction and its period after it: in
    # Arabic the number at the item's right edge, the period on its left, towards the title.
    edges = page.locator("main ol.agenda li strong").first.evaluate(FIRST_DIGIT)
    assert edges == ([False, True] if lang == "ar" else [True, False]), edges

    # … follows its outcome: the needs it concerns, but the confidential one.
    page.locator(f'main a[href="/meetings/outcomes/{facts["outcome"]}/"]').first.click()
    page.wait_for_url(f"**/meetings/outcomes/{facts['outcome']}/")
    expect_direction(page, lang)
    assert shown["outcome_heading"] in page.locator("main h1").inner_text()
    assert say(gettext_lazy("What it concerns"), lang) in headings(page)
    needs = fact(page, gettext_lazy("Needs"), lang)
    assert lines(needs) == shown["outcome_needs"]
    assert needs.locator("a").count() == 0  # the public does not open the register

    # The secretariat sees the confidential need listed there too, as a link.
    page = open_page(f"/meetings/outcomes/{facts['outcome']}/", as_="secretariat", lang=lang)
    needs = fact(page, gettext_lazy("Needs"), lang)
    assert lines(needs) == sorted([*shown["outcome_needs"], hidden])
    assert needs.locator("a").count() == len(shown["outcome_needs"]) + 1

    # A donor reads the activity: the needs it addresses, but the confidential one.
    page = open_page(f"/activities/{facts['activity']}/", as_="donor", lang=lang)
    expect_direction(page, lang)
    assert page.locator("main h1").inner_text().strip() == shown["activity_title"]
    title = say(gettext_lazy("Needs addressed"), lang)
    assert title in headings(page)
    items = page.locator("main h2", has_text=title).locator("xpath=following-sibling::ul[1]/li")
    listed = items.locator("xpath=a[1]")
    assert sorted(t.strip() for t in listed.all_inner_texts()) == shown["activity_needs"]
    # Each with the history of its link, named by its need.
    history = items.locator("xpath=a[2]")
    assert history.count() == len(shown["activity_needs"])
    assert all(say(gettext_lazy("History"), lang) in n for n in history.all_inner_texts())
    assert hidden not in page.locator("main").inner_text()


def test_on_a_phone_a_long_source_breaks_instead_of_widening_a_sessions_page(
    site: Site, open_page: Any
) -> None:
    # A session's source ends with a URL: the fact's cell took its whole width (430 px).
    page = open_page(f"/meetings/sessions/{site.facts['sourced_session']}/", lang="ar", width=PHONE)
    page.wait_for_load_state("load")
    expect_direction(page, "ar")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


# Of an element: the gaps between its text and its left and right edges.
def test_an_english_note_on_an_arabic_page_reads_left_to_right_beside_its_label(
    site: Site, open_page: Any
) -> None:
    # The secretariat wrote the demo's evidence of a mandate in English: on the Arabic page it
    # reads left to right, and stands at the start of its column (the right), by its label,
    # not across the page at the far left.
    page = open_page("/meetings/mandates/", as_="secretariat", lang="ar", width=1366)
    expect_direction(page, "ar")
    note = page.locator("main dl.facts > dd[dir=auto]", has_text="The decision itself").first
    assert note.evaluate("element => getComputedStyle(element).direction") == "ltr"
    left, right = note.evaluate(TEXT_GAPS)
    assert right < 1 < left, (left, right)
