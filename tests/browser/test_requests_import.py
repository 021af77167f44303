"""The secretariat imports requests for assistance from a spreadsheet, in Arabic on a phone and in
English on a desk: from the requests list to the import page, a workbook with a bad row refused
on the job's page (each problem named by its row and column, in the reader's language), the
workbook put right and sent again, and the imported requests found in the list."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from infobase.core.errors import InputProblem
from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import DESK, PHONE, expect_direction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    "iso3",
    "instrument",
    "articles",
    "kinds",
    "title",
    "description",
    "language",
    "urgency",
    "received_on",
    "needed_by",
    "reference",
    "confidential",
)


def workbook(rows: list[tuple[str, ...]]) -> bytes:
    """An Excel workbook with the import's header row, then ``rows``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Requests"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(page: Any, rows: list[tuple[str, ...]]) -> None:
    """Upload a workbook of ``rows`` from the import page and follow to the job's page."""
    workbook_file = {"name": "requests.xlsx", "mimeType": XLSX, "buffer": workbook(rows)}
    page.set_input_files('input[name="file"]', files=[workbook_file])
    page.locator('form.stacked button[type="submit"]').click()
    page.wait_for_url("**/jobs/**")
    # The job's page asks for the job's status every second and reloads itself when it ends.
    page.wait_for_selector(".message.error, .message.success", timeout=30_000)


def good_row(title: str) -> tuple[str, ...]:
    return (
        "EGY",
        "untoc",
        "5; 6(2)",
        "training",
        title,
        "Training of prosecutors",
        "en",
        "high",
        "2024-01-05",
        "",
        "",
        "no",
    )


# Where the first occurrence of each of two words of an element is drawn: [left, top] of each.
PLACES = """(element, [first, second]) => {
  const text = element.firstChild;
  const box = (word) => {
    const range = document.createRange();
    const at = text.data.indexOf(word);
    range.setStart(text, at);
    range.setEnd(text, at + word.length);
    const rect = range.getBoundingClientRect();
    return [rect.left, rect.top];
  };
  return [box(first), box(second)];
}"""


def reads_before(element: Any, first: str, second: str, *, rtl: bool) -> bool:
    """``first`` is read before ``second`` in ``element``: on a line above it, or on the same
    line and on the side the line starts from (the right in Arabic)."""
    (left1, top1), (left2, top2) = element.evaluate(PLACES, [first, second])
    if abs(top1 - top2) > 4:
        return top1 < top2
    return left1 > left2 if rtl else left1 < left2


def shoot(page: Any, name: str) -> None:
    # INFOBASE_SHOTS=FOLDER keeps a picture of each step, for people to look at.
    folder = os.environ.get("INFOBASE_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"requests-import-{name}.png"), full_page=True)


@pytest.mark.parametrize(("lang", "width"), [("ar", PHONE), ("en", DESK)])
def test_requests_imported_from_a_workbook_after_a_refused_row(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    title = f"Import journey {lang} {width}"
    page = open_page("/requests/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    with translation.override(lang):
        page.get_by_role("link", name=translation.gettext("Import from a spreadsheet")).click()
    page.wait_for_url("**/requests/import/")
    expect_direction(page, lang)
    # The instruments' codes and the column named after them read in order in Arabic too.
    explained = page.locator("main ul.note li").nth(1)
    assert reads_before(explained, "firearms", "articles", rtl=lang == "ar")
    assert_accessible(page)
    shoot(page, f"page-{lang}-{width}")

    # The template the page offers holds exactly the columns it names.
    with translation.override(lang):
        link = page.get_by_role("link", name=translation.gettext("Download a template"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    with open(download.path(), "rb") as downloaded:
        template = load_workbook(downloaded)
    header = [cell.value for cell in next(template.worksheets[0].iter_rows(max_row=1))]
    assert tuple(header) == COLUMNS

    # One good row, one with an unknown State and an urgency that is not one.
    bad = ("XXX", "untoc", "5", "training", "Bad row", "d", "en", "urgent", "2024-01-05")
    send(page, [good_row(title), bad])
    expect_direction(page, lang)
    error = page.locator(".message.error")
    text = error.inner_text()
    for column in ("iso3", "urgency"):
        with translation.override(lang):
            named = str(
                InputProblem(
                    file="requests.xlsx", sheet="Requests", line=3, column=column, message=""
                )
            )
        assert named.strip().rstrip(":：").strip() in text, text
    # Two problems, each on a line of its own, and nothing about the good row; each reads
    # in order in its language: the column, then the value found in it.
    problems = error.locator(".problem")
    assert problems.count() == 2
    assert reads_before(problems.nth(0), "iso3", "XXX", rtl=lang == "ar")
    assert reads_before(problems.nth(1), "urgency", "urgent", rtl=lang == "ar")
    assert ", 2," not in text and "، 2،" not in text
    assert_accessible(page)
    shoot(page, f"refused-{lang}-{width}")

    # Put right and sent again: both rows are imported.
    page.goto("/requests/import/")
    fixed = ("SEN", *bad[1:4], f"{title} (2)", "d", "fr", "low", "2024-01-05")
    send(page, [good_row(title), fixed])
    with translation.override(lang):
        done = translation.ngettext(
            "%(count)s request was imported.", "%(count)s requests were imported.", 2
        ) % {"count": 2}
    assert done in page.locator("main").inner_text()
    assert_accessible(page)
    shoot(page, f"done-{lang}-{width}")
    with translation.override(lang):
        page.get_by_role("link", name=translation.gettext("See the result")).click()
    page.wait_for_url("**/requests/")
    # On a phone the filters are folded under their heading: open them as a person would.
    fold = page.locator("main details[data-filter-fold]")
    if not fold.evaluate("details => details.open"):
        fold.locator("summary").click()
    page.locator('input[name="q"]').fill(title)
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    titles = page.locator("table.data tbody th a").all_inner_texts()
    assert sorted(titles) == sorted([title, f"{title} (2)"])
    assert_accessible(page)
    shoot(page, f"list-{lang}-{width}")
