"""The analytical report's figures, recomputed here independently from the raw answers (the
Answer rows of the questionnaires, not the statuses Infobase derives from them), on the demo
data of two seeds (1 and 7), each generated once for the module."""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict

import openpyxl
import pytest

from infobase.core.i18n import language
from infobase.needs.analytical import compute
from infobase.needs.models import AssistanceRequest, NeedEvidence
from infobase.questionnaires.analytical import MIN_AGGREGATE, REPORT_GROUPS
from infobase.questionnaires.models import Answer, Assignment, Item, ReportingCycle
from infobase.reference.models import Article, Instrument, State
from infobase.reports import charts, engine, numbers
from infobase.reports.blocks import HeatTable, Table
from infobase.reports.render_xlsx import render_xlsx
from infobase.reports.services import report_document

pytestmark = pytest.mark.django_db

SLOT_ROLES = {"status", "explanation", "challenges", "ta_needed", "ta_kinds", "ta_priority"}
ANSWERED = {"submitted", "returned", "validated"}
PROGRESS = {"no": 0, "partly": 1, "yes": 2}


def raw_slots(instrument: Instrument, cycle: int) -> dict[tuple[int, int], dict[str, object]]:
    """(State, article) -> {status, challenges, confidential} from validated answers."""
    items = {
        i.pk: i
        for i in Item.objects.filter(
            questionnaire__cycle__number=cycle, questionnaire__instruments=instrument
        )
    }

    def article_of(item: Item) -> tuple[int | None, int]:
        while item is not None:
            if item.article_id:
                return item.article_id, item.paragraph or 0
            item = items.get(item.parent_id)  # type: ignore[arg-type, assignment]
        return None, 0

    slots: dict[tuple[int, int], dict[str, object]] = {}
    answers = Answer.objects.filter(assignment__status="validated", item_id__in=items).values_list(
        "assignment__state_id", "assignment_id", "item_id", "value", "confidential"
    )
    for state_id, _assignment, item_id, value, confidential in answers.order_by(
        "assignment_id", "pk"
    ):
        item = items[item_id]
        role = item.role or ("status" if item.kind == "status" else "")
        if role not in SLOT_ROLES:
            continue
        article_id, paragraph = article_of(item)
        if article_id is None or paragraph != 0:
            continue
        slot = slots.setdefault((state_id, article_id), {"confidential": False})
        slot[role] = value
        slot["confidential"] = bool(slot["confidential"]) or confidential
    own = set(Article.objects.filter(instrument=instrument).values_list("pk", flat=True))
    return {k: v for k, v in slots.items() if v.get("status") and k[1] in own}


def shown(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The public rule: a confidential answer is counted in no figure."""
    return [r for r in rows if not r["confidential"]]


def applicable(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in rows if r["status"] != "na"]


def percent_half_up(part: int, whole: int) -> float:
    # Integer arithmetic: (1000 * part / whole + 1/2) floored, in tenths of a per cent.
    return ((2000 * part + whole) // (2 * whole)) / 10


@pytest.mark.parametrize("cycle", [1, 2])
def test_every_figure_matches_a_recomputation_from_the_raw_answers(demo_seed, cycle):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    figures = compute(instrument=untoc, cycle=cycle)
    groups = dict(State.objects.values_list("pk", "regional_group"))
    families: dict[int, set[str]] = {}
    for pk, *flags in State.objects.values_list(
        "pk", "legal_civil", "legal_common", "legal_islamic", "legal_customary"
    ):
        names = {
            n
            for n, on in zip(("civil", "common", "islamic", "customary"), flags, strict=True)
            if on
        }
        families[pk] = names | ({"mixed"} if len(names) > 1 else set())

    # Who was asked and who answered, by regional group.
    best: dict[int, str] = {}
    rank = ["not_started", "in_progress", "submitted", "returned", "validated"]
    for state_id, status in Assignment.objects.filter(
        questionnaire__cycle__number=cycle, questionnaire__instruments=untoc
    ).values_list("state_id", "status"):
        if state_id not in best or rank.index(status) > rank.index(best[state_id]):
            best[state_id] = status
    assert figures.response_total.asked == len(best) > 0
    assert figures.response_total.answered == sum(s in ANSWERED for s in best.values())
    assert figures.response_total.validated == sum(s == "validated" for s in best.values())
    for group in REPORT_GROUPS:  # "" is the row of the States without a regional group
        members = [s for k, s in best.items() if groups[k] == group]
        assert figures.response_by_group[group].asked == len(members)
        assert figures.response_by_group[group].answered == sum(s in ANSWERED for s in members)
    # The group rows add up to the totals.
    assert sum(figures.response_by_group[g].asked for g in REPORT_GROUPS) == len(best)

    # Implementation article by article, and by regional group.
    slots = raw_slots(untoc, cycle)
    by_article: dict[int, list[dict[str, object]]] = defaultdict(list)
    for (state_id, article_id), slot in slots.items():
        by_article[article_id].append({**slot, "state": state_id})
    assert {a.pk for a in figures.articles} == set(by_article)
    checked = 0
    for article_id, rows in by_article.items():
        public = shown(rows)
        counts = Counter(r["status"] for r in public)
        if len(public) < MIN_AGGREGATE:
            assert set(figures.status_counts[article_id].values()) == {None}
        else:
            assert figures.reporting[article_id] == len(public)
            for status in ("yes", "partly", "no", "na"):
                assert figures.status_counts[article_id][status] == counts[status], status
            challenged = shown([r for r in rows if str(r.get("challenges") or "").strip()])
            assert figures.challenges[article_id] == len(challenged)
            checked += 1
        for group in REPORT_GROUPS:
            members = applicable(shown([r for r in rows if groups[r["state"]] == group]))
            share = figures.implemented_by_group[(article_id, group)]
            assert share.whole == len(members)
            if len(members) < MIN_AGGREGATE:
                assert share.part is None and share.percent is None
            else:
                yes = sum(r["status"] == "yes" for r in members)
                assert share.part == yes
                assert share.percent == percent_half_up(yes, len(members))
        for family in ("civil", "common", "islamic", "customary", "mixed"):
            members = applicable(shown([r for r in rows if family in families[r["state"]]]))
            share = figures.implemented_by_family[(article_id, family)]
            assert share.whole == len(members)
            expected = sum(r["status"] == "yes" for r in members)
            assert share.part == (expected if len(members) >= MIN_AGGREGATE else None)
    assert checked > 0 or cycle == 2

    # Needs of the register for the cycle: open, public, with public evidence in the cycle's
    # validated answers or in public requests received by the end of the cycle.
    ends = ReportingCycle.objects.get(number=cycle).ends_on
    counted: dict[int, tuple[int, int, str]] = {}
    for evidence in NeedEvidence.objects.select_related(
        "need", "stated_need__assignment__questionnaire__cycle", "request_line__request"
    ).filter(need__article__instrument=untoc):
        need = evidence.need
        if need.status != "open" or need.confidential:
            continue
        if evidence.stated_need is not None:
            assignment = evidence.stated_need.assignment
            ok = (
                assignment.status == "validated"
                and assignment.questionnaire.cycle.number == cycle
                and not evidence.stated_need.confidential
            )
        else:
            request = evidence.request_line.request  # type: ignore[union-attr]
            ok = not request.confidential and (ends is None or request.received_on <= ends)
        if ok:
            counted[need.pk] = (need.state_id, need.article_id, need.kind)
    kinds: dict[str, list[int]] = defaultdict(list)
    pairs_states: dict[tuple[int, str], set[int]] = defaultdict(set)
    for state_id, article_id, kind in counted.values():
        kinds[kind].append(state_id)
        pairs_states[(article_id, kind)].add(state_id)
    assert figures.needs_total == len(counted)
    assert figures.needs_by_kind == {k: (len(v), len(set(v))) for k, v in kinds.items()}
    assert sum(n for n, _s in figures.needs_by_group.values()) == len(counted)
    # The top ten includes every need tied with the tenth.
    sizes = sorted((len(s) for s in pairs_states.values() if len(s) >= MIN_AGGREGATE), reverse=True)
    cut = sizes[9] if len(sizes) >= 10 else 0
    assert sorted((n for _a, _k, n in figures.top_needs), reverse=True) == [
        n for n in sizes if n >= cut
    ]
    starts = ReportingCycle.objects.get(number=cycle).starts_on
    received = AssistanceRequest.objects.filter(instrument=untoc, confidential=False)
    assert figures.requests_total == sum(
        (starts is None or r.received_on >= starts) and (ends is None or r.received_on <= ends)
        for r in received
    )

    # Progress since the previous cycle: the same State's status in both cycles.
    if cycle == 2:
        before = raw_slots(untoc, 1)
        for article_id, rows in by_article.items():
            pairs = [
                (r, before[(r["state"], article_id)])
                for r in rows
                if (r["state"], article_id) in before
                and r["status"] in PROGRESS
                and before[(r["state"], article_id)]["status"] in PROGRESS
            ]
            pairs = [(a, b) for a, b in pairs if not (a["confidential"] or b["confidential"])]
            up = sum(PROGRESS[str(a["status"])] > PROGRESS[str(b["status"])] for a, b in pairs)
            down = sum(PROGRESS[str(a["status"])] < PROGRESS[str(b["status"])] for a, b in pairs)
            expected = (up, down) if len(pairs) >= MIN_AGGREGATE else (None, None)
            assert figures.changes[article_id] == expected


@pytest.mark.parametrize("cycle", [1, 2])
def test_the_document_shows_the_figures_and_its_group_rows_add_up(demo_seed, cycle):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    figures = compute(instrument=untoc, cycle=cycle)
    params = engine.get("analytical").clean({"instrument": "untoc", "cycle": str(cycle)})
    with language("en"):
        document = report_document(report=engine.get("analytical"), params=params, lang="en")
    text = document.text()
    total = figures.response_total
    # The narrative names the validated answers every implementation figure rests on.
    assert f"the validated answers of {total.validated:,} of the {total.asked:,} States" in text
    # The needs paragraph says where the needs come from, requests of earlier years included.
    if figures.needs_from_requests > 1:
        assert (
            f"{figures.needs_from_requests:,} rest on {figures.requests_behind_needs:,} requests"
            f" for technical assistance received by the end of the cycle,"
            f" {figures.requests_behind_in_cycle:,} of them during the cycle" in text
        )
    elif not figures.needs_from_requests:
        assert "None rests on a request for technical assistance." in text
    tables = {b.sheet: b for b in document.blocks if isinstance(b, Table)}
    for sheet in ("Response by group", "Needs by group"):
        table = tables[sheet]
        assert table.total_row
        body, last = table.rows[:-1], table.rows[-1]
        for column in range(1, 3):
            if sheet == "Needs by group" or column == 1:
                assert sum(int(row[column] or 0) for row in body) == last[column], sheet
    if figures.response_by_group[""].asked:
        assert "No regional group" in [row[0] for row in tables["Response by group"].rows]
    if "Implementation by article" in tables:
        articles = {a.pk: a for a in figures.articles}
        shown_rows = {row[0]: row for row in tables["Implementation by article"].rows}
        for pk, counts in figures.status_counts.items():
            row = shown_rows[f"Article {articles[pk].number} ({articles[pk].title_en})"]
            assert list(row[2:]) == [counts[s] for s in ("yes", "partly", "no", "na")]


def test_the_needs_of_each_cycle_are_its_own(demo_seed):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    first, second = compute(instrument=untoc, cycle=1), compute(instrument=untoc, cycle=2)
    assert (first.needs_total, first.needs_by_kind) != (second.needs_total, second.needs_by_kind)


def test_no_quote_or_named_status_comes_from_a_confidential_answer(demo_seed):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    figures = compute(instrument=untoc, cycle=1)
    slots = raw_slots(untoc, 1)
    secret = {key for key, slot in slots.items() if slot["confidential"]}
    assert secret, "the demo data should hold confidential answers"
    for article_id, state_id, _words in figures.quotes:
        assert (state_id, article_id) not in secret
    for item in figures.matrix:
        if (item.state_id, item.article_id) in secret:
            assert item.status == "" and item.confidential


def test_the_same_data_gives_the_same_figures(demo_seed):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    first, second = compute(instrument=untoc, cycle=1), compute(instrument=untoc, cycle=1)
    assert first.status_counts == second.status_counts
    assert first.implemented_by_family == second.implemented_by_family
    assert first.quotes == second.quotes
    assert first.top_needs == second.top_needs


def test_a_heat_tables_shares_read_on_the_page_as_in_the_workbook(demo_seed):  # type: ignore[no-untyped-def]
    """One share, one way of writing it: a cell of a heat table on the page (and in the PDF and
    Word files, which write it alike) carries the decimals the Excel cell shows."""
    params = engine.get("analytical").clean({"instrument": "untoc", "cycle": "1"})
    with language("en"):
        document = report_document(report=engine.get("analytical"), params=params, lang="en")
        book = openpyxl.load_workbook(io.BytesIO(render_xlsx(document)))
    heats = [b for b in document.blocks if isinstance(b, HeatTable)]
    assert heats
    compared = 0
    for block in heats:
        page = re.findall(r"<td style=[^>]*>([^<]*)</td>", str(charts.heat_table(block, "en")))
        sheet = next(ws for ws in book.worksheets if ws["A1"].value == block.title)
        for r, values in enumerate(block.values):
            for c, value in enumerate(values):
                shown = page[r * len(values) + c]
                target = sheet.cell(row=4 + r, column=2 + c)
                decimals = len(target.number_format.partition(".")[2])
                assert shown == numbers.percent(target.value, "en", decimals), (block.sheet, r, c)
                compared += value is not None
    assert compared
