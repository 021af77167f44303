from __future__ import annotations

import pytest

from infobase.questionnaires import services
from infobase.questionnaires.models import Answer, Item

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (12.0, 12), ("12.0", 12), (" 7 ", 7)])
def test_whole_numbers_accept_what_people_and_spreadsheets_send(questionnaire, raw, expected):
    assert (
        services.clean_value(Item.objects.get(questionnaire=questionnaire, name="cases"), raw)
        == expected
    )


@pytest.mark.parametrize("raw", ["1_000", "12.5", "NaN", "Infinity", "many"])
def test_whole_numbers_refuse_the_rest(questionnaire, raw):
    with pytest.raises(ValueError):
        services.clean_value(Item.objects.get(questionnaire=questionnaire, name="cases"), raw)


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
