"""What the public and a signing-in user see, in Arabic and in English."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import LANGUAGES, expect_direction

STATE_NAMES = {"en": "Egypt", "ar": "مصر"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_public_reads_a_states_profile(open_page: Any, lang: str) -> None:
    page = open_page("/states/EGY/", lang=lang)
    expect_direction(page, lang)
    assert STATE_NAMES[lang] in page.locator("h1").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_states_public_profile_opens_its_articles(open_page: Any, lang: str) -> None:
    page = open_page("/states/EGY/", lang=lang)
    article = page.locator('main a[href*="/articles/"]')
    assert article.count() >= 1
    article.first.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url
    expect_direction(page, lang)
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_public_reads_the_published_reports_page(open_page: Any, lang: str) -> None:
    page = open_page("/published/", lang=lang)
    expect_direction(page, lang)
    assert page.locator("h1").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_anonymous_visit_to_a_members_page_leads_to_sign_in(open_page: Any, lang: str) -> None:
    page = open_page("/needs/", lang=lang)
    assert re.search(r"/accounts/login/\?next=(%2F|/)needs(%2F|/)$", page.url), page.url
    expect_direction(page, lang)


def test_secretariat_signs_in_with_a_password_and_a_recovery_code(
    site: Site, open_page: Any
) -> None:
    page = open_page("/accounts/login/?next=/needs/", lang="en")
    assert_accessible(page)
    page.locator('input[name="username"]').fill("secretariat")
    page.locator('input[name="password"]').fill(site.facts["password"])
    page.locator('main button[type="submit"]').click()
    page.wait_for_load_state()
    assert "/accounts/" in page.url  # the second step
    assert_accessible(page)
    page.locator('input[name="token"]').fill(site.facts["recovery_code"])
    page.locator('main button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.url.endswith("/needs/")
    assert page.locator("h1").count() == 1
