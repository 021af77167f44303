"""Long multiple choices as checklists (``core.widgets.Checklist``), in Arabic on a phone and in
English on a desk: the secretariat finds two States by typing part of their names (in Arabic
without the hamza the names are written with, or with the article), ticks both, reads "2
chosen", clears the box and finds both still ticked, saves, and the project (and the lesson
learned) names exactly those two. A tick never drops another, as a click in a ``<select
multiple>`` did; the page does not scroll sideways on the phone; each page passes the
accessibility check."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext

from infobase.core.text import fold
from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import DESK, PHONE, expect_direction, say, shoot
from tests.browser.test_allocation_pages import fits_the_screen

# What the reader types for each State, and the State's name in the reader's language. In
# Arabic «إندونيسيا» is typed without its hamza and «الأردن» with the article and a bare alef:
# found as core/text.fold finds them.
TYPED = {
    "ar": [("اندونيس", "إندونيسيا"), ("الاردن", "الأردن")],
    "en": [("indone", "Indonesia"), ("JORD", "Jordan")],
}
ITEMS = ".checklist-items > li"


def chosen(count: int, lang: str) -> str:
    with translation.override(lang):
        return ngettext("%(count)s chosen", "%(count)s chosen", count) % {"count": count}


def checklist(page: Any, label: Any, lang: str) -> Any:
    """The checklist of the field labelled ``label``: the group its legend names."""
    group = page.get_by_role("group", name=say(label, lang))  # the legend ends with ":"
    assert group.count() == 1, say(label, lang)
    return group


def box_of(group: Any, state: str) -> Any:
    """The checkbox of ``state``, shown or hidden by the search (the roles see only the shown)."""
    return group.locator(f'{ITEMS} label:has(> span:text-is("{state}")) input')


def tick_two_states(page: Any, group: Any, lang: str, name: str) -> None:
    """Find each State by typing, tick it; read the count; clear the box: both still ticked."""
    find = group.get_by_label(say(gettext_lazy("Find in this list"), lang))
    count = group.locator(".checklist-count")
    assert count.get_attribute("aria-live") == "polite"
    every = group.locator(ITEMS).count()
    assert every > 150, every  # every State
    assert count.inner_text().strip() == chosen(0, lang)
    for typed, state in TYPED[lang]:
        find.fill(typed)
        shown = group.locator(f"{ITEMS}:visible")
        assert shown.count() == 1, shown.all_inner_texts()
        assert shown.inner_text().strip() == state
        # Ticked by its name, as a voice-control user would name it.
        group.get_by_role("checkbox", name=state, exact=True).check()
    # The first State, hidden by the second search, is still ticked and named among the chosen.
    first = box_of(group, TYPED[lang][0][1])
    assert not first.is_visible() and first.is_checked()
    assert count.inner_text().strip() == chosen(2, lang)
    picked = group.locator(".checklist-picked li")
    # In the list's order (the reader's alphabetical order: «ال» set aside in Arabic).
    assert sorted(picked.all_inner_texts()) == sorted(state for _typed, state in TYPED[lang])
    if page.viewport_size["width"] == PHONE:
        fits_the_screen(page)
    shoot(page, f"checklist-{name}-{lang}-found")
    if folder := os.environ.get("INFOBASE_SHOTS"):  # the list alone, as large as it is drawn
        group.screenshot(path=f"{folder}/checklist-{name}-{lang}-group.png")
    assert_accessible(page)

    find.fill("")
    assert group.locator(f"{ITEMS}:visible").count() == every
    for _typed, state in TYPED[lang]:
        assert box_of(group, state).is_checked()
    assert group.locator(f"{ITEMS} input:checked").count() == 2
    if lang == "ar":  # right to left: the box stands to the right of its words
        item = group.locator(f"{ITEMS}:has(input:checked)").first
        box = item.locator("input").bounding_box()
        words = item.locator("label > span").bounding_box()
        assert box and words and box["x"] > words["x"] + words["width"] - 1, (box, words)
    # Nothing typed matches: said so, and the ticks are kept.
    find.fill("zzqx")
    assert group.locator(f"{ITEMS}:visible").count() == 0
    assert group.locator(".checklist-none").is_visible()
    find.press("Enter")  # finding, not sending the form
    assert group.locator(".checklist-none").is_visible()
    find.fill("")
    assert not group.locator(".checklist-none").is_visible()
    assert group.locator(f"{ITEMS} input:checked").count() == 2


def names_in(page: Any, term: Any, lang: str) -> list[str]:
    """The links of the description list's entry ``term`` (a page's facts)."""
    facts = page.locator("main dl.facts")
    dt = facts.locator("dt", has_text=re.compile(rf"^\s*{re.escape(say(term, lang))}\s*$"))
    return dt.locator("xpath=following-sibling::dd[1]//a").all_inner_texts()


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_the_secretariat_finds_and_ticks_two_beneficiary_states_of_a_project(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/funding/projects/new/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    form = page.locator("main form.stacked")
    # The needs and the activities are checklists too; nothing of the old select is left.
    assert form.locator("select[multiple]").count() == 0
    states = checklist(page, gettext_lazy("Beneficiary States"), lang)
    assert states.evaluate("e => e.tagName") == "FIELDSET"
    assert form.locator('.checklist input[name="needs"]').count() > 15
    shoot(page, f"checklist-project-{lang}-opened")
    tick_two_states(page, states, lang, "project")

    code = f"checklist-{lang}-{width}"
    form.locator('input[name="code"]').fill(code)
    form.locator('input[name="title_en"]').fill(f"Two States ({lang})")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/funding/projects/\d+/$"))
    expect_direction(page, lang)
    named = names_in(page, gettext_lazy("Beneficiary States"), lang)
    assert sorted(named) == sorted(state for _typed, state in TYPED[lang]), named
    shoot(page, f"checklist-project-{lang}-saved")


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_the_secretariat_finds_and_ticks_two_states_of_a_lesson(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/lessons/new/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    form = page.locator("main form.stacked")
    assert form.locator("select[multiple]").count() == 0
    articles = checklist(page, gettext_lazy("Articles concerned"), lang)
    assert articles.locator(ITEMS).count() > 15
    states = checklist(page, gettext_lazy("States concerned"), lang)
    tick_two_states(page, states, lang, "lesson")

    title = f"Checklist lesson {lang} {width}"
    form.locator('input[name="title"]').fill(title)
    form.locator('input[name="activity"]').fill("Regional workshop, Amman 2025")
    form.locator('input[name="delivered_on"]').fill("2025-06-12")
    form.locator('textarea[name="what_worked"]').fill("Exchanges between prosecutors.")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/lessons/\d+/$"))
    expect_direction(page, lang)
    named = names_in(page, gettext_lazy("States"), lang)
    assert sorted(named) == sorted(state for _typed, state in TYPED[lang]), named
    shoot(page, f"checklist-lesson-{lang}-saved")

    # Editing it: the States chosen come first, ticked, without scrolling the list.
    page.goto(page.url + "edit/")
    states = checklist(page, gettext_lazy("States concerned"), lang)
    first_two = states.locator(ITEMS).nth(0), states.locator(ITEMS).nth(1)
    assert all(item.locator("input").is_checked() for item in first_two)
    assert states.locator(".checklist-count").inner_text().strip() == chosen(2, lang)
    assert_accessible(page)


def test_the_browser_folds_what_is_typed_as_the_server_folds_the_names(
    site: Site, open_page: Any
) -> None:
    """fold.js (what is typed) and core/text.fold (each item's data-find) agree."""
    page = open_page("/lessons/new/", as_="secretariat", lang="ar", width=DESK)
    samples = ["إندونيسيا", "الأردن", "آذربيجان", "مُصْرَ", "جمهورية كوريا", "Côte d’Ivoire", "ÉTATS"]
    folded = page.evaluate("texts => texts.map(window.infobaseFold.fold)", samples)
    assert folded == [fold(text) for text in samples]
