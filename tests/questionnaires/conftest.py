"""A small implementation questionnaire, built directly with the models."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from infobase.questionnaires.models import (
    Assignment,
    Choice,
    ChoiceList,
    Item,
    ItemKind,
    ItemRole,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, AssistanceKind, Instrument, State

STATUS = [
    ("yes", "Yes", "نعم"),
    ("partly", "Partly", "جزئياً"),
    ("no", "No", "لا"),
    ("na", "Not applicable", "لا ينطبق"),
]


def build_questionnaire(*, cycle_number: int, code: str) -> Questionnaire:
    cycle, _ = ReportingCycle.objects.get_or_create(
        number=cycle_number, defaults={"name": f"Cycle {cycle_number}"}
    )
    q = Questionnaire.objects.create(
        cycle=cycle,
        code=code,
        title={"en": "Implementation of the Convention", "ar": "تنفيذ الاتفاقية"},
        languages=[
            {"code": "en", "column": "English (en)"},
            {"code": "ar", "column": "Arabic (ar)"},
        ],
        status="published",
    )
    q.instruments.add(Instrument.objects.get(code="untoc"))
    status = ChoiceList.objects.create(questionnaire=q, name="status")
    for n, (name, en, ar) in enumerate(STATUS):
        Choice.objects.create(choice_list=status, position=n, name=name, label={"en": en, "ar": ar})
    yes_no = ChoiceList.objects.create(questionnaire=q, name="yes_no")
    for n, (name, en, ar) in enumerate([("yes", "Yes", "نعم"), ("no", "No", "لا")]):
        Choice.objects.create(choice_list=yes_no, position=n, name=name, label={"en": en, "ar": ar})
    kinds = ChoiceList.objects.create(questionnaire=q, name="ta_kinds")
    for n, kind in enumerate(AssistanceKind):
        Choice.objects.create(
            choice_list=kinds, position=n, name=kind.value, label={"en": str(kind.label)}
        )
    art5 = Article.objects.get(instrument__code="untoc", number=5)
    rows = iter(range(2, 100))

    def add(**fields: object) -> Item:
        return Item.objects.create(questionnaire=q, position=next(rows), **fields)

    add(
        kind=ItemKind.TEXT,
        xlsform_type="text",
        name="authority",
        required=True,
        label={"en": "Responding authority", "ar": "السلطة المجيبة"},
    )
    add(
        kind=ItemKind.INTEGER,
        xlsform_type="integer",
        name="cases",
        constraint=". >= 0",
        constraint_message={"en": "Cannot be negative", "ar": "لا يمكن أن يكون سالبا"},
        label={"en": "Cases prosecuted", "ar": "عدد القضايا"},
    )
    section = add(
        kind=ItemKind.GROUP,
        xlsform_type="begin group",
        name="art5",
        article=art5,
        label={"en": "Article 5", "ar": "المادة 5"},
    )
    add(
        parent=section,
        kind=ItemKind.STATUS,
        xlsform_type="select_one status",
        name="a5_status",
        choice_list=status,
        role=ItemRole.STATUS,
        required=True,
        label={
            "en": "Is participation in an organized criminal group a criminal offence?",
            "ar": "هل تُجرّم المشاركة في جماعة إجرامية منظمة؟",
        },
    )
    add(
        parent=section,
        kind=ItemKind.TEXT,
        xlsform_type="text",
        name="a5_explanation",
        role=ItemRole.EXPLANATION,
        relevant="${a5_status} != 'yes'",
        label={"en": "Explain", "ar": "يرجى التوضيح"},
    )
    add(
        parent=section,
        kind=ItemKind.SELECT_ONE,
        xlsform_type="select_one yes_no",
        name="a5_ta_needed",
        choice_list=yes_no,
        role=ItemRole.TA_NEEDED,
        label={"en": "Is assistance needed?", "ar": "هل تلزم مساعدة؟"},
    )
    add(
        parent=section,
        kind=ItemKind.SELECT_MULTIPLE,
        xlsform_type="select_multiple ta_kinds",
        name="a5_ta_kinds",
        choice_list=kinds,
        role=ItemRole.TA_KINDS,
        relevant="${a5_ta_needed} = 'yes'",
        label={"en": "Which kinds?", "ar": "ما أنواعها؟"},
    )
    return q


@pytest.fixture
def questionnaire() -> Questionnaire:
    return build_questionnaire(cycle_number=91, code="test-q")


@pytest.fixture
def assignment(questionnaire: Questionnaire, egypt: State) -> Assignment:
    return Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 31),
        dispatched_at=timezone.now(),
    )
