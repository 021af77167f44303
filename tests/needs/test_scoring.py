"""Priority scores: each term recomputed by hand, rankings deterministic, the demo programme."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infobase.needs.derivation import needs_derive
from infobase.needs.models import (
    Need,
    NeedStatus,
    PriorityTheme,
    ScoringWeights,
    WorkProgramme,
)
from infobase.needs.programmes import (
    DEMO_PROGRAMME_NAME,
    ThemeSpec,
    active_themes,
    demo_programme,
    theme_weight,
)
from infobase.needs.scoring import (
    TERMS,
    NeedFacts,
    ScoredNeed,
    Weights,
    needs_facts,
    rank,
    score,
    score_totals,
    scored_register,
)
from infobase.questionnaires.models import ArticleImplementation, Assignment, AssignmentStatus
from tests.needs.test_derivation import answers, art, request

pytestmark = pytest.mark.django_db

D = Decimal
WEIGHTS = Weights(
    programme=D("3"),
    severity=D("2"),
    breadth_overall=D("1"),
    breadth_region=D("1"),
    urgency=D("1.5"),
    coverage=D("2"),
    age=D("0.5"),
)
A5, A16 = 105, 116  # article ids for the pure tests (any integers)
THEMES = [
    ThemeSpec("Criminal justice", D("3"), instrument_code="untoc", article_ids=frozenset({A5})),
    ThemeSpec("Training everywhere", D("1.5"), kind="training"),
    ThemeSpec("Africa", D("2"), regional_group="african"),
]


def facts(**fields: object) -> NeedFacts:
    base: dict[str, object] = {
        "need_id": 1,
        "state_iso3": "EGY",
        "regional_group": "african",
        "legal_families": ("civil", "islamic"),
        "instrument_code": "untoc",
        "instrument_position": 1,
        "article_id": A5,
        "article_number": 5,
        "kind": "training",
    }
    base.update(fields)
    return NeedFacts(**base)  # type: ignore[arg-type]


# --- Themes -----------------------------------------------------------------------------


def matched(need: NeedFacts, themes: list[ThemeSpec]) -> tuple[D, list[str]]:
    weight, matching = theme_weight(need, themes)
    return weight, [t.title for t in matching]


def test_a_theme_matches_when_each_dimension_it_sets_matches() -> None:
    egypt_training = facts()
    assert matched(egypt_training, THEMES) == (
        D("3"),
        ["Criminal justice", "Africa", "Training everywhere"],
    )
    mexico_legislative = facts(regional_group="latin_american_caribbean", kind="legislative")
    assert matched(mexico_legislative, THEMES) == (D("3"), ["Criminal justice"])
    other_article = facts(article_id=A16, regional_group="weog", kind="legislative")
    assert matched(other_article, THEMES) == (D("0"), [])
    protocol = facts(instrument_code="tip", regional_group="weog")
    strict = [ThemeSpec("Training in Africa", D("4"), kind="training", regional_group="african")]
    assert matched(protocol, strict) == (D("0"), [])
    assert matched(protocol, THEMES + strict) == (D("1.5"), ["Training everywhere"])


# --- Scores recomputed by hand ----------------------------------------------------------


def test_score_of_a_severe_shared_urgent_need_by_hand() -> None:
    need = facts(
        severity="partly",
        urgency="high",
        breadth_overall=3,
        breadth_overall_max=4,
        breadth_region=2,
        breadth_region_max=2,
        age_days=365,
    )
    result = score(need, WEIGHTS, THEMES)
    # programme 3 × (3 / 3) + severity 2 × 0.5 + breadth 1 × (3 / 4) + region 1 × (2 / 2)
    # + urgency 1.5 × 1 + coverage 2 × (1 − 0) + age 0.5 × (365 / 730)
    by_hand = D(3) * 1 + D(2) * D("0.5") + D(1) * D("0.75") + 1 + D("1.5") + 2 + D("0.25")
    assert by_hand == D("9.5")
    assert result.total == D("9.500")
    assert [t.name for t in result.terms] == list(TERMS)
    assert [t.contribution for t in result.terms] == [
        D("3"),
        D("1"),
        D("0.75"),
        D("1"),
        D("1.5"),
        D("2"),
        D("0.25"),
    ]
    assert result.total == sum(t.contribution for t in result.terms)
    programme = result.term("programme")
    assert programme.raw == D("3") and programme.normalised == 1
    assert "Criminal justice" in programme.explanation
    assert "365" in result.term("age").explanation


def test_score_of_a_partly_covered_old_need_without_theme_by_hand() -> None:
    need = facts(
        state_iso3="MEX",
        regional_group="latin_american_caribbean",
        article_id=A16,
        article_number=16,
        kind="legislative",
        severity="no",
        urgency="low",
        breadth_overall=1,
        breadth_overall_max=4,
        breadth_region=1,
        breadth_region_max=3,
        coverage=D("0.25"),
        age_days=1000,
    )
    result = score(need, WEIGHTS, THEMES)
    # 0 + 2 × 1 + 1 × 0.25 + 1 × 0.333333 + 1.5 × 0.3 + 2 × (1 − 0.25) + 0.5 × min(1000/730, 1)
    by_hand = 0 + 2 + D("0.25") + D("0.333333") + D("0.45") + D("1.5") + D("0.5")
    assert by_hand == D("5.033333")
    assert result.total == D("5.033")
    assert result.term("coverage").normalised == D("0.75")
    assert result.term("age").normalised == 1
    assert result.term("programme").contribution == 0
    assert result.themes == ()


def test_score_of_a_new_protocol_need_without_severity_or_urgency_by_hand() -> None:
    need = facts(
        instrument_code="tip",
        instrument_position=2,
        regional_group="",
        severity="",
        urgency="",
        breadth_overall=0,
        breadth_overall_max=4,
        age_days=73,
    )
    result = score(need, WEIGHTS, THEMES)
    # programme 3 × (1.5 / 3) + 0 + 0 + 0 + 0 + coverage 2 × 1 + age 0.5 × (73 / 730)
    assert D(3) * (D("1.5") / 3) + 2 + D("0.5") * (D(73) / 730) == D("3.55")
    assert result.total == D("3.550")
    assert result.term("breadth_region").explanation  # explained even when it is zero


# --- Rankings ---------------------------------------------------------------------------


def scored(need_id: int, total: str, **fields: object) -> ScoredNeed:
    f = facts(need_id=need_id, **fields)
    explanation = score(f, WEIGHTS, [])
    return ScoredNeed(f, type(explanation)(terms=explanation.terms, total=D(total)))


def test_the_totals_of_many_needs_at_once_are_each_needs_explained_total() -> None:
    # The batch shares its arithmetic among needs (themes, ratios, contributions by value):
    # what it shares must never carry one need's figure into another's.
    rng = random.Random(26)
    many = []
    for n in range(400):
        overall_max, region_max = rng.randint(1, 195), rng.randint(1, 54)
        many.append(
            facts(
                need_id=n,
                article_id=rng.choice([A5, A16]),
                kind=rng.choice(["training", "legislative", "equipment"]),
                regional_group=rng.choice(["african", "asia_pacific", ""]),
                severity=rng.choice(["no", "partly", ""]),
                urgency=rng.choice(["high", "medium", "low", ""]),
                breadth_overall=rng.randint(0, overall_max),
                breadth_overall_max=overall_max,
                breadth_region=rng.randint(0, region_max),
                breadth_region_max=region_max,
                coverage=D(rng.choice(["0", "0.25", "0.5", "0.333333", "1"])),
                age_days=rng.randint(-5, 1000),
            )
        )
    totals = score_totals(many, WEIGHTS, THEMES)
    assert totals == [score(f, WEIGHTS, THEMES).total for f in many]
    assert len(set(totals)) > 100  # the needs differ: a shared figure would show


def test_ranking_is_deterministic_with_ties_pins_and_exclusions() -> None:
    items = [
        scored(1, "5.000", state_iso3="SEN"),
        scored(2, "5.000", state_iso3="EGY", article_number=6),
        scored(3, "5.000", state_iso3="EGY", article_number=5, kind="training"),
        scored(4, "5.000", state_iso3="EGY", article_number=5, kind="legislative"),
        scored(5, "5.000", state_iso3="EGY", instrument_position=2, article_number=1),
        scored(6, "7.500", state_iso3="ZAF"),
        scored(7, "1.000", state_iso3="ZWE", pinned=True),
        scored(8, "9.000", state_iso3="AFG", excluded=True, ranking_reason="Covered by a project"),
    ]
    expected = [7, 6, 4, 3, 2, 5, 1]
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        ranking = rank(shuffled)
        assert [s.need_id for s in ranking.ranked] == expected
        assert [s.position for s in ranking.ranked] == list(range(1, 8))
        assert [(s.need_id, s.facts.ranking_reason) for s in ranking.excluded] == [
            (8, "Covered by a project")
        ]
        assert ranking.excluded[0].position is None


# --- From the database ------------------------------------------------------------------


def status(assignment: Assignment, number: int, value: str, paragraph: int = 0) -> None:
    ArticleImplementation.objects.create(
        assignment=assignment,
        state=assignment.state,
        article=art(number),
        paragraph=paragraph,
        status=value,
    )


@pytest.fixture
def register() -> None:
    egypt1 = answers("EGY", [(5, "training")], priority="medium", validated_on=date(2025, 3, 1))
    status(egypt1, 5, "no")
    egypt2 = answers("EGY", [(5, "training")], cycle=2, priority="low")
    status(egypt2, 5, "yes", paragraph=1)
    status(egypt2, 5, "partly", paragraph=2)  # the latest validated cycle: partly
    egypt3 = answers("EGY", [], cycle=3, status=AssignmentStatus.SUBMITTED)
    status(egypt3, 5, "no")  # not validated: ignored
    request("EGY", [(5, "training")], urgency="high")
    senegal = answers("SEN", [(5, "training"), (16, "legislative")], validated_on=date(2025, 3, 1))
    status(senegal, 5, "no")
    mexico = answers("MEX", [(5, "training")], priority="low")
    status(mexico, 5, "yes")  # implemented: the answer is no need …
    request("MEX", [(5, "training")], urgency="low")  # … but a request asks for training
    needs_derive(today=date(2026, 3, 1))
    demo_programme()


def test_facts_come_from_the_latest_validated_cycle_and_the_whole_register(
    register: None,
) -> None:
    by_key = {
        (f.state_iso3, f.article_number, f.kind): f
        for f in needs_facts(Need.objects.all(), today=date(2026, 3, 1))
    }
    egypt = by_key[("EGY", 5, "training")]
    assert egypt.severity == "partly"
    assert egypt.urgency == "high"  # the request's urgency beats the answers' priorities
    assert (egypt.breadth_overall, egypt.breadth_overall_max) == (3, 3)
    assert (egypt.breadth_region, egypt.breadth_region_max) == (2, 2)
    assert egypt.age_days == 365
    assert egypt.coverage == 0
    assert by_key[("SEN", 5, "training")].severity == "no"
    assert by_key[("MEX", 5, "training")].severity == ""  # implemented: no gap
    assert by_key[("MEX", 5, "training")].breadth_region == 1
    assert by_key[("SEN", 16, "legislative")].severity == ""  # no status reported


def test_register_scores_by_hand_with_the_demo_programme(register: None) -> None:
    results = {
        (s.facts.state_iso3, s.facts.article_number, s.facts.kind): s
        for s in scored_register(needs_qs=Need.objects.all(), today=date(2026, 3, 1))
    }
    egypt = results[("EGY", 5, "training")]
    # programme 3 × (3 / 3) [criminal justice, art. 5] + severity 2 × 0.5 + breadth 1 × 3/3
    # + region 1 × 2/2 + urgency 1.5 × 1 + coverage 2 × 1 + age 0.5 × 365/730
    assert egypt.total == D("3") + D("1") + 1 + 1 + D("1.5") + 2 + D("0.25") == D("9.75")
    assert egypt.explanation.themes == ("Strengthening criminal justice responses",)
    senegal = results[("SEN", 16, "legislative")]
    # 3 × 1 [central authorities] + 0 + 1 × 1/3 + 1 × 1/2 + 0 + 2 × 1 + 0.5 × 0.5
    assert senegal.total == D("6.083")
    assert senegal.explanation.term("breadth_overall").normalised == D("0.333333")
    assert egypt.position == 1


def test_coverage_supplied_later_lowers_the_score(register: None) -> None:
    egypt = Need.objects.get(state__iso3="EGY", article=art(5), kind="training")

    def coverage(keys: object) -> dict[int, Decimal]:
        return {egypt.pk: D("0.5")}

    [covered] = [
        s
        for s in scored_register(
            needs_qs=Need.objects.filter(pk=egypt.pk), coverage=coverage, today=date(2026, 3, 1)
        )
    ]
    assert covered.explanation.term("coverage").contribution == D("1")
    assert covered.total == D("8.750")


def test_loading_the_facts_takes_a_constant_number_of_queries(register: None) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            scored_register(needs_qs=Need.objects.all())
        return len(captured.captured_queries)

    small = count()
    for iso3 in ["FRA", "DEU", "ITA", "NGA", "KEN", "BRA"]:
        answers(iso3, [(n, "training") for n in (5, 6, 8, 11, 16, 18)], priority="high")
    needs_derive()
    assert Need.objects.count() > 35
    assert count() == small


def test_excluded_needs_come_last_with_their_reason(register: None) -> None:
    need = Need.objects.get(state__iso3="EGY", article=art(5), kind="training")
    need.excluded, need.ranking_reason = True, "Already funded"
    need.save()
    results = scored_register(needs_qs=Need.objects.exclude(status=NeedStatus.MERGED))
    assert results[-1].need_id == need.pk and results[-1].position is None
    assert results[-1].facts.ranking_reason == "Already funded"
    assert [s.position for s in results[:-1]] == list(range(1, len(results)))


# --- The demo programme -----------------------------------------------------------------


def test_demo_programme_is_idempotent_and_maps_the_priority_areas() -> None:
    demo_programme()
    demo_programme()
    programme = WorkProgramme.objects.get(name_en=DEMO_PROGRAMME_NAME)
    assert programme.is_demo and programme.is_active
    assert WorkProgramme.objects.filter(name_en=DEMO_PROGRAMME_NAME).count() == 1
    themes = {t.title_en: t for t in PriorityTheme.objects.filter(programme=programme)}
    assert len(themes) == 8
    justice = themes["Strengthening criminal justice responses"]
    assert sorted(a.number for a in justice.articles.all()) == [5, 6, 8, 11, 23]
    central = themes["Central authorities for mutual legal assistance and extradition"]
    assert sorted(a.number for a in central.articles.all()) == [16, 18]
    assert {t.instrument.code for t in themes.values() if t.instrument} == {
        "untoc",
        "tip",
        "som",
        "firearms",
    }
    weights = ScoringWeights.objects.get(session="Working group, intersessional meeting 2007")
    assert weights.is_active
    assert len(active_themes()) == 8
