"""A small implementation questionnaire, built directly with the models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, transaction
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
from infobase.questionnaires.xlsform import import_xlsform
from infobase.reference.models import Article, AssistanceKind, Instrument, State
from tests.conftest import shared_data

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


# --- the real XLSForms, imported once per test module ------------------------------------------

# The cycle of the shared imports: none of the tests' own cycles, so that a test's cycle holds
# only what the test imported. Codes are unique across cycles: a test importing a real form again
# gets the next free code (``form-id-2``), so a test asserting a real form's code shares it.
REAL_FORMS_CYCLE = 96


class RealForms:
    """The real XLSForms of shared/data/xlsform, each imported on first request and kept until
    the end of the module (the ``real_forms`` fixture)."""

    def __init__(self, folder: Path, cycle: ReportingCycle) -> None:
        self.folder = folder
        self.cycle = cycle
        self.depth = len(connection.atomic_blocks)
        self.pks: dict[str, int] = {}

    def pk(self, name: str) -> int:
        if name not in self.pks:
            # inside a test's transaction the import would be rolled back after the test
            assert len(connection.atomic_blocks) == self.depth, (
                "import the shared real forms from a module-scoped fixture, not in a test"
            )
            self.pks[name] = import_xlsform(self.folder / name, filename=name, cycle=self.cycle).pk
        return self.pks[name]


@pytest.fixture(scope="module")
def real_forms(django_db_setup, django_db_blocker) -> Iterator[RealForms]:  # type: ignore[no-untyped-def]
    """The real forms a module's tests only read, imported once for the module on first
    request in a transaction rolled back after it (each test still rolls back its own
    changes). Request one through a module-scoped fixture (``real_form_pk``) or ``pk()``
    there, never inside a test."""
    folder = shared_data() / "xlsform"
    with django_db_blocker.unblock(), transaction.atomic():
        cycle = ReportingCycle.objects.create(
            number=REAL_FORMS_CYCLE, name="Real XLSForms shared by a module's tests"
        )
        yield RealForms(folder, cycle)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def real_form_pk(real_forms: RealForms, name: str) -> int:
    """The shared import of the real form ``name`` (a module-scoped parameter:
    ``@pytest.mark.parametrize("name", …, scope="module")``)."""
    return real_forms.pk(name)


@pytest.fixture
def real_form(db, real_form_pk: int) -> Questionnaire:  # type: ignore[no-untyped-def]
    """The shared import of the real form ``name``, read afresh for the test: for tests that
    do not change it."""
    return Questionnaire.objects.get(pk=real_form_pk)
