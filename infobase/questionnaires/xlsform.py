"""XLSForm in and out: import a workbook as a ``Questionnaire``, export it as XLSForm or XForm.

Import checks the whole workbook before anything is written: first our own reading of the
``survey``/``choices``/``settings`` sheets (missing sheets or columns, unknown choice lists,
duplicate names, unbalanced begin/end rows, refused constructs, the ``infobase_*`` columns),
then, if that found nothing, pyxform's own conversion (``validate=False``), whose error is
reported with the sheet/row/column it names. Every problem is an ``InputProblem``; on any
problem ``InvalidInput`` is raised and nothing is written. Otherwise everything is created in
one transaction.

Survey rows and kinds (``Item.kind``; the original ``type`` cell is kept in ``xlsform_type``
and written back unchanged on export)::

    begin group / begin_group                         GROUP   (end rows are not stored)
    begin repeat / begin_repeat                       REPEAT
    text, string                                      TEXT
    integer, int                                      INTEGER
    decimal                                           DECIMAL
    date                                              DATE
    select_one L, select one L, select one from L,    SELECT_ONE      (choice_list = L)
      select1 L  (``or_other`` allowed)               STATUS if infobase_kind=status and the
                                                      list's names are among yes/partly/no/na
    select_one_external L                             SELECT_ONE      (choice_list = the list L
                                                      of the ``external_choices`` sheet)
    select_multiple L, select all that apply [from] L SELECT_MULTIPLE (choice_list = L)
    file, image, photo, audio, video                  FILE
    note                                              NOTE
    calculate                                         CALCULATE
    start, end, today, deviceid/imei, username,       META (pyxform "preload" types, incl.
      simserial, subscriberid, phonenumber, email,      the uri:… variants)
      audit, start-geopoint, background-audio,
      background-geopoint
    select_one_from_file F, select_multiple_from_file F
                                                      OTHER (the choices are in a file that is
                                                      not part of the workbook)
    rank L, geopoint/gps, geotrace, geoshape,         OTHER (kept for export, not asked on
      barcode, time, datetime, acknowledge, range,      the web)
      hidden, osm, xml-external, csv-external …

The lists of the ``external_choices`` sheet (which pyxform turns into ``itemsets.csv``) are
stored as ``ChoiceList`` rows named ``EXTERNAL_PREFIX`` + their name, since a list of that sheet
may share its name with one of the ``choices`` sheet; export writes them back to
``external_choices``. On the web an external select is asked like a select_one, its
``choice_filter`` reading the columns of that sheet.

Refused (each problem names the sheet, row and column):

* an ``entities`` sheet (ODK entities): the form would create or update entity lists, which
  the information base does not model;
* types pyxform does not know (``select_multiple_external`` among them), select types without
  a list or with a list that is not on the ``choices`` (``external_choices``) sheet, rows
  without a name, duplicate names, unbalanced begin/end rows.

Languages: ``label::English``, ``label::English (en)``, ``label::English(en)``,
``label::العربية`` … are mapped to codes (the ``(code)`` in the header wins, else a table of
English and native names, else a slug of the name). Plain ``label``/``hint`` columns belong to
the settings' ``default_language`` if given, else to the first language, else to English.
``Questionnaire.languages`` keeps ``{"code", "column"}`` in column order; ``column`` is the
header's language part ("" for plain columns) and is used again on export; the language of
plain columns named by ``default_language`` is marked ``"plain": true`` so that export writes
plain columns again (placed before the ``label::X`` ones, as pyxform drops language columns
that a plain column follows). All other columns are kept in ``Item.extra``/``Choice.extra``
(original header → text, in column order). Other sheets (e.g. ``analysis_plan``) are not kept:
each gives a warning. Warnings (comment rows skipped, sheets not kept) are returned by
:func:`import_warnings` with their sheet and row.

Settings: ``form_title`` (title in the default language), ``form_id`` (``id_string``; the
questionnaire code when absent, since an XForm needs an id), ``version``, ``default_language``;
every other setting is kept in ``xlsform_settings``. Notes without a name get pyxform's
``generated_note_name_<row>``; an ``audit`` row is named ``audit``. A ``required``/``read_only``
cell that is an expression rather than yes/no is kept as written in ``extra`` (and exported
as written) but not enforced on the web; ``1``/``0`` count as yes/no and are also kept as
written, since pyxform copies them into the XForm unchanged. The round trip keeps items, kinds,
names, labels in all languages, relevance, choices (order inside each list), articles and
roles; it does not keep row numbers, blank rows, names on end rows or how rows of different
lists interleave.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.core.errors import InputProblem, InvalidInput, text_problem
from infobase.core.history import one_version, reason_with
from infobase.core.i18n import format_number, isolated
from infobase.core.tabular import cell_problems, read_workbook
from infobase.core.text import xml_text
from infobase.core.uploads import zip_problem
from infobase.questionnaires.models import (
    Choice,
    ChoiceList,
    Item,
    ItemKind,
    ItemRole,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument
from infobase.reference.refs import ArticleRef, parse_article_ref

# --------------------------------------------------------------------------------------------
# Languages

LANGUAGE_NAMES: dict[str, str] = {
    # English names
    "english": "en",
    "french": "fr",
    "spanish": "es",
    "arabic": "ar",
    "chinese": "zh",
    "mandarin": "zh",
    "russian": "ru",
    "portuguese": "pt",
    "swahili": "sw",
    "kiswahili": "sw",
    "dari": "prs",
    "pashto": "ps",
    "pashtu": "ps",
    "persian": "fa",
    "farsi": "fa",
    "urdu": "ur",
    "hindi": "hi",
    "bengali": "bn",
    "bangla": "bn",
    "turkish": "tr",
    "kurdish": "ku",
    "sorani": "ckb",
    "kurmanji": "kmr",
    "german": "de",
    "italian": "it",
    "dutch": "nl",
    "indonesian": "id",
    "malay": "ms",
    "thai": "th",
    "vietnamese": "vi",
    "amharic": "am",
    "somali": "so",
    "hausa": "ha",
    "yoruba": "yo",
    "igbo": "ig",
    "tigrinya": "ti",
    "oromo": "om",
    "afaan oromo": "om",
    "nepali": "ne",
    "burmese": "my",
    "myanmar": "my",
    "khmer": "km",
    "lao": "lo",
    "japanese": "ja",
    "korean": "ko",
    "ukrainian": "uk",
    "polish": "pl",
    "romanian": "ro",
    "greek": "el",
    "hebrew": "he",
    "tagalog": "tl",
    "filipino": "fil",
    "haitian creole": "ht",
    "haitian": "ht",
    "creole": "ht",
    "kinyarwanda": "rw",
    "kirundi": "rn",
    "lingala": "ln",
    "luganda": "lg",
    "shona": "sn",
    "zulu": "zu",
    "xhosa": "xh",
    "afrikaans": "af",
    "malagasy": "mg",
    "wolof": "wo",
    "fulani": "ff",
    "fulfulde": "ff",
    "pulaar": "ff",
    "bambara": "bm",
    "sango": "sg",
    "tamil": "ta",
    "sinhala": "si",
    "mongolian": "mn",
    "georgian": "ka",
    "armenian": "hy",
    "azerbaijani": "az",
    "uzbek": "uz",
    "kazakh": "kk",
    "tajik": "tg",
    "kyrgyz": "ky",
    "turkmen": "tk",
    "serbian": "sr",
    "croatian": "hr",
    "bosnian": "bs",
    "albanian": "sq",
    "hungarian": "hu",
    "czech": "cs",
    "slovak": "sk",
    "bulgarian": "bg",
    "macedonian": "mk",
    "tetum": "tet",
    "kanuri": "kr",
    "chichewa": "ny",
    "tok pisin": "tpi",
    # native names
    "français": "fr",
    "francais": "fr",
    "español": "es",
    "espanol": "es",
    "العربية": "ar",
    "عربي": "ar",
    "عربى": "ar",
    "中文": "zh",
    "汉语": "zh",
    "漢語": "zh",
    "简体中文": "zh",
    "русский": "ru",
    "português": "pt",
    "دری": "prs",
    "دري": "prs",
    "پښتو": "ps",
    "فارسی": "fa",
    "فارسي": "fa",
    "اردو": "ur",
    "हिन्दी": "hi",
    "বাংলা": "bn",
    "türkçe": "tr",
    "kurdî": "ku",
    "کوردی": "ckb",
    "deutsch": "de",
    "italiano": "it",
    "nederlands": "nl",
    "bahasa indonesia": "id",
    "ไทย": "th",
    "tiếng việt": "vi",
    "አማርኛ": "am",
    "soomaali": "so",
    "ትግርኛ": "ti",
    "नेपाली": "ne",
    "မြန်မာ": "my",
    "ខ្មែរ": "km",
    "日本語": "ja",
    "한국어": "ko",
    "українська": "uk",
    "polski": "pl",
    "română": "ro",
    "ελληνικά": "el",
    "עברית": "he",
    "kreyòl": "ht",
    "kreyol": "ht",
}
KNOWN_CODES = set(LANGUAGE_NAMES.values())
UNDETERMINED = "und"  # ISO 639-2: the language of plain columns that pyxform calls "default"
_CODE_IN_NAME = re.compile(r"^(.*?)\s*\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")


def language_code(name: str) -> str:
    """The code for a language as written in a column header ("English (en)", "العربية" …)."""
    text = " ".join(name.split())
    match = _CODE_IN_NAME.match(text)
    if match:
        return match.group(2).lower().replace("_", "-")
    key = text.casefold()
    if key in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[key]
    if key in KNOWN_CODES or re.fullmatch(r"[a-z]{2}(-[a-z0-9]{2,8})*", key):
        return key
    return slugify(text, allow_unicode=True)[:20] or "lang"


# --------------------------------------------------------------------------------------------
# Columns

TRANSLATABLE_SURVEY = ("label", "hint", "required_message", "constraint_message")
TRANSLATABLE_CHOICES = ("label",)
SIMPLE_SURVEY = (
    "type",
    "name",
    "required",
    "relevant",
    "constraint",
    "choice_filter",
    "appearance",
    "calculation",
    "default",
    "read_only",
    "infobase_article",
    "infobase_role",
    "infobase_kind",
)
# the order of the survey columns on export (after type and name; infobase_* come last)
SURVEY_ORDER = (
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "choice_filter",
    "appearance",
    "calculation",
    "default",
    "read_only",
)
_HEADER_ALIASES = {
    "list_name": "list_name",
    "caption": "label",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "constraintmsg": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "constraining_message": "constraint_message",
    "relevance": "relevant",
    "readonly": "read_only",
    "calculate": "calculation",
}
_SETTINGS_ALIASES = {
    "form_title": "title",
    "set_form_title": "title",
    "title": "title",
    "form_id": "form_id",
    "set_form_id": "form_id",
    "id_string": "form_id",
    "version": "version",
    "default_language": "default_language",
}
KEPT_SHEETS = ("survey", "choices", "external_choices", "settings")
# the lists of the external_choices sheet are stored under this prefix: "/" cannot occur in an
# XLSForm list name (an XML name), so they never collide with a list of the choices sheet
EXTERNAL_PREFIX = "external_choices/"
YES = {"yes", "true", "true()", "1"}
STATUS_CHOICES = {"yes", "partly", "no", "na"}


def canonical(base: str) -> str:
    key = "_".join(base.split()).lower()
    return _HEADER_ALIASES.get(key, key)


@dataclass
class Column:
    index: int
    header: str  # the header as written, without surrounding white space
    field: str  # canonical field name ("label", "type" …) or "" for an extra column
    language: str | None = None  # language part of the header (for translatable fields)
    code: str | None = None


@dataclass
class Sheet:
    title: str
    rows: list[tuple[int, list[Any]]]  # (sheet row number, cells) for the data rows
    columns: list[Column] = field(default_factory=list)

    def find(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name and c.language is None), None)


def cell_text(value: Any) -> str:
    """A cell as text, as pyxform reads it (1.0 → "1", True → "TRUE")."""
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return str(value)
    return str(value)


def _parse_columns(sheet: Sheet, header: list[Any], translatable: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for index, raw in enumerate(header):
        text = cell_text(raw).strip()
        if not text:
            continue
        base, sep, lang = text.partition("::")
        name = canonical(base)
        if sep and name in translatable and lang.strip():
            sheet.columns.append(Column(index, text, name, " ".join(lang.split())))
        elif not sep and (name in translatable or name in SIMPLE_SURVEY or name == "list_name"):
            if name in seen:  # the same column twice: keep the second as an extra column
                sheet.columns.append(Column(index, text, ""))
            else:
                seen.add(name)
                sheet.columns.append(Column(index, text, name))
        else:
            sheet.columns.append(Column(index, text, ""))


# --------------------------------------------------------------------------------------------
# Types


def _select_aliases() -> list[tuple[str, str]]:
    from pyxform import aliases

    return sorted(aliases.select.items(), key=lambda kv: -len(kv[0]))


_DIRECT_KINDS: dict[str, str] = {
    "text": ItemKind.TEXT,
    "string": ItemKind.TEXT,
    "integer": ItemKind.INTEGER,
    "int": ItemKind.INTEGER,
    "decimal": ItemKind.DECIMAL,
    "date": ItemKind.DATE,
    "note": ItemKind.NOTE,
    "calculate": ItemKind.CALCULATE,
    "file": ItemKind.FILE,
    "image": ItemKind.FILE,
    "photo": ItemKind.FILE,
    "audio": ItemKind.FILE,
    "video": ItemKind.FILE,
    "audit": ItemKind.META,
    "start-geopoint": ItemKind.META,
    "background-audio": ItemKind.META,
    "background-geopoint": ItemKind.META,
    "osm": ItemKind.OTHER,
    "hidden": ItemKind.OTHER,
}
_BEGIN_END = re.compile(r"^(begin|end)[ _](group|repeat|lgroup|looped group)$")


@dataclass
class ParsedType:
    kind: str  # an ItemKind, "end" for end rows, "" when unknown
    container: str = ""  # "group" / "repeat" for begin and end rows
    list_name: str = ""  # for selects (and rank)
    select_word: str = ""  # the type word before the list name, for messages
    external: bool = False
    from_file: bool = False


def parse_type(type_text: str) -> ParsedType:
    norm = " ".join(type_text.split())
    low = norm.lower()
    match = _BEGIN_END.match(low)
    if match:
        container = "group" if match.group(2) == "group" else "repeat"
        if match.group(1) == "end":
            return ParsedType("end", container)
        return ParsedType(ItemKind.GROUP if container == "group" else ItemKind.REPEAT, container)
    from pyxform import aliases, constants

    for alias, canonical_type in _select_aliases():
        if low == alias or low.startswith(alias + " "):
            rest = norm[len(alias) :].split()
            if rest and rest[-1].lower() in {"or_other", "or-other"}:
                rest = rest[:-1]
            list_name = rest[0] if rest else ""
            parsed = ParsedType(ItemKind.OTHER, list_name=list_name, select_word=norm.split()[0])
            if alias in aliases.select_from_file:
                parsed.from_file = True
            elif canonical_type == constants.SELECT_ONE_EXTERNAL:
                parsed.external = True
                parsed.kind = ItemKind.SELECT_ONE
            elif canonical_type == constants.SELECT_ONE:
                parsed.kind = ItemKind.SELECT_ONE
            elif canonical_type == constants.SELECT_ALL_THAT_APPLY:
                parsed.kind = ItemKind.SELECT_MULTIPLE
            return parsed
    if low in _DIRECT_KINDS:
        return ParsedType(_DIRECT_KINDS[low])
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    spec = QUESTION_TYPE_DICT.get(norm) or QUESTION_TYPE_DICT.get(low)
    if spec is None:
        return ParsedType("")
    bind, control = spec.get("bind", {}), spec.get("control", {})
    if "jr:preload" in bind or control.get("tag") == "action":
        return ParsedType(ItemKind.META)
    if "note" in low:
        return ParsedType(ItemKind.NOTE)
    if "calculate" in low:
        return ParsedType(ItemKind.CALCULATE)
    if control.get("tag") == "input":
        by_bind = {
            "string": ItemKind.TEXT,
            "int": ItemKind.INTEGER,
            "decimal": ItemKind.DECIMAL,
            "date": ItemKind.DATE,
        }
        return ParsedType(by_bind.get(bind.get("type", ""), ItemKind.OTHER))
    if control.get("tag") == "upload":
        return ParsedType(ItemKind.FILE)
    return ParsedType(ItemKind.OTHER)


# --------------------------------------------------------------------------------------------
# Reading the workbook


def _read_bytes(source: Path | IO[bytes]) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


# What a form may hold: REACH-style forms list tens of thousands of choices.
MAX_FORM_ROWS = 100_000
MAX_FORM_COLUMNS = 500
# Questions and groups of one questionnaire: implementation questionnaires hold hundreds; a
# survey sheet of thousands is a mistake (a sheet of data pasted in), refused before it is read.
MAX_SURVEY_ROWS = 3_000


_Sheets = dict[str, tuple[str, list[tuple[int, list[Any]]]]]


def _load_sheets(data: bytes, filename: str) -> tuple[_Sheets, list[InputProblem]]:
    """Every sheet by its lower-case name: (title, its non-empty rows numbered as in the file),
    read by the one spreadsheet reader (zip checks, row caps, formulas never evaluated); and a
    problem for each cell of a kept sheet that would lose a value its author sees: merged over
    several rows, or a formula whose value the file does not keep (a label written =CONCAT(…)
    by a program that computes nothing would be "no label" to pyxform, naming no cell). A sheet
    not kept is only warned about: its cells do not matter."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
        read = read_workbook(
            data,
            filename=filename,
            formulas="values",
            max_rows=MAX_FORM_ROWS,
            max_columns=MAX_FORM_COLUMNS,
            cells_checked=False,
        )
    kept = [s for s in read if s.name is not None and s.name.strip().lower() in KEPT_SHEETS]
    return {
        sheet.name.strip().lower(): (
            sheet.name,
            [
                (number, list(row))
                for number, row in enumerate(sheet.rows, start=1)
                if any(cell_text(c).strip() for c in row)
            ],
        )
        for sheet in read
        if sheet.name is not None
    }, cell_problems(data, kept, filename=filename)


@dataclass
class Languages:
    columns: dict[str, str] = field(default_factory=dict)  # code → column, in order
    plain: str | None = None  # the code of the plain label/hint columns, if any

    def add(self, code: str, column: str) -> None:
        self.columns.setdefault(code, column)

    def as_stored(self) -> list[dict[str, Any]]:
        """``Questionnaire.languages``: a language read from plain columns named by
        ``default_language`` is marked ``plain``, so export writes plain columns again (pyxform
        makes inline texts of a one-language form written so, translations otherwise)."""
        stored: list[dict[str, Any]] = []
        for code, column in self.columns.items():
            entry: dict[str, Any] = {"code": code, "column": column}
            if code == self.plain and column:
                entry["plain"] = True
            stored.append(entry)
        return stored


@dataclass
class PendingItem:
    row: int
    kind: str
    xlsform_type: str
    name: str
    parent: int | None  # index into the list of pending items
    values: dict[str, Any]
    list_name: str = ""
    article: Article | None = None
    paragraph: int | None = None


class Reader:
    """Reads and checks one workbook; ``problems`` collects everything found."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[InputProblem] = []
        self.warnings: list[InputProblem] = []
        self.sheet_titles: dict[str, str] = {}  # the workbook's sheets, by their XLSForm key
        self.readable = False  # the workbook opened and has a survey sheet with a header
        self.cells_lost = False  # a value its author sees read as lost: pyxform is not asked
        self.languages = Languages()
        self.plain_code = "en"
        self.default_code = "en"
        self.settings: dict[str, Any] = {"title": {}, "form_id": "", "version": "", "other": {}}
        self.lists: dict[str, list[tuple[int, str, dict[str, str], dict[str, str]]]] = {}
        self.items: list[PendingItem] = []
        self.raw_default_language = ""  # as written on the settings sheet
        self.raw_title = ""

    def problem(
        self,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problems.append(InputProblem(self.filename, message, row, column, sheet))

    def warning(
        self,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.warnings.append(InputProblem(self.filename, message, row, column, sheet))

    # ---- whole workbook

    def read(self, data: bytes) -> None:
        if bomb := zip_problem(data):  # before openpyxl inflates anything
            self.problem(bomb)
            return
        try:
            sheets, lost = _load_sheets(data, self.filename)
        except InvalidInput as refused:
            for problem in refused.problems:
                self.problem(str(problem.message), problem.sheet, problem.line, problem.column)
            return
        except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
            self.problem(
                _("the file is not an Excel workbook (.xlsx) that can be read (%(error)s).")
                % {"error": exc}
            )
            return
        self.sheet_titles = {key: title for key, (title, _rows) in sheets.items()}
        if "survey" not in sheets:
            self.problem(_("the workbook has no “survey” sheet."))
            return
        if lost:
            self.cells_lost = True
            self.problems += lost
        if "entities" in sheets:
            title = sheets["entities"][0]
            self.problem(
                _(
                    "the “%(sheet)s” sheet is not supported: the information base does not "
                    "keep entity lists. Remove the sheet."
                )
                % {"sheet": title},
                title,
                1,
            )
        for key, (title, rows) in sheets.items():
            if key not in KEPT_SHEETS and key != "entities" and rows:
                self.warning(
                    _("the sheet “%(sheet)s” is not an XLSForm sheet: it is not kept.")
                    % {"sheet": title},
                    title,
                )
        survey_title, survey_rows = sheets["survey"]
        if not survey_rows:
            self.problem(_("the sheet is empty."), survey_title)
            return
        if len(survey_rows) - 1 > MAX_SURVEY_ROWS:
            self.problem(
                _(
                    "the sheet has %(count)s rows of questions and groups; a questionnaire holds "
                    "at most %(limit)s."
                )
                % {
                    "count": format_number(len(survey_rows) - 1, 0),
                    "limit": format_number(MAX_SURVEY_ROWS, 0),
                },
                survey_title,
            )
            return
        self.readable = True
        survey = Sheet(survey_title, survey_rows[1:])
        _parse_columns(survey, survey_rows[0][1], TRANSLATABLE_SURVEY)
        choices, external = (self._choices_sheet(sheets, key) for key in KEPT_SHEETS[1:3])
        settings_sheet = sheets.get("settings")
        self._read_settings(settings_sheet)
        self._detect_languages(survey, choices, external)
        if choices is not None:
            self._read_choices(choices)
        if external is not None:
            self._read_choices(external, prefix=EXTERNAL_PREFIX)
        self._read_survey(survey)

    @staticmethod
    def _choices_sheet(
        sheets: dict[str, tuple[str, list[tuple[int, list[Any]]]]], key: str
    ) -> Sheet | None:
        if key not in sheets or not sheets[key][1]:
            return None
        title, rows = sheets[key]
        sheet = Sheet(title, rows[1:])
        _parse_columns(sheet, rows[0][1], TRANSLATABLE_CHOICES)
        return sheet

    # ---- settings and languages

    def _read_settings(self, sheet: tuple[str, list[tuple[int, list[Any]]]] | None) -> None:
        if not sheet or not sheet[1]:
            return
        rows = sheet[1]
        header = rows[0][1]
        values = rows[1][1] if len(rows) > 1 else []
        for index, raw in enumerate(header):
            key = cell_text(raw).strip()
            if not key:
                continue
            value = cell_text(values[index]).strip() if index < len(values) else ""
            base, sep, _lang = key.partition("::")
            name = _SETTINGS_ALIASES.get("_".join(base.split()).lower())
            column = Questionnaire._meta.get_field(name) if name in {"form_id", "version"} else None
            if said := text_problem(value, column):
                self.problem(said, sheet[0], rows[1][0], key)
            if name == "title" and not sep:
                self.raw_title = value
            elif name == "default_language":
                self.raw_default_language = value
            elif name in {"form_id", "version"}:
                self.settings[name] = value
            elif value:
                self.settings["other"][key] = value

    def _detect_languages(self, survey: Sheet, *others: Sheet | None) -> None:
        plain = False
        for sheet in (survey, *others):
            if sheet is None:
                continue
            for column in sheet.columns:
                if column.language is not None:
                    column.code = language_code(column.language)
                    self.languages.add(column.code, column.language)
                elif column.field in TRANSLATABLE_SURVEY:
                    plain = True
        first = next(iter(self.languages.columns), None)
        if self.raw_default_language:
            self.default_code = language_code(self.raw_default_language)
        else:
            self.default_code = first or "en"
        self.plain_code = self.default_code
        if plain and not self.raw_default_language and self._plain_collides(survey, *others):
            # pyxform reads plain columns as a language of their own ("default") when no
            # default_language is set; they repeat a language column here, so keep them apart
            self.plain_code = UNDETERMINED
        if plain or not self.languages.columns:
            if plain and self.plain_code not in self.languages.columns:
                self.languages.plain = self.plain_code
            self.languages.add(self.plain_code, self.raw_default_language)
        for sheet in (survey, *others):
            for column in sheet.columns if sheet else []:
                if column.language is None and column.field in TRANSLATABLE_SURVEY:
                    column.code = self.plain_code
        if self.raw_title:
            self.settings["title"][self.default_code] = self.raw_title

    def _plain_collides(self, survey: Sheet, *others: Sheet | None) -> bool:
        """Whether a plain translatable column has a language column of the default's code."""
        for sheet in (survey, *others):
            columns = sheet.columns if sheet else []
            plain = {c.field for c in columns if c.language is None and c.field}
            if any(c.code == self.plain_code and c.field in plain for c in columns if c.language):
                return True
        return False

    # ---- rows

    def _translations(
        self,
        sheet: Sheet,
        cells: list[Any],
        fields: tuple[str, ...],
        extra: dict[str, str],
        row: int,
    ) -> dict[str, dict[str, str]]:
        """Translatable values by field and code; a column that repeats another one for the
        same language is used when the first is empty, and kept in ``extra`` if it differs."""
        result: dict[str, dict[str, str]] = {name: {} for name in fields}
        for name in fields:
            columns = [c for c in sheet.columns if c.field == name]
            columns.sort(key=lambda c: c.language is None)  # explicit languages first
            taken: dict[str, str] = {}
            for column in columns:
                value = cell_text(cells[column.index]) if column.index < len(cells) else ""
                if not value.strip():
                    continue
                if said := text_problem(value):
                    self.problem(said, sheet.title, row, column.header)
                code = column.code or self.plain_code
                if code not in taken:
                    taken[code] = value
                    result[name][code] = value
                elif taken[code] != value:
                    extra[column.header] = value
        return result

    def _read_choices(self, sheet: Sheet, *, prefix: str = "") -> None:
        """The lists of a choices sheet; those of ``external_choices`` are stored under
        ``prefix`` + their name, apart from the ``choices`` lists that may share their names."""
        list_column, name_column = sheet.find("list_name"), sheet.find("name")
        for wanted, column in (("list_name", list_column), ("name", name_column)):
            if column is None:
                self.problem(
                    _("the column “%(column)s” is missing.") % {"column": wanted},
                    sheet.title,
                    1,
                    wanted,
                )
        if list_column is None or name_column is None:
            return
        extras = [c for c in sheet.columns if not c.field]
        for row, cells in sheet.rows:

            def get(column: Column, cells: list[Any] = cells) -> str:
                return cell_text(cells[column.index]) if column.index < len(cells) else ""

            list_name, name = get(list_column).strip(), get(name_column).strip()
            if not list_name:
                continue
            if not name:
                self.problem(_("the choice has no name."), sheet.title, row, name_column.header)
                continue
            extra = {c.header: get(c) for c in extras if get(c).strip()}
            labels = self._translations(sheet, cells, TRANSLATABLE_CHOICES, extra, row)["label"]
            for value, model_field, column in (
                (list_name, ChoiceList._meta.get_field("name"), list_column),
                (name, Choice._meta.get_field("name"), name_column),
            ):
                if said := text_problem(value, model_field):
                    self.problem(said, sheet.title, row, column.header)
            self.lists.setdefault(prefix + list_name, []).append((row, name, labels, extra))

    def _read_survey(self, sheet: Sheet) -> None:
        type_column, name_column = sheet.find("type"), sheet.find("name")
        for wanted, column in (("type", type_column), ("name", name_column)):
            if column is None:
                self.problem(
                    _("the column “%(column)s” is missing.") % {"column": wanted},
                    sheet.title,
                    1,
                    wanted,
                )
        if type_column is None or name_column is None:
            return
        simple = {c.field: c for c in sheet.columns if c.field in SIMPLE_SURVEY and not c.language}
        extras = [c for c in sheet.columns if not c.field]
        stack: list[tuple[int, str, int]] = []  # (item index, container, row)
        names: dict[tuple[int | None, str], int] = {}  # (parent, name) → row
        for row, cells in sheet.rows:

            def get(name: str, cells: list[Any] = cells) -> str:
                column = simple.get(name)
                if column is None or column.index >= len(cells):
                    return ""
                return cell_text(cells[column.index]).strip()

            type_text = get("type")
            if not type_text:
                labelled = any(
                    c.field == "label"
                    and c.index < len(cells)
                    and cell_text(cells[c.index]).strip()
                    for c in sheet.columns
                )
                if get("name") or labelled:
                    # pyxform refuses a question without a type
                    self.problem(_("the row has no type."), sheet.title, row, type_column.header)
                else:  # a comment row (e.g. only a "notes" cell): pyxform skips it
                    self.warning(
                        _("the row has no type, name or label: skipped as a comment."),
                        sheet.title,
                        row,
                        type_column.header,
                    )
                continue
            parsed = parse_type(type_text)
            if parsed.kind == "end":
                if not stack:
                    self.problem(
                        _("“%(type)s” closes nothing: there is no open group or repeat.")
                        % {"type": type_text},
                        sheet.title,
                        row,
                        type_column.header,
                    )
                elif stack[-1][1] != parsed.container:
                    self.problem(
                        _("“%(type)s” closes the %(open)s begun on row %(row)s.")
                        % {"type": type_text, "open": stack[-1][1], "row": stack[-1][2]},
                        sheet.title,
                        row,
                        type_column.header,
                    )
                    stack.pop()
                else:
                    stack.pop()
                continue
            item = self._survey_item(sheet, row, cells, parsed, type_text, get, simple, extras)
            if item is None:
                continue
            item.parent = stack[-1][0] if stack else None
            self.items.append(item)
            if item.name:
                key = (item.parent, item.name.lower())
                if key in names:
                    self.problem(
                        _("the name “%(name)s” is already used on row %(row)s.")
                        % {"name": item.name, "row": names[key]},
                        sheet.title,
                        row,
                        name_column.header,
                    )
                else:
                    names[key] = row
            if parsed.container:
                stack.append((len(self.items) - 1, parsed.container, row))
        for _index, container, row in stack:
            self.problem(
                _("the %(kind)s begun here is never ended (an “end %(kind)s” row is missing).")
                % {"kind": container},
                sheet.title,
                row,
                type_column.header,
            )

    def _survey_item(
        self,
        sheet: Sheet,
        row: int,
        cells: list[Any],
        parsed: ParsedType,
        type_text: str,
        get: Any,
        simple: dict[str, Column],
        extras: list[Column],
    ) -> PendingItem | None:
        type_header = simple["type"].header
        name_header = simple["name"].header
        if not parsed.kind:
            self.problem(
                _("“%(type)s” is not an XLSForm question type.") % {"type": type_text},
                sheet.title,
                row,
                type_header,
            )
            return None
        list_name = ""
        if parsed.select_word and not parsed.from_file:
            where, prefix = (
                ("external_choices", EXTERNAL_PREFIX) if parsed.external else ("choices", "")
            )
            if not parsed.list_name:
                self.problem(
                    _("“%(type)s” needs the name of a list from the “%(sheet)s” sheet.")
                    % {"type": type_text, "sheet": where},
                    sheet.title,
                    row,
                    type_header,
                )
            elif prefix + parsed.list_name not in self.lists:
                self.problem(
                    _("the list “%(list)s” is not on the “%(sheet)s” sheet.")
                    % {"list": parsed.list_name, "sheet": where},
                    sheet.title,
                    row,
                    type_header,
                )
            else:
                list_name = prefix + parsed.list_name
        name = get("name")
        if not name and type_text.lower() == "audit":
            name = "audit"  # pyxform wants the name blank and calls it "audit"
        if not name and parsed.kind == ItemKind.NOTE:
            name = f"generated_note_name_{row}"  # as pyxform names them
        if not name:
            self.problem(_("the row has no name."), sheet.title, row, name_header)
        extra = {
            c.header: cell_text(cells[c.index])
            for c in extras
            if c.index < len(cells) and cell_text(cells[c.index]).strip()
        }
        texts = self._translations(sheet, cells, TRANSLATABLE_SURVEY, extra, row)
        values: dict[str, Any] = {
            "label": texts["label"],
            "hint": texts["hint"],
            "required_message": texts["required_message"],
            "constraint_message": texts["constraint_message"],
        }
        from pyxform.aliases import yes_no

        for flag in ("required", "read_only"):
            raw = get(flag)
            values[flag] = raw.lower() in YES
            if raw and raw not in yes_no:
                # an expression, or "1"/"0" that pyxform writes as they are: kept for export
                extra[simple[flag].header] = raw
        for text_field in (
            "relevant",
            "constraint",
            "choice_filter",
            "calculation",
            "appearance",
            "default",
        ):
            values[text_field] = get(text_field)
            said = text_problem(values[text_field], Item._meta.get_field(text_field))
            if said:
                self.problem(said, sheet.title, row, simple[text_field].header)
        for value, header, field_name in (
            (type_text, type_header, "xlsform_type"),
            (name, name_header, "name"),
        ):
            if said := text_problem(value, Item._meta.get_field(field_name)):
                self.problem(said, sheet.title, row, header)
        values["extra"] = extra
        item = PendingItem(row, parsed.kind, type_text, name, None, values, list_name)
        article_text = get("infobase_article")
        if article_text:
            try:
                ref = parse_article_ref(article_text)
            except ValueError as exc:
                self.problem(str(exc), sheet.title, row, simple["infobase_article"].header)
            else:
                item.article, item.paragraph = ref.article, ref.paragraph
        role = get("infobase_role")
        if role and role not in ItemRole.values:
            self.problem(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": role, "allowed": ", ".join(v for v in ItemRole.values if v)},
                sheet.title,
                row,
                simple["infobase_role"].header,
            )
        values["role"] = role if role in ItemRole.values else ""
        kind_text = get("infobase_kind")
        if kind_text:
            header = simple["infobase_kind"].header
            names = {choice[1] for choice in self.lists.get(list_name, [])}
            if kind_text != ItemKind.STATUS:
                self.problem(
                    _("“%(value)s” is not one of: %(allowed)s.")
                    % {"value": kind_text, "allowed": ItemKind.STATUS.value},
                    sheet.title,
                    row,
                    header,
                )
            elif item.kind != ItemKind.SELECT_ONE or not names or not names <= STATUS_CHOICES:
                self.problem(
                    _(
                        "an implementation-status question must be a select_one whose "
                        "choices are among: %(allowed)s."
                    )
                    % {"allowed": ", ".join(sorted(STATUS_CHOICES))},
                    sheet.title,
                    row,
                    header,
                )
            else:
                item.kind = ItemKind.STATUS
        return item


# --------------------------------------------------------------------------------------------
# pyxform


_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_QUOTED = re.compile(r"'([^']+)'")
_SHEET = re.compile(r"'(survey|choices|settings|external_choices|entities)' sheet", re.I)
# A sentence naming no row may name its sheet in its prose ("a choices sheet").
_SHEET_SAID = re.compile(r"\b(survey|choices|settings|external_choices|entities) sheet", re.I)


def pyxform_problems(data: bytes, filename: str) -> tuple[list[InputProblem], Any]:
    """Convert with pyxform; its error (if any) as problems, else the conversion result."""
    import warnings

    from pyxform.xls2xform import convert

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = convert(xlsform=io.BytesIO(data), validate=False, file_type=".xlsx")
    except Exception as exc:  # pyxform raises PyXFormError and, on odd input, others
        context = getattr(exc, "context", None) or {}
        message = str(exc).strip()
        row_match = _ROW.search(message)
        sheet_match = _SHEET.search(message) or (None if row_match else _SHEET_SAID.search(message))
        row = context.get("row") or (row_match.group(1) if row_match else None)
        sheet = context.get("sheet") or context.get("sheet_name")
        sheet = sheet or (sheet_match.group(1).lower() if sheet_match else None)
        if row is not None and not sheet:
            sheet = "survey"
        column = context.get("column")
        # pyxform speaks English only: its sentence is kept whole, set apart from the words
        # around it on a right-to-left page (its quotes and full stop stay where it put them).
        said = isolated(_ROW.sub("", message).strip())
        text = _("pyxform: %(message)s") % {"message": said}
        try:
            line = int(row) if row is not None else None
        except (TypeError, ValueError):
            line = None
        return [InputProblem(filename, text, line, column, sheet)], None
    return [], result


# --------------------------------------------------------------------------------------------
# Import


def _unique_code(wanted: str) -> str:
    base = slugify(wanted)[:70].strip("-") or "questionnaire"
    code, n = base, 1
    while Questionnaire.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def import_xlsform(
    source: Path | IO[bytes],
    *,
    filename: str,
    cycle: ReportingCycle,
    code: str | None = None,
    user: Any = None,
    instruments: Iterable[Instrument] = (),
) -> Questionnaire:
    """Check the workbook, then create the questionnaire, its lists and items in one go. A
    ``user`` who may not add questionnaires (an anonymous one too: a job whose requester is
    gone) is refused (``PermissionDenied``) before anything is read; without one (the demo,
    tests), nobody is checked."""
    if user is not None and not user.has_perm("questionnaires.add_questionnaire"):
        raise PermissionDenied
    reader = Reader(filename)
    try:
        data = _read_bytes(source)
    except OSError as exc:
        raise InvalidInput(
            [InputProblem(filename, _("the file cannot be read (%(error)s).") % {"error": exc})]
        ) from exc
    reader.read(data)
    if code and Questionnaire.objects.filter(code=code).exists():
        reader.problem(
            _("a questionnaire with the code “%(code)s” already exists.") % {"code": code}
        )
    elif code and slugify(code) != code:
        reader.problem(
            _("“%(code)s” is not a valid code (letters, digits, hyphens).") % {"code": code}
        )
    # A formula without its value is read empty by pyxform too: its error would follow from it.
    if reader.readable and not reader.cells_lost:
        # pyxform stops at its first error: add it unless it is about a row already reported
        # (pyxform does not always name the row: then by the cell it quotes)
        places = {(p.sheet, p.line) for p in reader.problems}
        for found in pyxform_problems(data, filename)[0]:
            if found.line is None and found.sheet:
                # The place is the sheet as the workbook names it; one it lacks is no place.
                found = replace(found, sheet=reader.sheet_titles.get(found.sheet.lower()))
            if found.line is not None and (found.sheet, found.line) in places:
                continue
            quoted = _QUOTED.findall(found.message)
            if found.line is None and any(
                f"“{cell}”" in known.message for cell in quoted for known in reader.problems
            ):
                continue
            reader.problems.append(found)
    if reader.problems:
        raise InvalidInput(sorted_problems(reader.problems))
    questionnaire = _create(
        reader, filename=filename, cycle=cycle, code=code, user=user, instruments=list(instruments)
    )
    questionnaire.import_warnings = sorted_problems(reader.warnings)  # type: ignore[attr-defined]
    return questionnaire


def import_warnings(questionnaire: Questionnaire) -> list[InputProblem]:
    """What :func:`import_xlsform` skipped or read differently, each with its sheet and row
    (empty for a questionnaire that was not just imported)."""
    return list(getattr(questionnaire, "import_warnings", []))


_SHEET_ORDER = {"survey": 0, "choices": 1, "external_choices": 2, "settings": 3}


def sorted_problems(problems: list[InputProblem]) -> list[InputProblem]:
    """Problems in the order an author reads the workbook: the file as a whole first, then
    survey, choices, settings and other sheets, each by row and column."""

    def key(problem: InputProblem) -> tuple[int, int, str, int, str]:
        sheet = (problem.sheet or "").strip().lower()
        order = -1 if not problem.sheet else _SHEET_ORDER.get(sheet, len(_SHEET_ORDER))
        return (
            order,
            0 if problem.line is None else 1,
            sheet,
            problem.line or 0,
            problem.column or "",
        )

    return sorted(problems, key=key)


def _create(
    reader: Reader,
    *,
    filename: str,
    cycle: ReportingCycle,
    code: str | None,
    user: Any,
    instruments: list[Instrument],
) -> Questionnaire:
    settings = reader.settings
    with transaction.atomic():
        code = code or _unique_code(settings["form_id"] or Path(filename).stem)
        questionnaire = Questionnaire(
            cycle=cycle,
            code=code,
            title=settings["title"],
            default_language=reader.default_code,
            languages=reader.languages.as_stored(),
            form_id=settings["form_id"][:200] or code,  # the XForm needs an id
            version=settings["version"][:100],
            xlsform_settings=settings["other"],
            source_filename=filename[:300],
            created_by=user if getattr(user, "pk", None) else None,
        )
        questionnaire._change_reason = reason_with(  # type: ignore[attr-defined]
            gettext_noop("Imported from %(file)s"), file=filename
        )
        if getattr(user, "pk", None):  # who, from a command or a job too (no request)
            questionnaire._history_user = user  # type: ignore[attr-defined]
        with one_version(questionnaire):  # its instruments kept with it
            questionnaire.save()
            if instruments:
                questionnaire.instruments.set(instruments)
        lists = ChoiceList.objects.bulk_create(
            [ChoiceList(questionnaire=questionnaire, name=name) for name in reader.lists]
        )
        by_name = {choice_list.name: choice_list for choice_list in lists}
        Choice.objects.bulk_create(
            [
                Choice(
                    choice_list=by_name[list_name],
                    position=row,
                    name=name,
                    label=labels,
                    extra=extra,
                )
                for list_name, rows in reader.lists.items()
                for row, name, labels, extra in rows
            ],
            batch_size=1000,
        )
        created: list[Item | None] = [None] * len(reader.items)
        depth: list[int] = []
        for pending in reader.items:
            depth.append(0 if pending.parent is None else depth[pending.parent] + 1)
        for level in range(max(depth, default=-1) + 1):
            batch = []
            for index, pending in enumerate(reader.items):
                if depth[index] != level:
                    continue
                values = dict(pending.values)
                item = Item(
                    questionnaire=questionnaire,
                    parent=created[pending.parent] if pending.parent is not None else None,
                    position=pending.row,
                    kind=pending.kind,
                    xlsform_type=pending.xlsform_type,
                    name=pending.name,
                    choice_list=by_name.get(pending.list_name) if pending.list_name else None,
                    article=pending.article,
                    paragraph=pending.paragraph,
                    **values,
                )
                created[index] = item
                batch.append(item)
            Item.objects.bulk_create(batch, batch_size=1000)
    return questionnaire


# --------------------------------------------------------------------------------------------
# Export


def _language_columns(
    questionnaire: Questionnaire, codes_used: Iterable[str]
) -> list[tuple[str, str]]:
    """(code, language part of the headers), plain columns ("") first, then column order."""
    columns = [
        (lang["code"], "" if lang.get("plain") else lang.get("column", ""))
        for lang in questionnaire.languages
    ]
    known = {code for code, _column in columns}
    for code in codes_used:
        if code not in known:
            columns.append((code, code))
            known.add(code)
    # pyxform reads a plain column that follows a "label::X" column as replacing all of them
    columns.sort(key=lambda entry: entry[1] != "")
    return columns


def _header(field_name: str, column: str) -> str:
    return f"{field_name}::{column}" if column else field_name


def _write(ws: Any, rows: list[list[Any]]) -> None:
    for row in rows:
        cleaned = []
        for value in row:
            if isinstance(value, str):
                value = xml_text(value)
            cleaned.append(value)
        ws.append(cleaned)
    for row_cells in ws.iter_rows():
        for cell in row_cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, not a formula


def _article_code(item: Item) -> str:
    if item.article is None:
        return ""
    return ArticleRef(item.article, item.paragraph).code


def _shadowed_first(standard: list[str], extra: list[str]) -> list[int]:
    """Column order for export: extra columns that repeat a translatable column of a language
    already written (kept because they differed) go right after the first two columns, so that
    pyxform, where the later column wins, reads the same text as from the original workbook."""
    translatable = set(TRANSLATABLE_SURVEY) | {"media", "image", "audio", "video", "big-image"}
    shadows = [
        len(standard) + n
        for n, header in enumerate(extra)
        if canonical(header.partition("::")[0]) in translatable
    ]
    rest = [len(standard) + n for n in range(len(extra)) if len(standard) + n not in shadows]
    return [0, 1, *shadows, *range(2, len(standard)), *rest]


def _choice_rows(choices: list[Choice], languages: list[tuple[str, str]]) -> list[list[Any]]:
    """A choices sheet: header, then one row per choice (list names without their prefix)."""
    choice_extra: list[str] = []
    for choice in choices:
        for key in choice.extra:
            if key not in choice_extra:
                choice_extra.append(key)
    headers = ["list_name", "name", *(_header("label", c) for _code, c in languages)]
    order = _shadowed_first(headers, choice_extra)
    rows: list[list[Any]] = [[(headers + choice_extra)[i] for i in order]]
    for choice in choices:
        row = (
            [choice.choice_list.name.removeprefix(EXTERNAL_PREFIX), choice.name]
            + [(choice.label or {}).get(code, "") for code, _column in languages]
            + [choice.extra.get(key, "") for key in choice_extra]
        )
        rows.append([row[index] for index in order])
    return rows


def export_xlsform(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an XLSForm workbook (survey, choices, settings)."""
    from openpyxl import Workbook

    items = list(
        questionnaire.items.select_related("article__instrument", "choice_list").order_by(
            "position"
        )
    )
    choices = list(
        Choice.objects.filter(choice_list__questionnaire=questionnaire)
        .select_related("choice_list")
        .order_by("position", "pk")
    )
    # lists one after the other, in the order of their first row
    first_row: dict[int, int] = {}
    for choice in choices:
        first_row.setdefault(choice.choice_list_id, choice.position)
    choices.sort(key=lambda c: (first_row[c.choice_list_id], c.choice_list_id, c.position, c.pk))
    codes_used: list[str] = []
    for item in items:
        for name in TRANSLATABLE_SURVEY:
            codes_used.extend(getattr(item, name) or {})
    for choice in choices:
        codes_used.extend(choice.label or {})
    languages = _language_columns(questionnaire, codes_used)

    # survey columns: (header, getter)
    def used(name: str) -> bool:
        return any(getattr(item, name) for item in items)

    def overridden(name: str) -> bool:
        return any(canonical(key) == name for item in items for key in item.extra)

    columns: list[tuple[str, Any]] = [
        ("type", lambda i: i.xlsform_type),
        ("name", lambda i: "" if i.xlsform_type.lower() == "audit" else i.name),
    ]
    for name in SURVEY_ORDER:
        if name in TRANSLATABLE_SURVEY:
            if name == "label" or used(name):
                columns += [
                    (
                        _header(name, column),
                        lambda i, n=name, c=code: (getattr(i, n) or {}).get(c, ""),
                    )
                    for code, column in languages
                ]
        elif used(name) or overridden(name):
            if name in {"required", "read_only"}:
                columns.append((name, lambda i, n=name: "yes" if getattr(i, n) else ""))
            else:
                columns.append((name, lambda i, n=name: getattr(i, n)))
    columns += [
        ("infobase_article", _article_code),
        ("infobase_role", lambda i: i.role),
        ("infobase_kind", lambda i: "status" if i.kind == ItemKind.STATUS else ""),
    ]
    standard = {canonical(header) for header, _getter in columns}
    extra_headers: list[str] = []
    for item in items:
        for key in item.extra:
            if canonical(key) not in standard and key not in extra_headers:
                extra_headers.append(key)

    survey_order = _shadowed_first([header for header, _getter in columns], extra_headers)

    def survey_row(item: Item) -> list[Any]:
        overrides = {canonical(k): v for k, v in item.extra.items() if canonical(k) in standard}
        row = [overrides.get(canonical(header), getter(item)) for header, getter in columns]
        row += [item.extra.get(key, "") for key in extra_headers]
        return [row[index] for index in survey_order]

    all_headers = [header for header, _getter in columns] + extra_headers
    survey_rows: list[list[Any]] = [[all_headers[index] for index in survey_order]]
    open_items: list[Item] = []

    def close(item: Item) -> None:
        word = "end_" if "_" in item.xlsform_type.split()[0] else "end "
        container = "repeat" if item.kind == ItemKind.REPEAT else "group"
        survey_rows.append([word + container])

    for item in items:
        while open_items and item.parent_id != open_items[-1].pk:
            close(open_items.pop())
        survey_rows.append(survey_row(item))
        if item.kind in {ItemKind.GROUP, ItemKind.REPEAT}:
            open_items.append(item)
    while open_items:
        close(open_items.pop())

    external = [c for c in choices if c.choice_list.name.startswith(EXTERNAL_PREFIX)]
    internal = [c for c in choices if not c.choice_list.name.startswith(EXTERNAL_PREFIX)]

    column_of = {lang["code"]: lang.get("column", "") for lang in questionnaire.languages}
    default_column = column_of.get(questionnaire.default_language, "")
    settings: dict[str, str] = {}
    title = questionnaire.title or {}
    main_title = title.get(questionnaire.default_language) or next(iter(title.values()), "")
    if main_title:
        settings["form_title"] = main_title
    settings["form_id"] = questionnaire.form_id or questionnaire.code
    if questionnaire.version:
        settings["version"] = questionnaire.version
    plain_apart = any(c == "" and code != questionnaire.default_language for code, c in languages)
    if default_column and not plain_apart:  # else plain columns would join the default
        settings["default_language"] = default_column
    for key, value in (questionnaire.xlsform_settings or {}).items():
        settings.setdefault(key, value)

    workbook = Workbook()
    survey_ws = workbook.active
    survey_ws.title = "survey"
    _write(survey_ws, survey_rows)
    _write(workbook.create_sheet("choices"), _choice_rows(internal, languages))
    if external:
        _write(workbook.create_sheet("external_choices"), _choice_rows(external, languages))
    _write(workbook.create_sheet("settings"), [list(settings), list(settings.values())])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_xform(questionnaire: Questionnaire) -> bytes:
    """The ODK XForm (XML) that pyxform makes of the exported XLSForm."""
    problems, result = pyxform_problems(export_xlsform(questionnaire), f"{questionnaire.code}.xlsx")
    if problems:
        raise InvalidInput(problems)
    return str(result.xform).encode("utf-8")
