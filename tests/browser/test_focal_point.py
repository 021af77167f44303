"""A State's focal point answers the questionnaire in the browser, in Arabic and in English."""

from __future__ import annotations

from typing import Any

import pytest

from infobase.questionnaires.models import AssignmentStatus
from tests.browser.conftest import Site
from tests.browser.pages import LANGUAGES, expect_direction, say

# Egypt's focal point works in Arabic on a questionnaire already started; the English-speaking
# focal point (prepare.py) starts one from nothing.
PERSONA = {"ar": ("focal.egypt", "egypt_assignment"), "en": ("focal.browser", "fresh_assignment")}


def assignment_url(site: Site, lang: str) -> str:
    return f"/assignments/{site.facts[PERSONA[lang][1]]}/"


def answer_every_open_choice(page: Any) -> None:
    """Picks the first choice of every shown single-choice question still unanswered."""
    page.evaluate(
        """() => {
        const groups = new Map();
        for (const radio of document.querySelectorAll('form input[type=radio][name^="q-"]')) {
            if (!groups.has(radio.name)) { groups.set(radio.name, []); }
            groups.get(radio.name).push(radio);
        }
        for (const radios of groups.values()) {
            const shown = radios.filter((r) => r.getClientRects().length > 0);
            if (!shown.length || radios.some((r) => r.checked && r.value)) { continue; }
            const first = shown.find((r) => r.value);
            if (first) { first.click(); }
        }
    }"""
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_focal_point_answers_with_a_follow_up_saves_resumes_and_submits(
    site: Site, open_page: Any, lang: str
) -> None:
    username, _ = PERSONA[lang]
    url = assignment_url(site, lang)
    page = open_page(url, as_=username, lang=lang)
    expect_direction(page, lang)

    # "Technical assistance needed?" reveals which kinds of assistance.
    kinds = page.locator('input[name="q-a5_ta_kinds"]')
    page.locator('input[name="q-a5_ta_needed"][value="no"]').check()
    assert kinds.first.is_hidden()
    page.locator('input[name="q-a5_ta_needed"][value="yes"]').check()
    assert kinds.first.is_visible()
    kinds.first.check()
    kind_value = kinds.first.get_attribute("value")
    challenge = f"Browser journey ({lang}): too few trained investigators."
    page.locator('textarea[name="q-a5_challenges"]').fill(challenge)
    page.locator('button[name="action"][value="save"]').click()
    page.wait_for_load_state()
    assert page.url.split("#")[0].endswith(url)

    # Later, in a new session: the draft is there, follow-up included.
    resumed = open_page(url, as_=username, lang=lang)
    assert resumed.locator('textarea[name="q-a5_challenges"]').input_value() == challenge
    assert resumed.locator('input[name="q-a5_ta_needed"][value="yes"]').is_checked()
    kept = resumed.locator(f'input[name="q-a5_ta_kinds"][value="{kind_value}"]')
    assert kept.is_visible() and kept.is_checked()
    assert say(AssignmentStatus.IN_PROGRESS.label, lang) in resumed.locator("main").inner_text()

    # Every required question answered, the questionnaire goes to the secretariat.
    authority = resumed.locator('textarea[name="q-responding_authority"]')
    if not authority.input_value():
        authority.fill("Ministry of Justice (browser test)")
    answer_every_open_choice(resumed)
    resumed.locator('button[name="action"][value="submit"]').click()
    resumed.wait_for_load_state()
    main = resumed.locator("main").inner_text()
    assert say(AssignmentStatus.SUBMITTED.label, lang) in main, main[:2000]
    assert resumed.locator('button[name="action"][value="submit"]').count() == 0
    expect_direction(resumed, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_saving_a_draft_keeps_the_place_in_the_questionnaire(
    site: Site, open_page: Any, lang: str
) -> None:
    page = open_page(
        f"/assignments/{site.facts['spare_assignment']}/", as_="focal.spare", lang=lang
    )
    field = page.locator('textarea[name="q-a8_challenges"]')
    field.fill(f"Kept in place ({lang})")
    page.locator('button[name="action"][value="save"]').click()
    page.wait_for_load_state()
    assert page.evaluate("window.scrollY") > 500
    assert page.locator('textarea[name="q-a8_challenges"]').is_visible()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_focal_points_home_page_leads_to_the_questionnaire_due(
    site: Site, open_page: Any, lang: str
) -> None:
    # The spare State's questionnaire stays open whatever the other journeys submit.
    due = f"/assignments/{site.facts['spare_assignment']}/"
    page = open_page("/", as_="focal.spare", lang=lang)
    link = page.locator(f'main a[href$="{due}"]')
    assert link.count() >= 1
    link.first.click()
    page.wait_for_load_state()
    assert page.url.endswith(due)
