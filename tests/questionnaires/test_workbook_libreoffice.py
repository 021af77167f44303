"""Files out and back in as focal points handle them: saved again by LibreOffice.

A workbook a spreadsheet program saved again differs from the one Infobase wrote: shared strings
instead of inline ones, its own number formats, dates as serial numbers, data validations and
protection written its way, empty trailing cells, hidden sheets. The answers workbook, the
XLSForm export and a requests file are each saved again by LibreOffice (``soffice --headless
--convert-to xlsx``, a plain re-save, no edit) and read back: nothing may change. Then one cell
is typed into the re-saved file and exactly that answer must change.

LibreOffice starts slowly: every file is converted in one ``soffice`` call, once for the module.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import transaction

from infobase.accounts.models import Role, User
from infobase.core.errors import InvalidInput
from infobase.needs.models import AssistanceRequest
from infobase.needs.requests_import import COLUMNS as REQUEST_COLUMNS
from infobase.needs.requests_import import requests_import
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    Item,
    ItemKind,
    Questionnaire,
    ReportingCycle,
)
from infobase.questionnaires.services import AnswerInput, answers_save
from infobase.questionnaires.workbook import (
    submissions_import,
    workbook_export,
    workbook_import,
)
from infobase.questionnaires.xlsform import export_xlsform, import_xlsform
from infobase.reference.models import State
from tests.conftest import SHARED, make_user, shared_data
from tests.questionnaires.conftest import build_questionnaire
from tests.questionnaires.test_workbook import answers_sheet, column, fill, rows_by_name

REAL_FORMS = ["nested-repeats.xlsx", "multi-lingual-form.xlsx", "mali-health-facilities.xlsx"]
LANGUAGES = ["ar", "en", "es", "fr", "ru", "zh-hans"]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice (soffice) is not installed: bash scripts/system-deps.sh "
        "libreoffice-calc",
    ),
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl"),
]

CYCLE = 961
ARABIC_TEXT = "وزارة العدل، إدارة التعاون الدولي\nالسطر الثاني"
ANSWERS: dict[str, Any] = {
    "authority": ARABIC_TEXT,
    "reference": "00123",
    "formula_like": "=SUM(A1:A3) مجموع",
    "ratio": "0.3333333333333333",
    # as a browser sends a text area: lines end with CR LF
    "notes": "First line\r\nالسطر الثاني\twith a tab",
    "cases": 42,
    "share": "12.5",
    "adopted": "2019-03-07",
    "a5_status": "partly",
    "a5_explanation": "Draft law before parliament: مشروع قانون",
    "a5_ta_needed": "yes",
    "a5_ta_kinds": ["legislative", "training"],
}
# The repeated section "meetings": entry → answers.
ENTRIES: dict[str, dict[str, Any]] = {
    "1": {
        "meeting_name": "اجتماع فريق الخبراء",
        "meeting_on": "2024-11-30",
        "attendees": 12,
        "meeting_kinds": ["training"],
    },
    "2": {
        "meeting_name": "Regional workshop",
        "meeting_on": "2025-01-02",
        "attendees": 0,
        "meeting_kinds": ["legislative", "training"],
    },
}
CONFIDENTIAL = "cases"


def libreoffice_resave(files: dict[str, bytes], folder: Path) -> dict[str, bytes]:
    """Each file saved again by LibreOffice as XLSX, all in one ``soffice`` call."""
    source, out = folder / "in", folder / "out"
    source.mkdir()
    out.mkdir()
    for name, data in files.items():
        (source / name).write_bytes(data)
    assert SOFFICE is not None
    done = subprocess.run(  # noqa: S603 (soffice found on PATH, our own file names)
        [
            SOFFICE,
            # its own profile: no clash with a LibreOffice the user has open, no first-start
            # dialogs
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *(str(source / name) for name in files),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    saved = {name: out / name for name in files}
    missing = [name for name, path in saved.items() if not path.is_file()]
    assert not missing, f"soffice did not save {missing}: {done.stdout!r} {done.stderr!r}"
    return {name: path.read_bytes() for name, path in saved.items()}


def formula_files(answers: bytes) -> dict[str, bytes]:
    """Files holding formulas, written by openpyxl, which stores no value for them: the
    answers workbook, a requests file and submissions."""
    answers = fill(answers, {"cases": "=40+3", "authority": '="Ministry "&"of Justice"'})
    requests = openpyxl.load_workbook(io.BytesIO(requests_file()))
    sheet = requests.active
    sheet["E3"] = '="Training "&"of judges"'  # title
    sheet["H3"] = '=LOWER("HIGH")'  # urgency
    submissions = openpyxl.Workbook()
    submissions.active.append(["state", "cases", "authority"])
    submissions.active.append(["EGY", "=6*7", '="Public "&"prosecution"'])
    files = {"formula-answers.xlsx": answers}
    for name, book in (("formula-requests.xlsx", requests), ("formula-kobo.xlsx", submissions)):
        out = io.BytesIO()
        book.save(out)
        files[name] = out.getvalue()
    return files


@dataclass
class Resaved:
    questionnaire_pk: int
    assignment_pk: int
    user_pk: int
    original: dict[str, bytes]
    files: dict[str, bytes]  # by name, as LibreOffice saved them


def requests_file() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(REQUEST_COLUMNS))
    ws.append(
        [
            "EGY",
            "untoc",
            "5; 6(2)",
            "legislative; training",
            "صياغة قانون مكافحة الجريمة المنظمة",
            "طلب مساعدة تشريعية\nسطر ثان",
            "ar",
            "high",
            date(2025, 2, 3),
            date(2025, 12, 31),
            "NV/2025/7",
            False,  # LibreOffice saves a boolean as the formula =FALSE()
        ]
    )
    ws.append(
        [
            "Senegal",
            "untoc",
            "12",
            "training",
            "Training of judges",
            "For 30 judges",
            "fr",
            "low",
            "2025-01-15",
            "",
            "00123",  # text that looks like a number must stay text
            True,
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def resaved(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Resaved]:  # type: ignore[no-untyped-def]
    """A questionnaire answered by Egypt; its answers workbook in Arabic and English, its
    XLSForm and a requests file, saved again by LibreOffice. The data is rolled back after the
    module."""
    with django_db_blocker.unblock(), transaction.atomic():
        questionnaire = build_questionnaire(cycle_number=CYCLE, code="lo-resave")
        last = questionnaire.items.order_by("-position").first()
        assert last is not None
        positions = iter(range(last.position + 1, last.position + 100))
        kinds = questionnaire.choice_lists.get(name="ta_kinds")

        def add(name: str, kind: str, en: str, ar: str, **fields: Any) -> Item:
            fields.setdefault("xlsform_type", kind)
            return Item.objects.create(
                questionnaire=questionnaire,
                position=next(positions),
                name=name,
                kind=kind,
                label={"en": en, "ar": ar},
                **fields,
            )

        add("adopted", ItemKind.DATE, "Law adopted on", "تاريخ اعتماد القانون")
        add("share", ItemKind.DECIMAL, "Share of cases (%)", "نسبة القضايا")
        add("ratio", ItemKind.DECIMAL, "Ratio", "النسبة")
        add("reference", ItemKind.TEXT, "Reference", "المرجع")
        add("notes", ItemKind.TEXT, "Notes", "ملاحظات")
        add("formula_like", ItemKind.TEXT, "Formula-like", "نص")
        meetings = add(
            "meetings", ItemKind.REPEAT, "Meetings", "الاجتماعات", xlsform_type="begin repeat"
        )
        add("meeting_name", ItemKind.TEXT, "Meeting", "الاجتماع", parent=meetings)
        add("meeting_on", ItemKind.DATE, "Held on", "تاريخ الانعقاد", parent=meetings)
        add("attendees", ItemKind.INTEGER, "Attendees", "عدد الحضور", parent=meetings)
        add(
            "meeting_kinds",
            ItemKind.SELECT_MULTIPLE,
            "Kinds",
            "الأنواع",
            parent=meetings,
            choice_list=kinds,
            xlsform_type="select_multiple ta_kinds",
        )
        egypt = State.objects.get(iso3="EGY")
        assignment = Assignment.objects.create(
            questionnaire=questionnaire,
            state=egypt,
            deadline=date(2030, 1, 31),
            dispatched_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
        )
        user = make_user("lo-hoda", role=Role.FOCAL_POINT, state=egypt, language="ar")
        result = answers_save(
            assignment=assignment,
            user=user,
            answers=[
                AnswerInput(
                    questionnaire.items.get(name=name), value, confidential=name == CONFIDENTIAL
                )
                for name, value in ANSWERS.items()
            ]
            + [
                AnswerInput(questionnaire.items.get(name=name), value, path)
                for path, entry in ENTRIES.items()
                for name, value in entry.items()
            ],
        )
        assert not result.errors and not result.conflicts
        # as saved before line endings were made LF (services.one_line_ending)
        Answer.objects.filter(assignment=assignment, item__name="notes").update(
            value=ANSWERS["notes"]
        )
        original = {
            f"answers-{language}.xlsx": workbook_export(assignment=assignment, language=language)
            for language in LANGUAGES
        } | {
            "xlsform.xlsx": export_xlsform(questionnaire),
            "requests.xlsx": requests_file(),
        }
        original |= formula_files(original["answers-en.xlsx"])
        if SHARED.is_dir():
            original |= {
                f"real-{name}": (SHARED / "xlsform" / name).read_bytes() for name in REAL_FORMS
            }
        files = libreoffice_resave(original, tmp_path_factory.mktemp("libreoffice"))
        yield Resaved(questionnaire.pk, assignment.pk, user.pk, original, files)
        transaction.set_rollback(True)


def snapshot(assignment: Assignment) -> dict[str, tuple[Any, bool, int]]:
    return {
        a.item.name + (f"#{a.repeat_path}" if a.repeat_path else ""): (
            a.value,
            a.confidential,
            a.version,
        )
        for a in Answer.objects.filter(assignment=assignment).select_related("item")
    }


def upload(resaved: Resaved, data: bytes, name: str) -> Any:
    """The import the upload view's job makes, as the focal point."""
    return workbook_import(
        assignment=Assignment.objects.get(pk=resaved.assignment_pk),
        source=io.BytesIO(data),
        filename=name,
        user=User.objects.get(pk=resaved.user_pk),
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_workbook_saved_again_by_libreoffice_changes_nothing(resaved: Resaved, language: str):
    name = f"answers-{language}.xlsx"
    assignment = Assignment.objects.get(pk=resaved.assignment_pk)
    before = snapshot(assignment)
    assert {key: value for key, (value, _c, _v) in before.items()} == ANSWERS | {
        f"{name}#{path}": value for path, entry in ENTRIES.items() for name, value in entry.items()
    }
    assert before[CONFIDENTIAL][1]
    result = upload(resaved, resaved.files[name], name)
    assert not result.errors and not result.conflicts
    assert result.saved == 0
    assert snapshot(assignment) == before


@pytest.mark.parametrize(
    ("name", "question", "typed", "expected"),
    [
        ("answers-ar.xlsx", "cases", 43, 43),
        ("answers-ar.xlsx", "authority", "النيابة العامة", "النيابة العامة"),
        ("answers-ar.xlsx", "a5_status", "لا", "no"),
        ("answers-en.xlsx", "adopted", datetime(2020, 5, 1), "2020-05-01"),
        ("answers-en.xlsx", "share", 7.25, "7.25"),
        ("answers-en.xlsx", "a5_ta_needed", "No", "no"),
    ],
)
def test_one_cell_typed_into_the_libreoffice_file_changes_that_answer_only(
    resaved: Resaved, name: str, question: str, typed: Any, expected: Any
):
    assignment = Assignment.objects.get(pk=resaved.assignment_pk)
    before = snapshot(assignment)
    wb = openpyxl.load_workbook(io.BytesIO(resaved.files[name]))
    ws = answers_sheet(wb)
    ws.cell(row=rows_by_name(ws)[question], column=column(ws, "answer")).value = typed
    out = io.BytesIO()
    wb.save(out)
    result = upload(resaved, out.getvalue(), name)
    assert not result.errors and not result.conflicts
    assert result.saved == 1
    after = snapshot(assignment)
    _value, confidential, version = before[question]
    assert after.pop(question) == (expected, confidential, version + 1)
    before.pop(question)
    assert after == before


def test_a_tick_removed_in_the_libreoffice_file_changes_that_choice_only(resaved: Resaved):
    assignment = Assignment.objects.get(pk=resaved.assignment_pk)
    before = snapshot(assignment)
    wb = openpyxl.load_workbook(io.BytesIO(resaved.files["answers-ar.xlsx"]))
    ws = answers_sheet(wb)
    ws.cell(row=rows_by_name(ws)["a5_ta_kinds/training"], column=column(ws, "answer")).value = None
    out = io.BytesIO()
    wb.save(out)
    result = upload(resaved, out.getvalue(), "answers-ar.xlsx")
    assert not result.errors and not result.conflicts
    after = snapshot(assignment)
    assert after.pop("a5_ta_kinds")[0] == ["legislative"]
    before.pop("a5_ta_kinds")
    assert after == before


def structure(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "languages": questionnaire.languages,
        "title": questionnaire.title,
        "items": list(
            questionnaire.items.order_by("position").values_list(
                "name",
                "kind",
                "xlsform_type",
                "label",
                "hint",
                "required",
                "relevant",
                "constraint",
                "constraint_message",
                "parent__name",
                "choice_list__name",
            )
        ),
        "choices": sorted(
            (c.choice_list.name, c.position, c.name, c.label)
            for lst in questionnaire.choice_lists.all()
            for c in lst.choices.select_related("choice_list")
        ),
    }


def test_an_xlsform_saved_again_by_libreoffice_keeps_its_structure(resaved: Resaved):
    cycle = ReportingCycle.objects.create(number=CYCLE + 1, name="XLSForms saved again")
    first = import_xlsform(
        io.BytesIO(resaved.original["xlsform.xlsx"]), filename="xlsform.xlsx", cycle=cycle
    )
    again = import_xlsform(
        io.BytesIO(resaved.files["xlsform.xlsx"]), filename="xlsform.xlsx", cycle=cycle
    )
    assert structure(again) == structure(first)


@pytest.mark.parametrize("name", REAL_FORMS)
def test_a_real_xlsform_saved_again_by_libreoffice_keeps_its_structure(resaved: Resaved, name: str):
    shared_data()  # skips without ../shared/data
    cycle = ReportingCycle.objects.create(number=CYCLE + 2, name="Real XLSForms saved again")
    first = import_xlsform(io.BytesIO(resaved.original[f"real-{name}"]), filename=name, cycle=cycle)
    again = import_xlsform(io.BytesIO(resaved.files[f"real-{name}"]), filename=name, cycle=cycle)
    assert structure(again) == structure(first)


def test_a_repeat_entry_typed_into_the_libreoffice_file_is_added(resaved: Resaved):
    assignment = Assignment.objects.get(pk=resaved.assignment_pk)
    before = snapshot(assignment)
    wb = openpyxl.load_workbook(io.BytesIO(resaved.files["answers-ar.xlsx"]))
    ws = next(ws for ws in wb.worksheets if ws["A1"].value == "instance")
    keys = [c.value for c in ws[1]]
    row = [None] * len(keys)
    row[keys.index("instance")] = "3"
    row[keys.index("meeting_name")] = "ورشة عمل"
    row[keys.index("meeting_on")] = datetime(2025, 6, 1)
    row[keys.index("meeting_kinds/legislative")] = "✓"
    for n, value in enumerate(row, start=1):
        ws.cell(row=5, column=n, value=value)
    out = io.BytesIO()
    wb.save(out)
    result = upload(resaved, out.getvalue(), "answers-ar.xlsx")
    assert not result.errors and not result.conflicts
    after = snapshot(assignment)
    added = {key: after.pop(key)[0] for key in list(after) if key.endswith("#3")}
    assert added == {
        "meeting_name#3": "ورشة عمل",
        "meeting_on#3": "2025-06-01",
        "meeting_kinds#3": ["legislative"],
    }
    assert after == before


def test_a_requests_file_saved_again_by_libreoffice_imports_the_same(resaved: Resaved):
    secretariat = make_user("lo-alice", role=Role.SECRETARIAT, is_staff=True)

    def imported(data: bytes) -> list[tuple[Any, ...]]:
        created = requests_import(
            source=io.BytesIO(data), filename="requests.xlsx", user=secretariat
        )
        rows = [
            (
                r.state.iso3,
                r.instrument.code,
                r.title,
                r.description,
                r.language,
                r.urgency,
                r.received_on,
                r.needed_by,
                r.reference,
                r.confidential,
                sorted(
                    (line.article.number if line.article else None, line.paragraph, line.kind)
                    for line in r.lines.all()
                ),
            )
            for r in created
        ]
        AssistanceRequest.objects.filter(pk__in=[r.pk for r in created]).delete()
        return rows

    assert imported(resaved.files["requests.xlsx"]) == imported(resaved.original["requests.xlsx"])


def test_formulas_are_read_once_libreoffice_saved_their_values_and_refused_before(
    resaved: Resaved,
):
    """openpyxl keeps no value for a formula: every import refuses such a cell naming it.
    LibreOffice computes the formulas when it opens the file and saves their values: the same
    files are then read as the person saw them."""
    secretariat = make_user("lo-formulas", role=Role.SECRETARIAT, is_staff=True)
    assignment = Assignment.objects.get(pk=resaved.assignment_pk)
    questionnaire = Questionnaire.objects.get(pk=resaved.questionnaire_pk)
    before = snapshot(assignment)

    imports = {
        "formula-answers.xlsx": lambda data: upload(resaved, data, "formula-answers.xlsx"),
        "formula-requests.xlsx": lambda data: requests_import(
            source=io.BytesIO(data), filename="formula-requests.xlsx", user=secretariat
        ),
        "formula-kobo.xlsx": lambda data: submissions_import(
            questionnaire=questionnaire,
            source=io.BytesIO(data),
            filename="formula-kobo.xlsx",
            user=secretariat,
        ),
    }
    places = []
    for name, imported in imports.items():
        with pytest.raises(InvalidInput) as refused:
            imported(resaved.original[name])
        places += [(p.file, p.sheet, p.line, p.column) for p in refused.value.problems]
    ws = answers_sheet(openpyxl.load_workbook(io.BytesIO(resaved.original["formula-answers.xlsx"])))
    rows, answer = rows_by_name(ws), ws.cell(row=1, column=column(ws, "answer")).value
    assert places == [
        ("formula-answers.xlsx", ws.title, rows["authority"], answer),
        ("formula-answers.xlsx", ws.title, rows["cases"], answer),
        ("formula-requests.xlsx", "Sheet", 3, "title"),
        ("formula-requests.xlsx", "Sheet", 3, "urgency"),
        ("formula-kobo.xlsx", "Sheet", 2, "cases"),
        ("formula-kobo.xlsx", "Sheet", 2, "authority"),
    ]
    assert snapshot(assignment) == before
    assert not AssistanceRequest.objects.exists()

    answers = imports["formula-answers.xlsx"](resaved.files["formula-answers.xlsx"])
    assert not answers.errors and not answers.conflicts and answers.saved == 2
    after = snapshot(assignment)
    assert (after["cases"][0], after["authority"][0]) == (43, "Ministry of Justice")
    requests = imports["formula-requests.xlsx"](resaved.files["formula-requests.xlsx"])
    submissions = imports["formula-kobo.xlsx"](resaved.files["formula-kobo.xlsx"])
    assert [(r.title, r.urgency) for r in requests][1] == ("Training of judges", "high")
    assert not submissions["EGY"].errors
    after = snapshot(assignment)
    assert (after["cases"][0], after["authority"][0]) == (42, "Public prosecution")
