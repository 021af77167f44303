"""Answering offline: the Excel workbook round trip and ODK/Kobo submission imports."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    Choice,
    ChoiceList,
    Item,
    ItemKind,
    Questionnaire,
    ReportingCycle,
)
from infobase.questionnaires.services import AnswerInput, answers_save
from infobase.questionnaires.workbook import (
    COLUMN_LABELS,
    SHEET_LABELS,
    TICK,
    YES_LABEL,
    _column_keys,
    safe_cell,
    submissions_import,
    workbook_export,
    workbook_import,
)
from infobase.reference.models import Article, State
from tests.core.test_tabular import to_strict

pytestmark = pytest.mark.django_db

DISPATCHED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
STATUS = [
    ("yes", "Yes", "نعم"),
    ("partly", "Partly", "جزئياً"),
    ("no", "No", "لا"),
    ("na", "Not applicable", "لا ينطبق"),
]
KINDS = [("legal", "Legal advice", "مشورة قانونية"), ("training", "Training", "تدريب")]


@pytest.fixture
def wb_questionnaire() -> Questionnaire:
    cycle = ReportingCycle.objects.create(number=951, name="Workbook cycle")
    q = Questionnaire.objects.create(
        cycle=cycle,
        code="wb-test",
        title={"en": "Offline questionnaire", "ar": "استبيان دون اتصال"},
        languages=[{"code": "en", "column": "English (en)"}, {"code": "ar", "column": "Arabic"}],
        status="published",
    )
    lists = {}
    for list_name, choices in (("status", STATUS), ("kinds", KINDS)):
        lists[list_name] = ChoiceList.objects.create(questionnaire=q, name=list_name)
        for n, (name, en, ar) in enumerate(choices):
            Choice.objects.create(
                choice_list=lists[list_name], position=n, name=name, label={"en": en, "ar": ar}
            )
    positions = iter(range(1, 100))

    def add(name: str, kind: str, en: str, ar: str, **fields: Any) -> Item:
        return Item.objects.create(
            questionnaire=q,
            position=next(positions),
            name=name,
            kind=kind,
            xlsform_type=kind,
            label={"en": en, "ar": ar},
            **fields,
        )

    section = add(
        "art5",
        ItemKind.GROUP,
        "Article 5",
        "المادة 5",
        article=Article.objects.get(instrument__code="untoc", number=5),
    )
    add(
        "status",
        ItemKind.STATUS,
        "Is it an offence?",
        "هل هي جريمة؟",
        parent=section,
        choice_list=lists["status"],
        hint={"en": "Pick one", "ar": "اختر واحدا"},
    )
    add(
        "kinds",
        ItemKind.SELECT_MULTIPLE,
        "Assistance needed",
        "المساعدة اللازمة",
        parent=section,
        choice_list=lists["kinds"],
    )
    add("cases", ItemKind.INTEGER, "Cases prosecuted", "عدد القضايا", constraint=". >= 0")
    add("adopted", ItemKind.DATE, "Law adopted on", "تاريخ اعتماد القانون")
    add("details", ItemKind.TEXT, "Details", "تفاصيل")
    add("intro", ItemKind.NOTE, "Please answer", "يرجى الإجابة")
    cases = add("case_list", ItemKind.REPEAT, "Cases", "القضايا")
    add("case_name", ItemKind.TEXT, "Case name", "اسم القضية", parent=cases)
    add("case_year", ItemKind.INTEGER, "Year", "السنة", parent=cases)
    return q


def assign(questionnaire: Questionnaire, state: State) -> Assignment:
    return Assignment.objects.create(
        questionnaire=questionnaire,
        state=state,
        deadline=date(2026, 6, 30),
        dispatched_at=DISPATCHED,
    )


@pytest.fixture
def egypt_assignment(wb_questionnaire: Questionnaire, egypt: State) -> Assignment:
    return assign(wb_questionnaire, egypt)


@pytest.fixture
def senegal_assignment(wb_questionnaire: Questionnaire, senegal: State) -> Assignment:
    return assign(wb_questionnaire, senegal)


def item(questionnaire: Questionnaire, name: str) -> Item:
    return questionnaire.items.get(name=name)


def save(assignment: Assignment, user: User, path: str = "", **values: Any) -> None:
    q = assignment.questionnaire
    result = answers_save(
        assignment=assignment,
        user=user,
        answers=[AnswerInput(item(q, name), value, path) for name, value in values.items()],
    )
    assert not result.errors and not result.conflicts


def snapshot(assignment: Assignment) -> list[tuple[Any, ...]]:
    return list(
        Answer.objects.filter(assignment=assignment)
        .order_by("item__position", "repeat_path")
        .values_list("item__name", "repeat_path", "value", "confidential", "version")
    )


def values(assignment: Assignment) -> dict[tuple[str, str], Any]:
    return {(name, path): value for name, path, value, _c, _v in snapshot(assignment)}


def open_xlsx(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_by_name(ws: Any) -> dict[str, int]:
    col = column(ws, "name")
    return {ws.cell(row=r, column=col).value: r for r in range(2, ws.max_row + 1)}


def answers_sheet(wb: Any) -> Any:
    """The Answers sheet, under its name in the workbook's language (recorded in meta)."""
    for row in wb["meta"].iter_rows(values_only=True):
        if row[0] == "sheet" and row[1] == "Answers":
            return wb[row[2]]
    return wb["Answers"]


def repeat_sheet(wb: Any) -> Any:
    return next(ws for ws in wb.worksheets if ws["A1"].value == "instance")


def column(ws: Any, key: str) -> int:
    """A column of the Answers sheet by key, whatever language its header is in."""
    if ws["A1"].value == "instance":  # a repeat sheet: keys in row 1
        return [c.value for c in ws[1]].index(key) + 1
    return _column_keys([c.value for c in ws[1]])[key] + 1


def fill(
    data: bytes,
    answers: dict[str, Any],
    *,
    confidential: dict[str, Any] | None = None,
    repeat: list[list[Any]] | None = None,
) -> bytes:
    """Fill an exported workbook as a focal point would, and give back the file."""
    wb = open_xlsx(data)
    ws = answers_sheet(wb)
    rows = rows_by_name(ws)
    for name, value in answers.items():
        row = rows.get(name)
        if row is None:  # a row the user added
            row = ws.max_row + 1
            ws.cell(row=row, column=column(ws, "name"), value=name)
        ws.cell(row=row, column=column(ws, "answer")).value = value  # None empties the cell
    for name, value in (confidential or {}).items():
        ws.cell(row=rows[name], column=column(ws, "confidential"), value=value)
    for values_ in repeat or []:
        repeat_sheet(wb).append(values_)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def do_import(assignment: Assignment, data: bytes, user: User, filename: str = "egypt.xlsx"):  # type: ignore[no-untyped-def]
    return workbook_import(
        assignment=assignment, source=io.BytesIO(data), filename=filename, user=user
    )


# --- Export -------------------------------------------------------------------------------


def test_export_in_arabic_has_arabic_questions_and_reads_right_to_left(egypt_assignment):
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="ar"))
    with translation.override("ar"):
        sheets = [str(SHEET_LABELS["Instructions"]), str(SHEET_LABELS["Answers"])]
        headers = [str(label) for label in COLUMN_LABELS.values()]
        yes_no = f'"{YES_LABEL},{translation.pgettext("workbook", "no")}"'
    assert wb.sheetnames[:2] == sheets
    ws = answers_sheet(wb)
    assert ws.title == sheets[1]
    assert ws.sheet_view.rightToLeft
    assert wb[sheets[0]].sheet_view.rightToLeft
    assert [c.value for c in ws[1]] == headers
    rows = rows_by_name(ws)
    # No note and no repeat; each option of the multiple choice on a row of its own.
    assert list(rows) == [
        "status",
        "kinds",
        "kinds/legal",
        "kinds/training",
        "cases",
        "adopted",
        "details",
    ]
    status = [c.value for c in ws[rows["status"]]]
    assert status[1:5] == ["المادة 5", "UNTOC، المادة 5", "هل هي جريمة؟", "اختر واحدا"]
    assert status[6] == "نعم; جزئياً; لا; لا ينطبق"  # the labels, no codes
    assert ws.cell(row=rows["kinds/training"], column=4).value == "تدريب"
    assert ws.column_dimensions["A"].hidden  # the key
    assert ws.column_dimensions["J"].hidden  # the version
    assert ws.freeze_panes == "A2"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    dropdown = next(dv for ref, dv in rules.items() if f"H{rows['status']}" in ref.split())
    lists = wb["lists"]
    first, last = (int(part.split("$")[-1]) for part in dropdown.formula1.split(":"))
    column_letter = dropdown.formula1.split("!$")[1][0]
    assert [lists[f"{column_letter}{r}"].value for r in range(first, last + 1)] == [
        "نعم",
        "جزئياً",
        "لا",
        "لا ينطبق",
    ]
    assert yes_no in {dv.formula1 for dv in rules.values()}  # confidential
    tick = next(dv for ref, dv in rules.items() if f"H{rows['kinds/legal']}" in ref.split())
    assert tick.formula1 == f'"{TICK}"'
    date_rule = next(dv for ref, dv in rules.items() if f"H{rows['adopted']}" in ref.split())
    assert date_rule.type == "date"
    assert ws.cell(row=rows["adopted"], column=8).number_format == "yyyy-mm-dd"
    assert wb["القضايا"].cell(row=2, column=2).value == "اسم القضية"
    assert wb["meta"].sheet_state == "veryHidden"


def test_export_in_english_reads_left_to_right_and_falls_back_to_default(egypt_assignment):
    item(egypt_assignment.questionnaire, "details").__class__.objects.filter(name="details").update(
        label={"en": "Details"}
    )
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="ar"))
    ws = answers_sheet(wb)
    assert ws.cell(row=rows_by_name(ws)["details"], column=4).value == "Details"
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="en"))
    assert not answers_sheet(wb).sheet_view.rightToLeft


def test_export_prefills_the_current_answers(egypt_assignment, focal_egypt):
    save(
        egypt_assignment,
        focal_egypt,
        status="partly",
        kinds=["training", "legal"],
        cases=12,
        adopted="2020-03-01",
        details="A new law",
    )
    save(egypt_assignment, focal_egypt, "1", case_name="Op. Nile", case_year=2021)
    save(egypt_assignment, focal_egypt, "2", case_name="Op. Delta")
    Answer.objects.filter(item__name="details").update(confidential=True)
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="en"))
    ws = wb["Answers"]
    rows = rows_by_name(ws)
    answer, conf, version = column(ws, "answer"), column(ws, "confidential"), column(ws, "version")
    got = {name: ws.cell(row=row, column=answer).value for name, row in rows.items()}
    assert got == {
        "status": "Partly",  # the choice's label in the workbook's language
        "kinds": None,
        "kinds/legal": TICK,  # each option chosen is ticked on its own row
        "kinds/training": TICK,
        "cases": 12,
        "adopted": datetime(2020, 3, 1),  # a real date
        "details": "A new law",
    }
    assert ws.cell(row=rows["details"], column=conf).value == "yes"
    assert ws.cell(row=rows["status"], column=conf).value == "no"
    assert ws.cell(row=rows["status"], column=version).value == 1
    cases = wb["Cases"]
    assert [c.value for c in cases[1]] == [
        "instance",
        "case_name",
        "case_year",
        "version:case_name",
        "version:case_year",
    ]
    assert [[c.value for c in r] for r in cases.iter_rows(min_row=3)] == [
        ["1", "Op. Nile", 2021, 1, 1],
        ["2", "Op. Delta", None, 1, 0],
    ]


def test_same_export_twice_gives_identical_bytes(egypt_assignment, focal_egypt):
    save(egypt_assignment, focal_egypt, status="yes", details="Same")
    first = workbook_export(assignment=egypt_assignment, language="fr")
    second = workbook_export(assignment=egypt_assignment, language="fr")
    assert first == second
    props = open_xlsx(first).properties
    assert props.creator == "Infobase"
    assert props.created == props.modified == DISPATCHED.replace(tzinfo=None)


def test_formula_like_text_is_written_as_text_not_a_formula(egypt_assignment, focal_egypt):
    link = '=HYPERLINK("http://evil.example","click")'
    save(egypt_assignment, focal_egypt, details=link)
    save(egypt_assignment, focal_egypt, "1", case_name="@SUM(1+1)")
    data = workbook_export(assignment=egypt_assignment, language="en")
    wb = open_xlsx(data)
    ws = wb["Answers"]
    cell = ws.cell(row=rows_by_name(ws)["details"], column=column(ws, "answer"))
    assert cell.data_type != "f"
    assert cell.value == "'" + link
    assert wb["Cases"]["B3"].data_type != "f"
    for sheet in wb.worksheets:
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # Read back, the apostrophe added on export is not taken for part of the answer.
    result = do_import(egypt_assignment, data, focal_egypt)
    assert result.saved == 0
    assert values(egypt_assignment)[("details", "")] == link


def test_decimals_are_numbers_when_they_read_back_the_same(egypt_assignment, focal_egypt):
    q = egypt_assignment.questionnaire
    for n, name in enumerate(("loss", "rate"), start=50):
        Item.objects.create(
            questionnaire=q,
            position=n,
            name=name,
            kind=ItemKind.DECIMAL,
            xlsform_type="decimal",
            label={"en": name},
        )
    save(egypt_assignment, focal_egypt, loss="-1.5", rate="1.50")
    data = workbook_export(assignment=egypt_assignment, language="en")
    ws = open_xlsx(data)["Answers"]
    rows, answer = rows_by_name(ws), column(ws, "answer")
    assert ws.cell(row=rows["loss"], column=answer).value == -1.5
    assert ws.cell(row=rows["rate"], column=answer).value == "1.50"
    assert do_import(egypt_assignment, data, focal_egypt).saved == 0
    result = do_import(egypt_assignment, fill(data, {"loss": 2.25, "rate": "3,5"}), focal_egypt)
    assert result.saved == 2
    assert values(egypt_assignment)[("loss", "")] == "2.25"
    assert values(egypt_assignment)[("rate", "")] == "3.5"


def test_numbers_with_more_digits_than_a_spreadsheet_keeps_are_written_as_text(
    egypt_assignment, focal_egypt
):
    # LibreOffice saves a number in 15 significant digits: 0.3333333333333333 would come back
    # as 0.333333333333333 from a file only opened and saved (test_workbook_libreoffice).
    q = egypt_assignment.questionnaire
    Item.objects.create(
        questionnaire=q,
        position=50,
        name="third",
        kind=ItemKind.DECIMAL,
        xlsform_type="decimal",
        label={"en": "third"},
    )
    save(
        egypt_assignment,
        focal_egypt,
        third="0.3333333333333333",
        cases=12345678901234567,
    )
    data = workbook_export(assignment=egypt_assignment, language="en")
    ws = open_xlsx(data)["Answers"]
    rows, answer = rows_by_name(ws), column(ws, "answer")
    assert ws.cell(row=rows["third"], column=answer).value == "0.3333333333333333"
    assert ws.cell(row=rows["cases"], column=answer).value == "12345678901234567"
    assert do_import(egypt_assignment, data, focal_egypt).saved == 0
    save(egypt_assignment, focal_egypt, third="0.333333333333333", cases=123456789012345)
    ws = open_xlsx(workbook_export(assignment=egypt_assignment, language="en"))["Answers"]
    assert ws.cell(row=rows["third"], column=answer).value == 0.333333333333333
    assert ws.cell(row=rows["cases"], column=answer).value == 123456789012345


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("plain", "plain"),
        (5, 5),
        (None, None),
        ("a\x00b", "ab"),
    ],
)
def test_safe_cell_prefixes_what_a_spreadsheet_would_run(value, expected):
    assert safe_cell(value) == expected


# --- Import of a filled workbook ----------------------------------------------------------


def test_round_trip_export_fill_import_saves_the_answers(egypt_assignment, focal_egypt):
    save(egypt_assignment, focal_egypt, details="To be cleared", cases=3)
    save(egypt_assignment, focal_egypt, "1", case_name="Op. Nile")
    data = workbook_export(assignment=egypt_assignment, language="ar")
    filled = fill(
        data,
        {
            "status": "no",
            "kinds": "training legal",
            "cases": 7.0,
            "adopted": datetime(2019, 5, 2),
            "details": None,
        },
        confidential={"status": "yes"},
        repeat=[["", "Op. Sinai", 2024, None, None]],
    )
    result = do_import(egypt_assignment, filled, focal_egypt)
    assert not result.conflicts and not result.errors
    assert values(egypt_assignment) == {
        ("status", ""): "no",
        ("kinds", ""): ["legal", "training"],
        ("cases", ""): 7,
        ("adopted", ""): "2019-05-02",
        ("details", ""): None,  # emptied on purpose: cleared
        ("case_name", "1"): "Op. Nile",
        ("case_name", "2"): "Op. Sinai",
        ("case_year", "2"): 2024,
    }
    assert Answer.objects.get(item__name="status").confidential
    egypt_assignment.refresh_from_db()
    assert egypt_assignment.status == "in_progress"


def test_empty_cells_for_unanswered_questions_change_nothing(egypt_assignment, focal_egypt):
    data = workbook_export(assignment=egypt_assignment, language="en")
    result = do_import(egypt_assignment, data, focal_egypt)
    assert result.saved == 0
    assert not Answer.objects.filter(assignment=egypt_assignment).exists()


def test_errors_are_reported_by_place_and_nothing_is_written(egypt_assignment, focal_egypt):
    save(egypt_assignment, focal_egypt, status="yes", details="Kept")
    before = snapshot(egypt_assignment)
    data = workbook_export(assignment=egypt_assignment, language="en")
    bad = fill(
        data,
        {
            "cases": "twelve",
            "status": "maybe",
            "adopted": "03/04/2020",  # day and month could be either
            "nonsense": "x",
            "details": "Changed",
        },
        confidential={"kinds": "perhaps"},
        repeat=[["1", "Op. Nile", "last year", None, None]],
    )
    with pytest.raises(InvalidInput) as caught:
        do_import(egypt_assignment, bad, focal_egypt, filename="egypt-filled.xlsx")
    places = {(p.sheet, p.line, p.column) for p in caught.value.problems}
    rows = rows_by_name(open_xlsx(bad)["Answers"])
    assert places == {
        ("Answers", rows["cases"], "answer"),
        ("Answers", rows["status"], "answer"),
        ("Answers", rows["adopted"], "answer"),
        ("Answers", rows["nonsense"], "name"),
        ("Answers", rows["kinds"], "confidential"),
        ("Cases", 3, "case_year"),
    }
    assert all(p.file == "egypt-filled.xlsx" for p in caught.value.problems)
    messages = " ".join(str(p) for p in caught.value.problems)
    assert "Enter a whole number." in messages and "“maybe” is not one of the choices." in messages
    assert snapshot(egypt_assignment) == before

    corrected = fill(
        data,
        {"cases": 12, "status": "partly", "adopted": "2020-12-31", "details": "Changed"},
        confidential={"kinds": "no"},
        repeat=[["1", "Op. Nile", 2020, None, None]],
    )
    result = do_import(egypt_assignment, corrected, focal_egypt)
    assert not result.conflicts
    assert values(egypt_assignment) == {
        ("status", ""): "partly",
        ("cases", ""): 12,
        ("adopted", ""): "2020-12-31",
        ("details", ""): "Changed",
        ("case_name", "1"): "Op. Nile",
        ("case_year", "1"): 2020,
    }


def test_missing_sheet_and_column_are_reported(egypt_assignment, focal_egypt):
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="en"))
    wb["Answers"].cell(row=1, column=column(wb["Answers"], "confidential"), value="secret")
    del wb["Cases"]
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidInput) as caught:
        do_import(egypt_assignment, out.getvalue(), focal_egypt)
    places = {(p.sheet, p.line, p.column) for p in caught.value.problems}
    assert places == {("Answers", 1, "confidential"), ("Cases", None, None)}


def test_a_workbook_for_another_states_assignment_is_refused(
    egypt_assignment, senegal_assignment, secretariat
):
    data = workbook_export(assignment=senegal_assignment, language="fr")
    filled = fill(data, {"details": "Wrong State"})
    with pytest.raises(InvalidInput) as caught:
        do_import(egypt_assignment, filled, secretariat, filename="senegal.xlsx")
    assert caught.value.problems[0].sheet == "meta"
    assert "SEN" in str(caught.value) and "senegal.xlsx" in str(caught.value)
    assert not Answer.objects.exists()


def test_a_focal_point_of_senegal_cannot_import_into_egypt(egypt_assignment, focal_senegal):
    filled = fill(workbook_export(assignment=egypt_assignment, language="en"), {"cases": 1})
    with pytest.raises(PermissionDenied):
        do_import(egypt_assignment, filled, focal_senegal)
    assert not Answer.objects.exists()


def test_a_web_change_after_export_comes_back_as_a_conflict(
    egypt_assignment, focal_egypt, secretariat
):
    save(egypt_assignment, focal_egypt, details="First", cases=1, status="no")
    data = workbook_export(assignment=egypt_assignment, language="en")
    save(egypt_assignment, secretariat, details="Edited on the web", cases=2)
    filled = fill(data, {"details": "Edited offline", "status": "yes"})
    result = do_import(egypt_assignment, filled, focal_egypt)
    assert [(c.item.name, c.theirs, c.by) for c in result.conflicts] == [
        ("details", "Edited on the web", "alice")
    ]
    got = values(egypt_assignment)
    assert got[("details", "")] == "Edited on the web"  # not overwritten
    assert got[("cases", "")] == 2  # left as exported in the file: the web change stands
    assert got[("status", "")] == "yes"  # no one else touched it


def test_a_text_saved_again_with_other_line_endings_is_no_conflict(
    egypt_assignment, focal_egypt, secretariat
):
    # stored with CR LF (as a browser sends a text area, before one_line_ending), exported,
    # edited on the web, and the file saved again by LibreOffice, which writes LF
    Answer.objects.create(
        assignment=egypt_assignment,
        item=item(egypt_assignment.questionnaire, "details"),
        value="First\r\nline",
        updated_by=focal_egypt,
    )
    data = workbook_export(assignment=egypt_assignment, language="en")
    save(egypt_assignment, secretariat, details="Edited on the web")
    result = do_import(egypt_assignment, fill(data, {"details": "First\nline"}), focal_egypt)
    assert not result.conflicts and result.saved == 0
    assert values(egypt_assignment)[("details", "")] == "Edited on the web"


def test_an_upload_that_is_not_a_workbook_names_the_file(egypt_assignment, focal_egypt):
    for data in (b"name,answer\nx,y\n", b"PK\x03\x04 truncated", b""):
        with pytest.raises(InvalidInput, match=r"notes\.docx"):
            do_import(egypt_assignment, data, focal_egypt, filename="notes.docx")
    other = io.BytesIO()
    openpyxl.Workbook().save(other)
    with pytest.raises(InvalidInput, match="meta"):
        do_import(egypt_assignment, other.getvalue(), focal_egypt, filename="other.xlsx")


def test_a_formula_whose_value_the_workbook_does_not_keep_is_refused_naming_its_cell(
    egypt_assignment, focal_egypt
):
    """Filled by a program that computes nothing (openpyxl here), a formula has no value in the
    file: read as empty, the answer would be lost without a word. Nothing is saved."""
    save(egypt_assignment, focal_egypt, details="Kept")
    with translation.override("ar"):
        data = workbook_export(assignment=egypt_assignment, language="ar")
    filled = fill(data, {"details": "=1+1", "cases": 4})
    wb = open_xlsx(filled)
    ws = answers_sheet(wb)
    details_row = rows_by_name(ws)["details"]
    header = ws.cell(row=1, column=column(ws, "answer")).value
    with pytest.raises(InvalidInput) as refused:
        do_import(egypt_assignment, filled, focal_egypt)
    (problem,) = refused.value.problems
    assert (problem.sheet, problem.line, problem.column) == (ws.title, details_row, header)
    assert "=1+1" in problem.message
    assert values(egypt_assignment) == {("details", ""): "Kept"}


def test_submission_headers_typed_in_another_case_or_with_spaces_name_their_questions(
    egypt_assignment, secretariat
):
    """A header retyped "CASES" or " Adopted " names the question "cases" or "adopted": it was
    refused as not a question of the questionnaire."""
    source = io.BytesIO(" STATE ; CASES ; Adopted \r\nEgypt;4;31/01/2020\r\n".encode("utf-8-sig"))
    results = submissions_import(
        questionnaire=egypt_assignment.questionnaire,
        source=source,
        filename="kobo.csv",
        user=secretariat,
    )
    assert not results["EGY"].errors
    assert values(egypt_assignment) == {("cases", ""): 4, ("adopted", ""): "2020-01-31"}


def test_a_formula_in_submissions_whose_value_the_file_does_not_keep_is_refused(
    egypt_assignment, secretariat
):
    wb = openpyxl.Workbook()
    wb.active.append(["iso3", "cases"])
    wb.active.append(["EGY", "=2+2"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidInput) as refused:
        submissions_import(
            questionnaire=egypt_assignment.questionnaire,
            source=io.BytesIO(out.getvalue()),
            filename="odk.xlsx",
            user=secretariat,
        )
    (problem,) = refused.value.problems
    assert (problem.file, problem.sheet, problem.line, problem.column) == (
        "odk.xlsx",
        "Sheet",
        2,
        "cases",
    )
    assert values(egypt_assignment) == {}


# --- The workbook in the user's language ----------------------------------------------------


def saved(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_arabic_workbook_filled_with_arabic_labels_ticks_and_dates_round_trips(
    egypt_assignment, focal_egypt
):
    save(egypt_assignment, focal_egypt, details="To keep", kinds=["legal"])
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="ar"))
    ws = answers_sheet(wb)
    rows = rows_by_name(ws)
    answer, confidential = column(ws, "answer"), column(ws, "confidential")
    ws.cell(row=rows["status"], column=answer).value = "جزئياً"  # picked from the dropdown
    ws.cell(row=rows["kinds/legal"], column=answer).value = None  # unticked
    ws.cell(row=rows["kinds/training"], column=answer).value = TICK
    ws.cell(row=rows["cases"], column=answer).value = 7
    ws.cell(row=rows["adopted"], column=answer).value = datetime(2019, 5, 2)
    with translation.override("ar"):
        ws.cell(row=rows["status"], column=confidential).value = str(YES_LABEL)
    cases = repeat_sheet(wb)
    cases.append([None, "عملية النيل", 2024])
    result = do_import(egypt_assignment, saved(wb), focal_egypt, filename="مصر.xlsx")
    assert not result.errors and not result.conflicts
    assert values(egypt_assignment) == {
        ("status", ""): "partly",
        ("kinds", ""): ["training"],
        ("cases", ""): 7,
        ("adopted", ""): "2019-05-02",
        ("details", ""): "To keep",
        ("case_name", "1"): "عملية النيل",
        ("case_year", "1"): 2024,
    }
    assert Answer.objects.get(item__name="status").confidential


def test_choices_are_read_in_any_language_and_as_codes(egypt_assignment, focal_egypt):
    q = egypt_assignment.questionnaire
    Item.objects.create(
        questionnaire=q,
        position=60,
        name="status2",
        kind=ItemKind.STATUS,
        xlsform_type="status",
        label={"en": "Status without a list"},
    )
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="ar"))
    ws = answers_sheet(wb)
    rows, answer = rows_by_name(ws), column(ws, "answer")
    ws.cell(row=rows["status"], column=answer).value = "Not applicable"  # English label
    with translation.override("fr"):
        partly = translation.gettext("Partly implemented")
    ws.cell(row=rows["status2"], column=answer).value = partly
    ws.cell(row=rows["kinds"], column=answer).value = "legal"  # the old way: codes typed
    do_import(egypt_assignment, saved(wb), focal_egypt)
    got = values(egypt_assignment)
    assert (got[("status", "")], got[("status2", "")]) == ("na", "partly")
    assert got[("kinds", "")] == ["legal"]


def test_a_tick_that_is_not_a_tick_is_reported_on_its_row(egypt_assignment, focal_egypt):
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="en"))
    ws = answers_sheet(wb)
    rows = rows_by_name(ws)
    ws.cell(row=rows["kinds/legal"], column=column(ws, "answer")).value = "maybe"
    with pytest.raises(InvalidInput) as caught:
        do_import(egypt_assignment, saved(wb), focal_egypt)
    assert [(p.sheet, p.line, p.column) for p in caught.value.problems] == [
        (ws.title, rows["kinds/legal"], "answer")
    ]
    assert not Answer.objects.exists()


def test_a_workbook_of_the_first_layout_is_still_read(egypt_assignment, focal_egypt):
    wb = open_xlsx(workbook_export(assignment=egypt_assignment, language="en"))
    meta = wb["meta"]
    for row in range(meta.max_row, 0, -1):
        if meta.cell(row=row, column=1).value == "sheet":
            meta.delete_rows(row)
        elif meta.cell(row=row, column=1).value == "format":
            meta.cell(row=row, column=2).value = "infobase-answers/1"
    ws = wb["Answers"]
    rows = rows_by_name(ws)
    for name in ("kinds/training", "kinds/legal"):
        ws.delete_rows(rows[name])
    rows = rows_by_name(ws)
    answer = column(ws, "answer")
    ws.cell(row=rows["kinds"], column=answer).value = "training legal"
    ws.cell(row=rows["adopted"], column=answer).value = "2021-04-05"
    ws.cell(row=rows["status"], column=answer).value = "yes"
    do_import(egypt_assignment, saved(wb), focal_egypt)
    got = values(egypt_assignment)
    assert got[("kinds", "")] == ["legal", "training"]
    assert got[("adopted", "")] == date(2021, 4, 5).isoformat()
    assert got[("status", "")] == "yes"


# --- ODK / KoboToolbox submissions -----------------------------------------------------------


KOBO_HEADER = (
    "start;end;art5/status;art5/kinds;art5/kinds/legal;art5/kinds/training;cases;adopted;"
    "details;country;_id;_uuid;_submission_time"
)


def csv_file(*rows: str, header: str = KOBO_HEADER) -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode("utf-8"))


def test_odk_csv_for_two_states_creates_answers_for_both(
    egypt_assignment, senegal_assignment, focal_senegal, secretariat
):
    save(senegal_assignment, focal_senegal, details="Old", cases=9)
    Answer.objects.filter(item__name="details").update(confidential=True)
    source = csv_file(
        "2026-01-01;2026-01-02;yes;legal training;1;1;5;2020-01-31;Egypt answer;EGY;1;u1;x",
        "2026-01-01;2026-01-02;partly;;0;0;;;Réponse;Sénégal;2;u2;x",
    )
    results = submissions_import(
        questionnaire=egypt_assignment.questionnaire,
        source=source,
        filename="kobo.csv",
        user=secretariat,
    )
    assert set(results) == {"EGY", "SEN"}
    assert values(egypt_assignment) == {
        ("status", ""): "yes",
        ("kinds", ""): ["legal", "training"],
        ("cases", ""): 5,
        ("adopted", ""): "2020-01-31",
        ("details", ""): "Egypt answer",
    }
    assert values(senegal_assignment) == {
        ("status", ""): "partly",
        ("cases", ""): None,
        ("details", ""): "Réponse",
    }
    assert Answer.objects.get(assignment=senegal_assignment, item__name="details").confidential


def test_odk_xlsx_with_dash_paths_and_iso2(egypt_assignment, secretariat):
    wb = openpyxl.Workbook()
    wb.active.append(["iso3", "art5-status", "cases", "adopted", "__version__", "_index"])
    wb.active.append(["eg", "no", 3.0, datetime(2021, 2, 3), "v1", 1])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    results = submissions_import(
        questionnaire=egypt_assignment.questionnaire,
        source=out,
        filename="odk.xlsx",
        user=secretariat,
    )
    assert results["EGY"].saved == 3
    assert values(egypt_assignment) == {
        ("status", ""): "no",
        ("cases", ""): 3,
        ("adopted", ""): "2021-02-03",
    }


def test_odk_import_with_one_bad_row_writes_nothing(
    egypt_assignment, senegal_assignment, mexico_absent_state, secretariat
):
    source = csv_file(
        "s;e;yes;;;;5;;Fine;EGY;1;u;x",
        "s;e;perhaps;;;;many;2020-13-01;Bad;SEN;2;u;x",
        "s;e;yes;;;;1;;Unassigned;Mexico;3;u;x",
        "s;e;yes;;;;1;;Unknown;Atlantis;4;u;x",
        "s;e;no;;;;2;;Twice;Egypt;5;u;x",
    )
    with pytest.raises(InvalidInput) as caught:
        submissions_import(
            questionnaire=egypt_assignment.questionnaire,
            source=source,
            filename="kobo.csv",
            user=secretariat,
        )
    places = {(p.line, p.column) for p in caught.value.problems}
    assert places == {
        (3, "art5/status"),
        (3, "cases"),
        (3, "adopted"),
        (4, "country"),
        (5, "country"),
        (6, "country"),
    }
    assert not Answer.objects.exists()


def test_odk_csv_with_numbers_written_in_arabic_is_read(egypt_assignment, secretariat):
    # Typed on an Arabic keyboard: Arabic-Indic digits and the Arabic thousands separator.
    results = submissions_import(
        questionnaire=egypt_assignment.questionnaire,
        source=csv_file("مصر;١٬٢٣٤", header="state;cases"),
        filename="kobo.csv",
        user=secretariat,
    )
    assert results["EGY"].saved == 1
    assert values(egypt_assignment) == {("cases", ""): 1234}


@pytest.fixture
def mexico_absent_state() -> State:
    return State.objects.get(iso3="MEX")


def test_odk_unknown_column_and_missing_state_column_are_reported(egypt_assignment, secretariat):
    with pytest.raises(InvalidInput) as caught:
        submissions_import(
            questionnaire=egypt_assignment.questionnaire,
            source=csv_file("yes,1", header="status,mystery"),
            filename="odk.csv",
            user=secretariat,
        )
    assert {(p.line, p.column) for p in caught.value.problems} == {(1, None), (1, "mystery")}


def test_only_the_secretariat_imports_submissions(egypt_assignment, focal_egypt):
    with pytest.raises(PermissionDenied):
        submissions_import(
            questionnaire=egypt_assignment.questionnaire,
            source=csv_file(),
            filename="k.csv",
            user=focal_egypt,
        )


def test_submissions_import_command(egypt_assignment, secretariat, focal_egypt, tmp_path):
    path = tmp_path / "kobo.csv"
    path.write_text("state,cases\nEgypt,4\n", encoding="utf-8")
    out = io.StringIO()
    call_command("submissions-import", "wb-test", str(path), "--user", "alice", stdout=out)
    assert "EGY" in out.getvalue()
    assert values(egypt_assignment) == {("cases", ""): 4}
    path.write_text("state,cases\nEgypt,four\n", encoding="utf-8")
    with pytest.raises(CommandError, match="whole number"):
        call_command("submissions-import", "wb-test", str(path), "--user", "alice")
    with pytest.raises(CommandError):
        call_command("submissions-import", "wb-test", str(path), "--user", "hoda")
    with pytest.raises(CommandError):
        call_command("submissions-import", "nope", str(path), "--user", "alice")


def test_submissions_imported_outside_the_web_name_who_imported_them_in_the_history(
    egypt_assignment, secretariat
):
    """The worker and the command import with no web request: each answer's history and the
    assignment's still say who imported them, and why, the assignment's reason in the
    reader's language."""
    from django.conf import settings
    from django.urls import reverse

    from infobase.core.history import history_of
    from tests.conftest import client_for

    with translation.override("fr"):  # the job runs in the language of who asked for it
        submissions_import(
            questionnaire=egypt_assignment.questionnaire,
            source=csv_file("2026-01-01;2026-01-02;yes;;0;0;5;;Imported;EGY;1;u1;x"),
            filename="kobo.csv",
            user=secretariat,
        )
    answer = Answer.objects.get(assignment=egypt_assignment, item__name="details")
    (entry,) = history_of(answer)
    assert entry.who == "alice" and "kobo.csv" in entry.reason
    egypt_assignment.refresh_from_db()
    assert egypt_assignment.status == "in_progress"
    assert history_of(egypt_assignment)[0].who == "alice"
    assert history_of(egypt_assignment)[0].reason == "First answers saved"
    with translation.override("ar"):
        assert history_of(egypt_assignment)[0].reason == "حُفظت الإجابات الأولى"
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get(reverse("history", args=["questionnaires.assignment", egypt_assignment.pk]))
    assert "alice" in page.content.decode() and "حُفظت الإجابات الأولى" in page.content.decode()


def test_numbers_and_dates_typed_as_text_are_read_as_people_type_them(
    egypt_assignment, focal_egypt
):
    Item.objects.create(
        questionnaire=egypt_assignment.questionnaire,
        position=99,
        name="budget",
        kind=ItemKind.DECIMAL,
        xlsform_type="decimal",
        label={"en": "Budget", "ar": "الميزانية"},
    )
    data = workbook_export(assignment=egypt_assignment, language="ar")
    filled = fill(
        data,
        {"cases": "1,234", "adopted": "20.03.2019", "budget": "1.234,5"},
        repeat=[["1", "Op. Nile", "٢٠٢٤"]],
    )
    result = do_import(egypt_assignment, filled, focal_egypt)
    assert not result.conflicts and not result.errors
    saved = values(egypt_assignment)
    assert (saved[("cases", "")], saved[("adopted", "")]) == (1234, "2019-03-20")
    assert (saved[("budget", "")], saved[("case_year", "1")]) == ("1234.5", 2024)

    ambiguous = fill(data, {"budget": "1,234"})
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        do_import(egypt_assignment, ambiguous, focal_egypt, filename="egypt-filled.xlsx")
    (problem,) = caught.value.problems
    budget_row = rows_by_name(answers_sheet(open_xlsx(data)))["budget"]
    assert (problem.line, problem.column) == (budget_row, "answer")
    assert "“1,234” could mean 1234 (a comma between thousands) or 1.234" in problem.message
    assert values(egypt_assignment)[("budget", "")] == "1234.5"


def test_a_workbook_saved_as_strict_open_xml_is_imported(egypt_assignment, focal_egypt):
    data = workbook_export(assignment=egypt_assignment, language="en")
    strict = to_strict(fill(data, {"cases": 7}))
    result = do_import(egypt_assignment, strict, focal_egypt)
    assert not result.errors and values(egypt_assignment)[("cases", "")] == 7


# --- Text the one rule refuses (core.errors.text_problem, through services.clean_value) ---


def test_a_filled_workbook_with_a_bidi_override_is_refused_naming_the_cell(
    egypt_assignment, focal_egypt
):
    data = workbook_export(assignment=egypt_assignment, language="en")
    filled = fill(data, {"details": "Ministry \u202eecitsuj", "cases": 4})
    ws = answers_sheet(open_xlsx(filled))
    with pytest.raises(InvalidInput) as refused:
        do_import(egypt_assignment, filled, focal_egypt)
    (problem,) = refused.value.problems
    assert (problem.sheet, problem.line) == (ws.title, rows_by_name(ws)["details"])
    assert "U+202E" in problem.message
    assert values(egypt_assignment) == {}


def test_a_submissions_file_with_a_control_character_is_refused_naming_the_cell(
    egypt_assignment, secretariat
):
    source = io.BytesIO(b"iso3;cases;details\r\nEGY;4;Min\x07istry\r\n")
    with pytest.raises(InvalidInput) as refused:
        submissions_import(
            questionnaire=egypt_assignment.questionnaire,
            source=source,
            filename="kobo.csv",
            user=secretariat,
        )
    (problem,) = refused.value.problems
    assert (problem.file, problem.line, problem.column) == ("kobo.csv", 2, "details")
    assert "U+0007" in problem.message
    assert values(egypt_assignment) == {}
