"""Answering offline: an Excel workbook a focal point fills in, and ODK/Kobo submissions.

``workbook_export`` writes the questionnaire with the State's current answers; the focal point
fills it in Excel or LibreOffice and ``workbook_import`` reads it back. Everything in the file is
checked before anything is written; the answers are then saved in one ``answers_save`` call with
the versions the file started from, so that answers changed on the web in the meantime come back
as conflicts instead of being overwritten.

``submissions_import`` reads an ODK/KoboToolbox export (CSV or XLSX, one row per submission)
for the secretariat and replaces the answers of each State named in it, all or nothing.

Files are read with openpyxl in read-only, data-only mode: a formula is read as the value Excel
cached for it, never evaluated. Text written to a workbook that a spreadsheet could take for a
formula is prefixed with an apostrophe (``safe_cell``), and no formula is ever written.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from infobase.core import i18n
from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.exporters import FORMULA_START, safe_cell
from infobase.core.text import fold
from infobase.core.uploads import check_zip, limited_rows
from infobase.core.zips import stable_zip
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    ImplementationStatus,
    Item,
    ItemKind,
    Questionnaire,
)
from infobase.questionnaires.services import (
    AnswerInput,
    SaveResult,
    answers_save,
    can_answer,
    clean_value,
)
from infobase.reference.models import State

FORMAT = "infobase-answers/1"
INSTRUCTIONS = "Instructions"
ANSWERS = "Answers"
META = "meta"
LISTS = "lists"
RESERVED_SHEETS = {INSTRUCTIONS.lower(), ANSWERS.lower(), META, LISTS}
ANSWER_COLUMNS = (
    "name",
    "section",
    "article",
    "question",
    "hint",
    "type",
    "choices",
    "answer",
    "confidential",
    "version",
)
REQUIRED_ANSWER_COLUMNS = ("name", "answer", "confidential", "version")
INSTANCE = "instance"
VERSION_PREFIX = "version:"
REPEAT_DATA_ROW = 3  # row 1: keys, row 2: the questions in the chosen language
YES, NO = "yes", "no"
# Kinds answered in a workbook: attachments are uploaded on the web only.
WORKBOOK_KINDS = {
    ItemKind.STATUS,
    ItemKind.SELECT_ONE,
    ItemKind.SELECT_MULTIPLE,
    ItemKind.INTEGER,
    ItemKind.DECIMAL,
    ItemKind.DATE,
    ItemKind.TEXT,
}
CHOICE_KINDS = {ItemKind.STATUS, ItemKind.SELECT_ONE}
NUMBER_KINDS = {ItemKind.INTEGER, ItemKind.DECIMAL}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_INSTANCE = re.compile(r"^\d+(\.\d+)*$")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
WRAP = Alignment(wrap_text=True, vertical="top")


# --- Cells ------------------------------------------------------------------------------


def unsafe_cell(value: Any) -> Any:
    """The inverse of ``safe_cell`` for text read back from a workbook."""
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value.lstrip("'").startswith(FORMULA_START)
    ):
        return value[1:]
    return value


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A cell read back as text (numbers without a spurious ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _raw_answer(item: Item, value: Any) -> Any:
    """A cell as ``clean_value`` expects it for ``item``."""
    value = unsafe_cell(value)
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if item.kind == ItemKind.DATE and isinstance(value, date | datetime):
        return value
    if isinstance(value, float) and item.kind == ItemKind.DECIMAL:
        return repr(value)
    if isinstance(value, str):
        return value.strip() if item.kind != ItemKind.TEXT else value
    return _text(value)


# --- The questionnaire's shape ------------------------------------------------------------


@dataclass
class Shape:
    """The items of a questionnaire as a workbook lays them out."""

    items: list[Item]
    by_pk: dict[int, Item]
    top: list[Item]  # answered on the Answers sheet
    repeats: list[tuple[Item, list[Item]]]  # each repeat and the questions of its sheet

    def repeat_of(self, item: Item) -> Item | None:
        node = self.by_pk.get(item.parent_id) if item.parent_id else None
        while node is not None:
            if node.kind == ItemKind.REPEAT:
                return node
            node = self.by_pk.get(node.parent_id) if node.parent_id else None
        return None

    def depth(self, repeat: Item) -> int:
        """How many repeats a path inside ``repeat`` goes through (1 for a top-level repeat)."""
        depth, node = 0, repeat
        while node is not None:
            depth += node.kind == ItemKind.REPEAT
            node = self.by_pk[node.parent_id] if node.parent_id else None  # type: ignore[assignment]
        return depth


def _shape(questionnaire: Questionnaire) -> Shape:
    items = list(
        questionnaire.items.select_related("choice_list", "article__instrument")
        .prefetch_related("choice_list__choices")
        .order_by("position")
    )
    shape = Shape(items, {i.pk: i for i in items}, [], [])
    inside: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        if item.kind not in WORKBOOK_KINDS:
            continue
        repeat = shape.repeat_of(item)
        if repeat is None:
            shape.top.append(item)
        else:
            inside[repeat.pk].append(item)
    shape.repeats = [
        (item, inside[item.pk])
        for item in items
        if item.kind == ItemKind.REPEAT and inside[item.pk]
    ]
    return shape


# Bounds of what an answers workbook or a submissions export can hold, past which a file is
# refused before it is read whole (a sheet of a million rows is a mistake or an attack).
MAX_REPEAT_ENTRIES = 1000
SUBMISSIONS_PER_STATE = 10
HEADER_SLACK = 50


def _rows_it_holds(shape: Shape) -> int:
    """The most rows any sheet of this questionnaire's workbook can need: a row per question,
    per choice (the lists sheet) and per repeat entry."""
    choices = sum(
        len(item.choice_list.choices.all())  # prefetched by _shape
        for item in shape.items
        if item.choice_list_id is not None and item.choice_list is not None
    )
    return len(shape.items) + choices + MAX_REPEAT_ENTRIES + HEADER_SLACK


def _choices(item: Item, default: str) -> list[tuple[str, str]]:
    if item.choice_list_id is not None:
        return [
            (c.name, c.display_label(default))
            for c in item.choice_list.choices.all()  # type: ignore[union-attr]
        ]
    if item.kind == ItemKind.STATUS:
        return [(s.value, str(s.label)) for s in ImplementationStatus]
    return []


def _section(item: Item, shape: Shape, default: str) -> str:
    labels: list[str] = []
    node = shape.by_pk.get(item.parent_id) if item.parent_id else None
    while node is not None:
        if node.kind in (ItemKind.GROUP, ItemKind.REPEAT):
            labels.append(node.display_label(default))
        node = shape.by_pk.get(node.parent_id) if node.parent_id else None
    return " / ".join(reversed(labels))


def _article(item: Item, shape: Shape) -> str:
    node: Item | None = item
    while node is not None:
        if node.article_id and node.article is not None:
            text = _("%(instrument)s art. %(number)s") % {
                "instrument": node.article.instrument.code.upper(),
                "number": node.article.number,
            }
            if node.paragraph:
                text = _("%(article)s, para. %(paragraph)s") % {
                    "article": text,
                    "paragraph": node.paragraph,
                }
            return text
        node = shape.by_pk.get(node.parent_id) if node.parent_id else None
    return ""


def _display(item: Item, value: Any) -> Any:
    """An answer as written in its cell."""
    if value is None:
        return None
    if item.kind == ItemKind.SELECT_MULTIPLE and isinstance(value, list):
        return " ".join(str(v) for v in value)
    if item.kind == ItemKind.INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return value
    if item.kind == ItemKind.DECIMAL:
        # A number cell when it reads back the same (so "-1.5" needs no apostrophe).
        try:
            number = float(Decimal(str(value)))
            if math.isfinite(number) and str(Decimal(repr(number))) == str(value):
                return number
        except (InvalidOperation, ValueError, OverflowError):
            pass
    return safe_cell(str(value))


def _sheet_title(text: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", text).strip().strip("'").strip()[:28] or "repeat"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


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
        instructions.title = INSTRUCTIONS
        answers_ws = wb.create_sheet(ANSWERS)
        lists = wb.create_sheet(LISTS)
        lists.sheet_state = "hidden"
        list_ranges: dict[int, str] = {}

        def list_range(item: Item) -> str:
            """A reference to the choice names of ``item`` in the hidden lists sheet."""
            key = item.choice_list_id or 0
            if key not in list_ranges:
                column = get_column_letter(len(list_ranges) + 1)
                names = [name for name, _label in _choices(item, default)]
                for row, name in enumerate(names, start=1):
                    lists.cell(row=row, column=len(list_ranges) + 1, value=safe_cell(name))
                list_ranges[key] = (
                    f"{quote_sheetname(LISTS)}!${column}$1:${column}${max(len(names), 1)}"
                )
            return list_ranges[key]

        _write_instructions(instructions, assignment, shape)
        _write_answers(answers_ws, shape, answers, default, list_range)
        taken = set(RESERVED_SHEETS)
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


def _write_instructions(ws: Any, assignment: Assignment, shape: Shape) -> None:
    questionnaire = assignment.questionnaire
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    ws.append([safe_cell(questionnaire.display_title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append([_("State"), safe_cell(str(assignment.state))])
    ws.append([_("Deadline"), assignment.deadline.isoformat()])
    ws.append([_("Questionnaire"), safe_cell(questionnaire.code)])
    ws.append([])
    ws.append([_("How to fill in this workbook")])
    ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
    steps = [
        _(
            "Write your answers in the “answer” column of the sheet “%(sheet)s”. Do not change "
            "the other columns, the sheet names or the order of the columns."
        )
        % {"sheet": ANSWERS},
        _(
            "For a question with choices, write one of the names listed in the “choices” "
            "column (a drop-down list offers them). When several choices are allowed, write "
            "their names separated by spaces."
        ),
        _("Write dates as YYYY-MM-DD and numbers without thousands separators."),
        _("To mark an answer as confidential, choose “yes” in the “confidential” column."),
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
    ws.append(list(ANSWER_COLUMNS))
    _header(ws)
    confidential_dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    ws.add_data_validation(confidential_dv)
    validations: dict[str, DataValidation] = {}
    answer_col = ANSWER_COLUMNS.index("answer") + 1
    confidential_col = ANSWER_COLUMNS.index("confidential") + 1
    for item in shape.top:
        answer = answers.get((item.pk, ""))
        choices = _choices(item, default)
        ws.append(
            [
                safe_cell(item.name),
                safe_cell(_section(item, shape, default)),
                safe_cell(_article(item, shape)),
                safe_cell(item.display_label(default)),
                safe_cell(item.display_hint(default)),
                str(ItemKind(item.kind).label),
                safe_cell("; ".join(f"{name} = {label}" for name, label in choices)),
                _display(item, answer.value if answer else None),
                YES if answer and answer.confidential else NO,
                answer.version if answer else 0,
            ]
        )
        row = ws.max_row
        for column in range(1, len(ANSWER_COLUMNS) + 1):
            ws.cell(row=row, column=column).alignment = WRAP
        answer_cell = ws.cell(row=row, column=answer_col)
        if item.kind not in NUMBER_KINDS:
            answer_cell.number_format = "@"
        answer_cell.protection = Protection(locked=False)
        confidential_cell = ws.cell(row=row, column=confidential_col)
        confidential_cell.protection = Protection(locked=False)
        confidential_dv.add(confidential_cell.coordinate)
        if item.kind in CHOICE_KINDS and choices:
            ref = list_range(item)
            if ref not in validations:
                validations[ref] = DataValidation(type="list", formula1=ref, allow_blank=True)
                ws.add_data_validation(validations[ref])
            validations[ref].add(answer_cell.coordinate)
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
    ws.append(
        [
            INSTANCE,
            *(safe_cell(q.name) for q in questions),
            *(safe_cell(VERSION_PREFIX + q.name) for q in questions),
        ]
    )
    _header(ws)
    ws.append(
        [
            safe_cell(repeat.display_label(default)),
            *(safe_cell(q.display_label(default)) for q in questions),
        ]
    )
    _header(ws, 2)
    instances = _repeat_instances(repeat, questions, shape, answers)
    for path in instances:
        found = [answers.get((q.pk, path)) for q in questions]
        ws.append(
            [
                path,
                *(
                    _display(q, a.value if a else None)
                    for q, a in zip(questions, found, strict=True)
                ),
                *(a.version if a else 0 for a in found),
            ]
        )
    last_row = max(ws.max_row, REPEAT_DATA_ROW) + 100  # room for new entries
    ws.column_dimensions["A"].width = 10
    for n, question in enumerate(questions, start=2):
        letter = get_column_letter(n)
        ws.column_dimensions[letter].width = 30
        cells = f"{letter}{REPEAT_DATA_ROW}:{letter}{last_row}"
        if question.kind not in NUMBER_KINDS:
            for row in range(REPEAT_DATA_ROW, ws.max_row + 1):
                ws.cell(row=row, column=n).number_format = "@"
        if question.kind in CHOICE_KINDS and _choices(question, default):
            dv = DataValidation(type="list", formula1=list_range(question), allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(cells)
    for n in range(len(questions)):
        ws.column_dimensions[get_column_letter(2 + len(questions) + n)].hidden = True
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


# --- Reading files ------------------------------------------------------------------------


def _read_bytes(source: Path | IO[bytes]) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    data = source.read()
    return data if isinstance(data, bytes) else bytes(data)


def _not_xlsx(filename: str) -> InvalidInput:
    return InvalidInput(
        [InputProblem(file=filename, message=_("The file is not an Excel workbook (.xlsx)."))]
    )


def _read_workbook(
    data: bytes, filename: str, *, max_rows: int, max_columns: int
) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows (values only; formulas as their cached values), in sheet order.

    A sheet with more than ``max_rows`` rows is refused without reading further, and rows are
    cut to ``max_columns`` cells; the archive is checked (zip bomb) before it is opened."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_xlsx(filename)
    check_zip(data, name=filename)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, broken XML …
        raise _not_xlsx(filename) from exc
    try:
        sheets: dict[str, list[tuple[Any, ...]]] = {}
        for ws in wb.worksheets:
            ws.reset_dimensions()  # do not trust the stored size
            sheets[ws.title] = limited_rows(
                ws.iter_rows(values_only=True, max_col=max_columns),
                file=filename,
                sheet=ws.title,
                max_rows=max_rows,
                max_columns=max_columns,
            )
        return sheets
    except InvalidInput:
        raise
    except Exception as exc:
        raise _not_xlsx(filename) from exc
    finally:
        wb.close()


def _cell(row: Sequence[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def _headers(row: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for n, value in enumerate(row):
        key = _text(unsafe_cell(value))
        if key and key not in found:
            found[key] = n
    return found


# --- Import of a filled workbook ----------------------------------------------------------


@dataclass
class _Given:
    item: Item
    path: str
    value: Any  # cleaned
    confidential: bool
    version: int


class _Problems:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.items: list[InputProblem] = []

    def add(
        self,
        message: str,
        *,
        sheet: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.items.append(
            InputProblem(file=self.filename, message=message, line=line, column=column, sheet=sheet)
        )

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)


def _check_meta(
    sheets: dict[str, list[tuple[Any, ...]]], assignment: Assignment, problems: _Problems
) -> list[tuple[str, str, int]]:
    """Check the workbook is for this assignment; return its repeat sheets (title, item name,
    row in meta)."""
    rows = sheets.get(META)
    if rows is None:
        problems.add(
            _("This workbook was not made by Infobase for answering (no “meta” sheet)."), sheet=META
        )
        problems.raise_if_any()
    meta: dict[str, str] = {}
    repeats: list[tuple[str, str, int]] = []
    for n, row in enumerate(rows or [], start=1):
        key = _text(_cell(row, 0))
        if key == "repeat":
            repeats.append(
                (_text(unsafe_cell(_cell(row, 1))), _text(unsafe_cell(_cell(row, 2))), n)
            )
        elif key:
            meta[key] = _text(unsafe_cell(_cell(row, 1)))
    if meta.get("format") != FORMAT:
        problems.add(_("This workbook was not made by Infobase for answering."), sheet=META)
        problems.raise_if_any()
    expected = {
        "assignment": str(assignment.pk),
        "questionnaire": assignment.questionnaire.code,
        "state": assignment.state.iso3,
    }
    if any(meta.get(key) != value for key, value in expected.items()):
        problems.add(
            _(
                "This workbook is for the questionnaire “%(questionnaire)s” and the State "
                "%(state)s, not for “%(expected_questionnaire)s” and %(expected_state)s."
            )
            % {
                "questionnaire": meta.get("questionnaire", ""),
                "state": meta.get("state", ""),
                "expected_questionnaire": expected["questionnaire"],
                "expected_state": expected["state"],
            },
            sheet=META,
        )
        problems.raise_if_any()
    return repeats


def _confidential(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(unsafe_cell(value)).lower()
    if text in ("", NO):
        return False
    if text == YES:
        return True
    return None


def _version(value: Any) -> int | None:
    if _is_blank(value):
        return 0
    if isinstance(value, bool):
        return None
    try:
        number = int(_text(value))
    except ValueError:
        return None
    return number if number >= 0 else None


def _read_answers_sheet(
    rows: list[tuple[Any, ...]], shape: Shape, problems: _Problems
) -> list[_Given]:
    headers = _headers(rows[0]) if rows else {}
    missing = [key for key in REQUIRED_ANSWER_COLUMNS if key not in headers]
    for key in missing:
        problems.add(_("The column is missing."), sheet=ANSWERS, line=1, column=key)
    if missing:
        return []
    by_name = {item.name: item for item in shape.top}
    seen: dict[str, int] = {}
    given: list[_Given] = []
    for line, row in enumerate(rows[1:], start=2):
        name = _text(unsafe_cell(_cell(row, headers["name"])))
        answer = _cell(row, headers["answer"])
        if not name:
            if not _is_blank(answer):
                problems.add(
                    _("The row has an answer but no name."), sheet=ANSWERS, line=line, column="name"
                )
            continue
        item = by_name.get(name)
        if item is None:
            problems.add(
                _("“%(name)s” is not a question of this questionnaire.") % {"name": name},
                sheet=ANSWERS,
                line=line,
                column="name",
            )
            continue
        if name in seen:
            problems.add(
                _("“%(name)s” is already answered on row %(row)s.")
                % {"name": name, "row": seen[name]},
                sheet=ANSWERS,
                line=line,
                column="name",
            )
            continue
        seen[name] = line
        ok = True
        try:
            value = clean_value(item, _raw_answer(item, answer))
        except ValueError as exc:
            problems.add(str(exc), sheet=ANSWERS, line=line, column="answer")
            ok = False
        confidential = _confidential(_cell(row, headers["confidential"]))
        if confidential is None:
            problems.add(_("Write “yes” or “no”."), sheet=ANSWERS, line=line, column="confidential")
            ok = False
        version = _version(_cell(row, headers["version"]))
        if version is None:
            problems.add(
                _("This column must not be changed."), sheet=ANSWERS, line=line, column="version"
            )
            ok = False
        if ok:
            given.append(_Given(item, "", value, bool(confidential), version or 0))
    return given


def _read_repeat_sheet(
    title: str,
    rows: list[tuple[Any, ...]],
    repeat: Item,
    questions: list[Item],
    shape: Shape,
    answers: dict[tuple[int, str], Answer],
    problems: _Problems,
) -> list[_Given]:
    headers = _headers(rows[0]) if rows else {}
    if INSTANCE not in headers:
        problems.add(_("The column is missing."), sheet=title, line=1, column=INSTANCE)
        return []
    by_name = {q.name: q for q in questions}
    columns: list[tuple[Item, int, int | None]] = []
    for header, index in headers.items():
        if header == INSTANCE or header.startswith(VERSION_PREFIX):
            if header.startswith(VERSION_PREFIX) and header[len(VERSION_PREFIX) :] not in by_name:
                problems.add(_("Unknown column."), sheet=title, line=1, column=header)
            continue
        question = by_name.get(header)
        if question is None:
            problems.add(
                _("“%(name)s” is not a question of this repeated section.") % {"name": header},
                sheet=title,
                line=1,
                column=header,
            )
            continue
        columns.append((question, index, headers.get(VERSION_PREFIX + header)))
    depth = shape.depth(repeat)
    used: dict[str, int] = {}
    pending: list[tuple[int, tuple[Any, ...]]] = []  # rows without an instance number
    given: list[_Given] = []

    def read_row(line: int, row: tuple[Any, ...], path: str) -> None:
        for question, index, version_index in columns:
            try:
                value = clean_value(question, _raw_answer(question, _cell(row, index)))
            except ValueError as exc:
                problems.add(str(exc), sheet=title, line=line, column=question.name)
                continue
            version = _version(_cell(row, version_index))
            if version is None:
                problems.add(
                    _("This column must not be changed."),
                    sheet=title,
                    line=line,
                    column=VERSION_PREFIX + question.name,
                )
                continue
            existing = answers.get((question.pk, path))
            confidential = existing.confidential if existing else False
            given.append(_Given(question, path, value, confidential, version))

    for line, row in enumerate(rows[REPEAT_DATA_ROW - 1 :], start=REPEAT_DATA_ROW):
        if all(_is_blank(_cell(row, index)) for _q, index, _v in columns):
            continue
        path = _text(_cell(row, headers[INSTANCE]))
        if not path and depth == 1:
            pending.append((line, row))
            continue
        if not _INSTANCE.match(path) or len(path.split(".")) != depth or "0" in path.split("."):
            problems.add(
                _("Write the entry's number (for example %(example)s).")
                % {"example": ".".join(["1"] * depth)},
                sheet=title,
                line=line,
                column=INSTANCE,
            )
            continue
        path = ".".join(str(int(part)) for part in path.split("."))
        if path in used:
            problems.add(
                _("Entry %(instance)s is already on row %(row)s.")
                % {"instance": path, "row": used[path]},
                sheet=title,
                line=line,
                column=INSTANCE,
            )
            continue
        used[path] = line
        read_row(line, row, path)
    pks = {q.pk for q in questions}
    next_number = max(
        [int(p) for p in used]
        + [int(p) for (item_id, p) in answers if item_id in pks and p and "." not in p],
        default=0,
    )
    for line, row in pending:
        next_number += 1
        read_row(line, row, str(next_number))
    return given


def _exported(
    assignment: Assignment, wanted: Iterable[tuple[int, str, int]]
) -> dict[tuple[int, str, int], tuple[Any, bool]]:
    """The answers as they were at the given versions (from the answers' history)."""
    wanted = set(wanted)
    if not wanted:
        return {}
    found: dict[tuple[int, str, int], tuple[Any, bool]] = {}
    records = Answer.history.filter(
        assignment_id=assignment.pk, item_id__in={w[0] for w in wanted}
    ).order_by("history_date")
    for record in records:
        key = (record.item_id, record.repeat_path, record.version)
        if key in wanted:
            found[key] = (record.value, record.confidential)
    return found


def workbook_import(
    *, assignment: Assignment, source: Path | IO[bytes], filename: str, user: Any
) -> SaveResult:
    """Save the answers of a workbook made by ``workbook_export`` and filled in offline.

    Raises ``InvalidInput`` with every problem of the file (nothing saved) and
    ``PermissionDenied`` when ``user`` may not answer for the assignment's State.
    """
    if not can_answer(user, assignment):
        raise PermissionDenied
    if not assignment.is_editable_by_state and not getattr(user, "is_secretariat", False):
        raise PermissionDenied
    shape = _shape(assignment.questionnaire)
    sheets = _read_workbook(
        _read_bytes(source),
        filename,
        max_rows=_rows_it_holds(shape),
        max_columns=len(ANSWER_COLUMNS) + len(shape.items) + HEADER_SLACK,
    )
    problems = _Problems(filename)
    repeat_sheets = _check_meta(sheets, assignment, problems)
    answers = {(a.item_id, a.repeat_path): a for a in Answer.objects.filter(assignment=assignment)}
    given: list[_Given] = []
    if ANSWERS not in sheets:
        problems.add(_("The sheet is missing."), sheet=ANSWERS)
    else:
        given += _read_answers_sheet(sheets[ANSWERS], shape, problems)
    repeats = {repeat.name: (repeat, questions) for repeat, questions in shape.repeats}
    for title, name, meta_row in repeat_sheets:
        if name not in repeats:
            problems.add(
                _("“%(name)s” is not a repeated section of this questionnaire.") % {"name": name},
                sheet=META,
                line=meta_row,
            )
        elif title not in sheets:
            problems.add(_("The sheet is missing."), sheet=title)
        else:
            repeat, questions = repeats[name]
            given += _read_repeat_sheet(
                title, sheets[title], repeat, questions, shape, answers, problems
            )
    problems.raise_if_any()

    # An empty cell for a question that had no answer changes nothing; an answer the file
    # left as it was exported changes nothing either, even if it was edited on the web since.
    stale = [
        (g.item.pk, g.path, g.version)
        for g in given
        if g.version
        and (current := answers.get((g.item.pk, g.path))) is not None
        and current.version != g.version
    ]
    exported = _exported(assignment, stale)
    inputs: list[AnswerInput] = []
    skipped = 0
    for g in given:
        if g.version == 0 and g.value is None and not g.confidential:
            skipped += 1
            continue
        if exported.get((g.item.pk, g.path, g.version)) == (g.value, g.confidential):
            skipped += 1
            continue
        inputs.append(AnswerInput(g.item, g.value, g.path, g.confidential, g.version))
    result = answers_save(
        assignment=assignment,
        user=user,
        answers=inputs,
        reason=_("Imported from the workbook %(file)s") % {"file": filename},
    )
    result.unchanged += skipped
    return result


# --- ODK / KoboToolbox submissions ----------------------------------------------------------

STATE_COLUMNS = ("state", "iso3", "country")
# Columns ODK Collect/Central and KoboToolbox add to exports, ignored (as is any "_…" column).
META_COLUMNS = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "instanceid",
    "instancename",
    "rootuuid",
    "deprecatedid",
    "uuid",
    "__version__",
    "key",
    "submissiondate",
    "submitterid",
    "submittername",
    "attachmentspresent",
    "attachmentsexpected",
    "status",
    "reviewstate",
    "edits",
    "formversion",
    "starttime",
    "endtime",
}


def _segments(header: str) -> list[str]:
    """The header and its shorter suffixes after "/" or "-" (group paths), longest first."""
    out = [header]
    for n, ch in enumerate(header):
        if ch in "/-" and header[n + 1 :]:
            out.append(header[n + 1 :])
    return out


def _read_table(
    data: bytes, filename: str, *, max_rows: int, max_columns: int
) -> tuple[str | None, list[tuple[Any, ...]]]:
    """(sheet name or None for CSV, rows) of a CSV or XLSX export."""
    if data[:4] == b"PK\x03\x04":
        sheets = _read_workbook(data, filename, max_rows=max_rows, max_columns=max_columns)
        if not sheets:
            raise _not_xlsx(filename)
        name = next(iter(sheets))
        return name, sheets[name]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            [
                InputProblem(
                    file=filename,
                    message=_("The file is neither an XLSX workbook nor a CSV file in UTF-8."),
                )
            ]
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return None, limited_rows(
        reader, file=filename, sheet=None, max_rows=max_rows, max_columns=max_columns
    )


def _state_index() -> dict[str, State]:
    index: dict[str, State] = {}
    fields = (
        "name_en",
        "name_fr",
        "name_ar",
        "formal_name_en",
        "formal_name_fr",
        "formal_name_ar",
        "iso2",
        "iso3",
    )
    for state in State.objects.all():
        for field in fields:
            key = fold(getattr(state, field) or "")
            if key:
                index[key] = state
    return index


def submissions_import(
    *, questionnaire: Questionnaire, source: Path | IO[bytes], filename: str, user: Any
) -> dict[str, SaveResult]:
    """Replace the answers of the States in an ODK/KoboToolbox export, all or nothing.

    Returns the result of each State's save by ISO3 code.
    """
    if not user.has_perm("questionnaires.import_submissions"):
        raise PermissionDenied
    shape = _shape(questionnaire)
    sheet, rows = _read_table(
        _read_bytes(source),
        filename,
        # one submission per State, a few times over for resubmissions; Kobo adds a column
        # per choice of select-multiple questions and its own metadata columns
        max_rows=SUBMISSIONS_PER_STATE * State.objects.count() + HEADER_SLACK,
        max_columns=_rows_it_holds(shape) + len(META_COLUMNS) + HEADER_SLACK,
    )
    problems = _Problems(filename)
    if not rows:
        problems.add(_("The file is empty."), sheet=sheet)
        problems.raise_if_any()
    names = {item.name: item for item in shape.items}
    top = {item.pk for item in shape.top}
    header = [_text(h) for h in rows[0]]
    state_index: int | None = None
    for wanted in STATE_COLUMNS:
        for n, h in enumerate(header):
            if h.split("/")[-1].lower() == wanted and h not in names:
                state_index = n
                break
        if state_index is not None:
            break
    if state_index is None:
        problems.add(
            _("A column “state” (or “iso3”, “country”) naming the State is needed."),
            sheet=sheet,
            line=1,
        )
    columns: list[tuple[Item, int, str]] = []
    for n, h in enumerate(header):
        if n == state_index or not h:
            continue
        item = next((names[s] for s in _segments(h) if s in names), None)
        last = re.split(r"[/-]", h)[-1]
        if item is None and (
            h.startswith("_") or last.startswith("_") or fold(last) in META_COLUMNS
        ):
            continue
        if item is None:
            parent = next((names[s] for s in _segments(h.rsplit("/", 1)[0]) if s in names), None)
            if parent is not None and parent.kind == ItemKind.SELECT_MULTIPLE and "/" in h:
                continue  # Kobo's one column per choice, besides the column of the question
            problems.add(
                _("“%(name)s” is not a question of this questionnaire.") % {"name": h},
                sheet=sheet,
                line=1,
                column=h,
            )
            continue
        if item.pk not in top:
            continue  # notes, calculations, metadata, attachments and repeats are not imported
        if any(item is other for other, _n, _h in columns):
            problems.add(_("The question has two columns."), sheet=sheet, line=1, column=h)
            continue
        columns.append((item, n, h))
    problems.raise_if_any()

    states = _state_index()
    assignments = {a.state_id: a for a in questionnaire.assignments.select_related("state")}
    by_state: dict[int, tuple[int, list[tuple[Item, Any]]]] = {}
    state_column = header[state_index] if state_index is not None else ""
    for line, row in enumerate(rows[1:], start=2):
        if all(_is_blank(v) for v in row):
            continue
        given = _text(_cell(row, state_index))
        state = states.get(fold(given))
        if state is None:
            problems.add(
                _("“%(value)s” is not a known State.") % {"value": given},
                sheet=sheet,
                line=line,
                column=state_column,
            )
            continue
        if state.pk not in assignments:
            problems.add(
                _("%(state)s was not sent this questionnaire.") % {"state": state.name_en},
                sheet=sheet,
                line=line,
                column=state_column,
            )
            continue
        if state.pk in by_state:
            problems.add(
                _("%(state)s already has a submission on line %(line)s.")
                % {"state": state.name_en, "line": by_state[state.pk][0]},
                sheet=sheet,
                line=line,
                column=state_column,
            )
            continue
        values: list[tuple[Item, Any]] = []
        for item, index, h in columns:
            try:
                values.append((item, clean_value(item, _raw_answer(item, _cell(row, index)))))
            except ValueError as exc:
                problems.add(str(exc), sheet=sheet, line=line, column=h)
        by_state[state.pk] = (line, values)
    problems.raise_if_any()

    results: dict[str, SaveResult] = {}
    reason = _("Imported from the submissions %(file)s") % {"file": filename}
    with transaction.atomic():
        for state_id, (_line, values) in by_state.items():
            assignment = assignments[state_id]
            confidential = dict(
                Answer.objects.filter(assignment=assignment, repeat_path="").values_list(
                    "item_id", "confidential"
                )
            )
            results[assignment.state.iso3] = answers_save(
                assignment=assignment,
                user=user,
                answers=[
                    AnswerInput(item, value, "", confidential.get(item.pk, False), None)
                    for item, value in values
                ],
                reason=reason,
            )
    return results


__all__ = [
    "safe_cell",
    "submissions_import",
    "workbook_export",
    "workbook_import",
]
