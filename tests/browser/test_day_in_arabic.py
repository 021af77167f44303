"""A State focal point's, a delegate's and a donor's day, on a phone and a desk, in Arabic first:
what they tripped on, each fixed at its home."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import DESK, LANGUAGES, PHONE, expect_direction

IN_VIEW = """element => {
  const box = element.getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def saved_text(lang: str, count: int) -> str:
    with translation.override(lang):
        if count:
            return translation.ngettext(
                "Saved: %(count)s answer changed.", "Saved: %(count)s answers changed.", count
            ) % {"count": count}
        return translation.gettext("Saved: your answers are up to date.")


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_save_draft_confirms_where_the_focal_point_is(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    # "Save draft" comes back to the place in the form, far below the message at the page's
    # top: the confirmation is repeated in the status line of the sticky bar, in view.
    page = open_page(
        f"/assignments/{site.facts['spare_assignment']}/", as_="focal.spare", lang=lang, width=width
    )
    expect_direction(page, lang)
    field = page.locator('textarea[name="q-a6_challenges"]')
    field.fill(f"Draft kept ({lang}, {width})")
    page.locator('button[name="action"][value="save"]').click()
    page.wait_for_load_state()
    status = page.locator("#autosave-status")
    assert status.inner_text() == saved_text(lang, 1)
    assert status.evaluate(IN_VIEW)
    assert page.locator("main > .message").first.inner_text() == saved_text(lang, 1)

    # Changed again and kept by the autosave first: "Save draft" then says the answers are
    # kept, not that none changed.
    field.fill(f"Draft kept again ({lang}, {width})")
    with translation.override(lang):
        autosaved = translation.gettext("Saved at %(time)s").split("%(time)s")[0].strip()
    page.wait_for_function(
        "([text]) => document.getElementById('autosave-status').textContent.includes(text)",
        arg=[autosaved],
    )
    page.locator('button[name="action"][value="save"]').click()
    page.wait_for_load_state()
    assert page.locator("#autosave-status").inner_text() == saved_text(lang, 0)
    assert (
        page.locator('textarea[name="q-a6_challenges"]')
        .input_value()
        .startswith("Draft kept again")
    )
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_choice_question_is_set_off_by_a_whole_line(
    site: Site, open_page: Any, lang: str
) -> None:
    # A fieldset draws its legend over its top border: the line between questions stopped
    # beside a short legend and vanished behind a long one. Each shown choice question now has
    # its line above its legend, as the other questions do.
    page = open_page(
        f"/assignments/{site.facts['spare_assignment']}/", as_="focal.spare", lang=lang, width=PHONE
    )
    expect_direction(page, lang)
    offsets = page.evaluate(
        """() => [...document.querySelectorAll('.question fieldset')]
          .filter(f => f.getClientRects().length && f.querySelector('legend'))
          .map(f => f.querySelector('legend').getBoundingClientRect().top
            - f.getBoundingClientRect().top
            - parseFloat(getComputedStyle(f).borderTopWidth))"""
    )
    assert len(offsets) > 5
    assert min(offsets) > 0, offsets


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_donors_matches_read_a_row_a_screen_on_a_phone(open_page: Any, lang: str) -> None:
    # The reasons of a match were wrapped to a word a line: each row was taller than the phone's
    # screen. They keep a readable measure; the table scrolls sideways instead of the page.
    page = open_page("/funding/mobilization/", as_="donor", lang=lang, width=PHONE)
    expect_direction(page, lang)
    heights = page.locator("main table tbody tr").evaluate_all(
        "rows => rows.map(row => row.getBoundingClientRect().height)"
    )
    assert len(heights) > 5
    assert max(heights) < page.evaluate("window.innerHeight"), heights
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
