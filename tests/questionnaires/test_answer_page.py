"""The answering page: choice filters, repeated sections, progress, saving in place, labels,
comments in place (server behaviour through Django's test client)."""

from __future__ import annotations

from datetime import date
from typing import Any

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from infobase.questionnaires import selectors, services
from infobase.questionnaires.models import (
    ANSWERABLE_KINDS,
    Answer,
    Assignment,
    AssignmentStatus,
    Choice,
    ChoiceList,
    Item,
    ItemKind,
    Questionnaire,
    ReportingCycle,
    ReviewComment,
)
from infobase.questionnaires.xlsform import import_xlsform
from tests.conftest import client_for
from tests.questionnaires.test_reporting_flow import form_data

pytestmark = pytest.mark.django_db

DISTRICTS = [("n1", "north"), ("n2", "north"), ("s1", "south"), ("s2", "south")]


def _choices(q: Questionnaire, name: str, rows: list[tuple[str, dict[str, str]]]) -> ChoiceList:
    chosen = ChoiceList.objects.create(questionnaire=q, name=name)
    for n, (code, extra) in enumerate(rows):
        Choice.objects.create(
            choice_list=chosen, position=n, name=code, label={"en": code.upper()}, extra=extra
        )
    return chosen


@pytest.fixture
def filtered(assignment: Assignment) -> Assignment:
    """The small questionnaire plus a region → district filter and a repeated "Visit"."""
    q = assignment.questionnaire
    regions = _choices(q, "regions", [("north", {}), ("south", {})])
    districts = _choices(q, "districts", [(code, {"region": r}) for code, r in DISTRICTS])
    rows = iter(range(200, 300))

    def add(**fields: object) -> Item:
        return Item.objects.create(questionnaire=q, position=next(rows), **fields)

    add(
        kind=ItemKind.SELECT_ONE,
        xlsform_type="select_one regions",
        name="region",
        choice_list=regions,
        label={"en": "Region"},
    )
    add(
        kind=ItemKind.SELECT_ONE,
        xlsform_type="select_one districts",
        name="district",
        choice_list=districts,
        choice_filter="region = ${region}",
        label={"en": "District", "ar": "المقاطعة"},
    )
    visit = add(
        kind=ItemKind.REPEAT, xlsform_type="begin repeat", name="visit", label={"en": "Visit"}
    )
    add(
        parent=visit,
        kind=ItemKind.DATE,
        xlsform_type="date",
        name="visit_date",
        required=True,
        label={"en": "Date of the visit"},
    )
    add(
        parent=visit,
        kind=ItemKind.INTEGER,
        xlsform_type="integer",
        name="people",
        constraint=". > 0",
        constraint_message={"en": "At least one person"},
        label={"en": "People met"},
    )
    add(
        parent=visit,
        kind=ItemKind.TEXT,
        xlsform_type="text",
        name="why_many",
        required=True,
        relevant="${people} > 10",
        label={"en": "Why so many?"},
    )
    return assignment


def save(assignment: Assignment, user: Any, **values: object) -> services.SaveResult:
    items = {i.name: i for i in assignment.questionnaire.items.all()}
    given = []
    for key, value in values.items():
        name, _sep, path = key.partition("__")
        given.append(services.AnswerInput(item=items[name], value=value, repeat_path=path))
    return services.answers_save(assignment=assignment, user=user, answers=given)


def field(page: selectors.Block, key: str) -> selectors.Field:
    return next(f for f in page.fields() if f.key == key)


def parse(html: str) -> Any:
    return lxml.html.fromstring(html)


def answer_url(assignment: Assignment) -> str:
    return reverse("assignment_answer", args=[assignment.pk])


# --- Choice filters -----------------------------------------------------------------------


def test_a_filtered_select_offers_only_the_choices_matching_earlier_answers(filtered, focal_egypt):
    save(filtered, focal_egypt, region="north")
    html = client_for(focal_egypt).get(answer_url(filtered)).content.decode()
    doc = parse(html)
    box = doc.get_element_by_id("q-district").xpath(".//*[@data-choice-filter]")[0]
    assert box.get("data-choice-filter") == "region = ${region}"
    shown = [
        o.get("data-choice") for o in box.xpath(".//*[@data-choice]") if o.get("hidden") is None
    ]
    assert shown == ["n1", "n2"]
    assert '"region": "south"' in box.xpath(".//*[@data-choice='s1']")[0].get("data-choice-columns")


def test_saving_a_choice_the_filter_leaves_out_is_refused_naming_the_question(
    filtered, focal_egypt
):
    client = client_for(focal_egypt)
    data = {**form_data(client, filtered), "q-region": "north", "q-district": "s1"}
    response = client.post(answer_url(filtered), {**data, "action": "save"})
    assert response.status_code == 400
    message = response.context["errors"]["district"]
    assert "المقاطعة" in message and "s1" in message  # the question, in the user's language
    assert not Answer.objects.filter(item__name="district").exists()
    assert Answer.objects.get(item__name="region").value == "north"  # the rest is kept


def test_a_choice_left_out_after_the_earlier_answer_changed_blocks_submission(
    filtered, focal_egypt
):
    assert not save(filtered, focal_egypt, region="north", district="n1").errors
    save(filtered, focal_egypt, region="south")
    problems = services.validation_problems(filtered)
    assert "“n1”" in problems["district"] and "District" in problems["district"]


def test_the_filter_message_is_translated(filtered, focal_egypt):
    with translation.override("ar"):
        result = save(filtered, focal_egypt, region="north", district="s2")
    assert "المقاطعة" in result.errors["district"]


def test_a_real_form_filters_its_districts_by_region(shared, focal_egypt, egypt):
    q = import_xlsform(
        shared / "xlsform" / "mali-health-facilities.xlsx",
        filename="mali-health-facilities.xlsx",
        cycle=_cycle(),
    )
    a = Assignment.objects.create(
        questionnaire=q, state=egypt, deadline=date(2030, 1, 1), dispatched_at=timezone.now()
    )
    district = q.items.get(name="DISTRICT")
    region = Choice.objects.filter(choice_list__items__name="region", choice_list__questionnaire=q)[
        0
    ]
    expected = [
        c.name
        for c in district.choice_list.choices.all()  # type: ignore[union-attr]
        if str(c.extra.get("region", "")).strip() == region.name
    ]
    assert 0 < len(expected) < district.choice_list.choices.count()  # type: ignore[union-attr]
    save(a, focal_egypt, region=region.name)
    page = selectors.answer_page(a)
    assert field(page, "DISTRICT").allowed_names() == expected
    assert save(a, focal_egypt, DISTRICT=expected[0]).errors == {}
    other = next(c.name for c in district.choice_list.choices.all() if c.name not in expected)  # type: ignore[union-attr]
    assert "DISTRICT" in save(a, focal_egypt, DISTRICT=other).errors


def _cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=97, defaults={"name": "Cycle 97"})[0]


# --- Repeats ------------------------------------------------------------------------------


def test_an_instance_is_added_without_script_and_its_answers_are_saved(filtered, focal_egypt):
    client = client_for(focal_egypt)
    save(filtered, focal_egypt, visit_date__1="2026-01-05")
    response = client.post(
        answer_url(filtered), {**form_data(client, filtered), "action": "add:visit@2"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?add=visit%402#s-visit-2")
    html = client.get(response["Location"]).content.decode()
    doc = parse(html)
    assert doc.get_element_by_id("s-visit-2").get("data-instance") == "2"
    assert doc.get_element_by_id("i-visit_date@2").get("name") == "q-visit_date@2"
    response = client.post(
        answer_url(filtered),
        {"v-visit_date@2": "0", "q-visit_date@2": "2026-02-01", "action": "save"},
    )
    assert response.status_code == 302
    assert Answer.objects.get(item__name="visit_date", repeat_path="2").value == "2026-02-01"


def test_the_page_carries_a_blank_instance_for_script_to_copy(filtered, focal_egypt):
    html = client_for(focal_egypt).get(answer_url(filtered)).content.decode()
    doc = parse(html)
    repeat = doc.get_element_by_id("r-visit")
    assert repeat.get("data-repeat") == "visit" and repeat.get("data-next") == "2"
    template = repeat.xpath(".//template[@data-repeat-template]")
    assert template and "q-visit_date@__N0__" in lxml.html.tostring(template[0]).decode()
    assert repeat.xpath(".//button[@data-repeat-add and @value='add:visit@2']")


def test_instances_the_browser_added_are_saved(filtered, focal_egypt):
    client = client_for(focal_egypt)
    data = {"v-visit_date@1": "0", "q-visit_date@1": "2026-01-05"}
    data |= {"v-visit_date@3": "0", "q-visit_date@3": "2026-03-05", "action": "save"}
    assert client.post(answer_url(filtered), data).status_code == 302
    assert set(Answer.objects.values_list("repeat_path", flat=True)) == {"1", "3"}


def test_removing_an_instance_numbers_the_later_ones_down(filtered, focal_egypt):
    save(
        filtered,
        focal_egypt,
        visit_date__1="2026-01-01",
        visit_date__2="2026-02-02",
        people__2=3,
        visit_date__3="2026-03-03",
    )
    client = client_for(focal_egypt)
    response = client.post(
        answer_url(filtered), {**form_data(client, filtered), "action": "remove:visit@2"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#r-visit")
    dates = dict(Answer.objects.filter(item__name="visit_date").values_list("repeat_path", "value"))
    assert dates == {"1": "2026-01-01", "2": "2026-03-03"}
    assert not Answer.objects.filter(item__name="people").exists()


def test_submission_checks_each_instance_and_names_it(filtered, focal_egypt):
    save(
        filtered,
        focal_egypt,
        authority="MoJ",
        a5_status="yes",
        visit_date__1="2026-01-01",
        people__1=20,
        people__2=0,
    )
    problems = services.validation_problems(filtered)
    assert problems["why_many@1"].startswith("Visit 1: ")  # relevant in visit 1 only
    assert "why_many@2" not in problems
    assert problems["visit_date@2"] == "Visit 2: An answer is required."
    assert problems["people@2"] == "Visit 2: At least one person"
    client = client_for(focal_egypt)
    response = client.post(
        answer_url(filtered), {**form_data(client, filtered), "action": "submit"}
    )
    assert response.status_code == 400
    listed = [label for _key, label, _message in response.context["error_list"]]
    assert "Visit 2: Date of the visit" in listed


def test_relevance_inside_an_instance_reads_that_instance(filtered, focal_egypt):
    save(filtered, focal_egypt, people__1=20, people__2=5)
    page = selectors.answer_page(filtered)
    assert field(page, "why_many@1").shown and not field(page, "why_many@2").shown


# --- Guides -------------------------------------------------------------------------------


def test_progress_counts_only_the_questions_that_apply(assignment, focal_egypt):
    everything = Item.objects.filter(
        questionnaire=assignment.questionnaire, kind__in=[k.value for k in selectors_kinds()]
    ).count()
    save(assignment, focal_egypt, authority="MoJ", a5_status="yes", a5_ta_needed="no")
    page = selectors.answer_page(assignment)
    # explanation (status is yes) and kinds (no assistance) do not apply
    assert page.progress == (3, everything - 2)
    html = client_for(focal_egypt).get(answer_url(assignment)).content.decode()
    index = parse(html).get_element_by_id("section-index")
    with translation.override("ar"):  # focal.egypt reads Arabic
        expected = gettext("%(done)s of %(total)s answered") % {"done": 2, "total": 2}
    assert index.xpath(".//*[@data-progress-for='art5']")[0].text_content() == expected
    assert index.xpath(".//a[@href='#s-art5']")


def selectors_kinds() -> set[ItemKind]:
    return ANSWERABLE_KINDS


def test_save_draft_comes_back_to_the_same_place(assignment, focal_egypt):
    client = client_for(focal_egypt)
    data = {**form_data(client, assignment), "q-authority": "MoJ", "action": "save"}
    response = client.post(answer_url(assignment), {**data, "place": "s-art5"})
    assert response["Location"] == answer_url(assignment) + "#s-art5"
    response = client.post(answer_url(assignment), {**data, "place": "javascript:alert(1)"})
    assert response["Location"] == answer_url(assignment)


def test_autosave_answers_with_new_versions_and_a_status_line(assignment, focal_egypt):
    client = client_for(focal_egypt)
    data = {**form_data(client, assignment), "q-authority": "MoJ", "action": "autosave"}
    reply = client.post(answer_url(assignment), data).json()
    with translation.override("ar"):  # the focal point's language
        saved_at = translation.gettext("Saved at %(time)s").split("%")[0]
    assert reply["versions"]["authority"] == 1 and reply["status"].startswith(saved_at)
    again = {**data, "q-authority": "Ministry of Justice", "v-authority": "1"}
    reply = client.post(answer_url(assignment), again).json()
    assert reply["conflicts"] == [] and reply["versions"]["authority"] == 2
    assert Answer.objects.get(item__name="authority").value == "Ministry of Justice"


def test_every_input_has_a_label_and_the_page_has_no_inline_script_or_style(filtered, focal_egypt):
    html = client_for(focal_egypt).get(answer_url(filtered)).content.decode()
    doc = parse(html)
    form = doc.get_element_by_id("answers")
    labelled_by_for = {label.get("for") for label in doc.xpath("//label[@for]")}
    unlabelled = []
    for control in form.xpath(".//input | .//select | .//textarea"):
        if control.get("type") in ("hidden", "submit") or control.xpath("ancestor::template"):
            continue
        wrapped = bool(control.xpath("ancestor::label"))
        if not wrapped and control.get("id") not in labelled_by_for:
            unlabelled.append(control.get("name"))
        if control.get("type") == "radio":
            assert control.xpath("ancestor::fieldset[legend]"), control.get("name")
    assert unlabelled == []
    assert not doc.xpath("//script[not(@src)]") and not doc.xpath("//*[@style]")


def test_review_comments_on_questions_are_shown_in_place(assignment, focal_egypt, secretariat):
    save(assignment, focal_egypt, authority="MoJ", a5_status="partly")
    services.assignment_submit(assignment=assignment, user=focal_egypt)
    review = client_for(secretariat)
    page = review.get(reverse("assignment_review", args=[assignment.pk])).content.decode()
    assert 'name="qc-a5_status"' in page and 'form="review-form"' in page
    response = review.post(
        reverse("assignment_review", args=[assignment.pk]),
        {"action": "return", "comment": "", "qc-a5_status": "Please cite the law."},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RETURNED
    assert ReviewComment.objects.get().item.name == "a5_status"  # type: ignore[union-attr]
    html = client_for(focal_egypt).get(answer_url(assignment)).content.decode()
    question = parse(html).get_element_by_id("q-a5_status")
    quote = question.xpath(".//*[@data-review-comments]//blockquote")[0]
    assert "Please cite the law." in quote.text_content() and quote.get("dir") == "auto"
