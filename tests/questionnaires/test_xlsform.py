"""XLSForm import and export: the real forms in shared/data/xlsform, round trips, bad files."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET
import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from infobase.core.errors import InvalidInput
from infobase.core.history import history_of
from infobase.questionnaires.models import (
    ANSWERABLE_KINDS,
    Choice,
    ChoiceList,
    Item,
    ItemKind,
    ItemRole,
    Questionnaire,
    ReportingCycle,
)
from infobase.questionnaires.xlsform import (
    export_xform,
    export_xlsform,
    import_xlsform,
    language_code,
)
from infobase.reference.models import Instrument
from tests.questionnaires.conftest import RealForms

pytestmark = [
    pytest.mark.django_db,
    # some real workbooks lack a default style or carry odd properties: openpyxl says so
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl"),
]

# file → (language codes in column order, default language)
IMPORTABLE = {
    "childrens-survey-sw.xlsx": (["en", "sw"], "sw"),
    "ethiopia-fsom-2016.xlsx": (["en"], "en"),
    "liberia-slum-assessment-survey.xlsx": (["en"], "en"),
    "mali-health-facilities.xlsx": (["en", "fr"], "en"),
    "multi-lingual-form.xlsx": (["en", "sw", "fr"], "en"),
    "nested-repeats.xlsx": (["en"], "en"),
    "reach-lbn-msna-2022-kobo-tool.xlsx": (["en", "ar"], "ar"),
    "subdistrict-profiling-tool.xlsx": (["en", "ar"], "ar"),
    "ucl-biomass-plot-form.xlsx": (["sw", "en"], "sw"),
    "unhcr-kobo-template-en-dari.xlsx": (["en", "prs"], "en"),
    "xlsform-spec-test.xlsx": (["en", "zh"], "en"),
}

REACH = "reach-lbn-msna-2022-kobo-tool.xlsx"

END_ROW = re.compile(r"^\s*end[ _](group|repeat)\s*$", re.IGNORECASE)
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


@pytest.fixture
def xlsform_dir(shared: Path) -> Path:
    return shared / "xlsform"


# The tests that only read a real form share one import of it per module: the parametrized ones
# through ``real_form`` (``scope="module"`` has pytest run each form's tests together), the
# others through these.
@pytest.fixture(scope="module")
def reach_pk(real_forms: RealForms) -> int:
    return real_forms.pk(REACH)


@pytest.fixture(scope="module")
def spec_test_pk(real_forms: RealForms) -> int:
    return real_forms.pk("xlsform-spec-test.xlsx")


@pytest.fixture(scope="module")
def ucl_pk(real_forms: RealForms) -> int:
    return real_forms.pk("ucl-biomass-plot-form.xlsx")


def write_xlsform(
    path: Path,
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        choice_sheet = workbook.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    if settings is not None:
        settings_sheet = workbook.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    workbook.save(path)
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Questionnaire.objects.count(),
        Item.objects.count(),
        ChoiceList.objects.count(),
        Choice.objects.count(),
    )


def expected_item_count(path: Path) -> int:
    """Survey rows with content that are not end group/repeat rows (read independently)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook["survey"]
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(rows)]
    type_index = header.index("type")
    total = 0
    for row in rows:
        if not any(c is not None and str(c).strip() for c in row):
            continue
        cell = row[type_index] if type_index < len(row) else None
        if not END_ROW.match(str(cell or "")):
            total += 1
    workbook.close()
    return total


def structure(q: Questionnaire) -> dict[str, Any]:
    """What must survive a round trip (not row numbers, codes or database ids)."""
    items = [
        (
            i.kind,
            i.xlsform_type,
            i.name,
            i.parent.name if i.parent else None,
            i.label,
            i.hint,
            i.required,
            i.required_message,
            i.relevant,
            i.constraint,
            i.constraint_message,
            i.choice_list.name if i.choice_list else None,
            i.choice_filter,
            i.appearance,
            i.calculation,
            i.default,
            i.read_only,
            i.article_id,
            i.paragraph,
            i.role,
            i.extra,
        )
        for i in q.items.select_related("parent", "choice_list").order_by("position")
    ]
    # the order inside each list matters, not how the lists' rows were interleaved
    choices = sorted(
        (
            (c.choice_list.name, c.name, c.label, c.extra)
            for c in Choice.objects.filter(choice_list__questionnaire=q)
            .select_related("choice_list")
            .order_by("position")
        ),
        key=lambda choice: choice[0],
    )
    return {
        "items": items,
        "choices": choices,
        "languages": q.languages,
        "default_language": q.default_language,
        "title": q.title,
        "form_id": q.form_id,
        "version": q.version,
        "settings": q.xlsform_settings,
    }


def problems_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# --- the real forms -------------------------------------------------------------------------


def test_every_real_form_is_importable(xlsform_dir: Path) -> None:
    found = {p.name for p in xlsform_dir.glob("*.xlsx")}
    assert found == set(IMPORTABLE)


@pytest.mark.parametrize("name", sorted(IMPORTABLE), scope="module")
def test_real_form_imports_every_row_with_its_languages(
    xlsform_dir: Path, real_form: Questionnaire, name: str
) -> None:
    path = xlsform_dir / name
    q = real_form
    assert q.items.count() == expected_item_count(path)
    codes, default = IMPORTABLE[name]
    assert q.language_codes == codes
    assert q.default_language == default
    assert q.source_filename == name
    # every select question that names a list on the choices sheet is linked to it
    for item in q.items.filter(kind__in=[ItemKind.SELECT_ONE, ItemKind.SELECT_MULTIPLE]):
        assert item.choice_list is not None and item.choice_list.choices.exists()
    # every row with a parent is inside a group or repeat
    assert (
        not q.items.exclude(parent=None)
        .exclude(parent__kind__in=[ItemKind.GROUP, ItemKind.REPEAT])
        .exists()
    )


@pytest.mark.parametrize("name", sorted(IMPORTABLE), scope="module")
def test_real_form_round_trips_through_xlsform_export(
    real_form: Questionnaire, cycle: ReportingCycle, name: str
) -> None:
    first = real_form
    exported = export_xlsform(first)
    second = import_xlsform(io.BytesIO(exported), filename="again.xlsx", cycle=cycle)
    assert second.code != first.code
    assert structure(second) == structure(first)


@pytest.mark.parametrize("name", sorted(IMPORTABLE), scope="module")
def test_real_form_exports_an_xform_with_its_questions(real_form: Questionnaire, name: str) -> None:
    q = real_form
    root = ET.fromstring(export_xform(q))
    assert root.tag == f"{XHTML}html"
    nodesets = {
        bind.get("nodeset", "") for bind in root.iter("{http://www.w3.org/2002/xforms}bind")
    }
    names = {nodeset.rsplit("/", 1)[-1] for nodeset in nodesets}
    answerable = set(q.items.filter(kind__in=ANSWERABLE_KINDS).values_list("name", flat=True))
    assert answerable and answerable <= names


def test_reach_keeps_arabic_labels_hints_and_messages_exactly(
    xlsform_dir: Path, reach_pk: int
) -> None:
    path = xlsform_dir / REACH
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook["survey"]
    sheet.reset_dimensions()
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()
    header = [str(h or "").strip() for h in rows[0]]
    name_i, ar_i, hint_i = (header.index(h) for h in ("name", "label::Arabic", "hint::Arabic"))
    q = Questionnaire.objects.get(pk=reach_pk)
    items = {i.name: i for i in q.items.all()}
    checked = 0
    for row in rows[1:]:
        if row[name_i] and row[ar_i] and str(row[name_i]).strip() in items:
            item = items[str(row[name_i]).strip()]
            assert item.label["ar"] == row[ar_i]
            if row[hint_i]:
                assert item.hint["ar"] == row[hint_i]
            checked += 1
    assert checked > 300
    assert q.title == {"ar": "LBN_MSNA_2022"}
    assert q.form_id == "lbn_msna_2022_ve"


def test_settings_are_kept(spec_test_pk: int) -> None:
    q = Questionnaire.objects.get(pk=spec_test_pk)
    assert q.form_id == "Spec test" and q.code == "spec-test"
    assert q.xlsform_settings["instance_name"] == "${my_name}"
    assert q.xlsform_settings["submission_url"].startswith("https://")
    kinds = dict(q.items.values_list("name", "kind"))
    assert kinds["start"] == kinds["deviceid"] == kinds["phonenumber"] == ItemKind.META
    assert kinds["geopoint_test"] == kinds["barcode_test"] == ItemKind.OTHER
    assert kinds["image_test"] == kinds["audio_test"] == ItemKind.FILE
    assert kinds["everything"] == ItemKind.GROUP and kinds["repeat_test"] == ItemKind.REPEAT
    # the plain "requiredMsg" column belongs to the first language
    assert q.items.get(name="required_text").required_message == {"en": "Custom required message."}


def test_select_one_from_file_is_kept_but_not_asked(ucl_pk: int) -> None:
    q = Questionnaire.objects.get(pk=ucl_pk)
    region = q.items.get(name="region_id")
    assert region.kind == ItemKind.OTHER and region.choice_list is None
    assert region.xlsform_type == "select_one_from_file UCL_regions.csv"
    # a "required" that is an expression is kept as written, not enforced on the web
    photo = q.items.get(name="stem_height")
    assert photo.required is False and photo.extra["required"] == "${health_id}=‘dead’"


# --- small forms ------------------------------------------------------------------------------

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::العربية",
    "relevant",
    "infobase_article",
    "infobase_role",
    "infobase_kind",
]
CHOICES = [
    ["list_name", "name", "label::English (en)", "label::العربية"],
    ["status", "yes", "Yes", "نعم"],
    ["status", "partly", "Partly", "جزئياً"],
    ["status", "no", "No", "لا"],
    ["status", "na", "Not applicable", "لا ينطبق"],
]


def small_form(path: Path, *extra_rows: list[Any]) -> Path:
    survey = [
        SURVEY_HEADER,
        ["begin group", "art5", "Article 5", "المادة 5", "", "untoc 5"],
        [
            "select_one status",
            "a5_status",
            "Is it an offence?",
            "هل تُجرّم المشاركة؟",
            "",
            "untoc 5(1)",
            "status",
            "status",
        ],
        [
            "text",
            "a5_explain",
            "Explain",
            "يرجى التوضيح",
            "${a5_status} != 'yes'",
            "untoc 5",
            "explanation",
        ],
        ["end group"],
        *extra_rows,
    ]
    return write_xlsform(path, survey, CHOICES, [["form_title", "form_id"], ["Small", "small"]])


def test_infobase_columns_set_article_role_and_status_and_round_trip(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    q = import_xlsform(
        small_form(tmp_path / "s.xlsx"),
        filename="s.xlsx",
        cycle=cycle,
        instruments=[Instrument.objects.get(code="untoc")],
    )
    status = q.items.get(name="a5_status")
    assert status.kind == ItemKind.STATUS and status.role == ItemRole.STATUS
    assert (status.article.instrument.code, status.article.number, status.paragraph) == (
        "untoc",
        5,
        1,
    )
    assert status.parent == q.items.get(name="art5")
    assert q.items.get(name="a5_explain").role == ItemRole.EXPLANATION
    assert list(q.instruments.values_list("code", flat=True)) == ["untoc"]
    assert q.languages == [
        {"code": "en", "column": "English (en)"},
        {"code": "ar", "column": "العربية"},
    ]
    again = import_xlsform(io.BytesIO(export_xlsform(q)), filename="again.xlsx", cycle=cycle)
    assert structure(again) == structure(q)
    assert again.code == "small-2"


def test_arabic_labels_are_preserved_exactly_through_both_exports(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    q = import_xlsform(small_form(tmp_path / "s.xlsx"), filename="s.xlsx", cycle=cycle)
    assert q.items.get(name="a5_status").label["ar"] == "هل تُجرّم المشاركة؟"
    assert Choice.objects.get(choice_list__questionnaire=q, name="partly").label["ar"] == "جزئياً"
    sheet = openpyxl.load_workbook(io.BytesIO(export_xlsform(q)))["survey"]
    header = [c.value for c in sheet[1]]
    column = header.index("label::العربية")
    assert [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)][:3] == [
        "المادة 5",
        "هل تُجرّم المشاركة؟",
        "يرجى التوضيح",
    ]
    assert "هل تُجرّم المشاركة؟" in export_xform(q).decode("utf-8")


def test_a_label_holding_characters_xml_cannot_hold_still_exports(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    q = import_xlsform(small_form(tmp_path / "s.xlsx"), filename="s.xlsx", cycle=cycle)
    item = q.items.get(name="a5_status")
    item.label = {**item.label, "ar": "سطر\x0bسطر\x1b\uffff"}
    item.save()
    sheet = openpyxl.load_workbook(io.BytesIO(export_xlsform(q)))["survey"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[1][header.index("label::العربية")] == "سطر\nسطر"


def test_model_built_questionnaire_exports_and_reimports_equivalently(
    questionnaire: Questionnaire, cycle: ReportingCycle
) -> None:
    again = import_xlsform(
        io.BytesIO(export_xlsform(questionnaire)), filename="test-q.xlsx", cycle=cycle
    )
    assert structure(again)["items"] == structure(questionnaire)["items"]
    assert again.language_codes == ["en", "ar"]
    root = ET.fromstring(export_xform(questionnaire))
    assert root.tag == f"{XHTML}html"


def test_headers_are_matched_whatever_their_case_and_white_space(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "h.xlsx",
        [
            [
                "TYPE ",
                "Name",
                "Label::English\n",
                "label::Français",
                "Hint::English",
                "requiredMsg",
                "Required",
                "my_column",
            ],
            ["integer", "age", "Age", "Âge", "In years", "Please answer", "yes", "kept"],
        ],
        None,
        [["default_language"], ["English"]],
    )
    q = import_xlsform(path, filename="h.xlsx", cycle=cycle)
    item = q.items.get()
    assert item.kind == ItemKind.INTEGER and item.required
    assert item.label == {"en": "Age", "fr": "Âge"} and item.hint == {"en": "In years"}
    assert item.required_message == {"en": "Please answer"}
    assert item.extra == {"my_column": "kept"}
    assert q.languages == [
        {"code": "en", "column": "English"},
        {"code": "fr", "column": "Français"},
    ]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("English", "en"),
        ("english", "en"),
        ("English (en)", "en"),
        ("English(en)", "en"),
        ("English (EN)", "en"),
        ("Arabic", "ar"),
        ("العربية", "ar"),
        ("French", "fr"),
        ("Swahili (sw)", "sw"),
        ("Dari", "prs"),
        ("chinese", "zh"),
        ("Klingon", "klingon"),
    ],
)
def test_language_names_map_to_codes(header: str, code: str) -> None:
    assert language_code(header) == code


def test_types_map_to_kinds(tmp_path: Path, cycle: ReportingCycle) -> None:
    rows = [
        ("text", "t", ItemKind.TEXT),
        ("string", "s", ItemKind.TEXT),
        ("int", "i", ItemKind.INTEGER),
        ("decimal", "d", ItemKind.DECIMAL),
        ("date", "dt", ItemKind.DATE),
        ("select one from yn", "s1", ItemKind.SELECT_ONE),
        ("select_multiple yn", "sm", ItemKind.SELECT_MULTIPLE),
        ("file", "f", ItemKind.FILE),
        ("note", "n", ItemKind.NOTE),
        ("calculate", "c", ItemKind.CALCULATE),
        ("start", "st", ItemKind.META),
        ("audit", "", ItemKind.META),
        ("geopoint", "g", ItemKind.OTHER),
        ("datetime", "dtm", ItemKind.OTHER),
        ("begin_repeat", "r", ItemKind.REPEAT),
        ("end_repeat", "", None),
    ]
    survey = [["type", "name", "label", "calculation"]] + [
        [t, n, n.upper(), "1" if t == "calculate" else None] for t, n, _ in rows
    ]
    choices = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
    q = import_xlsform(
        write_xlsform(tmp_path / "k.xlsx", survey, choices), filename="k.xlsx", cycle=cycle
    )
    assert dict(q.items.values_list("name", "kind")) == {n or "audit": k for _, n, k in rows if k}
    again = import_xlsform(io.BytesIO(export_xlsform(q)), filename="k.xlsx", cycle=cycle)
    assert structure(again) == structure(q)
    assert q.languages == [{"code": "en", "column": ""}]


# --- bad workbooks -------------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused_by_name(cycle: ReportingCycle) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(io.BytesIO(b"type,name\ntext,a\n"), filename="notes.xlsx", cycle=cycle)
    assert counts() == before
    [message] = problems_of(exc)
    assert message.startswith("notes.xlsx: ") and "not an Excel workbook" in message


def test_a_workbook_without_survey_sheet_is_refused(tmp_path: Path, cycle: ReportingCycle) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "questions"
    workbook.save(tmp_path / "w.xlsx")
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(tmp_path / "w.xlsx", filename="w.xlsx", cycle=cycle)
    assert problems_of(exc) == ["w.xlsx: the workbook has no “survey” sheet."]


def test_an_empty_survey_sheet_is_refused(tmp_path: Path, cycle: ReportingCycle) -> None:
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(write_xlsform(tmp_path / "e.xlsx", []), filename="e.xlsx", cycle=cycle)
    assert problems_of(exc) == ["e.xlsx, sheet “survey”: the sheet is empty."]


def test_every_problem_is_reported_with_its_place_and_nothing_written(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = small_form(
        tmp_path / "bad.xlsx",
        ["select_one colours", "colour", "Colour"],  # row 6: unknown list
        ["begin group", "open", "Never closed"],  # row 7: unbalanced
        ["text", "a5_other", "Other", "", "", "untoc 99"],  # row 8: no such article
        ["text", "open_text", "x", "", "", "", "judge"],  # row 9: unknown role
        ["text", "open_text", "again"],  # row 10: duplicate name in the group
        ["select_one_external cities", "city", "City"],  # row 11: no external_choices sheet
        ["select_one status", "st2", "Status", "", "", "", "", "wrong"],  # row 12
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(path, filename="bad.xlsx", cycle=cycle)
    assert counts() == before
    messages = problems_of(exc)
    prefix = "bad.xlsx, sheet “survey”, "
    expected = [
        (6, "type", "the list “colours” is not on the “choices” sheet."),
        (8, "infobase_article", "There is no article 99"),
        (9, "infobase_role", "“judge” is not one of"),
        (10, "name", "the name “open_text” is already used on row 9."),
        (11, "type", "the list “cities” is not on the “external_choices” sheet."),
        (12, "infobase_kind", "“wrong” is not one of"),
        (7, "type", "the group begun here is never ended"),
    ]
    for row, column, text in expected:
        assert any(
            m.startswith(f"{prefix}row {row}, column “{column}”: {text}") for m in messages
        ), (row, messages)
    assert len(messages) == len(expected)


def test_an_end_without_begin_is_refused(tmp_path: Path, cycle: ReportingCycle) -> None:
    path = write_xlsform(tmp_path / "u.xlsx", [["type", "name"], ["text", "a"], ["end group"]])
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(path, filename="u.xlsx", cycle=cycle)
    [message] = problems_of(exc)
    assert message.startswith("u.xlsx, sheet “survey”, row 3, column “type”: ")


def test_a_status_question_needs_status_choices(tmp_path: Path, cycle: ReportingCycle) -> None:
    path = write_xlsform(
        tmp_path / "s.xlsx",
        [["type", "name", "infobase_kind"], ["select_one yn", "q", "status"]],
        [["list_name", "name"], ["yn", "yes"], ["yn", "maybe"]],
    )
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(path, filename="s.xlsx", cycle=cycle)
    # pyxform's own refusal (choices without labels) is reported beside it, in one pass
    assert any("row 2, column “infobase_kind”" in m for m in problems_of(exc))


def test_pyxform_errors_are_reported_with_their_row(tmp_path: Path, cycle: ReportingCycle) -> None:
    path = write_xlsform(
        tmp_path / "p.xlsx", [["type", "name", "label"], ["text", "a b c", "Spaces in name"]]
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(path, filename="p.xlsx", cycle=cycle)
    assert counts() == before
    [problem] = exc.value.problems
    assert (problem.file, problem.sheet, problem.line) == ("p.xlsx", "survey", 2)
    assert problem.message.startswith("pyxform: ")


def test_a_given_code_must_be_free(tmp_path: Path, cycle: ReportingCycle) -> None:
    path = small_form(tmp_path / "s.xlsx")
    assert import_xlsform(path, filename="s.xlsx", cycle=cycle, code="mine").code == "mine"
    with pytest.raises(InvalidInput) as exc:
        import_xlsform(path, filename="s.xlsx", cycle=cycle, code="mine")
    assert "already exists" in problems_of(exc)[0]


# --- commands --------------------------------------------------------------------------------


def test_import_command_fails_with_the_problems(
    tmp_path: Path, cycle: ReportingCycle, secretariat: Any
) -> None:
    path = small_form(tmp_path / "bad.xlsx", ["select_one colours", "colour", "Colour"])
    before = counts()
    with pytest.raises(CommandError) as exc:
        call_command("questionnaire-import", str(path), "--cycle", "7", "--user", "alice")
    assert counts() == before
    assert "bad.xlsx, sheet “survey”, row 6, column “type”" in str(exc.value)


def test_a_refused_workbook_leaves_no_cycle_behind(tmp_path: Path, secretariat: Any) -> None:
    path = small_form(tmp_path / "bad.xlsx", ["select_one colours", "colour", "Colour"])
    with pytest.raises(CommandError, match="row 6"):
        call_command(
            "questionnaire-import", str(path), "--cycle", "97", "--create-cycle", "--user", "alice"
        )
    assert not ReportingCycle.objects.filter(number=97).exists()


def test_the_import_command_imports_as_a_user_who_may_and_keeps_who(
    tmp_path: Path, cycle: ReportingCycle, secretariat: Any, focal_egypt: Any
) -> None:
    path = small_form(tmp_path / "s.xlsx")
    before = counts()
    with pytest.raises(CommandError, match="nobody: no such active user"):
        call_command("questionnaire-import", str(path), "--cycle", "7", "--user", "nobody")
    with pytest.raises(CommandError, match="hoda may not import questionnaires"):
        call_command("questionnaire-import", str(path), "--cycle", "7", "--user", "hoda")
    assert counts() == before
    call_command(
        "questionnaire-import",
        *(str(path), "--cycle", "7", "--user", "alice", "--code", "who-check"),
        stdout=io.StringIO(),
    )
    created = history_of(Questionnaire.objects.get(code="who-check"))[-1]
    assert created.kind == "+" and "alice" in created.who


def test_import_command_refuses_an_unknown_cycle_unless_asked(
    tmp_path: Path, secretariat: Any
) -> None:
    path = small_form(tmp_path / "s.xlsx")
    with pytest.raises(CommandError, match="no reporting cycle 42"):
        call_command("questionnaire-import", str(path), "--cycle", "42", "--user", "alice")
    out = io.StringIO()
    call_command(
        "questionnaire-import",
        str(path),
        "--cycle",
        "42",
        "--user",
        "alice",
        "--create-cycle",
        "--instrument",
        "untoc",
        "--code",
        "art5-check",
        stdout=out,
    )
    q = Questionnaire.objects.get(code="art5-check")
    assert q.cycle.number == 42 and q.items.count() == 3
    assert list(q.instruments.values_list("code", flat=True)) == ["untoc"]
    assert "art5-check: 3 items" in out.getvalue()


def test_export_command_writes_xlsform_and_xform(tmp_path: Path, cycle: ReportingCycle) -> None:
    import_xlsform(small_form(tmp_path / "s.xlsx"), filename="s.xlsx", cycle=cycle)
    call_command(
        "questionnaire-export",
        "small",
        "--format",
        "xform",
        "--out",
        str(tmp_path / "s.xml"),
        stdout=io.StringIO(),
    )
    assert ET.fromstring((tmp_path / "s.xml").read_bytes()).tag == f"{XHTML}html"
    call_command(
        "questionnaire-export",
        "small",
        "--format",
        "xlsform",
        "--out",
        str(tmp_path / "out.xlsx"),
        stdout=io.StringIO(),
    )
    assert openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames == [
        "survey",
        "choices",
        "settings",
    ]
    with pytest.raises(CommandError, match="no questionnaire"):
        call_command("questionnaire-export", "nope", "--out", str(tmp_path / "x.xlsx"))
