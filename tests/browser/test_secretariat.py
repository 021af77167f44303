"""The secretariat's journeys in the browser, in Arabic and in English: review, needs, reports."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infobase.questionnaires.models import AssignmentStatus
from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import LANGUAGES, expect_direction, say

# Submitted questionnaires of the demo (prepare.py): per language one returned, one validated.
TO_RETURN = {"en": 0, "ar": 2}
TO_VALIDATE = {"en": 1, "ar": 3}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_secretariat_returns_a_questionnaire_with_a_comment_the_state_then_reads(
    site: Site, open_page: Any, lang: str
) -> None:
    pk = site.facts["submitted_assignments"][TO_RETURN[lang]]
    page = open_page(f"/assignments/{pk}/review/", as_="secretariat", lang=lang)
    expect_direction(page, lang)
    comment = f"Please explain the answer on article 5 ({lang}, browser test)."
    page.locator('main textarea[name="comment"]').fill(comment)
    page.locator('main button[name="action"][value="return"]').click()
    page.wait_for_load_state()
    assert say(AssignmentStatus.RETURNED.label, lang) in page.locator("main").inner_text()

    state_side = open_page(f"/assignments/{pk}/", as_=f"focal.returned.{lang}", lang=lang)
    main = state_side.locator("main")
    assert comment in main.inner_text()
    assert say(AssignmentStatus.RETURNED.label, lang) in main.inner_text()
    assert state_side.locator('button[name="action"][value="submit"]').count() == 1


def test_an_english_comment_reads_left_to_right_in_the_arabic_interface(
    site: Site, open_page: Any
) -> None:
    page = open_page(
        f"/assignments/{site.facts['commented_assignment']}/", as_="focal.commented", lang="ar"
    )
    comment = page.locator("main").get_by_text(site.facts["english_comment"]).first
    assert comment.evaluate("e => getComputedStyle(e).direction") == "ltr"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_secretariat_validates_a_submitted_questionnaire(
    site: Site, open_page: Any, lang: str
) -> None:
    pk = site.facts["submitted_assignments"][TO_VALIDATE[lang]]
    page = open_page(f"/assignments/{pk}/review/", as_="secretariat", lang=lang)
    page.locator('main button[name="action"][value="validate"]').click()
    page.wait_for_load_state()
    assert say(AssignmentStatus.VALIDATED.label, lang) in page.locator("main").inner_text()
    assert page.locator('main button[name="action"][value="validate"]').count() == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_secretariat_derives_the_needs_on_demand_and_follows_the_job(
    site: Site, open_page: Any, lang: str
) -> None:
    page = open_page("/needs/", as_="secretariat", lang=lang)
    page.locator("form[action*=derive] button[type=submit]").first.click()
    page.wait_for_load_state()
    assert re.search(r"/jobs/[0-9a-f-]+/$", page.url), page.url
    assert_accessible(page)
    page.locator("#job-progress").wait_for(state="detached", timeout=60_000)
    assert "/jobs/" in page.url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_uncovered_needs_for_article_18_in_africa_are_three_choices_away_in_the_register(
    site: Site, open_page: Any, lang: str
) -> None:
    from infobase.needs.selectors import CoverageStatus
    from infobase.reference.models import RegionalGroup

    page = open_page("/needs/", as_="secretariat", lang=lang)
    expect_direction(page, lang)
    uncovered = say(CoverageStatus.UNCOVERED.label, lang)
    african = say(RegionalGroup("african").label, lang)
    page.locator('select[name="coverage"]').select_option(label=uncovered)
    article = page.locator('select[name="article"] option', has_text=re.compile(r"\b18\b")).first
    page.locator('select[name="article"]').select_option(article.get_attribute("value"))
    page.locator('select[name="regional_group"]').select_option(label=african)
    with page.expect_navigation():
        page.locator("#register-filter-submit").click()
    assert "coverage=uncovered" in page.url and "regional_group=african" in page.url
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert uncovered in text
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_secretariat_produces_a_report_follows_its_progress_and_downloads_it(
    site: Site, open_page: Any, lang: str
) -> None:
    page = open_page("/reports/", as_="secretariat", lang=lang)
    expect_direction(page, lang)
    assert_accessible(page)
    page.locator('main a[href$="/reports/new/analytical/"]').first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator('select[name="instrument"]').select_option("untoc")
    page.locator('input[name="cycle"]').fill("1")
    page.locator('select[name="lang"]').select_option(lang)
    page.locator('select[name="fmt"]').select_option("pdf")
    page.locator('main form button[type="submit"]').last.click()
    page.wait_for_load_state()
    confirm = page.locator('input[name="confirm"]')
    if confirm.count():  # a report resting on little asks before producing
        confirm.check()
        page.locator('main form button[type="submit"]').last.click()
        page.wait_for_load_state()
    assert re.search(r"/reports/runs/[0-9a-f-]+/$", page.url), page.url
    assert_accessible(page)
    # The page follows the job by itself and offers the file when it is done.
    download = page.locator('main a[download][href$="/file/"]')
    download.wait_for(timeout=90_000)
    response = page.context.request.get(download.get_attribute("href"))
    assert response.ok
    assert response.body()[:5] == b"%PDF-"
    expect_direction(page, lang)
