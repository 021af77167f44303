"""Reading reference CSV files: every row is checked before anything is written.

Each problem names the file, the line (the header is line 1) and the column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from infobase.core.errors import InputProblem, InvalidInput, text_problem
from infobase.core.tabular import read_csv as read_table_csv
from infobase.core.typed import DateOrder, date_orders, read_date


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = str
    required: bool = False  # the cell must not be empty


def parse_date(value: str, order: DateOrder | None = None) -> date | None:
    """A date as ``core.typed.read_date`` reads it (``order``: what the other dates of its
    column say of day and month); ``ValueError`` naming the value otherwise."""
    if not value:
        return None
    found = read_date(value, order)
    if found is None:
        raise ValueError(_("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": value})
    return found


def parse_flag(value: str) -> bool:
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no", ""}:
        return False
    raise ValueError(_("“%(value)s” is not 1 or 0.") % {"value": value})


def parse_choice(choices: type[models.TextChoices]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value and value not in choices.values:
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(choices.values)}
            )
        return value

    return parse


def parse_code(length: int, *, digits: bool = False) -> Callable[[str], str]:
    def parse(value: str) -> str:
        ok = len(value) == length and (value.isdigit() if digits else value.isalpha())
        if value and not ok:
            raise ValueError(
                _("“%(value)s” is not a code of %(length)s %(kind)s.")
                % {
                    "value": value,
                    "length": length,
                    "kind": _("digits") if digits else _("letters"),
                }
            )
        return value.upper()

    return parse


@dataclass
class Row:
    line: int
    values: dict[str, Any]


# Far above any reference file (the participation of every State in every instrument is about
# a thousand rows): a larger file is refused before it is read whole.
MAX_ROWS = 100_000
MAX_COLUMNS = 200


def _data(source: Path | IO[bytes] | IO[str]) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    raw = source.read()
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)


def _model_field(model: type[models.Model] | None, name: str) -> Any:
    """The field of ``model`` a column of the same name is written to, if there is one."""
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def read_csv(
    source: Path | IO[bytes] | IO[str],
    *,
    name: str,
    columns: Iterable[Column],
    model: type[models.Model] | None = None,
) -> tuple[list[Row], list[InputProblem]]:
    """Parse every row; return the rows and every problem found (nothing is written here).

    The file is read by the one reader of uploaded tables (``core.tabular.read_csv``), as a
    spreadsheet program saves it: UTF-8 with or without its byte-order mark or UTF-16
    ("Unicode text"), commas, semicolons or tabs between cells. Headers are matched whatever
    their case and the spaces around them; rows left blank are skipped. Every text is checked
    by ``core.errors.text_problem``, against the length of the field of ``model`` a column of
    the same name is written to."""
    columns = list(columns)
    problems: list[InputProblem] = []
    rows: list[Row] = []
    try:
        table = read_table_csv(
            _data(source),
            filename=name,
            max_rows=MAX_ROWS,
            max_columns=MAX_COLUMNS,
            workbooks=False,  # the reference files are CSV only
        )
    except FileNotFoundError:
        return [], [InputProblem(name, _("the file does not exist."))]
    except InvalidInput as exc:
        return [], list(exc.problems)
    if not table.rows:
        return [], [InputProblem(name, _("the file is empty."))]
    header = [str(cell).strip().lower() for cell in table.rows[0]]
    index = {column.name: header.index(column.name) for column in columns if column.name in header}
    missing = [column.name for column in columns if column.name not in index]
    for column_name in missing:
        problems.append(
            InputProblem(name, _("the column is missing from the header."), 1, column_name)
        )
    if missing:
        return [], problems
    width = max(n for n, cell in enumerate(header) if cell) + 1
    orders = date_orders(table.rows[1:], first_line=2)
    for line, record in enumerate(table.rows[1:], start=2):
        if not any(str(cell).strip() for cell in record):
            continue
        if any(str(cell).strip() for cell in record[width:]):
            problems.append(InputProblem(name, _("the row has more cells than the header."), line))
            continue
        values: dict[str, Any] = {}
        for column in columns:
            n = index[column.name]
            cell = str(record[n]).strip() if n < len(record) else ""
            if column.required and not cell:
                problems.append(InputProblem(name, _("a value is required."), line, column.name))
                continue
            try:
                values[column.name] = (
                    parse_date(cell, orders.get(n))
                    if column.parse is parse_date
                    else column.parse(cell)
                )
            except ValueError as exc:
                problems.append(InputProblem(name, str(exc), line, column.name))
                continue
            said = text_problem(values[column.name], _model_field(model, column.name))
            if said:
                problems.append(InputProblem(name, said, line, column.name))
        rows.append(Row(line, values))
    return rows, problems


def raise_if(problems: list[InputProblem]) -> None:
    if problems:
        raise InvalidInput(problems)


def upsert(
    model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any], reason: str
) -> str:
    """Create or update one row, saving (and so writing history) only when something changed.

    Returns "created", "updated" or "unchanged".
    """
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance._change_reason = reason  # type: ignore[attr-defined]
        instance.save()
        return "created"
    changed = [field for field, value in values.items() if getattr(instance, field) != value]
    if not changed:
        return "unchanged"
    for field in changed:
        setattr(instance, field, values[field])
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()
    return "updated"
