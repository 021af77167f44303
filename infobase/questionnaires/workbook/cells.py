"""The workbook's vocabulary: its format, sheets and columns, how a cell is read and written,
and the shape of a questionnaire as the workbook lays it out."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl.styles import Alignment, Font, PatternFill

from infobase.core.exporters import safe_cell
from infobase.core.tabular import unguard as unsafe_cell
from infobase.core.text import fold
from infobase.core.typed import DateOrder, number_text, read_date
from infobase.questionnaires.models import (
    ImplementationStatus,
    Item,
    ItemKind,
    Questionnaire,
)

FORMAT = "infobase-answers/2"
# Workbooks of the first layout (English sheet names and headers, choices typed as codes,
# several choices as space-separated codes, dates as text) are still read.
FORMATS_READ = {"infobase-answers/1", FORMAT}
INSTRUCTIONS = "Instructions"
ANSWERS = "Answers"
META = "meta"
LISTS = "lists"
RESERVED_SHEETS = {META, LISTS}
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
# What the columns are called in the interface language (the keys are read too).
COLUMN_LABELS = {
    "name": pgettext_lazy("workbook column", "name"),
    "section": pgettext_lazy("workbook column", "section"),
    "article": pgettext_lazy("workbook column", "article"),
    "question": pgettext_lazy("workbook column", "question"),
    "hint": pgettext_lazy("workbook column", "hint"),
    "type": pgettext_lazy("workbook column", "type"),
    "choices": pgettext_lazy("workbook column", "choices"),
    "answer": pgettext_lazy("workbook column", "answer"),
    "confidential": pgettext_lazy("workbook column", "confidential"),
    "version": pgettext_lazy("workbook column", "version"),
}
SHEET_LABELS = {
    INSTRUCTIONS: pgettext_lazy("workbook sheet", "Instructions"),
    ANSWERS: pgettext_lazy("workbook sheet", "Answers"),
}
YES_LABEL = pgettext_lazy("workbook", "yes")
NO_LABEL = pgettext_lazy("workbook", "no")
# An option of a multiple choice is ticked with this mark (or TRUE, x, yes); blank: not chosen.
TICK = "✓"
TICKED = {TICK, "✔", "x", "1", "true", "yes"}
UNTICKED = {"", "0", "false", "no"}
OPTION_SEPARATOR = "/"  # the key of an option's row or column: "<question>/<choice>"
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
# The significant digits of a number Excel and LibreOffice keep: LibreOffice saves
# 0.3333333333333333 as 0.333333333333333, and either rounds a longer number typed or pasted. An
# answer with more digits is written as text, which both keep as it is.
SPREADSHEET_DIGITS = 15
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_INSTANCE = re.compile(r"^\d+(\.\d+)*$")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
WRAP = Alignment(wrap_text=True, vertical="top")


# --- Cells ------------------------------------------------------------------------------


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


def in_every_language(text: Any) -> set[str]:
    """``text`` (a lazy translation) as it reads in each interface language, folded."""
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(fold(str(text)))
    return found


def _label_index(item: Item) -> dict[str, str]:
    """Every way a choice of ``item`` may be written (its name, its label in any language of
    the questionnaire or of the interface), folded, to the choice's name."""
    cached: dict[str, str] | None = getattr(item, "_label_index", None)
    if cached is not None:
        return cached
    index: dict[str, str] = {}
    if item.choice_list_id is not None:
        for choice in item.choice_list.choices.all():  # type: ignore[union-attr]
            for label in (choice.label or {}).values():
                if isinstance(label, str) and label.strip():
                    index.setdefault(fold(label), choice.name)
    elif item.kind == ItemKind.STATUS:
        for status in ImplementationStatus:
            for label in in_every_language(status.label):
                index.setdefault(label, status.value)
    for name, _label in _choices(item, settings.LANGUAGE_CODE):
        index[fold(name)] = name  # a code always means itself
    item._label_index = index  # type: ignore[attr-defined]
    return index


def _to_code(item: Item, text: str) -> str:
    """A choice written as its label (in any language) or its name, as its name; anything
    else unchanged, for ``clean_value`` to refuse."""
    return _label_index(item).get(fold(text), text)


def _split_choices(item: Item, text: str) -> list[str]:
    """Several choices typed in one cell: labels separated by ";" or names by spaces."""
    parts = text.split(";") if ";" in text else text.split()
    return [_to_code(item, part.strip()) for part in parts if part.strip()]


def _raw_answer(item: Item, value: Any, order: DateOrder | None = None) -> Any:
    """A cell as ``clean_value`` expects it for ``item``: numbers and dates typed as text read
    by ``core.typed`` (``order``: what the other dates of the cell's column say of day and
    month), which raises ``ValueError`` for a value two readings fit."""
    value = unsafe_cell(value)
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if item.kind in CHOICE_KINDS and isinstance(value, str):
        return _to_code(item, value.strip())
    if item.kind == ItemKind.SELECT_MULTIPLE and isinstance(value, str):
        return _split_choices(item, value)
    if item.kind == ItemKind.DATE and isinstance(value, date | datetime):
        return value
    if isinstance(value, float) and item.kind == ItemKind.DECIMAL:
        return repr(value)
    if isinstance(value, str) and item.kind in NUMBER_KINDS:
        return number_text(value, whole=item.kind == ItemKind.INTEGER)
    if isinstance(value, str) and item.kind == ItemKind.DATE:
        return read_date(value, order) or value.strip()
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


def _display(item: Item, value: Any, default: str = "en") -> Any:
    """An answer as written in its cell: a choice as its label in the workbook's language, a
    date as a date (several choices are written as ticks, see ``_option_rows``)."""
    if value is None:
        return None
    if item.kind in CHOICE_KINDS:
        labels = dict(_choices(item, default))
        return safe_cell(labels.get(str(value), str(value)))
    if item.kind == ItemKind.SELECT_MULTIPLE and isinstance(value, list):
        return None
    if item.kind == ItemKind.DATE:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return safe_cell(str(value))
    if (
        item.kind == ItemKind.INTEGER
        and isinstance(value, int)
        and not isinstance(value, bool)
        and abs(value) < 10**SPREADSHEET_DIGITS
    ):
        return value
    if item.kind == ItemKind.DECIMAL:
        # A number cell when it reads back the same (so "-1.5" needs no apostrophe), also once
        # a spreadsheet program saved it again: in no more digits than it keeps.
        try:
            number = float(Decimal(str(value)))
            if (
                math.isfinite(number)
                and str(Decimal(repr(number))) == str(value)
                and len(Decimal(repr(number)).normalize().as_tuple().digits) <= SPREADSHEET_DIGITS
            ):
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


# --- Reading files ------------------------------------------------------------------------


def _read_bytes(source: Path | IO[bytes]) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    data = source.read()
    return data if isinstance(data, bytes) else bytes(data)


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
