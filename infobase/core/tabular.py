"""The one reader of uploaded spreadsheets: Excel workbooks (.xlsx) and CSV files.

Every import that takes a table (requests for assistance, filled questionnaire workbooks,
XLSForms, submissions) reads it here, so that all of them check the archive before opening it
(``uploads.check_zip``), refuse a sheet longer than the file can hold without reading it whole
(``uploads.limited_rows``), read cells the same way (``cell_text``), take off the apostrophe our
own exports put before formula-looking text (``unguard``), and refuse an unreadable file with the
same message naming it.

Formulas are never evaluated. The caller says what a formula cell gives: ``"values"`` (the value
the spreadsheet program stored when it saved the file) or ``"text"`` (the formula itself, as
text). LibreOffice saves TRUE and FALSE as the formulas ``=TRUE()`` and ``=FALSE()``: those are
read as the booleans they are either way. Read for its values, a workbook holding a formula whose
value it does not keep (written by a program that computes nothing) is refused naming each such
cell: it would read as an empty cell, and the answer or request would lose its value unseen.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from django.utils.translation import gettext as _

from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.exporters import looks_like_formula
from infobase.core.uploads import (
    HEAD_BYTES,
    UTF16_BOMS,
    check_zip,
    limited_rows,
    spreadsheet_to_save_again,
    utf16_without_bom,
)

Formulas = Literal["values", "text"]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook (``name`` its title) or a CSV file (``name`` None); row ``n`` of
    the file is ``rows[n - 1]``."""

    name: str | None
    rows: list[Row]
    # cells merged over several rows: (first row, first column, last row), numbered from 1
    merged_down: tuple[tuple[int, int, int], ...] = ()


def unguard(value: Any) -> Any:
    """The inverse of ``exporters.safe_cell`` for text read back: the apostrophe put before
    formula-looking text is taken off again. Other values unchanged."""
    if isinstance(value, str) and value.startswith("'") and looks_like_formula(value):
        return value[1:]
    return value


# How LibreOffice writes a boolean cell in an XLSX file: a formula with its value stored.
_BOOLEAN_FORMULAS = {"=TRUE()": True, "=FALSE()": False}


def _constants(row: Row) -> Row:
    """A row read with its formulas as text, LibreOffice's booleans as booleans."""
    return tuple(
        _BOOLEAN_FORMULAS.get(value.upper(), value)
        if isinstance(value, str) and value[:1] == "=" and len(value) <= 8
        else value
        for value in row
    )


def cell_text(value: Any, *, booleans: tuple[str, str] = ("yes", "no")) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO 8601 (a date alone when
    the time is midnight), ``booleans`` for TRUE and FALSE, formulas as their text, unguarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return booleans[0] if value else booleans[1]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str | int | float):
        value = getattr(value, "text", None) or str(value)  # array formulas
    return str(unguard(str(value)))


def not_readable(filename: str, *, csv_allowed: bool = True, data: bytes = b"") -> InvalidInput:
    message = spreadsheet_to_save_again(data[:HEAD_BYTES]) or (
        _("The file is neither an Excel workbook (.xlsx) nor a CSV file in UTF-8.")
        if csv_allowed
        else _("The file is not an Excel workbook (.xlsx).")
    )
    return InvalidInput([InputProblem(file=filename, message=message)])


def is_workbook(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data))


# A workbook saved as Excel's "Strict Open XML Spreadsheet" is the same workbook under other
# namespaces, which openpyxl does not know. They are put back to the usual (transitional) ones
# in memory. The pairs: ISO/IEC 29500-1:2016 (Strict) against ISO/IEC 29500-4 (Transitional),
# as LibreOffice keeps them in oox/source/token/namespaces-strict.txt and namespaces.txt. Longer
# names first: a relationship type is its namespace followed by the name of the part's kind.
_STRICT = b"http://purl.oclc.org/ooxml/"
_TRANSITIONAL = b"http://schemas.openxmlformats.org/"
_STRICT_NAMESPACES = (
    (
        b"officeDocument/relationships/extendedProperties",
        b"officeDocument/2006/relationships/extended-properties",
    ),
    (
        b"officeDocument/relationships/customProperties",
        b"officeDocument/2006/relationships/custom-properties",
    ),
    (b"officeDocument/relationships", b"officeDocument/2006/relationships"),
    (b"officeDocument/extendedProperties", b"officeDocument/2006/extended-properties"),
    (b"officeDocument/customProperties", b"officeDocument/2006/custom-properties"),
    (b"officeDocument/docPropsVTypes", b"officeDocument/2006/docPropsVTypes"),
    (b"officeDocument/sharedTypes", b"officeDocument/2006/sharedTypes"),
    (b"spreadsheetml/main", b"spreadsheetml/2006/main"),
    (b"drawingml/", b"drawingml/2006/"),
)


def _transitional(data: bytes) -> bytes:
    """``data`` itself, or, for a Strict Open XML workbook, the same workbook with its XML parts
    under the transitional namespaces. Called after ``check_zip``: the parts rewritten are the
    ones it allowed, and their new names are barely longer."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            strict = _STRICT in archive.read("xl/workbook.xml")
        except KeyError:
            return data
        if not strict:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
            for entry in archive.infolist():
                part = archive.read(entry)
                if entry.filename.endswith((".xml", ".rels")):
                    for old, new in _STRICT_NAMESPACES:
                        part = part.replace(_STRICT + old, _TRANSITIONAL + new)
                rewritten.writestr(entry.filename, part)
    return out.getvalue()


def read_workbook(
    data: bytes,
    *,
    filename: str,
    formulas: Formulas,
    max_rows: int,
    max_columns: int,
    first_only: bool = False,
    csv_allowed: bool = False,
    cells_checked: bool = True,
) -> list[Sheet]:
    """The sheets of a workbook in their order (with ``first_only``, only the first sheet not
    hidden: the one its author sees first, not a hidden sheet of lists for drop-downs);
    ``csv_allowed`` only says, in the refusal of an unreadable file, that CSV would do.

    A sheet with cells that would lose a value the person sees (``cell_problems``: merged over
    several rows, a formula whose value the file does not keep) is refused naming each; a
    caller that reads some sheets only (the XLSForm import) passes ``cells_checked=False`` and
    asks ``cell_problems`` about those."""
    from openpyxl import load_workbook  # loaded when a workbook is read, not at start-up

    if not is_workbook(data) or spreadsheet_to_save_again(data[:HEAD_BYTES]):
        raise not_readable(filename, csv_allowed=csv_allowed, data=data)
    check_zip(data, name=filename)
    try:
        data = _transitional(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=formulas == "values")
    except Exception as exc:  # a zip that is not a workbook, broken XML …
        raise not_readable(filename, csv_allowed=csv_allowed) from exc
    sheets: list[Sheet] = []
    try:
        worksheets = book.worksheets
        if first_only:
            shown = [ws for ws in worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
            worksheets = (shown or worksheets)[:1]
        if not worksheets:
            raise not_readable(filename, csv_allowed=csv_allowed)
        for ws in worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # some files claim a million rows: read the stored ones
            # No max_col: in read-only mode openpyxl would pad every row to it with empty
            # cells; limited_rows cuts each row to max_columns instead.
            read = ws.iter_rows(values_only=True)
            rows = limited_rows(
                map(_constants, read) if formulas == "text" else read,
                file=filename,
                sheet=ws.title,
                max_rows=max_rows,
                max_columns=max_columns,
            )
            merged = _merged_down(book._archive.read(ws._worksheet_path))
            sheets.append(Sheet(ws.title, rows, merged))
    except InvalidInput:
        raise
    except Exception as exc:
        raise not_readable(filename, csv_allowed=csv_allowed) from exc
    finally:
        book.close()
    values = formulas == "values"
    if cells_checked and (
        problems := cell_problems(data, sheets, filename=filename, formulas=values)
    ):
        raise InvalidInput(problems)
    return sheets


_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')


def _merged_down(part: bytes) -> tuple[tuple[int, int, int], ...]:
    """The cells merged over several rows in a sheet's XML (``part``)."""
    from openpyxl.utils.cell import column_index_from_string

    return tuple(
        (int(match[2]), column_index_from_string(match[1].decode()), int(match[4]))
        for match in _MERGED.finditer(part)
        if int(match[4]) > int(match[2])
    )


def _merged_problems(sheet: Sheet, *, filename: str) -> list[InputProblem]:
    """A problem for each value merged over the rows below it: the person sees the value on
    every row, the file keeps it in the first cell only, and the rows below would be read
    without it. Cells merged across the columns of one row (a title) are no problem."""
    from openpyxl.utils.cell import get_column_letter

    problems = []
    for first_row, column, last_row in sheet.merged_down:
        held = sheet.rows[first_row - 1] if first_row <= len(sheet.rows) else ()
        value = cell_text(held[column - 1] if column <= len(held) else None).strip()
        if not value:
            continue
        letter = get_column_letter(column)
        problems.append(
            InputProblem(
                file=filename,
                message=_(
                    "the cells %(cells)s are merged: “%(value)s” shows on every row, but the "
                    "file keeps it in %(first)s only, and the rows below would be read without "
                    "it. Unmerge the cells and write the value on each row."
                )
                % {
                    "cells": f"{letter}{first_row}:{letter}{last_row}",
                    "value": value if len(value) <= 80 else f"{value[:79]}…",
                    "first": f"{letter}{first_row}",
                },
                line=first_row + 1,
                column=_header_name(sheet.rows, first_row + 1, column) or letter,
                sheet=sheet.name,
            )
        )
    return problems


# A formula element (``<f>…</f>``, ``<x:f …/>``) followed by no value or an empty one: what the
# cells ``formulas_never_computed`` lists look like (and a few it does not), found without
# parsing the sheet. A workbook a spreadsheet program saved has none: its values are stored.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>|</(?:\w+:)?c>|<(?:\w+:)?extLst)"
)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def formulas_never_computed(data: bytes) -> dict[str, list[tuple[int, int, str]]]:
    """Per sheet title, the cells (row, column, formula or "") holding a formula whose value
    the file does not keep: a program that writes workbooks without computing them (openpyxl
    among them) stores none, and ``formulas="values"`` reads such a cell as empty. A formula
    whose value is empty text is stored so (``t="str"``) and is not listed. Call it on a
    workbook ``read_workbook`` has read: the archive is checked."""
    from lxml import etree
    from openpyxl import load_workbook
    from openpyxl.utils.cell import coordinate_to_tuple

    found: dict[str, list[tuple[int, int, str]]] = {}
    book = load_workbook(io.BytesIO(_transitional(data)), read_only=True)
    try:
        for ws in book.worksheets:
            part = book._archive.read(ws._worksheet_path)
            if not _FORMULA_WITHOUT_VALUE.search(part):
                continue  # most workbooks: nothing parsed
            cells = etree.iterparse(
                io.BytesIO(part),
                tag=f"{_MAIN}c",
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
            )
            for _event, cell in cells:
                formula, value = cell.find(f"{_MAIN}f"), cell.find(f"{_MAIN}v")
                unset = value is None or (not value.text and cell.get("t") != "str")
                if formula is not None and unset and cell.get("r"):
                    row, column = coordinate_to_tuple(cell.get("r"))
                    # A shared formula's other cells name no formula of their own: "".
                    text = f"={formula.text}" if formula.text else ""
                    found.setdefault(ws.title, []).append((row, column, text))
                cell.clear()
    finally:
        book.close()
    return found


def _header_name(rows: list[Row], row: int, column: int) -> str:
    """The text heading ``column`` in the first row of ``rows`` that is not blank, if that row
    is above ``row``: every import's header row (the column letter is the fallback)."""
    for values in rows[: row - 1]:
        if any(cell_text(value).strip() for value in values):
            return cell_text(values[column - 1]).strip() if column <= len(values) else ""
    return ""


def cell_problems(
    data: bytes, sheets: Iterable[Sheet], *, filename: str, formulas: bool = True
) -> list[InputProblem]:
    """The cells of ``sheets`` (read from ``data`` by ``read_workbook``) that would lose a value
    the person sees, each naming its sheet, row and column (by its header, or its letter): a
    value merged over the rows below it, and (unless formulas are read as their text,
    ``formulas=False``) a formula whose value the file does not keep, read as empty."""
    from openpyxl.utils.cell import get_column_letter

    sheets = list(sheets)
    problems = [p for sheet in sheets for p in _merged_problems(sheet, filename=filename)]
    wanted = {sheet.name: sheet.rows for sheet in sheets if sheet.name is not None}
    never = formulas_never_computed(data) if wanted and formulas else {}
    for title, cells in never.items():
        if title not in wanted:
            continue
        for row, column, formula in cells:
            message = (
                _(
                    "the cell holds the formula “%(formula)s”, but the file keeps no value "
                    "for it (the program that wrote the file does not compute formulas). "
                    "Open the workbook in a spreadsheet program and save it again, or type "
                    "the text in place of the formula."
                )
                % {"formula": formula if len(formula) <= 80 else f"{formula[:79]}…"}
                if formula
                else _(
                    "the cell holds a formula, but the file keeps no value for it (the "
                    "program that wrote the file does not compute formulas). Open the "
                    "workbook in a spreadsheet program and save it again, or type the text "
                    "in place of the formula."
                )
            )
            named = _header_name(wanted[title], row, column)
            problems.append(
                InputProblem(
                    file=filename,
                    message=message,
                    line=row,
                    column=named or get_column_letter(column),
                    sheet=title,
                )
            )
    return problems


def _csv_text(data: bytes, *, filename: str, workbooks: bool = True) -> str:
    """The text of a CSV file in UTF-8 or UTF-16, with or without BOM (UTF-16 without one is told
    by its NUL bytes, ``uploads.utf16_without_bom``). A file in
    a one-byte code page is refused, naming its first line that is not UTF-8: which code page it
    is cannot be told for sure, and a wrong guess would change every accented or Arabic letter
    without a word. ``workbooks``: whether the caller reads workbooks too, so that what to do
    names only a format it reads."""
    # A workbook of any format is binary: no line of it is "not UTF-8".
    if not workbooks and (is_workbook(data) or spreadsheet_to_save_again(data[:HEAD_BYTES])):
        message = _(
            "The file is a spreadsheet, not a CSV file. Open it in a spreadsheet program, "
            "save it as “CSV UTF-8”, and give that."
        )
        raise InvalidInput([InputProblem(file=filename, message=message)])
    if spreadsheet_to_save_again(data[:HEAD_BYTES]):
        raise not_readable(filename, data=data)
    encoding = "utf-16" if data.startswith(UTF16_BOMS) else utf16_without_bom(data[:HEAD_BYTES])
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            raise not_readable(filename) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = (
            _(
                "The file is not in UTF-8: it was saved in the computer's own character set. "
                "Save it again as “CSV UTF-8”, or as an Excel workbook (.xlsx), and upload that."
            )
            if workbooks
            else _(
                "The file is not in UTF-8: it was saved in the computer's own character set. "
                "Save it again as “CSV UTF-8” and give that."
            )
        )
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput([InputProblem(file=filename, line=line, message=message)]) from None


def _csv_problem(error: csv.Error, *, filename: str, line: int) -> InvalidInput:
    """A CSV file the reader cannot take, in words and naming the row where it goes wrong
    (the ``csv`` module's own messages are in English and name no place)."""
    if "end of data" in str(error):
        message = _(
            "A cell that starts with a quotation mark on this row is never closed: every row "
            "after it would be read into that one cell. Close the quotation mark, or save the "
            "file again from the spreadsheet program."
        )
    elif "field limit" in str(error):
        message = _("A cell on this row is longer than %(limit)s characters.") % {
            "limit": csv.field_size_limit()
        }
    else:
        message = _(
            "The row is not valid CSV: a cell in quotation marks has more text after its "
            "closing quotation mark. Save the file again from the spreadsheet program."
        )
    return InvalidInput([InputProblem(file=filename, line=line, message=message)])


def read_csv(
    data: bytes, *, filename: str, max_rows: int, max_columns: int, workbooks: bool = True
) -> Sheet:
    """A CSV file in UTF-8 or UTF-16 (``_csv_text``); the delimiter is the most frequent of
    comma, semicolon and tab on the first line that is not blank. Read strictly: a quotation
    mark left open would silently swallow every row after it into one cell. ``workbooks=False``
    for a caller that reads only CSV: its refusals then never advise saving a workbook."""
    text = _csv_text(data, filename=filename, workbooks=workbooks)
    if "\x00" in text:
        if not workbooks:
            message = _("The file is not a CSV file in UTF-8.")
            raise InvalidInput([InputProblem(file=filename, message=message)])
        raise not_readable(filename)
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max(",;\t", key=first.count) if first else ","
    read = 0  # rows read so far: the row being read when the reader fails is the next one

    def counted(reader: Iterable[list[str]]) -> Iterator[list[str]]:
        nonlocal read
        for row in reader:
            read += 1
            yield row

    try:
        rows = limited_rows(
            counted(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)),
            file=filename,
            sheet=None,
            max_rows=max_rows,
            max_columns=max_columns,
        )
    except csv.Error as exc:
        raise _csv_problem(exc, filename=filename, line=read + 1) from exc
    return Sheet(None, [tuple(row) for row in rows])


def read_table(
    data: bytes, *, filename: str, formulas: Formulas, max_rows: int, max_columns: int
) -> Sheet:
    """The first sheet of a workbook, or a CSV file."""
    if is_workbook(data):
        return read_workbook(
            data,
            filename=filename,
            formulas=formulas,
            max_rows=max_rows,
            max_columns=max_columns,
            first_only=True,
            csv_allowed=True,
        )[0]
    return read_csv(data, filename=filename, max_rows=max_rows, max_columns=max_columns)
