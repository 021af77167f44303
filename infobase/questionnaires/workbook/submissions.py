"""ODK/KoboToolbox submissions (CSV or XLSX, one row per submission): the answers of each
State named in the file replaced, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.core.history import reason_with
from infobase.core.tabular import read_table
from infobase.core.text import fold
from infobase.core.typed import date_orders
from infobase.questionnaires.models import (
    Item,
    ItemKind,
    Questionnaire,
)
from infobase.questionnaires.services import (
    AnswerInput,
    SaveResult,
    answers_save,
    clean_value,
)
from infobase.questionnaires.workbook.cells import (
    HEADER_SLACK,
    SUBMISSIONS_PER_STATE,
    _cell,
    _is_blank,
    _raw_answer,
    _read_bytes,
    _rows_it_holds,
    _shape,
    _text,
)
from infobase.questionnaires.workbook.imports import (
    _Problems,
)
from infobase.reference.lookup import StateLookup
from infobase.reference.models import State

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


def submissions_import(
    *, questionnaire: Questionnaire, source: Path | IO[bytes], filename: str, user: Any
) -> dict[str, SaveResult]:
    """Replace the answers of the States in an ODK/KoboToolbox export, all or nothing.

    Returns the result of each State's save by ISO3 code.
    """
    if not user.has_perm("questionnaires.import_submissions"):
        raise PermissionDenied
    shape = _shape(questionnaire)
    table = read_table(
        _read_bytes(source),
        filename=filename,
        formulas="values",
        # one submission per State, a few times over for resubmissions; Kobo adds a column
        # per choice of select-multiple questions and its own metadata columns
        max_rows=SUBMISSIONS_PER_STATE * State.objects.count() + HEADER_SLACK,
        max_columns=_rows_it_holds(shape) + len(META_COLUMNS) + HEADER_SLACK,
    )
    sheet, rows = table.name, table.rows
    problems = _Problems(filename)
    if not rows:
        problems.add(_("The file is empty."), sheet=sheet)
        problems.raise_if_any()
    names = {item.name: item for item in shape.items}
    # A header typed in another case ("Cases", "CASES") names the question whose name it is
    # in any case, when there is only one.
    lowered: dict[str, list[Item]] = {}
    for question in shape.items:
        lowered.setdefault(question.name.lower(), []).append(question)

    def named(header: str) -> Item | None:
        alike = lowered.get(header.lower(), [])
        return names.get(header) or (alike[0] if len(alike) == 1 else None)

    top = {item.pk for item in shape.top}
    header = [_text(h) for h in rows[0]]
    state_index: int | None = None
    for wanted in STATE_COLUMNS:
        for n, h in enumerate(header):
            if h.split("/")[-1].lower() == wanted and named(h) is None:
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
        item = next((hit for s in _segments(h) if (hit := named(s))), None)
        last = re.split(r"[/-]", h)[-1]
        if item is None and (
            h.startswith("_") or last.startswith("_") or fold(last) in META_COLUMNS
        ):
            continue
        if item is None:
            parent = next((hit for s in _segments(h.rsplit("/", 1)[0]) if (hit := named(s))), None)
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

    states = StateLookup()
    assignments = {a.state_id: a for a in questionnaire.assignments.select_related("state")}
    by_state: dict[int, tuple[int, list[tuple[Item, Any]]]] = {}
    orders = date_orders(rows[1:], first_line=2)
    state_column = header[state_index] if state_index is not None else ""
    for line, row in enumerate(rows[1:], start=2):
        if all(_is_blank(v) for v in row):
            continue
        found = states.find(_text(_cell(row, state_index)))
        state = found.state
        if state is None:
            problems.add(found.problem, sheet=sheet, line=line, column=state_column)
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
                values.append(
                    (
                        item,
                        clean_value(item, _raw_answer(item, _cell(row, index), orders.get(index))),
                    )
                )
            except ValueError as exc:
                problems.add(str(exc), sheet=sheet, line=line, column=h)
        by_state[state.pk] = (line, values)
    problems.raise_if_any()

    results: dict[str, SaveResult] = {}
    reason = reason_with(gettext_noop("Imported from the submissions %(file)s"), file=filename)
    with transaction.atomic():
        for state_id, (_line, values) in by_state.items():
            assignment = assignments[state_id]
            results[assignment.state.iso3] = answers_save(
                assignment=assignment,
                user=user,
                # A submission carries values only: each answer stays as confidential as it is.
                answers=[AnswerInput(item, value, "", None, None) for item, value in values],
                reason=reason,
            )
    return results
