"""Reading a filled workbook back: everything checked first, then the answers saved in one
``answers_save`` call with the versions the file started from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.history import reason_with
from infobase.core.tabular import read_workbook
from infobase.core.text import fold
from infobase.core.typed import date_orders
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    Item,
    ItemKind,
)
from infobase.questionnaires.services import (
    AnswerInput,
    SaveResult,
    answers_save,
    can_answer,
    clean_value,
    same_value,
)
from infobase.questionnaires.workbook.cells import (
    _INSTANCE,
    ANSWER_COLUMNS,
    ANSWERS,
    COLUMN_LABELS,
    FORMATS_READ,
    HEADER_SLACK,
    INSTANCE,
    META,
    NO,
    NO_LABEL,
    OPTION_SEPARATOR,
    REPEAT_DATA_ROW,
    REQUIRED_ANSWER_COLUMNS,
    TICK,
    TICKED,
    UNTICKED,
    VERSION_PREFIX,
    YES,
    YES_LABEL,
    Shape,
    _cell,
    _headers,
    _is_blank,
    _raw_answer,
    _read_bytes,
    _rows_it_holds,
    _shape,
    _text,
    in_every_language,
    unsafe_cell,
)

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
    sheets: dict[str, list[tuple[Any, ...]]],
    assignment: Assignment,
    problems: _Problems,
    titles: dict[str, str] | None = None,
) -> list[tuple[str, str, int]]:
    """Check the workbook is for this assignment; return its repeat sheets (title, item name,
    row in meta) and put the titles of its other sheets (in the workbook's language) in
    ``titles``."""
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
        elif key == "sheet" and titles is not None:
            titles[_text(unsafe_cell(_cell(row, 1)))] = _text(unsafe_cell(_cell(row, 2)))
        elif key:
            meta[key] = _text(unsafe_cell(_cell(row, 1)))
    if meta.get("format") not in FORMATS_READ:
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
    """Yes or no, written in any interface language (or TRUE/FALSE); None if neither."""
    if isinstance(value, bool):
        return value
    text = fold(_text(unsafe_cell(value)))
    if text in ("", NO, "false") or text in in_every_language(NO_LABEL):
        return False
    if text in (YES, "true") or text in in_every_language(YES_LABEL):
        return True
    return None


def _ticked(value: Any) -> bool | None:
    """An option's cell: ticked (✓, x, TRUE, 1, yes in any language), empty, or None if
    neither."""
    if isinstance(value, bool):
        return value
    text = fold(_text(unsafe_cell(value)))
    if text in TICKED or text in in_every_language(YES_LABEL):
        return True
    if text in UNTICKED or text in in_every_language(NO_LABEL):
        return False
    return None


def _column_keys(row: Sequence[Any]) -> dict[str, int]:
    """The Answers sheet's columns by key, whether headed by the key or by its label in any
    interface language."""
    names: dict[str, str] = {}
    for key, label in COLUMN_LABELS.items():
        names[fold(key)] = key
        for text in in_every_language(label):
            names.setdefault(text, key)
    found: dict[str, int] = {}
    for header, index in _headers(row).items():
        key = names.get(fold(header), "")
        if key and key not in found:
            found[key] = index
    return found


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
    rows: list[tuple[Any, ...]], shape: Shape, problems: _Problems, sheet: str = ANSWERS
) -> list[_Given]:
    # Problems name the sheet as the workbook calls it (in its language).
    headers = _column_keys(rows[0]) if rows else {}
    missing = [key for key in REQUIRED_ANSWER_COLUMNS if key not in headers]
    for key in missing:
        problems.add(_("The column is missing."), sheet=sheet, line=1, column=key)
    if missing:
        return []
    by_name = {item.name: item for item in shape.top}
    seen: dict[str, int] = {}
    given: list[_Given] = []
    answer_dates = date_orders(rows[1:], first_line=2).get(headers["answer"])
    # The options of a multiple choice ticked on their own rows: question → [(choice, line)].
    ticks: dict[str, list[tuple[str, int]]] = defaultdict(list)
    first_option: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        name = _text(unsafe_cell(_cell(row, headers["name"])))
        answer = _cell(row, headers["answer"])
        question, _sep, option = name.partition(OPTION_SEPARATOR)
        multiple = by_name.get(question) if option else None
        if multiple is not None and multiple.kind == ItemKind.SELECT_MULTIPLE:
            first_option.setdefault(question, line)
            ticked = _ticked(answer)
            if ticked is None:
                problems.add(
                    _("Write %(tick)s to choose this option, or leave the cell empty.")
                    % {"tick": TICK},
                    sheet=sheet,
                    line=line,
                    column="answer",
                )
            elif ticked:
                ticks[question].append((option, line))
            continue
        if not name:
            if not _is_blank(answer):
                problems.add(
                    _("The row has an answer but no name."), sheet=sheet, line=line, column="name"
                )
            continue
        item = by_name.get(name)
        if item is None:
            problems.add(
                _("“%(name)s” is not a question of this questionnaire.") % {"name": name},
                sheet=sheet,
                line=line,
                column="name",
            )
            continue
        if name in seen:
            problems.add(
                _("“%(name)s” is already answered on row %(row)s.")
                % {"name": name, "row": seen[name]},
                sheet=sheet,
                line=line,
                column="name",
            )
            continue
        seen[name] = line
        ok = True
        try:
            value = clean_value(item, _raw_answer(item, answer, answer_dates))
        except ValueError as exc:
            problems.add(str(exc), sheet=sheet, line=line, column="answer")
            ok = False
        confidential = _confidential(_cell(row, headers["confidential"]))
        if confidential is None:
            problems.add(_("Write “yes” or “no”."), sheet=sheet, line=line, column="confidential")
            ok = False
        version = _version(_cell(row, headers["version"]))
        if version is None:
            problems.add(
                _("This column must not be changed."), sheet=sheet, line=line, column="version"
            )
            ok = False
        if ok:
            given.append(_Given(item, "", value, bool(confidential), version or 0))
    by_item = {g.item.name: g for g in given}
    for question, line in first_option.items():
        item = by_name[question]
        if question not in seen:
            problems.add(
                _("The row of the question “%(name)s” is missing.") % {"name": question},
                sheet=sheet,
                line=line,
                column="name",
            )
            continue
        if question not in by_item:
            continue  # its own row has a problem already
        typed = by_item[question].value or []
        try:
            by_item[question].value = clean_value(item, typed + [o for o, _l in ticks[question]])
        except ValueError as exc:
            problems.add(str(exc), sheet=sheet, line=line, column="name")
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
    options: dict[str, list[tuple[str, int]]] = defaultdict(list)  # question → (choice, column)
    for header, index in headers.items():
        if header == INSTANCE or header.startswith(VERSION_PREFIX):
            if header.startswith(VERSION_PREFIX) and header[len(VERSION_PREFIX) :] not in by_name:
                problems.add(_("Unknown column."), sheet=title, line=1, column=header)
            continue
        name, _sep, option = header.partition(OPTION_SEPARATOR)
        multiple = by_name.get(name) if option else None
        if multiple is not None and multiple.kind == ItemKind.SELECT_MULTIPLE:
            options[name].append((option, index))
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

    def option_value(line: int, row: tuple[Any, ...], name: str) -> list[str]:
        chosen = []
        for option, index in options[name]:
            ticked = _ticked(_cell(row, index))
            if ticked is None:
                problems.add(
                    _("Write %(tick)s to choose this option, or leave the cell empty.")
                    % {"tick": TICK},
                    sheet=title,
                    line=line,
                    column=name + OPTION_SEPARATOR + option,
                )
            elif ticked:
                chosen.append(option)
        return chosen

    for name in options:
        columns.append((by_name[name], -1, headers.get(VERSION_PREFIX + name)))

    orders = date_orders(rows[REPEAT_DATA_ROW - 1 :], first_line=REPEAT_DATA_ROW)

    def read_row(line: int, row: tuple[Any, ...], path: str) -> None:
        for question, index, version_index in columns:
            try:
                raw = (
                    option_value(line, row, question.name)
                    if index < 0
                    else _raw_answer(question, _cell(row, index), orders.get(index))
                )
                value = clean_value(question, raw)
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
        cells = [index for _q, index, _v in columns if index >= 0]
        cells += [index for pairs in options.values() for _o, index in pairs]
        if all(_is_blank(_cell(row, index)) for index in cells):
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
    sheets = {
        sheet.name or "": sheet.rows
        for sheet in read_workbook(
            _read_bytes(source),
            filename=filename,
            formulas="values",
            max_rows=_rows_it_holds(shape),
            max_columns=len(ANSWER_COLUMNS) + len(shape.items) + HEADER_SLACK,
        )
    }
    problems = _Problems(filename)
    titles: dict[str, str] = {}
    repeat_sheets = _check_meta(sheets, assignment, problems, titles)
    answers = {(a.item_id, a.repeat_path): a for a in Answer.objects.filter(assignment=assignment)}
    given: list[_Given] = []
    answers_title = titles.get(ANSWERS, ANSWERS)
    if answers_title not in sheets:
        problems.add(_("The sheet is missing."), sheet=answers_title)
    else:
        given += _read_answers_sheet(sheets[answers_title], shape, problems, answers_title)
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
        was = exported.get((g.item.pk, g.path, g.version))
        if was is not None and same_value(was[0], g.value) and was[1] == g.confidential:
            skipped += 1
            continue
        inputs.append(AnswerInput(g.item, g.value, g.path, g.confidential, g.version))
    result = answers_save(
        assignment=assignment,
        user=user,
        answers=inputs,
        reason=reason_with(gettext_noop("Imported from the workbook %(file)s"), file=filename),
    )
    result.unchanged += skipped
    return result
