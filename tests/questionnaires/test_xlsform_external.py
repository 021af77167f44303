"""``select_one_external`` and the ``external_choices`` sheet are kept as pyxform reads them.

The real form ``subdistrict-profiling-tool.xlsx`` asks governorate → district → subdistrict →
community, the last three from ``external_choices`` (5,667 rows) filtered by the earlier answers.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.questionnaires import selectors
from infobase.questionnaires.expressions import allowed_choices
from infobase.questionnaires.models import (
    Assignment,
    ChoiceList,
    ItemKind,
    Questionnaire,
    ReportingCycle,
)
from infobase.questionnaires.xlsform import (
    EXTERNAL_PREFIX,
    export_xlsform,
    import_xlsform,
    pyxform_problems,
)
from infobase.reference.models import State
from tests.questionnaires.conftest import RealForms
from tests.questionnaires.test_answer_page import field, save
from tests.questionnaires.test_xlsform import write_xlsform

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl"),
]

NAME = "subdistrict-profiling-tool.xlsx"


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


@pytest.fixture(scope="module")
def subdistricts_pk(real_forms: RealForms) -> int:
    return real_forms.pk(NAME)


@pytest.fixture
def subdistricts(subdistricts_pk: int) -> Questionnaire:
    """The form imported once for the module: the tests read it (answers are their own)."""
    return Questionnaire.objects.get(pk=subdistricts_pk)


def sheet_rows(data: bytes, title: str) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheet = workbook[title]
    sheet.reset_dimensions()
    rows = [r for r in sheet.iter_rows(values_only=True) if any(c not in (None, "") for c in r)]
    workbook.close()
    return rows


def itemset_rows(itemsets: str) -> list[list[str]]:
    """The rows of pyxform's itemsets.csv without its header, trailing empty cells dropped."""
    rows = list(csv.reader(io.StringIO(itemsets)))[1:]
    for row in rows:
        while row and not row[-1]:
            row.pop()
    return rows


def test_external_selects_are_asked_from_their_own_lists(subdistricts: Questionnaire) -> None:
    district = subdistricts.items.select_related("choice_list").get(name="district")
    assert district.kind == ItemKind.SELECT_ONE
    assert district.xlsform_type == "select_one_external districts"
    assert district.choice_list is not None
    assert district.choice_list.name == EXTERNAL_PREFIX + "districts"
    assert district.choice_list.choices.count() == 61
    # "governorates" is on both sheets: the choices list asked, the external one kept apart
    lists = dict(ChoiceList.objects.filter(questionnaire=subdistricts).values_list("name", "pk"))
    assert {"governorates", EXTERNAL_PREFIX + "governorates"} <= set(lists)
    assert subdistricts.items.get(name="governorate").choice_list_id == lists["governorates"]
    community = subdistricts.items.select_related("choice_list").get(name="community")
    assert community.choice_list is not None and community.choice_list.choices.count() == 5320


def test_external_choice_filter_leaves_only_the_districts_of_the_governorate(
    subdistricts: Questionnaire,
) -> None:
    district = subdistricts.items.select_related("choice_list").get(name="district")
    assert district.choice_list is not None
    every = list(district.choice_list.choices.all())
    kept = allowed_choices(district.choice_filter, every, {"governorate": "SY08"})
    assert 0 < len(kept) < len(every)
    assert {c.extra["governorate"] for c in kept} == {"SY08"}
    assert kept[0].label["ar"] and kept[0].label["en"]


def test_answering_page_offers_only_the_districts_of_the_chosen_governorate(
    subdistricts: Questionnaire, focal_egypt: User, egypt: State
) -> None:
    assignment = Assignment.objects.create(
        questionnaire=subdistricts,
        state=egypt,
        deadline=date(2030, 1, 1),
        dispatched_at=timezone.now(),
    )
    assert save(assignment, focal_egypt, governorate="SY08").errors == {}
    offered = field(selectors.answer_page(assignment), "district").allowed_names()
    district = subdistricts.items.select_related("choice_list").get(name="district")
    assert district.choice_list is not None
    expected = [
        c.name for c in district.choice_list.choices.all() if c.extra.get("governorate") == "SY08"
    ]
    assert offered == expected and 0 < len(expected) < 61
    assert save(assignment, focal_egypt, district=expected[0]).errors == {}
    elsewhere = district.choice_list.choices.exclude(name__in=expected).first()
    assert elsewhere is not None
    assert "district" in save(assignment, focal_egypt, district=elsewhere.name).errors


def test_export_writes_the_external_choices_sheet_back(
    shared: Path, subdistricts: Questionnaire
) -> None:
    original = (shared / "xlsform" / NAME).read_bytes()
    exported = export_xlsform(subdistricts)
    before, after = (
        sheet_rows(original, "external_choices"),
        sheet_rows(exported, "external_choices"),
    )
    assert len(after) == len(before) == 5668
    assert [row[:2] for row in after] == [row[:2] for row in before]
    assert not any(row[0] == "districts" for row in sheet_rows(exported, "choices"))
    # pyxform makes the same itemsets.csv of the export as of the original
    problems, converted = pyxform_problems(exported, "exported.xlsx")
    assert problems == []
    assert itemset_rows(converted.itemsets) == itemset_rows(
        pyxform_problems(original, NAME)[1].itemsets
    )


def test_export_of_an_external_select_reimports_to_the_same_lists(
    subdistricts: Questionnaire, cycle: ReportingCycle
) -> None:
    again = import_xlsform(io.BytesIO(export_xlsform(subdistricts)), filename="a.xlsx", cycle=cycle)

    def lists(q: Questionnaire) -> dict[str, int]:
        return {cl.name: cl.choices.count() for cl in q.choice_lists.all()}

    assert lists(again) == lists(subdistricts)


def test_an_external_select_naming_a_missing_list_is_refused_with_its_place(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = tmp_path / "ext.xlsx"
    write_xlsform(
        path,
        [["type", "name", "label"], ["select_one_external towns", "town", "Town"]],
        [["list_name", "name", "label"], ["towns", "a", "A"]],  # on the wrong sheet
    )
    # the module's shared import of the real form may be there already
    before = set(Questionnaire.objects.values_list("pk", flat=True))
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="ext.xlsx", cycle=cycle)
    # pyxform's own word (that the sheet is missing) comes first, as it names no row
    assert [(p.sheet, p.line, p.column, p.message) for p in info.value.problems][1:] == [
        ("survey", 2, "type", "the list “towns” is not on the “external_choices” sheet.")
    ]
    assert set(Questionnaire.objects.values_list("pk", flat=True)) == before


def test_select_multiple_external_is_refused_as_pyxform_refuses_it(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "multi.xlsx",
        [["type", "name", "label"], ["select_multiple_external towns", "towns", "Towns"]],
    )
    assert pyxform_problems(path.read_bytes(), "multi.xlsx")[0]
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="multi.xlsx", cycle=cycle)
    assert [(p.sheet, p.line, p.column, p.message) for p in info.value.problems] == [
        (
            "survey",
            2,
            "type",
            "“select_multiple_external towns” is not an XLSForm question type.",
        )
    ]


def test_sheets_that_are_not_xlsform_sheets_are_reported_as_not_kept(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(tmp_path / "notes.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("analysis_plan").append(["indicator", "question"])
    workbook.create_sheet("empty")
    workbook.save(path)
    questionnaire = import_xlsform(path, filename="notes.xlsx", cycle=cycle)
    warnings = [str(w) for w in questionnaire.import_warnings]  # type: ignore[attr-defined]
    assert warnings == [
        "notes.xlsx, sheet “analysis_plan”: "
        "the sheet “analysis_plan” is not an XLSForm sheet: it is not kept."
    ]


def test_an_entities_sheet_is_still_refused(tmp_path: Path, cycle: ReportingCycle) -> None:
    path = write_xlsform(tmp_path / "ent.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("entities").append(["list_name", "label"])
    workbook.save(path)
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="ent.xlsx", cycle=cycle)
    assert [(p.sheet, p.line) for p in info.value.problems] == [("entities", 1)]
