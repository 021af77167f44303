"""Import IATI activity files (IATI Standard 2.01, 2.02, 2.03) into the activities register.

How a file is read
------------------
1. The prolog (everything before the root element) is checked: a DOCTYPE — and so any ENTITY
   declaration — refuses the file. The parser never loads a DTD, never resolves an entity, never
   touches the network and keeps libxml2's default limits (``huge_tree=False``: text nodes of more
   than 10 MB, nesting deeper than 256 levels … are errors).
2. A first streaming pass (``lxml.etree.iterparse``) checks that the whole file is well-formed and
   within those limits and notes its publishers. If it is not, the file is reported as refused
   and nothing is written for it. This costs one bare parse (see ``benchmarks/iati_import.py``).
3. A second streaming pass reads the activities one by one, clearing each element (and what came
   before it) once used, so that memory stays flat whatever the size of the file. Activities are
   written in batches of ``BATCH`` (one query finds which already exist), each activity in its own
   short transaction: one bad activity never sinks the file.

Per activity
------------
A publisher error (no identifier, a date or value that cannot be read …) rejects that activity
with its reasons; an unknown code (checked against the IATI codelists loaded in
``reference.Codelist``) is only a warning. Countries, regions and sectors are read at activity
level and per transaction (``from_transactions=True`` when only a transaction gives them);
regions in every vocabulary of the RegionVocabulary codelist (OECD DAC, UN M49, the publisher's).

Values are normalised so that what is held can be exported again (the codes as published are
kept in ``Activity.original_codes``): language codes become ISO 639-1 in lower case (``eng`` and
``EN`` → ``en``, by CLDR's language aliases); a code withdrawn from its codelist is replaced where
the codelist (Currency: "Use code …") or ``WITHDRAWN_REPLACEMENTS`` names its successor, and is
otherwise kept with a warning (the export then leaves the activity out and says why).

Re-import: by iati-identifier. A same or older ``last-updated-datetime`` leaves the activity
unchanged (no write); a newer one replaces its IATI rows (participants, recipients, sectors,
transactions, documents). Themes and instruments are our own classification: keyword-derived ones
are added, never removed. Activities entered by hand or from a spreadsheet are never overwritten.

Activities absent from a publisher's newer file
-----------------------------------------------
A "publisher file" is identified by the reporting-org ref AND the file name: many publishers split
their data over several files (one per country or year), and the D-Portal pages shipped as demo
data hold several publishers' subsets, so absence from one file of a publisher says nothing about
activities that came from another file. When a file was read completely, an activity imported
earlier from a file of the same name for a publisher present in the file, and absent from it now,
is marked ``missing_from_source`` (never deleted), unless

- some activity of that publisher in the file had no identifier (it could be the absent one);
- the file is a D-Portal query result (``dstore`` namespace): a page of search results is not a
  publisher's complete file;
- the activity was updated by its publisher after the file's ``generated-datetime`` (the file is
  older than what we hold).

An activity marked missing is unmarked when it comes back.

Relevance filter
----------------
``RelevanceFilter`` keeps activities with a DAC sector of ours or a keyword (several languages,
matched on ``core.text.fold``-ed titles and descriptions) and says why; the others are counted as
skipped with the reason. The filter decides what enters the register; activities already held are
kept current whatever the filter says. ``relevance=None`` imports every activity.

Keywords that clearly point to an instrument or article set ``Activity.instruments`` and ``Theme``
rows (see ``KEYWORD_TOPICS``):

- trafficking in persons (any language) → Trafficking in Persons Protocol (``tip``);
- smuggling of migrants → Smuggling of Migrants Protocol (``som``);
- firearms → Firearms Protocol (``firearms``);
- organized crime, UNTOC → the Convention (``untoc``);
- money laundering → UNTOC articles 6 and 7; corruption → articles 8 and 9;
  extradition → article 16; mutual legal assistance → article 18 (Themes without a kind).
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from lxml import etree

from infobase.activities.models import (
    Activity,
    ActivitySource,
    Document,
    ImportRun,
    ImportRunStatus,
    Participant,
    ParticipantRole,
    ProviderKind,
    Recipient,
    Sector,
    Theme,
    Transaction,
)
from infobase.core.text import fold, search_key
from infobase.reference.models import (
    Article,
    CodelistItem,
    Instrument,
    Organization,
    OrganizationKind,
    State,
)

logger = logging.getLogger(__name__)

SCHEMA_DIRECTORY = Path(__file__).resolve().parent / "data" / "iati-schemas"
# Stored on a run whose process died (translated when shown).
IMPORT_STOPPED = gettext_noop("The import stopped before it finished.")
COUNTS = ("created", "updated", "unchanged", "skipped", "rejected", "marked_missing")
SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
BATCH = 200
# The per-activity report is kept whole up to this many entries; beyond, only counts (the
# counts are always exact). Keeps memory and the ImportRun row bounded for very large files.
REPORT_LIMIT = 20_000
SCHEMA_ERROR_LIMIT = 500
PROLOG_LIMIT = 1024 * 1024

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DSTORE_NS = "http://d-portal.org/xmlns/dstore"

_MAX_VALUE = Decimal(10) ** 16
_CENTS = Decimal("0.01")
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?\s*$")
_SEPARATORS = re.compile(r"[\s\-_/]+")
_LATIN_WORD = re.compile(r"\w", re.ASCII)

# IATI 1.0x codes still met in "2.0x" files.
_LEGACY_TRANSACTION = {
    "IF": "1",
    "C": "2",
    "D": "3",
    "E": "4",
    "IR": "5",
    "LR": "6",
    "R": "7",
    "QP": "8",
    "QS": "9",
    "CG": "10",
}
_LEGACY_DATE = {"start-planned": "1", "start-actual": "2", "end-planned": "3", "end-actual": "4"}
_LEGACY_ROLE = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4"}
_DATE_FIELDS = {"1": "planned_start", "2": "actual_start", "3": "planned_end", "4": "actual_end"}

# Successors of withdrawn codes where the IATI codelist does not name one itself. Sector: the
# OECD DAC 2016 revision of the governance purpose codes (one-to-one successors only; a code that
# was split, such as 15120 or 74010, has none and is flagged instead).
WITHDRAWN_REPLACEMENTS: dict[tuple[str, str], str] = {
    ("Sector", "15161"): "15151",  # Elections
    ("Sector", "15162"): "15160",  # Human rights
    ("Sector", "15163"): "15153",  # Free flow of information → Media and free flow of information
    ("Sector", "15164"): "15170",  # Women's equality organisations and institutions
}
# The Currency codelist says "Withdrawn from ISO Currency codelist. Use code BYN."
_USE_CODE = re.compile(r"\bUse code ([A-Z0-9]{2,10})\b")

_KIND_BY_ORG: dict[str, ProviderKind] = {
    OrganizationKind.SECRETARIAT: ProviderKind.SECRETARIAT,
    OrganizationKind.UN_ENTITY: ProviderKind.UN_ENTITY,
    OrganizationKind.INTERNATIONAL: ProviderKind.INTERNATIONAL,
    OrganizationKind.REGIONAL: ProviderKind.INTERNATIONAL,
    OrganizationKind.GOVERNMENT: ProviderKind.STATE,
    OrganizationKind.NGO: ProviderKind.NGO,
    OrganizationKind.FUND: ProviderKind.OTHER,
}
# IATI OrganisationType → kind of provider, for publishers we do not know.
_KIND_BY_IATI_TYPE = {
    "10": ProviderKind.STATE,
    "11": ProviderKind.STATE,
    "15": ProviderKind.STATE,
    "21": ProviderKind.NGO,
    "22": ProviderKind.NGO,
    "23": ProviderKind.NGO,
    "24": ProviderKind.NGO,
    "40": ProviderKind.INTERNATIONAL,
}

DEFAULT_SECTORS = frozenset(
    {"15130", "15132", "15134", "15136", "15190", "15210", "15240", "16063"}
)
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "organized crime",
        "organised crime",
        "trafficking in persons",
        "human trafficking",
        "smuggling of migrants",
        "migrant smuggling",
        "firearms",
        "money laundering",
        "anti-corruption",
        "mutual legal assistance",
        "extradition",
        "criminal justice",
        "UNTOC",
    ),
    "fr": (
        "criminalité organisée",
        "traite des personnes",
        "trafic de migrants",
        "armes à feu",
        "blanchiment",
    ),
    "es": (
        "delincuencia organizada",
        "trata de personas",
        "tráfico de migrantes",
        "armas de fuego",
        "lavado de activos",
    ),
    "ar": (
        "الجريمة المنظمة",
        "الاتجار بالأشخاص",
        "تهريب المهاجرين",
        "الأسلحة النارية",
        "غسل الأموال",
    ),
    "ru": (
        "организованная преступность",
        "торговля людьми",
        "незаконный ввоз мигрантов",
        "огнестрельное оружие",
        "отмывание денег",
    ),
    "zh": ("有组织犯罪", "贩运人口", "偷运移民", "枪支", "洗钱"),
}

# Folded keyword → (instrument code, UNTOC/protocol article numbers). Only where the keyword
# clearly points to one instrument; "criminal justice" points to none.
KEYWORD_TOPICS: dict[str, tuple[str, tuple[int, ...]]] = {
    fold(k): topic
    for keys, topic in (
        (("organized crime", "organised crime", "untoc"), ("untoc", ())),
        (("criminalité organisée", "delincuencia organizada", "الجريمة المنظمة"), ("untoc", ())),
        (("организованная преступность", "有组织犯罪"), ("untoc", ())),
        (("trafficking in persons", "human trafficking", "traite des personnes"), ("tip", ())),
        (("trata de personas", "الاتجار بالأشخاص", "торговля людьми", "贩运人口"), ("tip", ())),
        (("smuggling of migrants", "migrant smuggling", "trafic de migrants"), ("som", ())),
        (("tráfico de migrantes", "تهريب المهاجرين", "незаконный ввоз мигрантов"), ("som", ())),
        (("偷运移民",), ("som", ())),
        (("firearms", "armes à feu", "armas de fuego", "الأسلحة النارية"), ("firearms", ())),
        (("огнестрельное оружие", "枪支"), ("firearms", ())),
        (("money laundering", "blanchiment", "lavado de activos"), ("untoc", (6, 7))),
        (("غسل الأموال", "отмывание денег", "洗钱"), ("untoc", (6, 7))),
        (("anti-corruption",), ("untoc", (8, 9))),
        (("extradition",), ("untoc", (16,))),
        (("mutual legal assistance",), ("untoc", (18,))),
    )
    for k in keys
}


def _match_key(text: str) -> str:
    return _SEPARATORS.sub(" ", fold(text)).strip()


@dataclass(frozen=True)
class RelevanceFilter:
    """Which activities concern our treaties: DAC 5-digit sectors and keywords per language.

    The defaults can be replaced in settings: ``INFOBASE_IATI_RELEVANCE = {"sectors": [...],
    "keywords": {"en": [...], ...}}`` (read by :meth:`from_settings`).
    """

    sectors: frozenset[str] | set[str] = DEFAULT_SECTORS
    keywords: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(DEFAULT_KEYWORDS))

    @classmethod
    def from_settings(cls) -> RelevanceFilter:
        conf = getattr(settings, "INFOBASE_IATI_RELEVANCE", None) or {}
        return cls(
            sectors=frozenset(conf.get("sectors", DEFAULT_SECTORS)),
            keywords=conf.get("keywords", DEFAULT_KEYWORDS),
        )

    def _patterns(self) -> list[tuple[str, str, re.Pattern[str]]]:
        # (keyword as given, folded key, pattern): Latin-script keywords must start a word
        # ("firearms" not inside another word); Arabic and Chinese ones match anywhere, since
        # Arabic attaches "و", "ب", "ال" … to the word and Chinese has no spaces.
        cached: list[tuple[str, str, re.Pattern[str]]] | None = self.__dict__.get("_compiled")
        if cached is not None:
            return cached
        patterns = []
        for words in self.keywords.values():
            for word in words:
                key = _match_key(word)
                if not key:
                    continue
                prefix = r"(?<!\w)" if _LATIN_WORD.match(key[0]) else ""
                patterns.append((word, key, re.compile(prefix + re.escape(key))))
        object.__setattr__(self, "_compiled", patterns)
        return patterns

    def decide(
        self,
        *,
        sectors: Iterable[tuple[str, str]],
        texts: Iterable[tuple[str, str]],
        sector_name: Any = None,
    ) -> tuple[bool, list[str], list[str]]:
        """(kept, reasons, folded keywords found). ``sectors``: (vocabulary, code);
        ``texts``: (where, text) with where "title" or "description"."""
        reasons: list[str] = []
        found: list[str] = []
        seen_codes: set[str] = set()
        for vocabulary, code in sectors:
            if vocabulary == "1" and code in self.sectors and code not in seen_codes:
                seen_codes.add(code)
                name = sector_name(code) if sector_name else ""
                if name:
                    reasons.append(
                        _("DAC sector %(code)s (%(name)s)") % {"code": code, "name": name}
                    )
                else:
                    reasons.append(_("DAC sector %(code)s") % {"code": code})
        folded = [(where, _match_key(text)) for where, text in texts if text]
        for word, key, pattern in self._patterns():
            if key in found:
                continue
            for where, text in folded:
                if pattern.search(text):
                    found.append(key)
                    if where == "title":
                        reasons.append(_("keyword “%(word)s” in the title") % {"word": word})
                    else:
                        reasons.append(_("keyword “%(word)s” in the description") % {"word": word})
                    break
        if reasons:
            return True, reasons, found
        return False, [_("no DAC sector or keyword of the relevance filter")], found


# -- parsing


class FileRefused(Exception):
    """The file cannot be read safely or completely; nothing is written for it."""


class ActivityRejected(Exception):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass
class _Org:
    role: str
    ref: str
    org_type: str
    name: str


@dataclass
class _Txn:
    kind: str
    date: dt.date | None
    value: Decimal
    currency: str
    value_date: dt.date | None
    provider_ref: str
    receiver_ref: str


@dataclass
class _Doc:
    url: str
    title: dict[str, str]
    category: str
    format: str


@dataclass
class _Parsed:
    identifier: str
    line: int | None
    reporting_ref: str = ""
    reporting_type: str = ""
    reporting_name: str = ""
    last_updated: datetime | None = None
    language: str = "en"
    currency: str = ""
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    status: str = ""
    dates: dict[str, date] = field(default_factory=dict)
    participants: list[_Org] = field(default_factory=list)
    countries: dict[str, tuple[Decimal | None, bool]] = field(default_factory=dict)
    # (vocabulary, code) → (percentage, from transactions)
    regions: dict[tuple[str, str], tuple[Decimal | None, bool]] = field(default_factory=dict)
    sectors: dict[tuple[str, str], tuple[Decimal | None, bool]] = field(default_factory=dict)
    budget: Decimal | None = None
    disbursed: Decimal | None = None
    transactions: list[_Txn] = field(default_factory=list)
    documents: list[_Doc] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    original_codes: list[dict[str, str]] = field(default_factory=list)

    def normalised(self, element: str, original: str, stored: str) -> None:
        """Keep a code as published when another one is stored in its place."""
        entry = {"element": element, "original": original, "stored": stored}
        if entry not in self.original_codes:
            self.original_codes.append(entry)


def _text(el: Any) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


@lru_cache(maxsize=1)
def _iso639_1() -> dict[str, str]:
    """ISO 639-2/639-3 codes with an ISO 639-1 equivalent ("eng" → "en"), from CLDR (Babel)."""
    from babel.core import get_global

    aliases = get_global("language_aliases")
    return {
        key: value
        for key, value in aliases.items()
        if len(key) == 3 and key.isalpha() and len(value) == 2 and value.isalpha()
    }


def normalise_language(value: str | None) -> str:
    """A language code as IATI wants it: ISO 639-1, lower case ("eng", "EN" → "en"; "ENG-GB" →
    "en-gb"). A code without an ISO 639-1 equivalent is only put in lower case."""
    code = (value or "").strip().lower()
    primary, separator, rest = code.partition("-")
    primary = _iso639_1().get(primary, primary)
    return (primary + separator + rest)[:10]


def _lang(value: str | None) -> str:
    return normalise_language(value)


def _narratives(el: Any, default_lang: str) -> dict[str, str]:
    """Narratives of an element by language; several of one language are joined."""
    out: dict[str, str] = {}
    if el is None:
        return out
    parent_lang = _lang(el.get(XML_LANG)) or default_lang
    narratives = el.findall("narrative")
    if not narratives:  # IATI 1.0x style text directly in the element
        text = _text(el)
        if text:
            out[parent_lang] = text
        return out
    for narrative in narratives:
        text = _text(narrative)
        if not text:
            continue
        lang = _lang(narrative.get(XML_LANG)) or parent_lang
        out[lang] = f"{out[lang]}\n\n{text}" if lang in out else text
    return out


def _first(names: dict[str, str], lang: str) -> str:
    if not names:
        return ""
    return names.get(lang) or names.get("en") or next(iter(names.values()))


def _date(value: str | None, what: str) -> date:
    match = _DATE.match(value or "")
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise ActivityRejected(
        [_("%(what)s: “%(value)s” is not a date (YYYY-MM-DD)") % {"what": what, "value": value}]
    )


def _datetime(value: str, what: str) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ActivityRejected(
            [_("%(what)s: “%(value)s” is not a date and time") % {"what": what, "value": value}]
        ) from None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _decimal(value: str | None, what: str) -> Decimal:
    text = (value or "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ActivityRejected(
            [_("%(what)s: “%(value)s” is not a number") % {"what": what, "value": text[:50]}]
        )
    if abs(number) >= _MAX_VALUE:
        raise ActivityRejected(
            [_("%(what)s: %(value)s is too large") % {"what": what, "value": text[:50]}]
        )
    return number.quantize(_CENTS)


def _percentage(value: str | None, warnings: list[str], what: str) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100:
        warnings.append(
            _("%(what)s: percentage “%(value)s” ignored") % {"what": what, "value": value[:20]}
        )
        return None
    return number.quantize(_CENTS)


class _Codes:
    """The loaded IATI codelists, to check codes."""

    NAMES = (
        "Sector",
        "SectorCategory",
        "Country",
        "Region",
        "RegionVocabulary",
        "ActivityStatus",
        "Currency",
        "OrganisationType",
        "OrganisationRole",
        "TransactionType",
        "DocumentCategory",
    )

    def __init__(self) -> None:
        self.codes: dict[str, set[str]] = {name: set() for name in self.NAMES}
        self.withdrawn: dict[str, set[str]] = {name: set() for name in self.NAMES}
        self.replacements: dict[tuple[str, str], str] = dict(WITHDRAWN_REPLACEMENTS)
        self.sector_names: dict[str, tuple[str, str]] = {}
        rows = CodelistItem.objects.filter(codelist__name__in=self.NAMES).values_list(
            "codelist__name", "code", "name_en", "name_fr", "withdrawn", "description_en"
        )
        for list_name, code, name_en, name_fr, withdrawn, description in rows:
            self.codes[list_name].add(code)
            if withdrawn:
                self.withdrawn[list_name].add(code)
                successor = _USE_CODE.search(description or "")
                if successor:
                    self.replacements.setdefault((list_name, code), successor.group(1))
            if list_name == "Sector":
                self.sector_names[code] = (name_en, name_fr)

    def check(self, list_name: str, code: str, warnings: list[str]) -> bool:
        known = self.codes.get(list_name)
        if not known or code in known:  # a codelist that is not loaded checks nothing
            return True
        warnings.append(
            _("code “%(code)s” is not in the IATI %(codelist)s codelist")
            % {"code": code[:40], "codelist": list_name}
        )
        return False

    def current(self, list_name: str, code: str, parsed: _Parsed, element: str) -> str:
        """The code to store for ``code``: its successor when it is withdrawn and one is known
        (the original kept in ``parsed``), else the code itself (a warning if withdrawn)."""
        if code not in self.withdrawn.get(list_name, ()):
            return code
        successor = self.replacements.get((list_name, code), "")
        if (
            successor
            and (not self.codes[list_name] or successor in self.codes[list_name])
            and successor not in self.withdrawn[list_name]
        ):
            parsed.normalised(element, code, successor)
            parsed.warnings.append(
                _(
                    "code “%(code)s” is withdrawn from the IATI %(codelist)s codelist: "
                    "stored as its successor “%(successor)s”"
                )
                % {"code": code[:40], "codelist": list_name, "successor": successor}
            )
            return successor
        parsed.warnings.append(
            _(
                "code “%(code)s” is withdrawn from the IATI %(codelist)s codelist and has no "
                "successor: the activity cannot be exported to IATI until its publisher "
                "corrects it"
            )
            % {"code": code[:40], "codelist": list_name}
        )
        return code

    def sector_name(self, code: str) -> str:
        from django.utils.translation import get_language

        name_en, name_fr = self.sector_names.get(code, ("", ""))
        if (get_language() or "").startswith("fr") and name_fr:
            return name_fr
        return name_en


def _add_share(
    shares: dict[Any, tuple[Decimal | None, bool]],
    key: Any,
    percentage: Decimal | None,
    from_transactions: bool,
) -> None:
    """Record a country, region or sector once. The same one repeated at activity level with
    percentages (as some publishers do, one element per component) adds its percentages, so that
    the total stays the publisher's; from transactions only the first is kept."""
    if key not in shares:
        shares[key] = (percentage, from_transactions)
        return
    held, held_from_transactions = shares[key]
    if (
        not from_transactions
        and not held_from_transactions
        and held is not None
        and percentage is not None
    ):
        shares[key] = (held + percentage, False)


def _parse_activity(el: Any, codes: _Codes) -> _Parsed:
    """Read one <iati-activity>. Raises ActivityRejected with every reason found."""
    reasons: list[str] = []
    identifier = _text(el.find("iati-identifier"))
    if not identifier:
        reasons.append(_("no iati-identifier"))
    elif len(identifier) > 255:
        reasons.append(_("the iati-identifier is longer than 255 characters"))
    parsed = _Parsed(identifier=identifier, line=el.sourceline)
    warnings = parsed.warnings
    parsed.language = _lang(el.get(XML_LANG)) or "en"
    lang = parsed.language
    for node in el.iter(tag=etree.Element):
        raw = (node.get(XML_LANG) or "").strip()
        if raw and normalise_language(raw) != raw:
            parsed.normalised("xml:lang", raw, normalise_language(raw))

    def attempt(func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except ActivityRejected as exc:
            reasons.extend(exc.reasons)
            return None

    reporting = el.find("reporting-org")
    if reporting is None:
        warnings.append(_("no reporting-org"))
    else:
        parsed.reporting_ref = (reporting.get("ref") or "").strip()[:255]
        parsed.reporting_type = (reporting.get("type") or "").strip()[:5]
        parsed.reporting_name = _first(_narratives(reporting, lang), lang)[:500]
        if parsed.reporting_type:
            codes.check("OrganisationType", parsed.reporting_type, warnings)
    updated = el.get("last-updated-datetime")
    if updated:
        parsed.last_updated = attempt(_datetime, updated, "last-updated-datetime")
    currency = (el.get("default-currency") or "").strip().upper()
    if currency:
        if codes.check("Currency", currency, warnings):
            currency = codes.current("Currency", currency, parsed, "default-currency")
        parsed.currency = currency[:3]

    parsed.title = _narratives(el.find("title"), lang)
    if not parsed.title:
        warnings.append(_("no title"))
    for description in el.iterfind("description"):
        for key, text in _narratives(description, lang).items():
            previous = parsed.description.get(key)
            parsed.description[key] = f"{previous}\n\n{text}" if previous else text

    status = el.find("activity-status")
    if status is not None and status.get("code"):
        parsed.status = status.get("code", "").strip()[:5]
        codes.check("ActivityStatus", parsed.status, warnings)

    for activity_date in el.iterfind("activity-date"):
        kind = (activity_date.get("type") or "").strip()
        kind = _LEGACY_DATE.get(kind, kind)
        if kind not in _DATE_FIELDS:
            warnings.append(_("activity-date of unknown type “%(type)s”") % {"type": kind[:20]})
            continue
        value = activity_date.get("iso-date") or _text(activity_date)
        day = attempt(_date, value, "activity-date")
        if day is not None:
            parsed.dates[_DATE_FIELDS[kind]] = day

    for org in el.iterfind("participating-org"):
        role = (org.get("role") or "").strip()
        role = _LEGACY_ROLE.get(role.lower(), role)
        if role not in ParticipantRole.values:
            warnings.append(
                _("participating-org with unknown role “%(role)s” left out") % {"role": role[:20]}
            )
            continue
        org_type = (org.get("type") or "").strip()[:5]
        if org_type:
            codes.check("OrganisationType", org_type, warnings)
        parsed.participants.append(
            _Org(
                role=role,
                ref=(org.get("ref") or "").strip()[:255],
                org_type=org_type,
                name=_first(_narratives(org, lang), lang)[:500],
            )
        )

    def add_place(container: Any, from_transactions: bool) -> None:
        for country in container.iterfind("recipient-country"):
            code = (country.get("code") or "").strip().upper()
            if not code:
                continue
            if codes.check("Country", code, warnings):
                code = codes.current("Country", code, parsed, "recipient-country")
            pct = _percentage(country.get("percentage"), warnings, "recipient-country")
            _add_share(parsed.countries, code, pct, from_transactions)
        for region in container.iterfind("recipient-region"):
            code = (region.get("code") or "").strip()
            vocabulary = (region.get("vocabulary") or "1").strip()
            if not code:
                continue
            # Every vocabulary of the RegionVocabulary codelist is kept (1 OECD DAC, 2 UN M49,
            # 99 the publisher's own); the codes are checked where the codelist is known.
            if not codes.check("RegionVocabulary", vocabulary, warnings):
                warnings.append(
                    _("recipient-region %(code)s of vocabulary %(vocabulary)s left out")
                    % {"code": code[:10], "vocabulary": vocabulary[:10]}
                )
                continue
            if vocabulary == "1" and codes.check("Region", code, warnings):
                code = codes.current("Region", code, parsed, "recipient-region")
            pct = _percentage(region.get("percentage"), warnings, "recipient-region")
            _add_share(parsed.regions, (vocabulary[:10], code[:10]), pct, from_transactions)
        for sector in container.iterfind("sector"):
            code = (sector.get("code") or "").strip()
            vocabulary = (sector.get("vocabulary") or "1").strip()[:10]
            if not code:
                continue
            sector_list = {"1": "Sector", "2": "SectorCategory"}.get(vocabulary)
            if sector_list and codes.check(sector_list, code, warnings):
                code = codes.current(sector_list, code, parsed, "sector")
            pct = _percentage(sector.get("percentage"), warnings, "sector")
            key = (vocabulary, code[:20])
            _add_share(parsed.sectors, key, pct, from_transactions)

    add_place(el, False)

    # Budgets: per period, a revised budget (type 2) replaces the original (type 1).
    budgets: dict[tuple[str, str], tuple[str, Decimal, str]] = {}
    for budget in el.iterfind("budget"):
        value_el = budget.find("value")
        if value_el is None:
            continue
        value = attempt(_decimal, value_el.text, "budget/value")
        if value is None:
            continue
        budget_currency = (value_el.get("currency") or "").strip().upper() or parsed.currency
        if budget_currency != parsed.currency and codes.check(
            "Currency", budget_currency, warnings
        ):
            budget_currency = codes.current("Currency", budget_currency, parsed, "budget/value")
        start = budget.find("period-start")
        end = budget.find("period-end")
        period = (
            start.get("iso-date", "") if start is not None else "",
            end.get("iso-date", "") if end is not None else "",
        )
        kind = (budget.get("type") or "1").strip()
        if period not in budgets or kind == "2":
            budgets[period] = (kind, value, budget_currency)
    if budgets:
        if not parsed.currency:
            parsed.currency = next(iter(budgets.values()))[2][:3]
        total = Decimal(0)
        for _kind, value, budget_currency in budgets.values():
            if budget_currency == parsed.currency:
                total += value
            else:
                warnings.append(
                    _("budget of %(value)s %(currency)s not added (activity currency %(own)s)")
                    % {"value": value, "currency": budget_currency, "own": parsed.currency}
                )
        parsed.budget = total

    for txn in el.iterfind("transaction"):
        type_el = txn.find("transaction-type")
        kind = (type_el.get("code") or "").strip() if type_el is not None else ""
        kind = _LEGACY_TRANSACTION.get(kind, kind)
        if not kind:
            reasons.append(_("a transaction without transaction-type"))
            continue
        codes.check("TransactionType", kind, warnings)
        value_el = txn.find("value")
        if value_el is None:
            reasons.append(_("a transaction without value"))
            continue
        value = attempt(_decimal, value_el.text, "transaction/value")
        date_el = txn.find("transaction-date")
        txn_date = None
        if date_el is not None:
            txn_date = attempt(_date, date_el.get("iso-date"), "transaction-date")
        value_date = None
        if value_el.get("value-date"):
            value_date = attempt(_date, value_el.get("value-date"), "transaction/value@value-date")
        if value is None:
            continue
        txn_currency = (value_el.get("currency") or "").strip().upper()
        if txn_currency and codes.check("Currency", txn_currency, warnings):
            txn_currency = codes.current("Currency", txn_currency, parsed, "transaction/value")
        provider = txn.find("provider-org")
        receiver = txn.find("receiver-org")
        parsed.transactions.append(
            _Txn(
                kind=kind[:5],
                date=txn_date,
                value=value,
                currency=(txn_currency or parsed.currency)[:3],
                value_date=value_date,
                provider_ref=((provider.get("ref") or "") if provider is not None else "")[:255],
                receiver_ref=((receiver.get("ref") or "") if receiver is not None else "")[:255],
            )
        )
        add_place(txn, True)
    if parsed.transactions:
        if not parsed.currency:
            parsed.currency = parsed.transactions[0].currency
        spent = [t for t in parsed.transactions if t.kind in ("3", "4")]
        if spent:
            disbursed = Decimal(0)
            for t in spent:
                if t.currency == parsed.currency or not t.currency:
                    disbursed += t.value
                else:
                    warnings.append(
                        _("transaction of %(value)s %(currency)s not added to the disbursements")
                        % {"value": t.value, "currency": t.currency}
                    )
            parsed.disbursed = disbursed
    if parsed.disbursed is not None and abs(parsed.disbursed) >= _MAX_VALUE:
        reasons.append(_("the sum of disbursements is too large"))
    if parsed.budget is not None and abs(parsed.budget) >= _MAX_VALUE:
        reasons.append(_("the sum of budgets is too large"))

    for link in el.iterfind("document-link"):
        url = (link.get("url") or "").strip()
        if not url or len(url) > 1000:
            warnings.append(_("document-link without a usable url left out"))
            continue
        category = link.find("category")
        category_code = (category.get("code") or "").strip()[:10] if category is not None else ""
        if category_code:
            codes.check("DocumentCategory", category_code, warnings)
        parsed.documents.append(
            _Doc(
                url=url,
                title=_narratives(link.find("title"), lang),
                category=category_code,
                format=(link.get("format") or "").strip()[:100],
            )
        )
    if reasons:
        raise ActivityRejected(reasons)
    return parsed


# -- safety and scanning


def _iterparse(source: Any) -> Any:
    return etree.iterparse(
        source,
        events=("end",),
        tag="iati-activity",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


def _release(el: Any) -> None:
    """Free a processed element and everything before it."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def check_prolog(source: IO[bytes]) -> None:
    """Refuse a DOCTYPE (and so any ENTITY declaration) before the root element.

    Reads from the current position and seeks back."""
    start = source.tell()
    head = source.read(PROLOG_LIMIT)
    source.seek(start)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    elif head.startswith(b"<\x00"):
        text = head.decode("utf-16-le", errors="replace")
    elif head.startswith(b"\x00<"):
        text = head.decode("utf-16-be", errors="replace")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeffï»¿")
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            if len(head) >= PROLOG_LIMIT:
                raise FileRefused(_("the XML prolog is too long"))
            raise FileRefused(_("the file holds no XML element"))
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
        elif text.startswith("<!", pos):
            raise FileRefused(
                _(
                    "the file declares a DOCTYPE or entities, which IATI files never need; "
                    "it was refused for safety"
                )
            )
        elif text.startswith("<", pos):
            return
        else:
            raise FileRefused(_("the file does not start with XML"))
        if end < 0:
            raise FileRefused(_("the XML prolog is too long or unterminated"))
        pos = end + 2


@dataclass
class _FileScan:
    version: str = ""
    generated: datetime | None = None
    count: int = 0
    publishers: set[str] = field(default_factory=set)
    dportal: bool = False


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    line = exc.lineno if getattr(exc, "lineno", None) else "?"
    return _(
        "the file is not well-formed XML or goes beyond the parser's safety limits "
        "(line %(line)s): %(error)s"
    ) % {"line": line, "error": str(exc.msg if hasattr(exc, "msg") else exc)[:300]}


def _scan(source: IO[bytes]) -> _FileScan:
    """First pass: the whole file well-formed and safe; version, publishers, count."""
    check_prolog(source)
    scan = _FileScan()
    context = _iterparse(source)
    try:
        for _event, el in context:
            if scan.count == 0:
                root = el.getparent()
                tree = el.getroottree()
                if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
                    raise FileRefused(_("the file declares a DOCTYPE; it was refused for safety"))
                if root is not None:
                    if root.tag != "iati-activities":
                        raise FileRefused(
                            _("the root element is <%(tag)s>, not <iati-activities>")
                            % {"tag": str(root.tag)[:50]}
                        )
                    scan.version = (root.get("version") or "").strip()
                    generated = root.get("generated-datetime")
                    if generated:
                        try:
                            scan.generated = _datetime(generated, "generated-datetime")
                        except ActivityRejected:
                            scan.generated = None
            scan.count += 1
            if not scan.dportal and el.get(f"{{{DSTORE_NS}}}dataset") is not None:
                scan.dportal = True
            reporting = el.find("reporting-org")
            ref = (reporting.get("ref") or "").strip() if reporting is not None else ""
            scan.publishers.add(ref.lower())
            _release(el)
    except etree.XMLSyntaxError as exc:
        raise FileRefused(_syntax_message(exc)) from None
    root = context.root
    if root is None or root.tag != "iati-activities":
        raise FileRefused(_("the file is not an IATI activity file (no <iati-activities>)"))
    if scan.count == 0:
        scan.version = (root.get("version") or "").strip()
    return scan


# -- schema validation


def _schema_path(version: str) -> Path:
    if version in ("2.01", "2.02"):
        return SCHEMA_DIRECTORY / version / "iati-activities-schema.xsd"
    return SCHEMA_DIRECTORY / "iati-activities-schema.xsd"


@lru_cache(maxsize=4)
def _schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def validate_schema(path: Path | str | IO[bytes]) -> list[str]:
    """Validate an activity file against the shipped XSD of its @version (2.03 when the version
    is not 2.01 or 2.02). Returns the errors ("line N: message"), at most SCHEMA_ERROR_LIMIT
    plus a count of the rest; [] when valid. The file is loaded whole for this (XSD validation
    needs the tree): about ten times its size in memory. Hostile XML is refused as on import."""
    with _opened(path) as source:
        try:
            check_prolog(source)
        except FileRefused as exc:
            return [str(exc)]
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            tree = etree.parse(source, parser)
        except etree.XMLSyntaxError as exc:
            return [_syntax_message(exc)]
    version = (tree.getroot().get("version") or "").strip()
    errors: list[str] = []
    if version not in SUPPORTED_VERSIONS:
        errors.append(
            _("no schema is shipped for IATI version “%(version)s”; checked against 2.03")
            % {"version": version[:20]}
        )
    schema = _schema(_schema_path(version))
    if schema.validate(tree):
        return errors
    log = list(schema.error_log)  # type: ignore[call-overload]
    for entry in log[:SCHEMA_ERROR_LIMIT]:
        errors.append(
            _("line %(line)s: %(message)s") % {"line": entry.line, "message": entry.message}
        )
    if len(log) > SCHEMA_ERROR_LIMIT:
        errors.append(
            _("… and %(count)s more schema errors") % {"count": len(log) - SCHEMA_ERROR_LIMIT}
        )
    return errors


@contextmanager
def _opened(source: Path | str | IO[bytes]) -> Iterator[IO[bytes]]:
    """A seekable binary stream for a path or a file object (copied to a temporary file when
    it cannot seek)."""
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            yield handle
        return
    seekable = getattr(source, "seekable", None)
    if seekable is not None and seekable():
        source.seek(0)
        yield source
        return
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(source, copy)
        copy.seek(0)
        yield copy


# -- import


class _Importer:
    def __init__(
        self,
        run: ImportRun,
        relevance: RelevanceFilter | None,
        user: Any,
        progress: Callable[[float, str], None] | None = None,
    ) -> None:
        self.run = run
        self.progress = progress
        self.files_total = 1
        self.relevance = relevance
        self.user = user if getattr(user, "pk", None) else None
        self.codes = _Codes()
        self.states = dict(State.objects.values_list("iso2", "pk"))
        self.orgs = {
            org.iati_ref.strip().lower(): org
            for org in Organization.objects.exclude(iati_ref="").select_related("state")
        }
        self.instruments = dict(Instrument.objects.values_list("code", "pk"))
        self.articles = {
            (code, number): pk
            for code, number, pk in Article.objects.values_list("instrument__code", "number", "pk")
        }
        self.report_dropped = 0

    # report
    def note(
        self,
        *,
        file: str,
        outcome: str,
        identifier: str = "",
        line: int | None = None,
        reasons: Sequence[str] = (),
        warnings: Sequence[str] = (),
    ) -> None:
        if len(self.run.report) >= REPORT_LIMIT:
            self.report_dropped += 1
            return
        self.run.report.append(
            {
                "file": file,
                "line": line,
                "identifier": identifier,
                "outcome": outcome,
                "reasons": list(reasons),
                "warnings": list(warnings),
            }
        )

    def import_file(self, name: str, source: IO[bytes], *, validate: bool, size: int) -> bool:
        """Import one file. Returns False when the file could not be read at all."""
        info: dict[str, Any] = {"name": name, "size": size}
        self.run.files.append(info)
        if validate:
            source.seek(0)
            info["schema_errors"] = validate_schema(source)
        source.seek(0)
        try:
            scan = _scan(source)
        except FileRefused as exc:
            info.update(status="refused", message=str(exc))
            return False
        info.update(
            status="read",
            version=scan.version,
            activities=scan.count,
            publishers=sorted(p for p in scan.publishers if p),
        )
        notes: list[str] = []
        if scan.version not in SUPPORTED_VERSIONS:
            notes.append(
                _("IATI version “%(version)s” is not one of 2.01–2.03; read as 2.0x")
                % {"version": scan.version[:20]}
            )
        candidates = self._candidates(name, scan, notes)
        source.seek(0)
        unidentified: set[str] = set()
        batch: list[tuple[_Parsed | None, int | None, str, list[str]]] = []
        try:
            for _event, el in _iterparse(source):
                line = el.sourceline
                try:
                    parsed: _Parsed | None = _parse_activity(el, self.codes)
                    reasons: list[str] = []
                except ActivityRejected as exc:
                    parsed = None
                    reasons = exc.reasons
                identifier = _text(el.find("iati-identifier"))[:255]
                reporting = el.find("reporting-org")
                publisher = (
                    (reporting.get("ref") or "").strip().lower() if reporting is not None else ""
                )
                if not identifier:
                    unidentified.add(publisher)
                elif candidates:
                    candidates.pop(identifier, None)
                _release(el)
                if parsed is None:
                    self.run.rejected += 1
                    self.note(
                        file=name,
                        outcome="rejected",
                        identifier=identifier,
                        line=line,
                        reasons=reasons,
                    )
                    continue
                batch.append((parsed, line, identifier, reasons))
                if len(batch) >= BATCH:
                    self._flush(name, scan, batch)
                    batch = []
            self._flush(name, scan, batch)
        except etree.XMLSyntaxError as exc:  # the file changed after the first pass
            self._flush(name, scan, batch)
            info.update(status="incomplete", message=_syntax_message(exc))
            return False
        self._mark_missing(name, candidates, unidentified, notes)
        if notes:
            info["notes"] = notes
        return True

    def _candidates(self, name: str, scan: _FileScan, notes: list[str]) -> dict[str, int]:
        """Activities we hold from an earlier file of that name of the file's publishers: those
        not seen again are marked missing (see the module docstring)."""
        if scan.dportal:
            notes.append(
                _(
                    "a D-Portal query result is not a publisher's complete file: no activity "
                    "is marked missing from it"
                )
            )
            return {}
        publishers = [p for p in scan.publishers if p]
        if not publishers:
            return {}
        query = Q()
        for publisher in publishers:
            query |= Q(reporting_org_ref__iexact=publisher)
        rows = Activity.objects.filter(query, source=ActivitySource.IATI, source_file=name)
        candidates: dict[str, int] = {}
        for pk, identifier, last_updated, missing in rows.values_list(
            "pk", "iati_identifier", "last_updated", "missing_from_source"
        ):
            if missing:
                continue
            if scan.generated and last_updated and last_updated > scan.generated:
                continue
            candidates[identifier] = pk
        return candidates

    def _mark_missing(
        self, name: str, candidates: dict[str, int], unidentified: set[str], notes: list[str]
    ) -> None:
        if not candidates:
            return
        for publisher in sorted(unidentified):
            notes.append(
                _(
                    "an activity of publisher “%(publisher)s” had no identifier: none of its "
                    "activities is marked missing"
                )
                % {"publisher": publisher or "?"}
            )
        reason = _("no longer in the publisher's file %(file)s") % {"file": name}
        for activity in Activity.objects.filter(pk__in=candidates.values()):
            if activity.reporting_org_ref.lower() in unidentified:
                continue
            with transaction.atomic():
                activity.missing_from_source = True
                activity._change_reason = reason  # type: ignore[attr-defined]
                activity.save(update_fields=["missing_from_source"])
            self.run.marked_missing += 1
            self.note(
                file=name,
                outcome="marked_missing",
                identifier=activity.iati_identifier,
                reasons=[reason],
            )

    def _flush(self, name: str, scan: _FileScan, batch: list[Any]) -> None:
        if not batch:
            return
        identifiers = {item[0].identifier for item in batch}
        existing = {
            a.iati_identifier: a for a in Activity.objects.filter(iati_identifier__in=identifiers)
        }
        # One short transaction per batch, a savepoint per activity: a database error on one
        # activity rolls back that activity only.
        with transaction.atomic():
            for parsed, line, _identifier, _reasons in batch:
                self._one(name, scan, parsed, line, existing)
        self.checkpoint()

    def checkpoint(self) -> None:
        """Save the counts so far with a heartbeat: a run whose process dies keeps them."""
        now = timezone.now()
        self.run.heartbeat_at = now
        ImportRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=now, **{key: getattr(self.run, key) for key in COUNTS}
        )
        if self.progress is not None:
            done = max(0, len([f for f in self.run.files if f.get("name")]) - 1)
            self.progress(min(0.99, done / self.files_total), gettext_noop("Importing"))

    def _one(
        self,
        name: str,
        scan: _FileScan,
        parsed: _Parsed,
        line: int | None,
        existing: dict[str, Activity],
    ) -> None:
        current = existing.get(parsed.identifier)
        warnings = parsed.warnings
        if current is not None and current.source != ActivitySource.IATI:
            self.run.unchanged += 1
            self.note(
                file=name,
                outcome="unchanged",
                identifier=parsed.identifier,
                line=line,
                reasons=[
                    _(
                        "this identifier belongs to an activity not imported from IATI; "
                        "not overwritten"
                    )
                ],
                warnings=warnings,
            )
            return
        themes: list[tuple[str, tuple[int, ...]]] = []
        if current is None:
            if self.relevance is None:
                relevance = [_("imported without the relevance filter")]
                found: list[str] = []
                kept = True
            else:
                kept, relevance, found = self.relevance.decide(
                    sectors=list(parsed.sectors),
                    texts=self._texts(parsed),
                    sector_name=self.codes.sector_name,
                )
            if not kept:
                self.run.skipped += 1
                self.note(
                    file=name,
                    outcome="skipped",
                    identifier=parsed.identifier,
                    line=line,
                    reasons=relevance,
                )
                return
        else:
            newer = parsed.last_updated is not None and (
                current.last_updated is None or parsed.last_updated > current.last_updated
            )
            if not newer:
                if current.missing_from_source:
                    with transaction.atomic():
                        current.missing_from_source = False
                        current._change_reason = _("back in the publisher's file")  # type: ignore[attr-defined]
                        current.save(update_fields=["missing_from_source"])
                    self.run.updated += 1
                    self.note(
                        file=name,
                        outcome="updated",
                        identifier=parsed.identifier,
                        line=line,
                        reasons=[_("back in the publisher's file")],
                        warnings=warnings,
                    )
                    return
                self.run.unchanged += 1
                if warnings:
                    self.note(
                        file=name,
                        outcome="unchanged",
                        identifier=parsed.identifier,
                        line=line,
                        warnings=warnings,
                    )
                return
            if self.relevance is None:
                relevance = [_("imported without the relevance filter")]
                found = []
            else:
                kept, relevance, found = self.relevance.decide(
                    sectors=list(parsed.sectors),
                    texts=self._texts(parsed),
                    sector_name=self.codes.sector_name,
                )
                if not kept:
                    relevance = []
                    warnings = [
                        *warnings,
                        _("no longer matches the relevance filter; kept, as it was already held"),
                    ]
        themes = [KEYWORD_TOPICS[key] for key in found if key in KEYWORD_TOPICS]
        try:
            with transaction.atomic():
                activity = self._write(name, scan, parsed, current, relevance, themes, warnings)
        except Exception as exc:  # a database error on one activity never sinks the file
            self.run.rejected += 1
            self.note(
                file=name,
                outcome="rejected",
                identifier=parsed.identifier,
                line=line,
                reasons=[_("could not be saved: %(error)s") % {"error": str(exc)[:300]}],
                warnings=warnings,
            )
            return
        existing[parsed.identifier] = activity
        outcome = "created" if current is None else "updated"
        if current is None:
            self.run.created += 1
        else:
            self.run.updated += 1
        self.note(
            file=name,
            outcome=outcome,
            identifier=parsed.identifier,
            line=line,
            reasons=relevance,
            warnings=warnings,
        )

    @staticmethod
    def _texts(parsed: _Parsed) -> list[tuple[str, str]]:
        return [("title", t) for t in parsed.title.values()] + [
            ("description", t) for t in parsed.description.values()
        ]

    def _provider(self, parsed: _Parsed, activity: Activity, warnings: list[str]) -> None:
        org = self.orgs.get(parsed.reporting_ref.lower()) if parsed.reporting_ref else None
        activity.provider = org
        activity.provider_state = None
        if org is not None:
            activity.provider_kind = _KIND_BY_ORG.get(org.kind, ProviderKind.OTHER)
            if activity.provider_kind == ProviderKind.STATE:
                activity.provider_state = org.state
            return
        kind = _KIND_BY_IATI_TYPE.get(parsed.reporting_type, ProviderKind.OTHER)
        activity.provider_kind = kind
        if kind == ProviderKind.STATE:
            # Government publishers' identifiers start with their ISO country code (GB-GOV-1).
            prefix = parsed.reporting_ref[:3]
            if len(prefix) == 3 and prefix[2] == "-":
                state_id = self.states.get(prefix[:2].upper())
                if state_id:
                    activity.provider_state_id = state_id

    def _write(
        self,
        name: str,
        scan: _FileScan,
        parsed: _Parsed,
        current: Activity | None,
        relevance: list[str],
        themes: list[tuple[str, tuple[int, ...]]],
        warnings: list[str],
    ) -> Activity:
        activity = current or Activity(
            iati_identifier=parsed.identifier,
            source=ActivitySource.IATI,
            created_by=self.user,
        )
        self._provider(parsed, activity, warnings)
        activity.reporting_org_ref = parsed.reporting_ref
        activity.reporting_org_name = parsed.reporting_name
        activity.title = parsed.title
        activity.description = parsed.description
        activity.default_language = parsed.language
        activity.status = parsed.status
        for date_field in _DATE_FIELDS.values():
            setattr(activity, date_field, parsed.dates.get(date_field))
        activity.default_currency = parsed.currency
        activity.budget = parsed.budget
        activity.disbursed = parsed.disbursed
        activity.last_updated = parsed.last_updated
        activity.iati_version = scan.version[:10]
        activity.source_file = name[:300]
        activity.missing_from_source = False
        activity.relevance = relevance
        activity.original_codes = parsed.original_codes
        activity.search_text = search_key(
            parsed.identifier,
            parsed.reporting_name,
            *parsed.title.values(),
            *parsed.description.values(),
        )
        activity._change_reason = (  # type: ignore[attr-defined]
            _("imported from IATI file %(file)s") % {"file": name}
            if current is None
            else _("updated from IATI file %(file)s") % {"file": name}
        )
        activity.save()
        if current is not None:
            for related in (Participant, Recipient, Sector, Transaction, Document):
                related.objects.filter(activity=activity).delete()
        participants = []
        for org in parsed.participants:
            match = self.orgs.get(org.ref.lower()) if org.ref else None
            participants.append(
                Participant(
                    activity=activity,
                    role=org.role,
                    organization=match,
                    ref=org.ref,
                    name=org.name,
                    org_type=org.org_type,
                )
            )
        Participant.objects.bulk_create(participants)
        recipients = []
        for code, (pct, from_txn) in parsed.countries.items():
            state_id = self.states.get(code)
            if state_id is None:
                warnings.append(
                    _("recipient-country %(code)s is not a State we know; left out")
                    % {"code": code[:10]}
                )
                continue
            recipients.append(
                Recipient(
                    activity=activity, state_id=state_id, percentage=pct, from_transactions=from_txn
                )
            )
        for (vocabulary, code), (pct, from_txn) in parsed.regions.items():
            recipients.append(
                Recipient(
                    activity=activity,
                    region_code=code,
                    region_vocabulary=vocabulary,
                    percentage=pct,
                    from_transactions=from_txn,
                )
            )
        Recipient.objects.bulk_create(recipients)
        Sector.objects.bulk_create(
            Sector(
                activity=activity,
                vocabulary=vocabulary,
                code=code,
                percentage=pct,
                from_transactions=from_txn,
            )
            for (vocabulary, code), (pct, from_txn) in parsed.sectors.items()
        )
        Transaction.objects.bulk_create(
            Transaction(
                activity=activity,
                kind=t.kind,
                date=t.date,
                value=t.value,
                currency=t.currency,
                value_date=t.value_date,
                provider_ref=t.provider_ref,
                receiver_ref=t.receiver_ref,
            )
            for t in parsed.transactions
        )
        Document.objects.bulk_create(
            Document(
                activity=activity, url=d.url, title=d.title, category=d.category, format=d.format
            )
            for d in parsed.documents
        )
        if themes:
            instrument_ids = {self.instruments[c] for c, _a in themes if c in self.instruments}
            if instrument_ids:
                activity.instruments.add(*instrument_ids)
            wanted = {
                self.articles[(code, number)]
                for code, numbers in themes
                for number in numbers
                if (code, number) in self.articles
            }
            held = set(
                Theme.objects.filter(activity=activity, article_id__in=wanted).values_list(
                    "article_id", flat=True
                )
            )
            Theme.objects.bulk_create(
                Theme(activity=activity, article_id=pk) for pk in sorted(wanted - held)
            )
        return activity


def iati_import(
    *,
    paths: Iterable[Path] | None = None,
    files: Iterable[tuple[str, IO[bytes]]] = (),
    user: Any = None,
    relevance: RelevanceFilter | None = None,
    validate: bool = False,
    progress: Callable[[float, str], None] | None = None,
) -> ImportRun:
    """Import IATI activity files (paths: files, or folders whose ``*.xml`` are read) and
    uploaded files (name, binary stream). ``relevance=None`` keeps every activity; pass
    ``RelevanceFilter()`` (or ``RelevanceFilter.from_settings()``) to filter. With
    ``validate``, each file is also checked against the shipped schema of its version (errors
    in ``run.files[i]["schema_errors"]``; they do not block the import).

    Returns the saved ImportRun. A file that cannot be read at all is listed in ``run.files``
    with ``status`` "refused" and a message; nothing is written for it. The run always ends:
    finished, or failed with the error and the counts so far when the import raises (and
    ``infobase jobs-sweep`` fails it when its process died). ``progress(fraction, step)`` is
    called after each batch."""
    run = ImportRun.objects.create(
        user=user if getattr(user, "pk", None) else None, heartbeat_at=timezone.now()
    )
    importer = _Importer(run, relevance, user, progress)
    try:
        _import_all(
            importer, run, paths=list(_expand(paths or ())), files=list(files), validate=validate
        )
    except BaseException as exc:  # also SystemExit/KeyboardInterrupt: a stopped worker
        run.status = ImportRunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}" if str(exc) else IMPORT_STOPPED
        run.finished_at = timezone.now()
        try:
            run.save()
        except Exception:  # e.g. inside a broken transaction: the sweep ends it later
            logger.exception("import run %s: the failure could not be recorded", run.pk)
        raise
    run.status = ImportRunStatus.FINISHED
    run.finished_at = timezone.now()
    run.save()
    return run


def _import_all(
    importer: _Importer,
    run: ImportRun,
    *,
    paths: list[Path],
    files: list[tuple[str, IO[bytes]]],
    validate: bool,
) -> None:
    importer.files_total = max(1, len(paths) + len(files))
    for path in paths:
        size = path.stat().st_size if path.is_file() else 0
        try:
            with open(path, "rb") as handle:
                importer.import_file(path.name, handle, validate=validate, size=size)
        except OSError as exc:
            run.files.append(
                {
                    "name": path.name,
                    "status": "refused",
                    "message": _("the file cannot be opened: %(error)s")
                    % {"error": exc.strerror or exc},
                }
            )
    for name, stream in files:
        with _opened(stream) as source:
            source.seek(0, 2)
            size = source.tell()
            source.seek(0)
            importer.import_file(Path(name).name, source, validate=validate, size=size)
    if importer.report_dropped:
        run.files.append(
            {
                "name": "",
                "status": "note",
                "message": _(
                    "the per-activity report was cut at %(limit)s entries; %(count)s more "
                    "activities are only counted"
                )
                % {"limit": REPORT_LIMIT, "count": importer.report_dropped},
            }
        )


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml")
        else:
            yield path


def refused_files(run: ImportRun) -> list[dict[str, Any]]:
    """Files of a run that could not be read at all (or only in part)."""
    return [f for f in run.files if f.get("status") in ("refused", "incomplete")]
