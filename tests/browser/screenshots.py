"""Screenshots of each role's home page and main pages, in Arabic and English, wide and phone.

Not part of the normal run (the name does not start with ``test_``); run it explicitly:

    .venv/bin/pytest -p no:xdist tests/browser/screenshots.py [--shots DIR]

PNG files go to ``/tmp/browser-shots/`` by default, named ``<page>-<lang>-<width>.png``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Site

WIDTHS = (1366, 390)
LANGS = ("en", "ar")


def pages(site: Site) -> list[tuple[str, str | None, str, bool]]:
    """(name, persona, path, whole page) for every screenshot."""
    facts = site.facts
    review = f"/assignments/{facts['submitted_assignments'][0]}/review/"
    history = [
        (f"history-{name}", "secretariat", f"/history/{model}/{facts['history'][name]}/", True)
        for name, model in (
            ("need", "needs.need"),
            ("answer", "questionnaires.answer"),
            ("assignment", "questionnaires.assignment"),
            ("activity", "activities.activity"),
            ("project", "funding.project"),
        )
    ]
    return [
        ("home-public", None, "/", True),
        ("home-focal-point", "focal.egypt", "/", True),
        ("home-secretariat", "secretariat", "/", True),
        ("home-wg-chair", "delegate.mexico", "/", True),
        ("home-donor", "donor", "/", True),
        ("answer", "focal.egypt", f"/assignments/{facts['egypt_assignment']}/", False),
        ("review", "secretariat", review, False),
        ("register", "secretariat", "/needs/", False),
        ("heat", "secretariat", "/needs/heat/", False),
        ("reports", "secretariat", "/reports/", True),
        ("reports-chair", "delegate.mexico", "/reports/", True),
        ("state-profile", None, "/states/EGY/", True),
        ("published", None, "/published/", True),
        ("login", None, "/accounts/login/", True),
        ("requests", "secretariat", "/requests/", False),
        ("lessons", "secretariat", "/lessons/", False),
        ("activities", "secretariat", "/activities/", False),
        ("coverage", "secretariat", "/coverage/", False),
        ("matrix", "delegate.mexico", "/activities/matrix/", False),
        ("iati-import", "secretariat", "/activities/import/", True),
        ("projects", "secretariat", "/funding/projects/", False),
        ("gaps", "secretariat", "/funding/gaps/", False),
        ("equity", "secretariat", "/funding/equity/", False),
        ("mobilization", "donor", "/funding/mobilization/", False),
        ("meetings", "secretariat", "/meetings/", False),
        ("mandates", "secretariat", "/meetings/mandates/", False),
        # The forms people fill in.
        ("request-new", "focal.egypt", "/requests/new/", True),
        ("pledge-new", "secretariat", "/funding/pledges/new/", True),
        ("activity-new", "secretariat", "/activities/new/", True),
        ("lesson-new", "secretariat", "/lessons/new/", True),
        ("project-new", "secretariat", "/funding/projects/new/", True),
        # Who changed what and why.
        *history,
    ]


# Pages reached by following the first link of another: (name, persona, path, link).
FOLLOWED = (
    ("report-run", "secretariat", "/reports/", 'main a[href^="/reports/runs/"]'),
    ("publication", None, "/published/", 'main a[href^="/published/"]'),
    ("publication-staff", "secretariat", "/published/", 'main a[href^="/published/"]'),
    ("need", "secretariat", "/needs/", 'main table th a[href^="/needs/"]'),
    ("activity", "secretariat", "/activities/", 'main table a[href^="/activities/"]'),
    ("project", "secretariat", "/funding/projects/", 'main table a[href^="/funding/projects/"]'),
    ("session", "secretariat", "/meetings/", 'main a[href^="/meetings/sessions/"]'),
)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots(site: Site, open_page: Any, lang: str, width: int) -> None:
    folder = Path(os.environ.get("INFOBASE_SHOTS", "/tmp/browser-shots"))  # noqa: S108
    folder.mkdir(parents=True, exist_ok=True)
    for name, persona, path, whole in pages(site):
        page = open_page(path, as_=persona, lang=lang, width=width)
        page.wait_for_load_state("load")
        target = folder / f"{name}-{lang}-{width}.png"
        page.screenshot(path=str(target), full_page=whole)
        page.context.close()
        assert target.stat().st_size > 0
    for name, persona, path, link in FOLLOWED:
        page = open_page(path, as_=persona, lang=lang, width=width)
        page.locator(link).first.click()
        page.wait_for_load_state("load")
        target = folder / f"{name}-{lang}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        page.context.close()
        assert target.stat().st_size > 0
