"""Writing a State's questionnaire and answers as a workbook to fill in offline."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from infobase.core import i18n
from infobase.core.exporters import safe_cell
from infobase.core.zips import stable_zip
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    Item,
    ItemKind,
)
from infobase.questionnaires.workbook.cells import (
    ANSWER_COLUMNS,
    ANSWERS,
    CHOICE_KINDS,
    COLUMN_LABELS,
    FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    INSTANCE,
    INSTRUCTIONS,
    LISTS,
    META,
    NO_LABEL,
    NUMBER_KINDS,
    OPTION_SEPARATOR,
    REPEAT_DATA_ROW,
    RESERVED_SHEETS,
    SHEET_LABELS,
    TICK,
    VERSION_PREFIX,
    WRAP,
    YES_LABEL,
    Shape,
    _article,
    _choices,
    _display,
    _section,
    _shape,
    _sheet_title,
)

# --- Export -----------------------------------------------------------------------------


def workbook_export(*, assignment: Assignment, language: str) -> bytes:
    """The assignment's questionnaire and current answers as an XLSX to fill in offline."""
    questionnaire = assignment.questionnaire
    default = questionnaire.default_language
    shape = _shape(questionnaire)
    answers = {(a.item_id, a.repeat_path): a for a in Answer.objects.filter(assignment=assignment)}
    rtl = i18n.is_rtl(language)
    with i18n.language(language):
        wb = Workbook()
        instructions = wb.active
        taken = set(RESERVED_SHEETS)
        instructions.title = _sheet_title(str(SHEET_LABELS[INSTRUCTIONS]), taken)
        answers_ws = wb.create_sheet(_sheet_title(str(SHEET_LABELS[ANSWERS]), taken))
        lists = wb.create_sheet(LISTS)
        lists.sheet_state = "hidden"
        list_ranges: dict[int, str] = {}

        def list_range(item: Item) -> str:
            """A reference to the choice names of ``item`` in the hidden lists sheet."""
            key = item.choice_list_id or 0
            if key not in list_ranges:
                column = get_column_letter(len(list_ranges) + 1)
                names = [label for _name, label in _choices(item, default)]
                for row, name in enumerate(names, start=1):
                    lists.cell(row=row, column=len(list_ranges) + 1, value=safe_cell(name))
                list_ranges[key] = (
                    f"{quote_sheetname(LISTS)}!${column}$1:${column}${max(len(names), 1)}"
                )
            return list_ranges[key]

        _write_instructions(instructions, assignment, shape, answers_ws.title)
        _write_answers(answers_ws, shape, answers, default, list_range)
        repeat_sheets: list[tuple[str, str]] = []
        for repeat, questions in shape.repeats:
            title = _sheet_title(repeat.display_label(default), taken)
            ws = wb.create_sheet(title)
            _write_repeat(ws, repeat, questions, shape, answers, default, list_range)
            repeat_sheets.append((title, repeat.name))
        meta = wb.create_sheet(META)
        meta.sheet_state = "veryHidden"
        for row in (
            ("format", FORMAT),
            ("assignment", assignment.pk),
            ("questionnaire", questionnaire.code),
            ("state", assignment.state.iso3),
            ("language", language),
            ("sheet", ANSWERS, answers_ws.title),
            ("sheet", INSTRUCTIONS, instructions.title),
            *(("repeat", title, name) for title, name in repeat_sheets),
        ):
            meta.append([safe_cell(v) for v in row])
        for ws in wb.worksheets:
            ws.sheet_view.rightToLeft = rtl
        wb.active = 0
    _fix_properties(wb, assignment)
    return _save(wb, assignment)


def _header(ws: Any, row: int = 1) -> None:
    for cell in ws[row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP


def _write_instructions(ws: Any, assignment: Assignment, shape: Shape, answers_title: str) -> None:
    questionnaire = assignment.questionnaire
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    ws.append([safe_cell(questionnaire.display_title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append([_("State"), safe_cell(str(assignment.state))])
    ws.append([_("Deadline"), assignment.deadline])
    ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd"
    ws.append([_("Questionnaire"), safe_cell(questionnaire.code)])
    ws.append([])
    ws.append([_("How to fill in this workbook")])
    ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
    steps = [
        _(
            "Write your answers in the “%(column)s” column of the sheet “%(sheet)s”. Do not "
            "change the other columns, the sheet names or the order of the columns."
        )
        % {"sheet": answers_title, "column": COLUMN_LABELS["answer"]},
        _(
            "For a question with choices, pick one of the choices from the drop-down list. "
            "When several choices are allowed, each choice has a row of its own under the "
            "question: mark the ones that apply with %(tick)s and leave the others empty."
        )
        % {"tick": TICK},
        _(
            "Enter dates as dates (the cell accepts only a date) and numbers without "
            "thousands separators."
        ),
        _("To mark an answer as confidential, choose “%(yes)s” in the “%(column)s” column.")
        % {"yes": YES_LABEL, "column": COLUMN_LABELS["confidential"]},
        _(
            "Repeated sections have a sheet of their own: one row per entry, numbered in the "
            "“instance” column. To add an entry, add a row with the next number."
        ),
        _(
            "Emptying an answer clears it when the file is uploaded. Answers changed on the "
            "website after this file was made are reported as conflicts and are not "
            "overwritten."
        ),
        _(
            "Upload the completed file on the questionnaire's page. The whole file is checked "
            "first: if anything is wrong, nothing is saved and every problem is listed with "
            "its sheet, row and column."
        ),
    ]
    for n, step in enumerate(steps, start=1):
        ws.append([n, step])
        ws.cell(row=ws.max_row, column=2).alignment = WRAP
    if shape.repeats:
        ws.append([])


def _write_answers(
    ws: Any,
    shape: Shape,
    answers: dict[tuple[int, str], Answer],
    default: str,
    list_range: Any,
) -> None:
    ws.append([str(COLUMN_LABELS[key]) for key in ANSWER_COLUMNS])
    _header(ws)
    yes, no = str(YES_LABEL), str(NO_LABEL)
    confidential_dv = DataValidation(type="list", formula1=f'"{yes},{no}"', allow_blank=True)
    ws.add_data_validation(confidential_dv)
    tick_dv = DataValidation(type="list", formula1=f'"{TICK}"', allow_blank=True)
    ws.add_data_validation(tick_dv)
    date_dv = _date_validation()
    ws.add_data_validation(date_dv)
    validations: dict[str, DataValidation] = {}
    answer_col = ANSWER_COLUMNS.index("answer") + 1
    confidential_col = ANSWER_COLUMNS.index("confidential") + 1
    for item in shape.top:
        answer = answers.get((item.pk, ""))
        choices = _choices(item, default)
        multiple = item.kind == ItemKind.SELECT_MULTIPLE and bool(choices)
        ws.append(
            [
                safe_cell(item.name),
                safe_cell(_section(item, shape, default)),
                safe_cell(_article(item, shape)),
                safe_cell(item.display_label(default)),
                safe_cell(item.display_hint(default)),
                str(ItemKind(item.kind).label),
                safe_cell("; ".join(label for _name, label in choices)),
                _display(item, answer.value if answer else None, default),
                yes if answer and answer.confidential else no,
                answer.version if answer else 0,
            ]
        )
        row = ws.max_row
        for column in range(1, len(ANSWER_COLUMNS) + 1):
            ws.cell(row=row, column=column).alignment = WRAP
        answer_cell = ws.cell(row=row, column=answer_col)
        if item.kind == ItemKind.DATE:
            answer_cell.number_format = "yyyy-mm-dd"
            date_dv.add(answer_cell.coordinate)
        elif item.kind not in NUMBER_KINDS:
            answer_cell.number_format = "@"
        # The choices of a multiple choice are ticked on their own rows, not typed here.
        answer_cell.protection = Protection(locked=multiple)
        confidential_cell = ws.cell(row=row, column=confidential_col)
        confidential_cell.protection = Protection(locked=False)
        confidential_dv.add(confidential_cell.coordinate)
        if item.kind in CHOICE_KINDS and choices:
            ref = list_range(item)
            if ref not in validations:
                validations[ref] = DataValidation(type="list", formula1=ref, allow_blank=True)
                ws.add_data_validation(validations[ref])
            validations[ref].add(answer_cell.coordinate)
        if multiple:
            chosen = set(answer.value or []) if answer and isinstance(answer.value, list) else set()
            for name, label in choices:
                ws.append(
                    [
                        safe_cell(item.name + OPTION_SEPARATOR + name),
                        None,
                        None,
                        safe_cell(label),
                        None,
                        None,
                        None,
                        TICK if name in chosen else None,
                    ]
                )
                option_cell = ws.cell(row=ws.max_row, column=answer_col)
                option_cell.protection = Protection(locked=False)
                option_cell.alignment = Alignment(horizontal="center")
                ws.cell(row=ws.max_row, column=4).alignment = Alignment(indent=2, wrap_text=True)
                tick_dv.add(option_cell.coordinate)
    widths = {
        "name": 16,
        "section": 22,
        "article": 14,
        "question": 50,
        "hint": 30,
        "type": 14,
        "choices": 30,
        "answer": 40,
        "confidential": 13,
        "version": 8,
    }
    for n, key in enumerate(ANSWER_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(n)].width = widths[key]
    for key in ("name", "version"):
        ws.column_dimensions[get_column_letter(ANSWER_COLUMNS.index(key) + 1)].hidden = True
    ws.freeze_panes = "A2"
    # The keys and the questions are locked; the answers and confidentiality are not.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


def _date_validation() -> DataValidation:
    """Excel's date rule: the cell takes a date (any day after 1 January 1900) or nothing."""
    return DataValidation(
        type="date",
        operator="greaterThan",
        formula1="1",
        allow_blank=True,
        showErrorMessage=True,
        error=_("Enter a date."),
    )


def _repeat_instances(
    repeat: Item, questions: Sequence[Item], shape: Shape, answers: dict[tuple[int, str], Answer]
) -> list[str]:
    depth = shape.depth(repeat)
    pks = {q.pk for q in questions}
    paths = {path for (item_id, path) in answers if item_id in pks and path}
    paths = {p for p in paths if len(p.split(".")) == depth}
    return sorted(paths, key=lambda p: tuple(int(n) for n in p.split(".")))


def _write_repeat(
    ws: Any,
    repeat: Item,
    questions: Sequence[Item],
    shape: Shape,
    answers: dict[tuple[int, str], Answer],
    default: str,
    list_range: Any,
) -> None:
    # One column per question, or per option of a multiple choice (ticked with a mark).
    columns: list[tuple[Item, str | None, str]] = []  # question, option name, label
    for q in questions:
        options = _choices(q, default) if q.kind == ItemKind.SELECT_MULTIPLE else []
        if options:
            question_label = q.display_label(default)
            columns += [(q, name, f"{question_label}: {label}") for name, label in options]
        else:
            columns.append((q, None, q.display_label(default)))
    ws.append(
        [
            INSTANCE,
            *(safe_cell(q.name + (OPTION_SEPARATOR + o if o else "")) for q, o, _l in columns),
            *(safe_cell(VERSION_PREFIX + q.name) for q in questions),
        ]
    )
    _header(ws)
    ws.row_dimensions[1].hidden = True  # the keys; row 2 says the same in words
    ws.append(
        [safe_cell(repeat.display_label(default)), *(safe_cell(lab) for _q, _o, lab in columns)]
    )
    _header(ws, 2)
    instances = _repeat_instances(repeat, questions, shape, answers)
    for path in instances:
        found = {q.pk: answers.get((q.pk, path)) for q in questions}
        cells: list[Any] = []
        for q, option, _label in columns:
            answer = found[q.pk]
            value = answer.value if answer else None
            if option is not None:
                cells.append(TICK if isinstance(value, list) and option in value else None)
            else:
                cells.append(_display(q, value, default))
        versions = [a.version if (a := found[q.pk]) is not None else 0 for q in questions]
        ws.append([path, *cells, *versions])
    last_row = max(ws.max_row, REPEAT_DATA_ROW) + 100  # room for new entries
    ws.column_dimensions["A"].width = 10
    tick_dv = DataValidation(type="list", formula1=f'"{TICK}"', allow_blank=True)
    date_dv = _date_validation()
    ws.add_data_validation(tick_dv)
    ws.add_data_validation(date_dv)
    for n, (question, option, _label) in enumerate(columns, start=2):
        letter = get_column_letter(n)
        ws.column_dimensions[letter].width = 14 if option else 30
        cells_range = f"{letter}{REPEAT_DATA_ROW}:{letter}{last_row}"
        if option is not None:
            tick_dv.add(cells_range)
            continue
        if question.kind == ItemKind.DATE:
            date_dv.add(cells_range)
            for row in range(REPEAT_DATA_ROW, ws.max_row + 1):
                ws.cell(row=row, column=n).number_format = "yyyy-mm-dd"
        elif question.kind not in NUMBER_KINDS:
            for row in range(REPEAT_DATA_ROW, ws.max_row + 1):
                ws.cell(row=row, column=n).number_format = "@"
        if question.kind in CHOICE_KINDS and _choices(question, default):
            dv = DataValidation(type="list", formula1=list_range(question), allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(cells_range)
    for n in range(len(questions)):
        ws.column_dimensions[get_column_letter(2 + len(columns) + n)].hidden = True
    ws.freeze_panes = f"B{REPEAT_DATA_ROW}"


def _fixed_time(assignment: Assignment) -> datetime:
    moment = assignment.dispatched_at
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _fix_properties(wb: Any, assignment: Assignment) -> None:
    props = wb.properties
    props.creator = "Infobase"
    props.lastModifiedBy = "Infobase"
    props.title = f"{assignment.questionnaire.code} / {assignment.state.iso3}"
    props.created = props.modified = _fixed_time(assignment)


def _save(wb: Any, assignment: Assignment) -> bytes:
    """The workbook's bytes, the same for the same content (fixed zip entry times)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps our "modified" time
    return stable_zip(raw.getvalue(), _fixed_time(assignment))
