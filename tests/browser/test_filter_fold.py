"""On a phone the list pages show results first: the filters fold into a disclosure headed
"Filters (N in force)", the filters in force are listed in words beside it, and the first row
of the list is on the first screen; on a wide screen the form stays open."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.browser.conftest import assert_accessible
from tests.browser.pages import DESK, LANGUAGES, PHONE, expect_direction

# (page, a select of its filter form, the value chosen, filters in force then)
PAGES = [("/needs/", "#id_regional_group", "african", 2), ("/requests/", "#id_status", "open", 1)]
FIRST_ROW = "main table.data tbody tr"
FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def shoot(page: Any, name: str) -> None:
    # INFOBASE_SHOTS=FOLDER keeps a picture of each step, for people to look at.
    folder = os.environ.get("INFOBASE_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"filter-fold-{name}.png"))


def summary_text(count: int, lang: str) -> str:
    with translation.override(lang):
        if not count:
            return translation.gettext("Filters")
        return translation.ngettext(
            "Filters (%(counter)s in force)", "Filters (%(counter)s in force)", count
        ) % {"counter": count}


def on_first_screen(page: Any, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box, height)
    return True


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("path", "select", "value", "count"), PAGES)
def test_on_a_phone_the_first_row_comes_first_and_the_summary_opens_the_filters(
    open_page: Any, lang: str, path: str, select: str, value: str, count: int
) -> None:
    page = open_page(path, as_="secretariat", lang=lang, width=PHONE)
    page.wait_for_load_state("load")
    expect_direction(page, lang)
    fold = page.locator("main details[data-filter-fold]")
    summary = fold.locator("summary")
    assert fold.evaluate("d => !d.open")
    assert not page.locator(select).is_visible()
    name = f"{path.strip('/')}-{lang}"
    shoot(page, f"{name}-folded")
    assert page.locator(FIRST_ROW).count() > 0
    assert on_first_screen(page, FIRST_ROW), "the first row is below the first screen"
    assert on_first_screen(page, "main .count")
    assert_accessible(page)

    summary.click()
    assert fold.evaluate("d => d.open")
    assert page.locator(select).is_visible()
    assert page.evaluate(FITS), "the open form is wider than the phone's screen"
    shoot(page, f"{name}-open")
    page.locator(select).select_option(value)
    with page.expect_navigation():
        fold.locator("button[type=submit]").first.click()
    page.wait_for_load_state("load")
    assert f"{select[4:]}={value}" in page.url
    fold = page.locator("main details[data-filter-fold]")
    assert fold.evaluate("d => !d.open")
    assert fold.locator("summary").inner_text().strip() == summary_text(count, lang)
    assert page.locator("main .in-force li").count() == count
    assert page.locator(f'main .in-force li[data-filter="{select[4:]}"]').is_visible()
    assert page.locator("main .in-force a.clear-filters").is_visible()
    assert on_first_screen(page, "main .count")
    shoot(page, f"{name}-filtered")
    assert_accessible(page)


def test_on_a_wide_screen_the_filters_stay_open(open_page: Any) -> None:
    page = open_page("/requests/?status=open", as_="secretariat", lang="ar", width=DESK)
    page.wait_for_load_state("load")
    fold = page.locator("main details[data-filter-fold]")
    assert fold.evaluate("d => d.open")
    assert page.locator("#id_status").is_visible()
    shoot(page, "requests-ar-desk")
    # Narrowed to a phone's width, it folds; widened again, it opens.
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.wait_for_function("() => !document.querySelector('main details[data-filter-fold]').open")
    page.set_viewport_size({"width": DESK, "height": 900})
    page.wait_for_function("() => document.querySelector('main details[data-filter-fold]').open")
