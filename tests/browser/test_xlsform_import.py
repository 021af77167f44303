"""The secretariat imports an XLSForm in the browser, in Arabic on a phone and in English on a
desk: from the questionnaires to the import page, a real questionnaire (one of
``shared/data/xlsform``) read by a background job whose page says it was imported and leads to
it; then a broken workbook refused on the job's page, each problem named by its file, sheet,
row and column in the reader's language, pyxform's own English sentence kept whole and in its
order inside an Arabic line. Nothing is wider than a phone; each page passes the accessibility
check."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext

from infobase.core.errors import InputProblem
from tests.browser.conftest import Site
from tests.browser.pages import DESK, PHONE, expect_direction, say
from tests.browser.test_allocation_pages import read_as_a_whole
from tests.browser.test_requests_import import reads_before
from tests.conftest import shared_data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Real forms: English and Arabic labels (the Arabic reader's), English and French (the other).
REAL = {"ar": "subdistrict-profiling-tool.xlsx", "en": "mali-health-facilities.xlsx"}


def broken() -> bytes:
    """A workbook whose choices sheet has no list, a question choosing from a list not there."""
    from openpyxl import Workbook

    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["text", "q1", "Question one"])
    survey.append(["select_one nolist", "q2", "Question two"])
    book.create_sheet("choices").append(["list_name", "name", "label"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title"])
    settings.append(["broken_form", "Broken"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(page: Any, files: Any) -> None:
    """On the import page: the workbook, the first reporting cycle, Import; then the job's page
    followed to its end (it asks for the job's status every second and reloads itself)."""
    page.set_input_files('main input[name="file"]', files=files)
    page.locator('main select[name="cycle"]').select_option(index=1)
    page.locator('main form button[type="submit"]').click()
    page.wait_for_url("**/jobs/**")
    page.locator("main .message.error, main .message.success").first.wait_for(timeout=60_000)


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_secretariat_imports_a_real_xlsform_and_reads_why_a_broken_one_is_refused(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    real = shared_data() / "xlsform" / REAL[lang]
    page = open_page("/questionnaires/", as_="secretariat", lang=lang, width=width)
    page.get_by_role("link", name=say(gettext_lazy("Import an XLSForm"), lang)).click()
    page.wait_for_url("**/questionnaires/import/")
    expect_direction(page, lang)
    read_as_a_whole(page, f"xlsform-import-{lang}-{width}", width)

    # A real questionnaire: imported, and the job's page leads to it.
    send(page, [str(real)])
    expect_direction(page, lang)
    assert page.locator("main .message.success").count() == 1, page.locator("main").inner_text()
    summary = page.locator("main .message.success + ul > li").all_inner_texts()
    warned = len(summary) - 1
    with translation.override(lang):
        expected = (
            ngettext(
                "The questionnaire was imported, with %(count)s warning:",
                "The questionnaire was imported, with %(count)s warnings:",
                warned,
            )
            % {"count": warned}
            if warned
            else translation.gettext("The questionnaire was imported.")
        )
    assert summary[0] == expected, summary
    read_as_a_whole(page, f"xlsform-imported-{lang}-{width}", width)
    page.get_by_role("link", name=say(gettext_lazy("See the result"), lang)).click()
    page.wait_for_url("**/questionnaires/*/")
    expect_direction(page, lang)

    # A broken one: refused, each problem on a line of its own and named by its place.
    page.goto("/questionnaires/import/")
    send(page, [{"name": "broken.xlsx", "mimeType": XLSX, "buffer": broken()}])
    expect_direction(page, lang)
    problems = page.locator("main .message.error .problem")
    assert problems.count() == 2, page.locator("main").inner_text()
    texts = problems.all_inner_texts()

    def place(**where: Any) -> str:
        with_language = InputProblem(file="broken.xlsx", message="", **where)
        return say(with_language, lang).strip().rstrip(":：").strip()

    ours = next(i for i, text in enumerate(texts) if "nolist" in text)
    theirs = 1 - ours
    assert texts[ours].startswith(place(sheet="survey", line=3, column="type")), texts[ours]
    # pyxform's sentence names the sheet in its words: the page names it as ours are named.
    assert texts[theirs].startswith(place(sheet="choices")), texts[theirs]
    assert "There should be a choices sheet" in texts[theirs], texts[theirs]
    # Its English sentence reads in its own order on an Arabic line too: its closing quote and
    # full stop after its last word, not carried to the line's other end.
    assert reads_before(problems.nth(theirs), "There", "should", rtl=False)
    assert reads_before(problems.nth(theirs), "label", "'.", rtl=False)
    read_as_a_whole(page, f"xlsform-refused-{lang}-{width}", width)
