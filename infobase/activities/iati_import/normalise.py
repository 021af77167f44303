"""From a raw <iati-activity> element to plain values: codes checked against the IATI
codelists (in-memory sets), withdrawn codes replaced by their successors, language codes made
ISO 639-1, dates, amounts and percentages read. Publisher errors reject the activity with every
reason found; unknown codes are warnings."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from infobase.activities.iati_import.parse import by_tag, first
from infobase.activities.models import Activity, ParticipantRole
from infobase.activities.money import convert_amount
from infobase.core.errors import text_problem
from infobase.reference.models import CodelistItem

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_MAX_VALUE = Decimal(10) ** 16
_CENTS = Decimal("0.01")
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?\s*$")

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
_DESCRIPTION_TYPES = ("1", "2", "3", "4")
_BUDGET_TYPES = ("1", "2")
_BUDGET_STATUSES = ("1", "2")
_ROLES = frozenset(ParticipantRole.values)
# Every xml:lang of an activity, compiled once (plain strings: no link back to the element).
_XML_LANGS = etree.XPath("descendant-or-self::*/@xml:lang", smart_strings=False)
# The children of a transaction that ``add_place`` reads.
_PLACE_TAGS = frozenset({"recipient-country", "recipient-region", "sector"})
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


_T = TypeVar("_T")


def _pickled_as_tuple(cls: type[_T]) -> type[_T]:
    """Pickle instances of a slotted dataclass as the class and its fields' values in order,
    rather than a dict of slot names per instance: an import may hand parsed activities to
    another process, and this takes about a third less time there and back."""
    values = attrgetter(*cls.__slots__)  # type: ignore[attr-defined]

    def reduce(self: Any) -> tuple[Any, ...]:
        return (cls, values(self))

    setattr(cls, "__reduce__", reduce)  # noqa: B010 - a method set on the finished class
    return cls


class ActivityRejected(Exception):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@_pickled_as_tuple
@dataclass(slots=True)
class _Org:
    role: str
    ref: str
    org_type: str
    name: str


@_pickled_as_tuple
@dataclass(slots=True)
class _Txn:
    kind: str
    date: dt.date | None
    value: Decimal
    currency: str
    value_date: dt.date | None
    provider_ref: str
    receiver_ref: str


@_pickled_as_tuple
@dataclass(slots=True)
class _Budget:
    kind: str
    status: str
    period_start: dt.date | None
    period_end: dt.date | None
    value: Decimal
    currency: str
    value_date: dt.date | None


@_pickled_as_tuple
@dataclass(slots=True)
class _Doc:
    url: str
    title: dict[str, str]
    category: str
    format: str


@_pickled_as_tuple
@dataclass(slots=True)
class Parsed:
    identifier: str
    line: int | None
    reporting_ref: str = ""
    reporting_type: str = ""
    reporting_name: str = ""
    last_updated: datetime | None = None
    language: str = "en"
    currency: str = ""
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)  # the general one (type 1)
    # DescriptionType (2 objectives, 3 target groups, 4 other) → language → text
    descriptions: dict[str, dict[str, str]] = field(default_factory=dict)
    status: str = ""
    dates: dict[str, date] = field(default_factory=dict)
    participants: list[_Org] = field(default_factory=list)
    countries: dict[str, tuple[Decimal | None, bool]] = field(default_factory=dict)
    # (vocabulary, code) → (percentage, from transactions)
    regions: dict[tuple[str, str], tuple[Decimal | None, bool]] = field(default_factory=dict)
    sectors: dict[tuple[str, str], tuple[Decimal | None, bool]] = field(default_factory=dict)
    budget: Decimal | None = None
    budgets: list[_Budget] = field(default_factory=list)
    disbursed: Decimal | None = None
    transactions: list[_Txn] = field(default_factory=list)
    documents: list[_Doc] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    original_codes: list[dict[str, str]] = field(default_factory=list)
    # The folded parts of its search key from its own fields (see ``write.own_key``), and
    # once prepared for writing (``write.Writer.prepare``), its child rows, converted, and
    # the warnings they gave: its lists of children are then empty.
    own_key: list[str] | None = None
    child_rows: tuple[list[tuple[Any, ...]], ...] | None = None
    child_warnings: list[str] = field(default_factory=list)

    def normalised(self, element: str, original: str, stored: str) -> None:
        """Keep a code as published when another one is stored in its place."""
        entry = {"element": element, "original": original, "stored": stored}
        if entry not in self.original_codes:
            self.original_codes.append(entry)


def element_text(el: Any) -> str:
    if el is None:
        return ""
    # Most elements hold text only: read it directly rather than walking it.
    text = el.text if not len(el) else "".join(el.itertext())
    return text.strip() if text else ""


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


@lru_cache(maxsize=1024)
def normalise_language(value: str | None) -> str:
    """A language code as IATI wants it: ISO 639-1, lower case ("eng", "EN" → "en"; "ENG-GB" →
    "en-gb"). A code without an ISO 639-1 equivalent is only put in lower case."""
    code = (value or "").strip().lower()
    primary, separator, rest = code.partition("-")
    primary = _iso639_1().get(primary, primary)
    return (primary + separator + rest)[:10]


def narratives(el: Any, default_lang: str) -> dict[str, str]:
    """Narratives of an element by language; several of one language are joined."""
    out: dict[str, str] = {}
    if el is None:
        return out
    parent_lang = normalise_language(el.get(XML_LANG)) or default_lang
    narratives = el.findall("narrative")
    if not narratives:  # IATI 1.0x style text directly in the element
        text = element_text(el)
        if text:
            out[parent_lang] = text
        return out
    for narrative in narratives:
        # ``element_text`` inlined: called for every narrative of a file.
        text = narrative.text if not len(narrative) else "".join(narrative.itertext())
        if not text or not (text := text.strip()):
            continue
        lang = normalise_language(narrative.get(XML_LANG)) or parent_lang
        out[lang] = f"{out[lang]}\n\n{text}" if lang in out else text
    return out


def _first(names: dict[str, str], lang: str) -> str:
    if not names:
        return ""
    return names.get(lang) or names.get("en") or next(iter(names.values()))


def _date(value: str | None, what: str) -> date:
    if value and len(value) == 10 and value[4] == "-" and value[7] == "-":
        # The common YYYY-MM-DD, read without the regular expression: what ``fromisoformat``
        # accepts in this shape is ASCII digits, which ``_DATE`` matches whole.
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    match = _DATE.match(value or "")
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise ActivityRejected(
        [_("%(what)s: “%(value)s” is not a date (YYYY-MM-DD)") % {"what": what, "value": value}]
    )


def _optional_date(value: str | None, what: str, warnings: list[str]) -> date | None:
    """A date where one is optional for the activity: a value that is not a date is a
    warning (the date left empty), never a rejection."""
    if not (value or "").strip():
        return None
    try:
        return _date(value, what)
    except ActivityRejected as exc:
        warnings.extend(exc.reasons)
        return None


def _code_in(code: str, known: tuple[str, ...]) -> str:
    return code if code in known else ""


def read_datetime(value: str, what: str) -> datetime:
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


class Codes:
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
        # Per codelist, the codes that ``check`` passes and ``current`` keeps as they are, with
        # no warning: the hot loops test them first and call those only for the others.
        self.plain: dict[str, frozenset[str]] = {
            name: frozenset(self.codes[name] - self.withdrawn[name]) for name in self.NAMES
        }

    def check(self, list_name: str, code: str, warnings: list[str]) -> bool:
        known = self.codes.get(list_name)
        if not known or code in known:  # a codelist that is not loaded checks nothing
            return True
        warnings.append(
            _("code “%(code)s” is not in the IATI %(codelist)s codelist")
            % {"code": code[:40], "codelist": list_name}
        )
        return False

    def current(self, list_name: str, code: str, parsed: Parsed, element: str) -> str:
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


def _total(
    amounts: list[tuple[Decimal, str, date | None]],
    currency: str,
    warnings: list[str],
    *,
    budget: bool,
) -> Decimal | None:
    """The sum of ``amounts`` (value, currency, value date) in the activity's ``currency``, an
    amount in another currency converted at its value date by the registered converter. When
    one cannot be converted, the total is unknown (None), never a partial sum, and a warning
    says why."""
    total = Decimal(0)
    for value, own, day in amounts:
        if not currency or not own or own == currency:
            total += value
            continue
        converted = convert_amount(value, own, to=currency, on=day)
        if converted is not None and converted.amount is not None:
            total += converted.amount
            continue
        reason = (
            converted.reason
            if converted is not None
            else _("no exchange rates are available to the import")
        )
        values = {"value": value, "currency": own, "own": currency, "reason": reason}
        if budget:
            message = _(
                "the total budget is unknown: %(value)s %(currency)s cannot be converted to "
                "%(own)s (%(reason)s)"
            )
        else:
            message = _(
                "the disbursements are unknown: %(value)s %(currency)s cannot be converted to "
                "%(own)s (%(reason)s)"
            )
        warnings.append(message % values)
        return None
    return total


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


def parse_activity(el: Any, codes: Codes) -> Parsed:
    """Read one <iati-activity>. Raises ActivityRejected with every reason found."""
    reasons: list[str] = []
    children = by_tag(el)
    identifier = element_text(first(children, "iati-identifier"))
    if not identifier:
        reasons.append(_("no iati-identifier"))
    elif said := text_problem(identifier, Activity._meta.get_field("iati_identifier")):
        # Too long for its column, or a control or bidi character: the identifier is the key
        # of the activity and shows on every list, and a publisher's file is not ours to fix.
        reasons.append(_("iati-identifier: %(problem)s") % {"problem": said})
    parsed = Parsed(identifier=identifier, line=el.sourceline)
    warnings = parsed.warnings
    parsed.language = normalise_language(el.get(XML_LANG)) or "en"
    lang = parsed.language
    # Every xml:lang of the activity, read by libxml2 in one call rather than node by node.
    langs: Any = _XML_LANGS(el)  # a list of attribute values
    for value in dict.fromkeys(langs):
        raw = str(value).strip()
        if raw and normalise_language(raw) != raw:
            parsed.normalised("xml:lang", raw, normalise_language(raw))

    def attempt(func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except ActivityRejected as exc:
            reasons.extend(exc.reasons)
            return None

    reporting = first(children, "reporting-org")
    if reporting is None:
        warnings.append(_("no reporting-org"))
    else:
        parsed.reporting_ref = (reporting.get("ref") or "").strip()[:255]
        parsed.reporting_type = (reporting.get("type") or "").strip()[:5]
        parsed.reporting_name = _first(narratives(reporting, lang), lang)[:500]
        if parsed.reporting_type:
            codes.check("OrganisationType", parsed.reporting_type, warnings)
    updated = el.get("last-updated-datetime")
    if updated:
        parsed.last_updated = attempt(read_datetime, updated, "last-updated-datetime")
    currency = (el.get("default-currency") or "").strip().upper()
    if currency:
        if codes.check("Currency", currency, warnings):
            currency = codes.current("Currency", currency, parsed, "default-currency")
        parsed.currency = currency[:3]

    parsed.title = narratives(first(children, "title"), lang)
    if not parsed.title:
        warnings.append(_("no title"))
    for description in children.get("description", ()):
        # A description without a type is a general one (DescriptionType 1).
        kind = (description.get("type") or "1").strip()
        if kind not in _DESCRIPTION_TYPES:
            warnings.append(
                _("description of unknown type “%(type)s” kept as type 4 (other)")
                % {"type": kind[:20]}
            )
            kind = "4"
        held = parsed.description if kind == "1" else parsed.descriptions.setdefault(kind, {})
        for key, text in narratives(description, lang).items():
            previous = held.get(key)
            held[key] = f"{previous}\n\n{text}" if previous else text
    parsed.descriptions = {kind: texts for kind, texts in parsed.descriptions.items() if texts}

    status = first(children, "activity-status")
    if status is not None and status.get("code"):
        parsed.status = status.get("code", "").strip()[:5]
        codes.check("ActivityStatus", parsed.status, warnings)

    for activity_date in children.get("activity-date", ()):
        kind = (activity_date.get("type") or "").strip()
        kind = _LEGACY_DATE.get(kind, kind)
        if kind not in _DATE_FIELDS:
            warnings.append(_("activity-date of unknown type “%(type)s”") % {"type": kind[:20]})
            continue
        value = activity_date.get("iso-date") or element_text(activity_date)
        day = attempt(_date, value, "activity-date")
        if day is not None:
            parsed.dates[_DATE_FIELDS[kind]] = day

    for org in children.get("participating-org", ()):
        role = (org.get("role") or "").strip()
        role = _LEGACY_ROLE.get(role.lower(), role)
        if role not in _ROLES:
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
                name=_first(narratives(org, lang), lang)[:500],
            )
        )

    def add_place(container: dict[Any, list[Any]], from_transactions: bool) -> None:
        for country in container.get("recipient-country", ()):
            code = (country.get("code") or "").strip().upper()
            if not code:
                continue
            if codes.check("Country", code, warnings):
                code = codes.current("Country", code, parsed, "recipient-country")
            pct = _percentage(country.get("percentage"), warnings, "recipient-country")
            _add_share(parsed.countries, code, pct, from_transactions)
        for region in container.get("recipient-region", ()):
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
        for sector in container.get("sector", ()):
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

    add_place(children, False)

    # Budgets: each kept as published; for the total, per period, a revised budget (type 2)
    # replaces the original (type 1).
    budgets: dict[tuple[str, str], tuple[str, Decimal, str, date | None]] = {}
    for budget in children.get("budget", ()):
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
        budget_day = _optional_date(value_el.get("value-date"), "budget/value@value-date", warnings)
        if period not in budgets or kind == "2":
            budgets[period] = (kind, value, budget_currency, budget_day)
        parsed.budgets.append(
            _Budget(
                kind=kind if kind in _BUDGET_TYPES else "1",
                status=_code_in((budget.get("status") or "").strip(), _BUDGET_STATUSES),
                period_start=_optional_date(period[0], "budget/period-start", warnings),
                period_end=_optional_date(period[1], "budget/period-end", warnings),
                value=value,
                currency=budget_currency[:3],
                value_date=budget_day,
            )
        )
        if kind not in _BUDGET_TYPES:
            warnings.append(
                _("budget of unknown type “%(type)s” kept as an original budget")
                % {"type": kind[:20]}
            )
        status = (budget.get("status") or "").strip()
        if status and status not in _BUDGET_STATUSES:
            warnings.append(
                _("budget status “%(status)s” is not an IATI BudgetStatus; left out")
                % {"status": status[:20]}
            )
    if budgets:
        if not parsed.currency:
            parsed.currency = next(iter(budgets.values()))[2][:3]
        parsed.budget = _total(
            [
                (value, budget_currency, day)
                for _kind, value, budget_currency, day in budgets.values()
            ],
            parsed.currency,
            warnings,
            budget=True,
        )

    # The transactions loop is the hottest of a file: codes known to need nothing are tested
    # first, and each transaction's children are read in one pass (the first of each tag, the
    # places in order) instead of grouped.
    plain_types = codes.plain["TransactionType"]
    plain_currencies = codes.plain["Currency"]
    for txn in children.get("transaction", ()):
        firsts: dict[Any, Any] = {}
        places: dict[Any, list[Any]] | None = None
        for part in txn:
            tag = part.tag
            if tag in _PLACE_TAGS:
                if places is None:
                    places = {}
                places.setdefault(tag, []).append(part)
            elif tag not in firsts:
                firsts[tag] = part
        type_el = firsts.get("transaction-type")
        value_el = firsts.get("value")
        date_el = firsts.get("transaction-date")
        provider = firsts.get("provider-org")
        receiver = firsts.get("receiver-org")
        kind = (type_el.get("code") or "").strip() if type_el is not None else ""
        kind = _LEGACY_TRANSACTION.get(kind, kind)
        if not kind:
            reasons.append(_("a transaction without transaction-type"))
            continue
        if kind not in plain_types:
            codes.check("TransactionType", kind, warnings)
        if value_el is None:
            reasons.append(_("a transaction without value"))
            continue
        value = attempt(_decimal, value_el.text, "transaction/value")
        txn_date = None
        if date_el is not None:
            txn_date = attempt(_date, date_el.get("iso-date"), "transaction-date")
        value_date = None
        if value_el.get("value-date"):
            value_date = attempt(_date, value_el.get("value-date"), "transaction/value@value-date")
        if value is None:
            continue
        txn_currency = (value_el.get("currency") or "").strip().upper()
        if (
            txn_currency
            and txn_currency not in plain_currencies
            and codes.check("Currency", txn_currency, warnings)
        ):
            txn_currency = codes.current("Currency", txn_currency, parsed, "transaction/value")
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
        if places is not None:
            add_place(places, True)
    if parsed.transactions:
        if not parsed.currency:
            parsed.currency = parsed.transactions[0].currency
        spent = [t for t in parsed.transactions if t.kind in ("3", "4")]
        if spent:
            parsed.disbursed = _total(
                [(t.value, t.currency, t.value_date or t.date) for t in spent],
                parsed.currency,
                warnings,
                budget=False,
            )
    if parsed.disbursed is not None and abs(parsed.disbursed) >= _MAX_VALUE:
        reasons.append(_("the sum of disbursements is too large"))
    if parsed.budget is not None and abs(parsed.budget) >= _MAX_VALUE:
        reasons.append(_("the sum of budgets is too large"))

    for link in children.get("document-link", ()):
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
                title=narratives(link.find("title"), lang),
                category=category_code,
                format=(link.get("format") or "").strip()[:100],
            )
        )
    if reasons:
        raise ActivityRejected(reasons)
    return parsed
