"""A focal point chooses the articles of a request without Ctrl: chooses the instrument, finds
an article by typing words of its title, ticks it and a paragraph of another, files the request
and finds both on its page; in Arabic (right to left) and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext

from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import LANGUAGES, expect_direction, say

PERSONA = {"ar": "focal.egypt", "en": "focal.browser"}
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
