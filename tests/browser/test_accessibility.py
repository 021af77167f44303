"""axe-core on the pages of the journeys that other tests drive without checking them.

Each page is its own test, so that a page known to fail (marked, with the reason) does not hide
the others.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, assert_accessible, axe_violations
from tests.browser.pages import LANGUAGES, expect_direction

# name: (persona, path from the prepared facts)
PAGES: dict[str, tuple[str | None, str]] = {
    "home-public": (None, "/"),
    "home-focal-point": ("focal.egypt", "/"),
    "home-secretariat": ("secretariat", "/"),
    "home-wg-chair": ("delegate.mexico", "/"),
    "home-donor": ("donor", "/"),
    "answering": ("focal.spare", "/assignments/{spare_assignment}/"),
    "review": ("secretariat", "/assignments/{submitted_assignments[3]}/review/"),
    "register": ("secretariat", "/needs/"),
    "work-programmes": ("delegate.mexico", "/programmes/"),  # themes with their open needs
    "heat-table": ("secretariat", "/needs/heat/"),
    "funding-gaps": ("donor", "/funding/gaps/"),
    "mobilization": ("donor", "/funding/mobilization/"),
    "equity": ("delegate.mexico", "/funding/equity/"),
    "coverage": ("secretariat", "/coverage/"),
    "who-does-what-where": ("delegate.mexico", "/activities/matrix/"),
    # Pages that list or count needs (those their reader may see).
    "outcome": (None, "/meetings/outcomes/{outcome}/"),
    "wg-session": (None, "/meetings/sessions/{wg_session}/"),
    "activity": ("focal.egypt", "/activities/{activity}/"),  # with the comment form
}
KNOWN: dict[str, str] = {}


def cases() -> list[Any]:
    out = []
    for name in PAGES:
        for lang in LANGUAGES:
            marks = [pytest.mark.xfail(strict=False, reason=KNOWN[name])] if name in KNOWN else []
            out.append(pytest.param(name, lang, marks=marks, id=f"{name}-{lang}"))
    return out


@pytest.mark.parametrize(("name", "lang"), cases())
def test_page_has_no_serious_accessibility_violation(
    site: Site, open_page: Any, name: str, lang: str
) -> None:
    persona, path = PAGES[name]
    page = open_page(path.format(**site.facts), as_=persona, lang=lang)
    expect_direction(page, lang)
    assert_accessible(page)


def test_the_check_reports_a_serious_violation_when_there_is_one(chromium: Any) -> None:
    # The options given to axe (violations only, one rule added) must not silence it.
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button>'
            "</main></body></html>"
        )
        found = {v["id"] for v in axe_violations(page)}
    finally:
        context.close()
    assert {"image-alt", "button-name"} <= found
