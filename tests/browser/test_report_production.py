"""The secretariat produces the analytical report on implementation from the web, in Arabic on a
phone and English on a desk: it asks for the report on the form (confirming, as a person would,
when the data is thin), follows the run's page while a background job makes it (its steps and
percentage in the reader's language), then takes the PDF and, asked for from the same page, the
Word file: each titled in the reader's language, the Arabic ones in Arabic and right to left.
Nothing is wider than a phone, and each page passes the accessibility check."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from docx import Document
from docx.oxml.ns import qn

from infobase.core.i18n import format_percent
from infobase.reports.models import RunStatus
from tests.browser.conftest import Site
from tests.browser.pages import DESK, PHONE, expect_direction, say, shoot
from tests.browser.test_allocation_pages import read_as_a_whole

JOURNEYS = [("ar", PHONE), ("en", DESK)]
ARABIC = re.compile("[\u0600-\u06ff]")
LATIN = re.compile("[A-Za-z]")
# What the run's page shows while it is followed, sent to the test each time job.js writes
# it (the page reloads itself when the job ends: what it said before is gone from it).
WATCH = """(() => {
  const watch = () => {
    const bar = document.getElementById("job-progress");
    const step = document.getElementById("job-step");
    const status = document.getElementById("job-status");
    const percent = document.getElementById("job-percent");
    if (!bar) { return; }
    const send = () => window.reportSeen({
      percent: percent.textContent, spoken: bar.getAttribute("aria-valuetext"),
      step: step ? step.textContent : "",
      status: status ? status.textContent : "", width: document.documentElement.scrollWidth,
      screen: document.documentElement.clientWidth,
    });
    send();
    new MutationObserver(send).observe(document.querySelector("main"),
      {subtree: true, childList: true, characterData: true});
  };
  document.addEventListener("DOMContentLoaded", watch);
})();"""


def follow_the_run(page: Any, name: str) -> None:
    """Wait on the run's page until its job ends (the page reloads itself) and check that it
    succeeded; a picture of the page while it waits (``name``), if it is still waiting."""
    page.wait_for_url("**/reports/runs/**")
    if page.locator("#job-progress").count():
        shoot(page, name)
    page.locator("main a.button[href$='/file/'], main .message.error").first.wait_for(
        timeout=180_000
    )
    assert page.locator("main .message.error").count() == 0, page.locator("main").inner_text()


def progress_as_read(seen: list[dict[str, Any]], lang: str, width: int) -> None:
    """What the run's page said while the job ran, each time it changed: the status by its
    label in ``lang``, the step translated (no Latin letter on an Arabic page), the percentage
    written as ``core.i18n.format_percent`` writes it, and nothing wider than the screen; the
    last before the page reloaded itself says the run is done."""
    labels = {say(status.label, lang) for status in RunStatus}
    for state in seen:
        assert state["status"].strip() in labels, state
        figure = re.search(r"\d+", state["percent"])
        assert figure is not None, state
        assert state["percent"] == format_percent(int(figure.group()), 0, lang), state
        assert state["spoken"] == state["percent"], state
        if lang == "ar":
            assert not LATIN.search(state["step"]), state
        if width == PHONE:
            assert state["width"] <= state["screen"], state
    assert seen[-1]["status"].strip() == say(RunStatus.DONE.label, lang), seen


def download(page: Any, folder: Path, link: str) -> Path:
    """The file the link on the page gives, as a browser downloads it."""
    with page.expect_download() as event:
        page.locator(link).click()
    got = event.value
    target = folder / got.suggested_filename
    got.save_as(target)
    return target


def pdf_first_page(data: bytes, png: Path) -> str:
    """The text of the PDF's first page, its whitespace made single spaces; the page drawn to
    ``png``, for people to look at."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(io.BytesIO(data))
    try:
        first = pdf[0]
        first.render(scale=1.5).to_pil().save(png)
        return " ".join(first.get_textpage().get_text_range().split())
    finally:
        pdf.close()


def written_in(text: str, lang: str) -> None:
    """Arabic letters make most of ``text``'s letters in Arabic, none in English."""
    arabic, latin = len(ARABIC.findall(text)), len(LATIN.findall(text))
    if lang == "ar":
        assert arabic > 4 * latin, text[:400]
    else:
        assert arabic == 0 and latin, text[:400]


def parameter(page: Any, label: str) -> str:
    """The value the run's page gives for the parameter ``label``."""
    for line in page.locator("main dl.facts ul.plain li").all_inner_texts():
        name, _sep, value = line.partition(":")
        if name.strip() == label:
            return value.strip()
    raise AssertionError(f"no parameter {label!r} on {page.url}")


@pytest.mark.parametrize(("lang", "width"), JOURNEYS)
def test_secretariat_produces_the_analytical_report_and_reads_its_pdf_and_word_files(
    site: Site, open_page: Any, lang: str, width: int, tmp_path: Path
) -> None:
    kept = Path(os.environ.get("INFOBASE_SHOTS") or tmp_path)
    page = open_page("/reports/", as_="secretariat", lang=lang, width=width)
    seen: list[dict[str, Any]] = []
    page.expose_function("reportSeen", lambda state: seen.append(state))
    page.add_init_script(WATCH)
    expect_direction(page, lang)
    read_as_a_whole(page, f"reports-{lang}-{width}", width)

    # 1. The form: the analytical report on the Convention, its first cycle, as a PDF.
    page.locator("main a[href$='/reports/new/analytical/']").click()
    page.wait_for_load_state()
    expect_direction(page, lang)
    form = page.locator("main form")
    instrument = form.locator("select[name='instrument']")
    instrument.select_option("untoc")
    named = instrument.locator("option:checked").inner_text().strip()
    form.locator("input[name='cycle']").fill("1")
    # The report's language is the reader's unless they choose another.
    assert form.locator("select[name='lang']").input_value() == lang
    form.locator("select[name='fmt']").select_option("pdf")
    read_as_a_whole(page, f"report-form-{lang}-{width}", width)
    form.locator("button[type='submit']").click()
    page.wait_for_load_state()
    if page.locator("#report-basis input[name='confirm']").count():
        expect_direction(page, lang)
        read_as_a_whole(page, f"report-basis-{lang}-{width}", width)
        page.locator("#report-basis input[name='confirm']").check()
        page.locator("main form button[type='submit']").click()

    # 2. The run's page, followed to its end in the reader's language.
    follow_the_run(page, f"report-running-{lang}-{width}")
    assert len(seen) >= 2, seen  # the page as it came, and the job's progress after it
    progress_as_read(seen, lang, width)
    expect_direction(page, lang)
    read_as_a_whole(page, f"report-run-{lang}-{width}", width)

    # 3. The PDF, titled in the reader's language, dated as the page dates it.
    with translation.override(lang):
        title = translation.gettext(
            "Analytical report on the implementation of the %(instrument)s"
        ) % {"instrument": named}
    dated = parameter(page, say(gettext_lazy("Date of the document"), lang))
    pdf = download(page, kept, "main a[download][href$='/file/']")
    text = pdf_first_page(pdf.read_bytes(), kept / f"report-pdf-{lang}.png")
    assert title in text, (title, text[:400])
    assert dated in text, (dated, text[:400])
    written_in(text, lang)

    # 4. The Word file of the same report, asked for from the run's page.
    seen.clear()
    other = page.locator("main form[action$='/other/']")
    assert other.locator("select[name='lang']").input_value() == lang
    other.locator("select[name='fmt']").select_option("docx")
    other.locator("button[type='submit']").click()
    follow_the_run(page, f"report-running-docx-{lang}-{width}")
    if seen:  # the figures are kept from the PDF: it may be done before its page is shown
        progress_as_read(seen, lang, width)
    expect_direction(page, lang)
    read_as_a_whole(page, f"report-run-docx-{lang}-{width}", width)
    document = Document(str(download(page, kept, "main a.button[href$='/file/']")))
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == [title], titles
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) >= 3, headings
    written_in(" ".join(headings), lang)
    # The report's own words (the States' answers it quotes are in the words they were given,
    # each in its own direction), right to left in Arabic, the title and headings first.
    own = [p for p in document.paragraphs if p.text.strip() and p.style.name != "Quote"]
    written_in(" ".join(p.text for p in own), lang)
    for paragraph in document.paragraphs:
        if not paragraph.text.strip():
            continue
        quoted_in_arabic = ARABIC.search(paragraph.text) is not None
        expected = quoted_in_arabic if paragraph.style.name == "Quote" else lang == "ar"
        rtl = paragraph._p.pPr is not None and paragraph._p.pPr.find(qn("w:bidi")) is not None
        assert rtl == expected, (paragraph.style.name, paragraph.text[:80])
