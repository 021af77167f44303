"""A focal point chooses the articles of a request without Ctrl: chooses the instrument, finds
an article by typing words of its title, ticks it and a paragraph of another, files the request
and finds both on its page; in Arabic (right to left) and English."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext

from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import LANGUAGES, expect_direction, say

PERSONA = {"ar": "focal.egypt", "en": "focal.browser"}
NOTE = {"name": "note.txt", "mimeType": "text/plain", "buffer": b"Note verbale No. 7"}
# Words of the title of article 12 of the Convention ("Confiscation and seizure") as the
# reader types them (in Arabic with the article: found without it), and the titles shown.
SEIZURE = {"ar": "الضبط", "en": "seizure"}
TITLE_12 = {"ar": "المصادرة والضبط", "en": "Confiscation and seizure"}
TITLE_6 = {
    "ar": "تجريم غسل عائدات الجرائم",
    "en": "Criminalization of the laundering of proceeds of crime",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_focal_point_finds_ticks_and_files_articles_and_a_paragraph(
    site: Site, open_page: Any, lang: str
) -> None:
    page = open_page("/requests/new/", as_=PERSONA[lang], lang=lang)
    expect_direction(page, lang)
    # The Convention: the first instrument; only its articles are shown.
    page.select_option("#id_instrument", index=1)
    chosen = page.locator("#id_instrument").input_value()
    groups = page.locator("fieldset.picker-group")
    group = page.locator(f'fieldset.picker-group[data-instrument="{chosen}"]')
    assert group.is_visible()
    assert groups.count() == 4
    assert sum(groups.nth(i).is_visible() for i in range(4)) == 1
    every = group.locator(".picker-articles > li").count()

    find = page.get_by_label(say(gettext_lazy("Find an article"), lang))
    find.fill(SEIZURE[lang])
    twelve = group.locator('li[data-number="12"]')
    shown = group.locator(".picker-articles > li:visible")
    assert twelve.is_visible()
    assert 1 <= shown.count() < every
    # Ticked by its words, as a voice-control user would name it.
    twelve_box = page.get_by_role("checkbox", name=TITLE_12[lang], exact=False)
    assert twelve_box.count() == 1
    twelve_box.check()

    find.fill("6")
    six = group.locator('li[data-number="6"]')
    assert six.is_visible() and not twelve.is_visible()
    six.locator("summary").click()
    paragraph = six.locator('input[type="checkbox"][value$=".2"]')
    paragraph.check()
    # A later tick never drops an earlier one (article 12, now hidden by the search).
    assert twelve.locator('input[type="checkbox"]').first.is_checked()

    count = page.locator(".picker-count")
    with translation.override(lang):
        with_two = ngettext("%(count)s chosen", "%(count)s chosen", 2) % {"count": 2}
    assert count.inner_text().strip() == with_two
    assert count.get_attribute("aria-live") == "polite"
    if lang == "ar":  # right to left: the box stands to the right of its words
        box = paragraph.bounding_box()
        words = six.locator("details label span").nth(1).bounding_box()
        assert box and words and box["x"] > words["x"] + words["width"] - 1
    assert_accessible(page)

    page.locator('input[name="kinds"]').first.check()
    page.locator("#id_title").fill(f"Browser request ({lang}): confiscation and laundering")
    page.locator("#id_description").fill("Filed by the browser test.")
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/requests/new/" not in page.url, page.locator("main").inner_text()[:2000]
    cells = page.locator("main table.data tbody td:first-child").all_inner_texts()
    assert any(f"12 — {TITLE_12[lang]}" in cell for cell in cells), cells
    assert any(f"6(2) — {TITLE_6[lang]}" in cell for cell in cells), cells
    assert len(cells) == 2, cells
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_request_comes_back_with_everything_the_focal_point_entered(
    site: Site, open_page: Any, lang: str
) -> None:
    """Sent without a kind of assistance (no box to make required), the request comes back
    refused with every value entered shown again: the articles ticked in the chosen
    instrument's group, a paragraph's article open, the count, the dates and texts; the
    document, which no browser keeps, is asked for again. Ticking a kind and choosing the
    document again is then enough to file it."""
    page = open_page("/requests/new/", as_=PERSONA[lang], lang=lang)
    page.select_option("#id_instrument", index=1)
    chosen = page.locator("#id_instrument").input_value()
    group = page.locator(f'fieldset.picker-group[data-instrument="{chosen}"]')
    twelve = group.locator('li[data-number="12"]')
    twelve.locator('input[type="checkbox"]').first.check()
    six = group.locator('li[data-number="6"]')
    six.locator("summary").click()
    six.locator('input[type="checkbox"][value$=".2"]').check()
    title = f"Refused first ({lang}): confiscation"
    page.locator("#id_title").fill(title)
    page.locator("#id_description").fill("Two lines\nof description.")
    page.select_option("#id_language", "fr")
    page.select_option("#id_urgency", "high")
    page.locator("#id_needed_by").fill("2031-03-15")
    page.locator("#id_reference").fill("NV/2031/7")
    page.locator("#id_confidential").check()
    page.set_input_files("#id_document", NOTE)
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_load_state()

    assert page.locator("#request-problems").is_visible()
    expect_direction(page, lang)
    assert page.locator("#id_instrument").input_value() == chosen
    assert group.is_visible()
    assert sum(g.is_visible() for g in page.locator("fieldset.picker-group").all()) == 1
    assert twelve.locator('input[type="checkbox"]').first.is_checked()
    assert six.locator('input[type="checkbox"][value$=".2"]').is_checked()
    assert six.locator("details").get_attribute("open") is not None
    assert six.locator('input[type="checkbox"][value$=".2"]').is_visible()
    with translation.override(lang):
        with_two = ngettext("%(count)s chosen", "%(count)s chosen", 2) % {"count": 2}
    assert page.locator(".picker-count").inner_text().strip() == with_two
    assert page.locator("#id_title").input_value() == title
    assert page.locator("#id_description").input_value() == "Two lines\nof description."
    assert page.locator("#id_language").input_value() == "fr"
    assert page.locator("#id_urgency").input_value() == "high"
    assert page.locator("#id_needed_by").input_value() == "2031-03-15"
    assert page.locator("#id_reference").input_value() == "NV/2031/7"
    assert page.locator("#id_confidential").is_checked()
    again = say(
        gettext_lazy(
            "The document chosen was not kept with the form: choose it again before sending."
        ),
        lang,
    )
    assert again in page.locator("#request-problems").inner_text()
    assert page.locator(".document-again").inner_text().strip() == again
    if shots := os.environ.get("INFOBASE_SHOTS"):
        page.screenshot(path=f"{shots}/request-refused-{lang}.png", full_page=True)
    assert_accessible(page)

    page.locator('input[name="kinds"]').first.check()
    page.set_input_files("#id_document", NOTE)
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/requests/new/" not in page.url, page.locator("main").inner_text()[:2000]
    cells = page.locator("main table.data tbody td:first-child").all_inner_texts()
    assert len(cells) == 2, cells
    assert any(f"12 — {TITLE_12[lang]}" in cell for cell in cells), cells
