"""The scoring with arrays gives, on generated data, exactly what scoring each need against
each activity of its State one at a time gives: the same links, confidences and reasons."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from infobase.activities.coverage.matching import (
    F_ARTICLE,
    F_INSTRUMENT,
    F_KIND,
    F_MIN,
    F_REGION,
    F_SECTOR,
    F_TEXT,
    MAX_PER_NEED,
    MIN_CONFIDENCE,
    REGION_FACTOR,
    TEXT_FULL_MATCH,
    W_ARTICLE,
    W_INSTRUMENT,
    W_KIND,
    W_SECTOR,
    W_TEXT,
    ActivityFacts,
    ArticleFacts,
    best_links,
    need_sectors,
)

KINDS = ["legislative", "training", "institution_building", "technology"]
SECTORS = ["15130", "15210", "15136", "24010", "15113", "15110", "11110", "31120"]
WORDS = [f"word{i}" for i in range(14)]
REGIONS = ["", "", "", "189", "289"]

Links = dict[tuple[int, int], tuple[Decimal, list[dict[str, Any]]]]


def reference(
    needs: list[tuple[int, int, int, str]],
    places: dict[int, dict[int, str]],
    facts: dict[int, ActivityFacts],
    articles: dict[int, ArticleFacts],
    per_lang_of: dict[tuple[int, str], list[frozenset[str]]],
) -> Links:
    """Each need against every activity of its State, one at a time, as plainly as possible."""
    out: Links = {}
    for need_id, state_id, article_id, kind in needs:
        article = articles[article_id]
        icode = article.instrument_code
        sectors = need_sectors(icode, article.number, kind)
        per_lang = per_lang_of[(article_id, kind)]
        need_words = frozenset().union(*per_lang)
        fast = []
        for a, region in places.get(state_id, {}).items():
            f = facts[a]
            candidate = (
                article_id in f.articles
                or (article.instrument_id in f.instruments and kind in f.kinds)
                or not need_words.isdisjoint(f.words)
            )
            if not candidate:
                continue
            score = 0.0
            if article_id in f.articles:
                score = F_ARTICLE
            elif article.instrument_id in f.instruments:
                score = F_INSTRUMENT
            if not sectors.isdisjoint(f.sectors):
                score += F_SECTOR
            if kind in f.kinds:
                score += F_KIND
            if not need_words.isdisjoint(f.words):
                best = max(len(lw & f.words) / min(len(lw), TEXT_FULL_MATCH) for lw in per_lang)
                score += F_TEXT * min(1.0, best)
            if region:
                score *= F_REGION
            if score >= F_MIN:
                fast.append((-score, a))
        fast.sort()
        explained = []
        for _score, a in fast[: MAX_PER_NEED + 5]:
            total, reasons = explain(facts[a], places[state_id][a], article_id, article, kind)
            if total >= MIN_CONFIDENCE:
                explained.append((total, a, reasons))
        explained.sort(key=lambda t: (-t[0], t[1]))
        for total, a, reasons in explained[:MAX_PER_NEED]:
            out[(need_id, a)] = (total, reasons)
    return out


def explain(
    f: ActivityFacts, region: str, article_id: int, article: ArticleFacts, kind: str
) -> tuple[Decimal, list[dict[str, Any]]]:
    icode = article.instrument_code
    sectors = need_sectors(icode, article.number, kind)
    total = Decimal("0")
    reasons: list[dict[str, Any]] = [
        {"code": "region", "params": {"region": region}}
        if region
        else {"code": "state", "params": {}}
    ]
    if article_id in f.articles:
        total += W_ARTICLE
        reasons.append({"code": "article", "params": {"article": f"{icode.upper()} 1"}})
    elif article.instrument_id in f.instruments:
        total += W_INSTRUMENT
        reasons.append({"code": "instrument", "params": {"instrument": icode.upper()}})
    if f.sectors & sectors:
        total += W_SECTOR
        reasons.append({"code": "sector", "params": {"codes": sorted(f.sectors & sectors)}})
    if kind in f.kinds:
        total += W_KIND
        reasons.append({"code": "kind", "params": {"kind": kind}})
    best, shared = 0.0, frozenset[str]()
    for lang_words in PER_LANG[(article_id, kind)]:
        common = lang_words & f.words
        share = min(1.0, len(common) / min(len(lang_words), TEXT_FULL_MATCH))
        if share > best:
            best, shared = share, common
    if best > 0:
        total += W_TEXT * Decimal(str(round(best, 3)))
        reasons.append(
            {"code": "text", "params": {"percent": round(best * 100), "words": sorted(shared)}}
        )
    if region:
        total *= REGION_FACTOR
    return min(total, Decimal("1")).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), reasons


PER_LANG: dict[tuple[int, str], list[frozenset[str]]] = {}


def generated(seed: int) -> dict[str, Any]:
    """Small vocabularies, few articles and many activities per State: many ties, long
    shortlists, needs without words, activities in several States or through regions."""
    rng = random.Random(seed)
    # Article 1 of each of two instruments (the label in ``explain`` says "1").
    articles = {
        10: ArticleFacts(1, "untoc", 1),
        20: ArticleFacts(2, "tip", 1),
        30: ArticleFacts(1, "untoc", 1),
    }
    per_lang_of: dict[tuple[int, str], list[frozenset[str]]] = {}
    for article_id in articles:
        for kind in KINDS:
            langs = [frozenset(rng.sample(WORDS, rng.randint(1, 6))) for _ in range(6)]
            per_lang_of[(article_id, kind)] = langs[: rng.randint(0, 6)]
    facts = {
        a: ActivityFacts(
            articles=set(rng.sample(sorted(articles), rng.choice((0, 0, 1, 2)))),
            instruments=set(rng.sample([1, 2], rng.choice((0, 1, 1, 2)))),
            kinds=set(rng.sample(KINDS, rng.choice((0, 1, 2)))),
            sectors=set(rng.sample(SECTORS, rng.choice((0, 1, 2)))),
            words=frozenset(rng.sample(WORDS, rng.randint(0, 8))),
        )
        for a in rng.sample(range(1, 10_000), 160)
    }
    for f in facts.values():  # an article's instrument comes with it, as in the suggestions
        f.instruments.update(articles[a].instrument_id for a in f.articles)
    places: dict[int, dict[int, str]] = {}
    for a in facts:
        for state_id in rng.sample(range(1, 6), rng.choice((1, 1, 2))):
            places.setdefault(state_id, {})[a] = rng.choice(REGIONS)
    needs = [
        (1000 + i, state_id, article_id, kind)
        for i, (state_id, article_id, kind) in enumerate(
            (s, a, k) for s in range(1, 7) for a in articles for k in KINDS
        )
    ]
    return {
        "needs": needs,
        "places": places,
        "facts": facts,
        "articles": articles,
        "per_lang_of": per_lang_of,
    }


@pytest.mark.parametrize("seed", range(8))
def test_the_arrays_find_what_one_need_and_activity_at_a_time_finds(seed: int) -> None:
    data = generated(seed)
    PER_LANG.clear()
    PER_LANG.update(data["per_lang_of"])
    expected = reference(**data)
    found = best_links(**data)
    assert len(expected) > 100  # the data exercises the rules
    assert found == expected
    # Shortlists were cut and ties met: more qualifying candidates than a need keeps.
    per_need: dict[int, int] = {}
    for need_id, _a in expected:
        per_need[need_id] = per_need.get(need_id, 0) + 1
    assert max(per_need.values()) == MAX_PER_NEED


def test_needs_of_states_without_activities_get_nothing() -> None:
    data = generated(0)
    data["places"] = {}
    assert best_links(**data) == {}
