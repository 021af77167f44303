from __future__ import annotations

import pytest

from infobase.questionnaires import services
from infobase.questionnaires.models import Answer, Item, ItemKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (12.0, 12), ("12.0", 12), (" 7 ", 7)])
def test_whole_numbers_accept_what_people_and_spreadsheets_send(questionnaire, raw, expected):
    assert (
        services.clean_value(Item.objects.get(questionnaire=questionnaire, name="cases"), raw)
        == expected
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("١٢", 12),  # Arabic-Indic digits
        ("۱۲", 12),  # Eastern Arabic-Indic (Persian, Urdu) digits
        ("١٬٢٣٤", 1234),  # the Arabic thousands separator
        ("1 234", 1234),
        ("1\u00a0234", 1234),  # French: a no-break space, as a spreadsheet formats it
        ("12\u202f345\u202f678", 12345678),  # a narrow no-break space
    ],
)
def test_whole_numbers_written_as_people_write_them_are_read(questionnaire, raw, expected):
    item = Item.objects.get(questionnaire=questionnaire, name="cases")
    assert services.clean_value(item, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("٣٫٥", "3.5"), ("٠٫٢٥", "0.25"), ("1 234,5", "1234.5"), ("2,5", "2.5")]
)
def test_decimals_take_the_arabic_decimal_separator_and_spaces_between_thousands(raw, expected):
    assert services.clean_value(Item(kind=ItemKind.DECIMAL), raw) == expected


@pytest.mark.parametrize("raw", ["1_000", "12.5", "NaN", "Infinity", "many", "12 5", "1 2345"])
def test_whole_numbers_refuse_the_rest(questionnaire, raw):
    with pytest.raises(ValueError):
        services.clean_value(Item.objects.get(questionnaire=questionnaire, name="cases"), raw)


def test_text_lines_end_the_same_however_they_were_sent(questionnaire):
    # a browser's text area sends CR LF; LibreOffice saves LF (test_workbook_libreoffice)
    authority = Item.objects.get(questionnaire=questionnaire, name="authority")
    for raw in ("one\r\nسطر\r\n", "one\nسطر", "one\rسطر"):
        assert services.clean_value(authority, raw) == "one\nسطر"


def test_an_answer_stored_with_cr_lf_is_unchanged_by_the_same_text_with_lf(assignment, focal_egypt):
    authority = Item.objects.get(questionnaire=assignment.questionnaire, name="authority")
    Answer.objects.create(
        assignment=assignment, item=authority, value="one\r\ntwo", updated_by=focal_egypt
    )
    result = services.answers_save(
        assignment=assignment,
        user=focal_egypt,
        answers=[services.AnswerInput(authority, "one\ntwo", version=1)],
    )
    assert (result.saved, result.unchanged) == (0, 1)


def test_choices_are_checked_and_kept_in_list_order(questionnaire):
    kinds = Item.objects.get(questionnaire=questionnaire, name="a5_ta_kinds")
    assert services.clean_value(kinds, ["training", "legislative", "training"]) == [
        "legislative",
        "training",
    ]
    with pytest.raises(ValueError):
        services.clean_value(kinds, ["bribes"])


def test_a_question_of_another_questionnaire_is_refused(assignment, focal_egypt):
    from tests.questionnaires.conftest import build_questionnaire

    other = build_questionnaire(cycle_number=93, code="other")
    foreign = Item.objects.get(questionnaire=other, name="authority")
    result = services.answers_save(
        assignment=assignment,
        user=focal_egypt,
        answers=[services.AnswerInput(item=foreign, value="x", version=0)],
    )
    assert "authority" in result.errors and not Answer.objects.exists()


def test_editing_an_answer_that_vanished_is_a_conflict(assignment, focal_egypt):
    item = Item.objects.get(questionnaire=assignment.questionnaire, name="authority")
    result = services.answers_save(
        assignment=assignment,
        user=focal_egypt,
        answers=[services.AnswerInput(item=item, value="x", version=3)],
    )
    assert [c.item for c in result.conflicts] == [item] and not Answer.objects.exists()


def test_a_decimal_typed_1_234_is_refused_showing_both_readings_not_read_as_1_point_234():
    # The web form and the API read numbers as the imports do (core.typed): a comma before
    # three digits is a thousands separator in English and a decimal comma in French.
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValueError) as refused:
        services.clean_value(Item(kind=ItemKind.DECIMAL), "1,234")
    assert "1234" in str(refused.value) and "1.234" in str(refused.value)
    with translation.override("ar"), pytest.raises(ValueError) as refused_ar:
        services.clean_value(Item(kind=ItemKind.DECIMAL), "1,234")
    assert "1234" in str(refused_ar.value) and "could mean" not in str(refused_ar.value)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1.234", "1.234"), ("1,234.5", "1234.5"), ("1.234,5", "1234.5")]
)
def test_a_decimal_with_one_reading_is_read(raw, expected):
    assert services.clean_value(Item(kind=ItemKind.DECIMAL), raw) == expected


def test_a_whole_number_grouped_by_a_comma_is_read(questionnaire):
    cases = Item.objects.get(questionnaire=questionnaire, name="cases")
    assert services.clean_value(cases, "1,234") == 1234
