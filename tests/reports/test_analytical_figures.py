"""The analytical report's figures, recomputed here independently from the raw answers (the
Answer rows of the questionnaires, not the statuses Infobase derives from them)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from infobase.needs.models import Need
from infobase.questionnaires.analytical import GROUPS, MIN_AGGREGATE, compute
from infobase.questionnaires.models import Answer, Assignment, Item
from infobase.reference.models import Article, Instrument, State

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
    secret = sum(bool(r["confidential"]) for r in rows)
    return [r for r in rows if not r["confidential"]] if 0 < secret < MIN_AGGREGATE else rows


@pytest.mark.parametrize("cycle", [1, 2])
def test_every_figure_matches_a_recomputation_from_the_raw_answers(demo, cycle):  # type: ignore[no-untyped-def]
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
    for group in GROUPS:
        members = [s for k, s in best.items() if groups[k] == group]
        assert figures.response_by_group[group].asked == len(members)
        assert figures.response_by_group[group].answered == sum(s in ANSWERED for s in members)

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
        for group in GROUPS:
            members = shown([r for r in rows if groups[r["state"]] == group])
            share = figures.implemented_by_group[(article_id, group)]
            assert share.whole == len(members)
            if len(members) < MIN_AGGREGATE:
                assert share.part is None and share.percent is None
            else:
                assert share.part == sum(r["status"] == "yes" for r in members)
        for family in ("civil", "common", "islamic", "customary", "mixed"):
            members = shown([r for r in rows if family in families[r["state"]]])
            share = figures.implemented_by_family[(article_id, family)]
            assert share.whole == len(members)
            expected = sum(r["status"] == "yes" for r in members)
            assert share.part == (expected if len(members) >= MIN_AGGREGATE else None)
    assert checked > 0 or cycle == 2

    # Needs of the register for the instrument: open, not resting only on confidential evidence.
    kinds: dict[str, list[int]] = defaultdict(list)
    for state_id, kind in Need.objects.filter(
        article__instrument=untoc, status="open", confidential=False
    ).values_list("state_id", "kind"):
        kinds[kind].append(state_id)
    assert figures.needs_by_kind == {k: (len(v), len(set(v))) for k, v in kinds.items()}

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
            secret = sum(bool(a["confidential"] or b["confidential"]) for a, b in pairs)
            if 0 < secret < MIN_AGGREGATE:
                pairs = [(a, b) for a, b in pairs if not (a["confidential"] or b["confidential"])]
            up = sum(PROGRESS[str(a["status"])] > PROGRESS[str(b["status"])] for a, b in pairs)
            down = sum(PROGRESS[str(a["status"])] < PROGRESS[str(b["status"])] for a, b in pairs)
            expected = (up, down) if len(pairs) >= MIN_AGGREGATE else (None, None)
            assert figures.changes[article_id] == expected


def test_no_quote_or_named_status_comes_from_a_confidential_answer(demo):  # type: ignore[no-untyped-def]
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


def test_the_same_data_gives_the_same_figures(demo):  # type: ignore[no-untyped-def]
    untoc = Instrument.objects.get(code="untoc")
    first, second = compute(instrument=untoc, cycle=1), compute(instrument=untoc, cycle=1)
    assert first.status_counts == second.status_counts
    assert first.implemented_by_family == second.implemented_by_family
    assert first.quotes == second.quotes
    assert first.top_needs == second.top_needs
