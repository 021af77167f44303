"""The secretariat's allocation pages and a questionnaire's response rate in the browser, in
Arabic on a phone and English on a desk: the secretariat computes proposals from the allocation
page (the job's page follows the solver to its end), compares them side by side and reads one,
its lines adding up to its total and its groups' shares to the money; a questionnaire's response
rate is the States that answered of those asked, on its cards, in its tables and in its list of
States. The trade-off chart is laid out as the page reads (mirrored in Arabic). Every figure
is written as the reader's language writes it, nothing is wider than a phone, and each page
passes the accessibility check."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from infobase.core.i18n import babel_locale_name, format_number, format_percent
from infobase.questionnaires.models import AssignmentStatus
from infobase.questionnaires.selectors import ANSWERED
from infobase.reference.models import RegionalGroup
from tests.browser.conftest import Site, assert_accessible
from tests.browser.pages import DESK, PHONE, TEXT_GAPS, expect_direction, say, shoot

JOURNEYS = [("ar", PHONE), ("en", DESK)]
# The marks a right-to-left page keeps around a figure or its percent sign.
MARKS = re.compile("[\u200e\u200f\u061c\u2066-\u2069]")
# Elements of the page that stand out of the screen sideways, those inside a region that
# scrolls or clips sideways (a wide table's) left aside: "tag.class left..right" of the first.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = e => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") { return true; }
    }
    return false;
  };
  const out = [];
  for (const e of document.querySelectorAll("main *")) {
    const box = e.getBoundingClientRect();
    if (!box.width || (box.left >= -1 && box.right <= width + 1) || scrolls(e)) { continue; }
    out.push(`${e.tagName}.${e.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return {page: document.documentElement.scrollWidth, screen: width, out: out.slice(0, 5)};
}"""


def fits_the_screen(page: Any) -> None:
    """Nothing on the page is wider than the screen but the tables, which scroll in their own
    region (tests/browser/test_wide_tables.py): the page itself never scrolls sideways."""
    found = page.evaluate(STICKING_OUT)
    assert found["page"] <= found["screen"] and not found["out"], (page.url, found)


# The trade-off chart as drawn: where its vertical axis stands and its horizontal figures are
# (screen pixels), and the size its smallest figure is read at.
CHART = """svg => {
  const box = svg.getBoundingClientRect();
  const at = e => e.getBoundingClientRect();
  const axis = at(svg.querySelectorAll("line")[1]);
  const ticks = [...svg.querySelectorAll("text.tick")].map(at);
  const scale = box.width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll("text")].map(
    t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return {left: box.left, right: box.right, axis: axis.left, low: ticks[0].left,
          high: ticks[1].left, smallest: Math.min(...sizes),
          words: [...svg.querySelectorAll("text")].map(t => t.textContent).join(" ")};
}"""


def chart_reads_in_the_pages_direction(page: Any, lang: str) -> None:
    """The trade-off chart is laid out as the page reads: in Arabic its vertical axis on the
    right and the equity index growing to the left (mirrored, as the tables beside it are),
    in English the other way; its titles are the page's text around it, in its language, and
    its figures are drawn at least at 10 px, on a phone too."""
    section = page.locator("main section.tradeoff")
    drawn = section.locator("svg.chart").evaluate(CHART)
    middle = (drawn["left"] + drawn["right"]) / 2
    if lang == "ar":
        assert drawn["axis"] > middle and drawn["low"] > drawn["high"], drawn
    else:
        assert drawn["axis"] < middle and drawn["low"] < drawn["high"], drawn
    assert drawn["smallest"] >= 10, drawn
    assert not re.search("[A-Za-z\u0600-\u06ff]", drawn["words"]), drawn  # figures only
    for title, words in (
        ("axis-y", "Priority-weighted needs met"),
        ("axis-x", "Equity index of the regional groups (1 = money in proportion to needs)"),
    ):
        shown = section.locator(f"figure .{title}")
        assert shown.inner_text().strip() == say(gettext_lazy(words), lang)
    # The vertical axis's title stands over it: at the right in Arabic.
    over = section.locator("figure .axis-y").evaluate(TEXT_GAPS)
    assert (over[1] < 1 < over[0]) if lang == "ar" else (over[0] < 1 < over[1]), over


def read_as_a_whole(page: Any, name: str, width: int) -> None:
    """The checks every page of these journeys ends with: on a phone nothing wider than the
    screen, a picture kept (``shoot``), and the accessibility check."""
    if width == PHONE:
        fits_the_screen(page)
    shoot(page, name)
    assert_accessible(page)


def number(text: str, lang: str, digits: int) -> Decimal:
    """The figure of ``text``, which must be written as the pages' one rule writes it in
    ``lang`` (``core.i18n.format_number``: its separators, ``digits`` decimals)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = babel_locale_name(lang)
    written = MARKS.sub("", text).strip()
    plain = written.replace(get_group_symbol(locale, numbering_system="latn"), "")
    plain = plain.replace(get_decimal_symbol(locale, numbering_system="latn"), ".")
    assert re.fullmatch(r"\d+(\.\d+)?", plain), (text, lang)
    value = Decimal(plain)
    assert text.strip() == format_number(value, digits, lang), (text, lang)
    return value


def percent(text: str, lang: str, digits: int = 1) -> Decimal:
    """The figure of a percentage, which must be written as ``core.i18n.format_percent`` writes
    it in ``lang`` (the sign and its marks where CLDR puts them)."""
    found = re.search(r"\d[\d.,]*", text)
    assert found is not None, text
    value = Decimal(MARKS.sub("", found.group()).replace(",", ""))
    assert text.strip() == format_percent(value, digits, lang), (text, lang)
    return value


def cells(row: Any) -> list[str]:
    """The texts of a table row's cells, its heading first."""
    return [text.strip() for text in row.locator("th, td").all_inner_texts()]


def table_after(page: Any, heading: str) -> Any:
    """The table that follows the heading whose text is ``heading``."""
    title = page.locator("main").get_by_role("heading", name=heading, exact=True)
    return title.locator("xpath=following::table[1]")


def fact(scope: Any, label: str) -> str:
    """The value of the fact ``label`` of the first list of facts in ``scope``."""
    term = scope.locator("dl.facts dt").get_by_text(label, exact=True).first
    return str(term.locator("xpath=following-sibling::dd[1]").inner_text()).strip()


def ratio_agrees(ratio: Decimal, share: Decimal, fair: Decimal) -> bool:
    """A ratio written with 2 decimals is the share of the money over the fair share, both
    written in percent with 1 decimal: equal within what the three roundings allow."""
    half_point, half_cent = Decimal("0.05"), Decimal("0.005")
    if fair <= half_point:
        return True  # a fair share rounded to 0.0 % says nothing of the ratio
    low = (share - half_point) / (fair + half_point) - half_cent
    high = (share + half_point) / (fair - half_point) + half_cent
    return low <= ratio <= high


def compute_proposals(page: Any) -> list[str]:
    """On the allocation page, compute with the form's parameters (the solver given 20 s at
    most), follow the job's page to its end and open its result: the proposals computed."""
    form = page.locator("main form.stacked")
    form.locator('input[name="time_limit"]').fill("20")
    form.locator('button[type="submit"]').click()
    page.wait_for_url("**/jobs/**")
    # The job's page asks for the job's status every second and reloads itself when it ends.
    page.locator("main .message.success, main .message.error").first.wait_for(timeout=120_000)
    assert page.locator("main .message.success").count() == 1, page.locator("main").inner_text()
    page.locator('main a.button[href*="/funding/allocation/"]').click()
    page.wait_for_load_state()
    return re.findall(r"[?&]p=(\d+)", page.url)


@pytest.mark.parametrize(("lang", "width"), JOURNEYS)
def test_secretariat_computes_proposals_and_compares_them_side_by_side(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/funding/allocation/", as_="secretariat", lang=lang, width=width)
    expect_direction(page, lang)
    assert_accessible(page)
    proposals = compute_proposals(page)

    expect_direction(page, lang)
    # The form's "optimizer and greedy baseline": two proposals, each with its summary.
    assert len(proposals) == 2, page.url
    sections = page.locator("main .side-by-side > section")
    assert sections.count() == 2
    allocated = say(gettext_lazy("Allocated (USD)"), lang)
    for index, pk in enumerate(proposals):
        section = sections.nth(index)
        assert section.locator(f'h3 a[href$="/funding/proposals/{pk}/"]').count() == 1
        assert number(fact(section, allocated), lang, 2) > 0

    # Each proposal's column of the regional groups: share of the money · ratio · needs met.
    # The demo's candidate projects are each in a regional group: their shares make the whole.
    groups = table_after(
        page, say(gettext_lazy("Regional groups: share of the money against the fair share"), lang)
    )
    rows = groups.locator("tbody tr")
    assert rows.count() >= 2
    totals = [Decimal(0)] * len(proposals)
    for row in rows.all():
        heading, fair_text, *columns = cells(row)
        assert heading and len(columns) == len(proposals), columns
        fair = percent(fair_text, lang)
        for k, column in enumerate(columns):
            share_text, ratio_text, _met = (part.strip() for part in column.split("·"))
            share = percent(share_text, lang)
            totals[k] += share
            if ratio_text != "—":
                assert ratio_agrees(number(ratio_text, lang, 2), share, fair), (heading, column)
    for total in totals:
        assert abs(total - 100) <= Decimal("0.05") * rows.count(), totals

    chart_reads_in_the_pages_direction(page, lang)
    read_as_a_whole(page, f"allocation-{lang}-{width}", width)


@pytest.mark.parametrize(("lang", "width"), JOURNEYS)
def test_a_proposals_lines_add_up_to_its_total_and_its_groups_share_the_money(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    page = open_page("/funding/allocation/", as_="secretariat", lang=lang, width=width)
    optimizer = compute_proposals(page)[0]
    allocated = say(gettext_lazy("Allocated (USD)"), lang)
    summary = page.locator("main .side-by-side > section").first
    compared = number(fact(summary, allocated), lang, 2)
    summary.locator(f'h3 a[href$="/funding/proposals/{optimizer}/"]').click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/funding/proposals/{optimizer}/"), page.url
    expect_direction(page, lang)
    # The proposal's own page gives the total the comparison gave.
    total = number(fact(page.locator("main"), allocated), lang, 2)
    assert total == compared > 0

    # The lines to projects (no need was asked for) add up to the total, to the cent.
    lines = table_after(page, say(gettext_lazy("Lines to projects"), lang)).locator("tbody tr")
    by_project: dict[str, Decimal] = {}
    for row in lines.all():
        project, _pledge, amount = cells(row)
        by_project[project] = by_project.get(project, Decimal(0)) + number(amount, lang, 2)
    assert sum(by_project.values()) == total, (by_project, total)
    # Each line's pledge: its donor, then its amount, the code after the number in the page's
    # direction (on its left in Arabic), even after a donor's name in Latin letters.
    for money in lines.locator(".money").all():
        number_box, whole = money.locator("bdi").bounding_box(), money.bounding_box()
        assert number_box is not None and whole is not None
        assert (number_box["x"] - whole["x"] > 1) == (lang == "ar"), (number_box, whole)
    # The explanations of floors not met name pledges by the reader's words: no stored code.
    for line in page.locator("main ul.problems li").all_inner_texts():
        assert not re.search(r"[a-z]+_[a-z_]+", line), line

    # What each candidate project is funded: its lines of what it still needs (a whole percent).
    candidates = table_after(page, say(gettext_lazy("Candidate projects"), lang))
    assert candidates.locator("tbody tr").count() >= len(by_project)
    for row in candidates.locator("tbody tr").all():
        project, needed, _weight, funded = cells(row)
        given = by_project.pop(project, Decimal(0))
        expected = 100 * given / number(needed, lang, 2)
        assert abs(percent(funded, lang, 0) - expected) <= Decimal("0.5"), (project, given)
    assert not by_project, f"lines to projects that are not candidates: {by_project}"

    # Each regional group and legal system: its money of the total is its share, its share of
    # its fair share the ratio, and a floor is missed exactly when its money is below it. The
    # regional groups divide the money among them; legal systems overlap (mixed systems).
    group_names = {say(group.label, lang) for group in RegionalGroup}
    shares = table_after(page, say(gettext_lazy("Regional groups and legal systems"), lang))
    missed = say(gettext_lazy("missed"), lang)
    in_groups = Decimal(0)
    rows = shares.locator("tbody tr").all()
    for row in rows:
        name, fair_text, share_text, ratio_text, money_text, floor_text = cells(row)
        money = number(money_text, lang, 2)
        share, fair = percent(share_text, lang), percent(fair_text, lang)
        assert abs(share - 100 * money / total) <= Decimal("0.051"), (name, share, money)
        if ratio_text != "—":
            assert ratio_agrees(number(ratio_text, lang, 2), share, fair), (name, ratio_text)
        floor = number(floor_text.replace(f"({missed})", ""), lang, 2)
        if f"({missed})" in floor_text:
            assert money < floor, (name, money, floor)
        else:  # met, within the cents that rounding each project's money may cost it
            assert money >= floor - 1, (name, money, floor)
        if name in group_names:
            in_groups += money
    assert abs(in_groups - total) <= Decimal("0.01") * len(rows), (in_groups, total)

    read_as_a_whole(page, f"proposal-{lang}-{width}", width)


@pytest.mark.parametrize(("lang", "width"), JOURNEYS)
def test_the_response_rate_is_the_states_that_answered_of_those_asked(
    site: Site, open_page: Any, lang: str, width: int
) -> None:
    code = site.facts["questionnaire"]
    page = open_page(
        f"/questionnaires/{code}/responses/", as_="secretariat", lang=lang, width=width
    )
    expect_direction(page, lang)
    # The first card: the rate, and the sentence that gives its two numbers.
    card = page.locator("main .cards .card").first
    with translation.override(lang):
        sentence = translation.gettext("%(answered)s of %(asked)s States have submitted")
    pattern = re.escape(sentence)
    for name in ("answered", "asked"):
        pattern = pattern.replace(re.escape(f"%({name})s"), rf"(?P<{name}>\S+)")
    said = re.search(pattern, card.locator(".note").inner_text())
    assert said is not None, (sentence, card.inner_text())
    answered = int(number(said.group("answered"), lang, 0))
    asked = int(number(said.group("asked"), lang, 0))
    assert 0 < answered < asked
    rate = card.locator(".figure").inner_text().strip()
    assert rate == format_percent(Decimal(100 * answered) / asked, 1, lang), (rate, said)

    # A card a status: the States asked are in one each; those that answered in the answered.
    by_status: dict[str, int] = {}
    for status in AssignmentStatus:
        label = page.locator("main .cards .card .label").get_by_text(
            say(status.label, lang), exact=True
        )
        figure = label.locator("xpath=preceding-sibling::span[@class='figure']")
        by_status[status.value] = int(number(figure.inner_text(), lang, 0))
    assert sum(by_status.values()) == asked, by_status
    assert sum(by_status[status] for status in ANSWERED) == answered, by_status

    # The list of the States asked: a row each, its status as the cards count them.
    listed = table_after(page, say(gettext_lazy("All States asked"), lang)).locator("tbody tr")
    assert listed.count() == asked
    for value, count in by_status.items():
        assert listed.locator(f".tag.status-{value}").count() == count, value

    # Each table of rates: a row's rate is its answered of its asked; the regional groups (and
    # the row of States in none) hold every State asked once.
    tables = page.locator("main table.rates")
    assert tables.count() == 4
    for index in range(tables.count()):
        for row in tables.nth(index).locator("tbody tr").all():
            name, row_asked, row_answered, row_rate = cells(row)
            n, k = int(number(row_asked, lang, 0)), int(number(row_answered, lang, 0))
            assert n > 0 and k <= n, name
            assert row_rate == format_percent(Decimal(100 * k) / n, 1, lang), (name, row_rate)
    groups = table_after(page, say(gettext_lazy("By regional group"), lang)).locator("tbody tr")
    counts = [cells(row)[1:3] for row in groups.all()]
    assert sum(int(number(n, lang, 0)) for n, _k in counts) == asked, counts
    assert sum(int(number(k, lang, 0)) for _n, k in counts) == answered, counts

    read_as_a_whole(page, f"responses-{lang}-{width}", width)
