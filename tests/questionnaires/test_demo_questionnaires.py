"""The illustrative questionnaires, dispatch and answers of the demo data set."""

from __future__ import annotations

from typing import Any

import pytest

from infobase.demo.services import generate
from infobase.questionnaires import selectors
from infobase.questionnaires.models import (
    Answer,
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    Choice,
    Item,
    ItemKind,
    ItemRole,
    Questionnaire,
    ReportingCycle,
    StatedNeed,
)
from infobase.reference.models import RegionalGroup

pytestmark = pytest.mark.django_db

MODELS: list[Any] = [
    ReportingCycle,
    Questionnaire,
    Item,
    Choice,
    Assignment,
    Answer,
    ArticleImplementation,
    StatedNeed,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        (
            a.assignment.questionnaire.code,
            a.assignment.state.iso3,
            a.assignment.status,
            a.item.name,
            repr(a.value),
            a.confidential,
        )
        for a in Answer.objects.select_related(
            "assignment__questionnaire", "assignment__state", "item"
        )
    )


def test_generating_twice_changes_nothing(demo_loaded: None):
    first = counts()
    assert first["Questionnaire"] == 2
    assert first["Answer"] > 5000
    ctx = generate(scale="small", seed=1)
    assert counts() == first
    assert ctx.created.get("answers", 0) == 0
    assert ctx.created.get("assignments", 0) == 0


def test_it_is_deterministic_for_a_seed(demo_loaded: None):
    before = snapshot()
    # Items first: Item.choice_list is PROTECT, so a questionnaire cannot cascade to them.
    Item.objects.filter(questionnaire__is_demo=True).delete()
    Questionnaire.objects.filter(is_demo=True).delete()
    assert not Answer.objects.exists()
    generate(scale="small", seed=1)
    assert snapshot() == before


def test_every_label_has_english_and_arabic_text(demo: None):
    for item in Item.objects.all():
        assert item.label.get("en") and item.label.get("ar"), item.name
        if item.hint:
            assert item.hint.get("en") and item.hint.get("ar"), item.name
        if item.constraint_message:
            assert item.constraint_message.get("en") and item.constraint_message.get("ar")
    for choice in Choice.objects.all():
        assert choice.label.get("en") and choice.label.get("ar"), choice.name
    for questionnaire in Questionnaire.objects.all():
        assert questionnaire.is_demo
        assert questionnaire.language_codes[:2] == ["en", "ar"]
        assert all(questionnaire.title.get(code) for code in questionnaire.language_codes)


def test_the_questionnaire_is_a_well_formed_form(demo: None):
    questionnaire = Questionnaire.objects.get(code="demo-cycle1-untoc")
    assert set(questionnaire.instruments.values_list("code", flat=True)) == {
        "untoc",
        "tip",
        "som",
        "firearms",
    }
    items = list(questionnaire.items.order_by("position"))
    assert [i.position for i in items] == list(range(1, len(items) + 1))
    assert len({i.name for i in items}) == len(items)
    sections = [i for i in items if i.kind == ItemKind.GROUP and i.article_id]
    assert len(sections) == 25
    status = questionnaire.items.get(name="a5_status")
    assert status.kind == ItemKind.STATUS and status.role == ItemRole.STATUS
    assert status.parent is not None and status.parent.article is not None
    assert status.parent.article.number == 5
    assert list(status.choice_list.choices.values_list("name", flat=True)) == [  # type: ignore[union-attr]
        "yes",
        "partly",
        "no",
        "na",
    ]
    assert questionnaire.items.get(name="a5_explanation").relevant == "${a5_status} != 'yes'"
    assert questionnaire.items.get(name="tip5_ta_kinds").relevant == "${tip5_ta_needed} = 'yes'"
    assert questionnaire.items.get(name="cases_prosecuted").constraint == ". >= 0"
    texts = Answer.objects.filter(item__kind=ItemKind.TEXT).values_list("value", flat=True)
    assert all(str(text).startswith("Illustrative") for text in texts)


def test_response_rates_differ_by_regional_group(demo: None):
    questionnaire = Questionnaire.objects.get(code="demo-cycle1-untoc")
    rates = {rate.key: rate.percent for rate in selectors.rates_by_group([questionnaire])}
    assert rates[RegionalGroup.WEOG] > rates[RegionalGroup.AFRICAN] + 20
    assert rates[RegionalGroup.WEOG] > rates[RegionalGroup.ASIA_PACIFIC]
    with_answers = Answer.objects.filter(assignment__questionnaire=questionnaire)
    assert 100 <= with_answers.values("assignment").distinct().count() <= 150
    statuses = selectors.rates_by_status([questionnaire])
    assert statuses[AssignmentStatus.VALIDATED] > sum(statuses.values()) / 2


def test_the_focal_points_have_a_cycle_2_questionnaire_to_answer(demo: None):
    for iso3 in ("EGY", "SEN"):
        assignment = Assignment.objects.get(
            questionnaire__code="demo-cycle2-untoc", state__iso3=iso3
        )
        assert assignment.status == AssignmentStatus.IN_PROGRESS
        assert assignment.is_editable_by_state
        assert assignment.answers.exists()


def test_derived_statuses_match_the_answers(demo: None):
    validated = Assignment.objects.filter(status=AssignmentStatus.VALIDATED)
    assert validated.exists()
    assert not validated.filter(article_statuses=None).exists()
    assert not ArticleImplementation.objects.exclude(
        assignment__status=AssignmentStatus.VALIDATED
    ).exists()
    for assignment in validated.order_by("state__iso3")[:8]:
        expected_status: dict[int, str] = {}
        needed: set[int] = set()
        kinds: dict[int, list[str]] = {}
        answers = Answer.objects.filter(assignment=assignment).select_related("item__parent")
        for answer in answers:
            item = answer.item
            if item.parent is None or item.parent.article_id is None or item.paragraph:
                continue
            article = item.parent.article_id
            if item.role == ItemRole.STATUS:
                expected_status[article] = answer.value
            elif item.role == ItemRole.TA_NEEDED and answer.value == "yes":
                needed.add(article)
            elif item.role == ItemRole.TA_KINDS:
                kinds[article] = answer.value
        derived = {
            row.article_id: row.status
            for row in ArticleImplementation.objects.filter(assignment=assignment, paragraph=0)
        }
        assert derived == expected_status
        expected_needs = {(a, k) for a in needed for k in kinds.get(a, ["other"])}
        stated = set(
            StatedNeed.objects.filter(assignment=assignment).values_list("article_id", "kind")
        )
        assert stated == expected_needs


def test_submitted_answers_are_valid_answers(demo: None):
    from infobase.questionnaires import services

    answered = Assignment.objects.filter(
        status__in=[AssignmentStatus.SUBMITTED, AssignmentStatus.VALIDATED]
    ).order_by("state__iso3")
    for assignment in answered[:5]:
        assert services.validation_problems(assignment) == {}
        for answer in assignment.answers.select_related("item__choice_list"):
            assert services.clean_value(answer.item, answer.value) == answer.value
