"""Import is as forgiving as pyxform and reports every problem of a form at once, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from infobase.core.errors import InvalidInput
from infobase.questionnaires.models import Questionnaire, ReportingCycle
from infobase.questionnaires.xlsform import import_xlsform
from tests.questionnaires.test_xlsform import write_xlsform

pytestmark = [pytest.mark.django_db]

HEADER = ["type", "name", "label", "trigger", "notes"]


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


def test_comment_and_blank_rows_are_skipped_with_a_warning(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "comments.xlsx",
        [
            HEADER,
            ["text", "a", "A", "", ""],
            ["", "", "", "", "Section 2 starts here (for the enumerators)"],
            [None, None, None, None, None],
            ["", " ", "", "", "another note"],
            ["integer", "b", "B", "", ""],
        ],
    )
    questionnaire = import_xlsform(path, filename="comments.xlsx", cycle=cycle)
    assert list(questionnaire.items.values_list("name", flat=True)) == ["a", "b"]
    warnings = [str(w) for w in questionnaire.import_warnings]  # type: ignore[attr-defined]
    assert [w.split(":")[0] for w in warnings] == [
        "comments.xlsx, sheet “survey”, row 3, column “type”",
        "comments.xlsx, sheet “survey”, row 5, column “type”",
    ]
    assert all("skipped" in w for w in warnings)


def test_a_comment_row_no_longer_hides_a_trigger_naming_a_missing_field(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "trigger.xlsx",
        [
            HEADER,
            ["text", "a", "A", "", ""],
            ["", "", "", "", "comment"],
            ["text", "b", "B", "${nosuch}", ""],
        ],
    )
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="trigger.xlsx", cycle=cycle)
    assert [(p.sheet, p.line, p.column) for p in info.value.problems] == [("survey", 4, "trigger")]
    assert "nosuch" in info.value.problems[0].message
    assert not Questionnaire.objects.exists()


def test_a_row_with_a_name_or_label_but_no_type_is_refused_as_pyxform_does(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "notype.xlsx",
        [HEADER, ["text", "a", "A", "", ""], ["", "b", "", "", ""], ["", "", "Some label", "", ""]],
    )
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="notype.xlsx", cycle=cycle)
    assert [(p.sheet, p.line, p.column) for p in info.value.problems] == [
        ("survey", 3, "type"),
        ("survey", 4, "type"),
    ]


def test_every_problem_of_every_sheet_is_reported_at_once_in_workbook_order(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "many.xlsx",
        [
            ["type", "name", "label"],
            ["select_one missing", "s", "S"],
            ["", "", ""],
            ["text", "t", "T"],
            ["nonsense_type", "u", "U"],
            ["text", "t", "T again"],
            ["end group", "", ""],
        ],
        [["list_name", "name", "label"], ["yes_no", "", "Yes"], ["yes_no", "no", "No"]],
    )
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="many.xlsx", cycle=cycle)
    places = [(p.sheet, p.line, p.column) for p in info.value.problems]
    assert places == [
        ("survey", 2, "type"),
        ("survey", 5, "type"),
        ("survey", 6, "name"),
        ("survey", 7, "type"),
        ("choices", 2, "name"),
    ]
    assert all(str(p).startswith("many.xlsx, sheet") for p in info.value.problems)
    assert not Questionnaire.objects.exists()
