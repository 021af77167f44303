"""A report being produced, followed by the secretariat in Arabic on a phone and in English on a
desk: its progress bar has a name a screen reader says, and its percentage and step are written
beside it in the reader's language (the bar alone told a screen reader nothing and showed no
figure). The run is one the prepared database holds at 40 %, with no job behind it, so the bar
is there for as long as the journey looks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils.translation import gettext_lazy

from infobase.core.i18n import format_percent
from tests.browser.conftest import Site
from tests.browser.pages import DESK, PHONE, expect_direction, say
from tests.browser.test_allocation_pages import read_as_a_whole


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_a_running_reports_progress_is_named_and_written_in_the_readers_language(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page(
        f"/reports/runs/{site.facts['running_report']}/", as_="secretariat", lang=lang, width=width
    )
    expect_direction(page, lang)
    written = format_percent(40, 0, lang)
    bar = page.get_by_role("progressbar", name=say(gettext_lazy("Progress"), lang), exact=True)
    assert bar.count() == 1
    assert bar.get_attribute("aria-valuetext") == written
    percent = page.locator("#job-percent")
    assert percent.is_visible() and percent.inner_text().strip() == written
    # The step in the reader's words, told to screen readers when it changes.
    step = page.get_by_role("status")
    assert step.inner_text().strip() == say(gettext_lazy("Counting the needs"), lang)
    # The label, the bar and its figure on one line, in the page's direction.
    label = page.locator(".job-progress label").bounding_box()
    figure = percent.bounding_box()
    assert label is not None and figure is not None
    assert (figure["x"] < label["x"]) == (lang == "ar"), (label, figure)
    read_as_a_whole(page, f"report-progress-{lang}-{width}", width)


def test_a_progress_page_left_open_after_the_session_ended_leads_to_the_login_and_back(
    site: Site, open_page: Any
) -> None:
    # The page asks for the run's status every second; once the session is gone the answer is
    # no longer the run's: the page reloads into the login, which leads back to it, instead of
    # showing a bar that no longer moves.
    path = f"/reports/runs/{site.facts['running_report']}/"
    page = open_page(path, as_="secretariat", lang="ar", width=PHONE)
    assert page.locator("#job-progress").count() == 1
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "infobase_language", "value": "ar", "url": site.url}])
    login = "/accounts/login/?" + urlencode({"next": path}, safe="/")
    page.wait_for_url(lambda url: url.endswith(login))
    expect_direction(page, "ar")
    assert page.locator("input[name=password]").count() == 1
