"""Navigation on every page: menus by mouse and keyboard, the small screen, the favicon."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import LANGUAGES, PHONE, expect_direction


def menu(page: Any, ident: str) -> tuple[Any, Any]:
    return page.locator(f'button[aria-controls="{ident}"]'), page.locator(f"#{ident}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menus_open_one_at_a_time_and_close_on_escape_and_outside_click(
    open_page: Any, lang: str
) -> None:
    page = open_page("/", as_="secretariat", lang=lang)
    expect_direction(page, lang)
    reference, reference_list = menu(page, "menu-reference")
    meetings, meetings_list = menu(page, "menu-meetings")
    assert reference.get_attribute("aria-expanded") == "false" and reference_list.is_hidden()

    reference.click()
    assert reference.get_attribute("aria-expanded") == "true" and reference_list.is_visible()
    meetings.click()
    assert meetings_list.is_visible() and reference_list.is_hidden()
    assert reference.get_attribute("aria-expanded") == "false"

    page.keyboard.press("Escape")
    assert meetings_list.is_hidden() and meetings.get_attribute("aria-expanded") == "false"

    reference.click()
    page.locator("main h1, main h2").first.click()
    assert reference_list.is_hidden()
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menus_work_from_the_keyboard_with_a_visible_focus(open_page: Any, lang: str) -> None:
    page = open_page("/", as_="secretariat", lang=lang)
    reference, reference_list = menu(page, "menu-reference")
    reference.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert reference_list.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#menu-reference') !== null")
    page.keyboard.press("Escape")
    assert reference_list.is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == (
        "menu-reference"
    )
    # Focus leaving an open menu closes it.
    page.keyboard.press("Enter")
    assert reference_list.is_visible()
    for _ in range(reference_list.locator("a").count() + 1):
        page.keyboard.press("Tab")
    assert reference_list.is_hidden()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_on_a_phone_the_header_folds_into_a_menu_button(open_page: Any, lang: str) -> None:
    page = open_page("/", as_="focal.egypt", lang=lang, width=PHONE)
    header = page.locator("header").bounding_box()
    assert header is not None and header["height"] < 844 / 4, header
    toggle = page.locator('button[aria-controls="site-menu"]')
    assert toggle.is_visible() and page.locator("#site-menu nav").is_hidden()
    toggle.click()
    assert page.locator("#site-menu nav").is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert page.locator("#site-menu nav").is_hidden()
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_on_a_phone_the_register_scrolls_inside_its_table_not_the_page(
    open_page: Any, lang: str
) -> None:
    page = open_page("/needs/", as_="secretariat", lang=lang, width=PHONE)
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    region = page.locator("main .table-scroll").first
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    assert region.get_attribute("tabindex") == "0"
    assert_accessible(page)


def test_every_page_has_a_favicon_that_is_served(site: Site, open_page: Any) -> None:
    page = open_page("/states/", lang="en")
    icons = page.locator('link[rel="icon"]')
    types = {icons.nth(i).get_attribute("type") for i in range(icons.count())}
    assert {"image/svg+xml", "image/png"} <= types
    for i in range(icons.count()):
        response = page.context.request.get(icons.nth(i).get_attribute("href"))
        assert response.ok and response.headers["content-type"].startswith("image/")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_navigation_breaks_no_content_security_policy(
    site: Site, chromium: Any, lang: str
) -> None:
    context = chromium.new_context(base_url=site.url)
    context.add_cookies(
        [
            {"name": "infobase_language", "value": lang, "url": site.url},
            {"name": "sessionid", "value": site.session("secretariat"), "url": site.url},
        ]
    )
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto("/")
    page.locator('button[aria-controls="menu-reference"]').click()
    context.close()
    assert not refused, refused


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_table_of_fields_in_a_form_takes_the_pages_width_without_scrolling(
    open_page: Any, lang: str
) -> None:
    # The project form's budget lines: a table among stacked fields (each 30rem at most).
    page = open_page("/funding/projects/new/", as_="secretariat", lang=lang, width=1366)
    page.wait_for_load_state("load")
    region = page.locator("form.stacked > .table-scroll")
    assert region.count() == 1
    assert not region.evaluate("e => e.scrollWidth > e.clientWidth")
    amount = page.locator('input[name$="-amount"]').first.bounding_box()
    box = region.bounding_box()
    assert amount is not None and box is not None
    assert box["x"] <= amount["x"] and amount["x"] + amount["width"] <= box["x"] + box["width"]
    assert_accessible(page)
