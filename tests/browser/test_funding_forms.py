"""The secretariat's forms for resources, in Arabic on a phone and in English on a desk: the
project form (designed from needs) fits the phone, its beneficiary States are described by the
rule that names them, in the reader's language; the pledge and project forms name currencies in
the reader's language (IATI's codelist names them in English only). A donor is not offered the
pledge form: the secretariat records pledges. Each page passes the accessibility check."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import gettext_lazy

from tests.browser.conftest import Site
from tests.browser.pages import DESK, PHONE, expect_direction, say
from tests.browser.test_allocation_pages import read_as_a_whole

DOLLAR = {"ar": "USD — دولار أمريكي", "en": "USD — US Dollar"}
HELP = (
    "Left empty, the States of the chosen needs that everyone may see. Beneficiary States are "
    "published: a State whose chosen need is confidential is named only if you choose it here."
)


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_the_project_form_fits_and_explains_its_beneficiary_states(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/funding/projects/new/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    # Design from two needs of the register: the form comes back with them chosen.
    choices = page.locator("main .need-choices input[type=checkbox]")
    choices.nth(0).check()
    choices.nth(1).check()
    page.locator("main .need-choices + button[type=submit]").click()
    page.wait_for_load_state()
    expect_direction(page, lang)
    form = page.locator("main form.stacked")
    # The States' checklist: a group named by its legend (core.widgets.Checklist).
    states = form.locator('fieldset:has(input[name="states"])')
    # The rule is the list's description: said with it by a screen reader, in the reader's words.
    described = states.get_attribute("aria-describedby")
    assert described, "the beneficiary States' list has no description"
    said = page.locator(f"#{described}").inner_text().strip()
    assert said == say(gettext_lazy(HELP), lang)
    assert states.locator('input[name="states"]:checked').count() >= 1  # the chosen needs' States
    currency = form.locator('select[name="currency"] option:checked').inner_text().strip()
    assert currency == DOLLAR[lang]
    read_as_a_whole(page, f"project-form-{lang}-{width}", width)


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_the_pledge_form_names_currencies_in_the_readers_language(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/funding/pledges/new/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    currency = page.locator('main select[name="currency"]')
    assert currency.locator("option:checked").inner_text().strip() == DOLLAR[lang]
    read_as_a_whole(page, f"pledge-form-{lang}-{width}", width)
    # A donor is told it may not, in the page's language.
    donor = open_page("/funding/pledges/new/", as_="donor", lang=lang, width=width)
    expect_direction(donor, lang)
    assert donor.locator('main select[name="currency"]').count() == 0
    read_as_a_whole(donor, f"pledge-form-donor-{lang}-{width}", width)
