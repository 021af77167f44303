"""The XLSForm import refuses, before writing anything, a value longer than its column
(PostgreSQL would refuse it, SQLite keeps it) or holding a character that makes it show in
another order than it is written: each problem names its sheet, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from infobase.core.errors import InvalidInput
from infobase.questionnaires.models import Questionnaire, ReportingCycle
from infobase.questionnaires.xlsform import import_xlsform
from tests.questionnaires.test_xlsform import write_xlsform

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


def test_overlong_and_reversed_values_are_refused_by_sheet_row_and_column(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "odd.xlsx",
        [
            ["type", "name", "label", "appearance"],
            ["text", "t", "Name of the \u202eauthority"],  # row 2
            ["text", "n" * 201, "N"],  # row 3
            ["select_one yn", "s", "S", "a" * 201],  # row 4
        ],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "n\u202eo", "No"]],
        [["form_title", "form_id", "version"], ["Odd", "odd\u202d", "v" * 101]],
    )
    with pytest.raises(InvalidInput) as info:
        import_xlsform(path, filename="odd.xlsx", cycle=cycle)
    places = {(p.sheet, p.line, p.column) for p in info.value.problems}
    assert places == {
        ("survey", 2, "label"),
        ("survey", 3, "name"),
        ("survey", 4, "appearance"),
        ("choices", 3, "name"),
        ("settings", 2, "form_id"),
        ("settings", 2, "version"),
    }
    said = str(info.value)
    assert "U+202E" in said and "U+202D" in said and "at most 100 characters" in said
    assert not Questionnaire.objects.exists()
