"""The secretariat's own activities as an IATI 2.03 activity file, and its validation.

``iati_export()`` writes ``<iati-activities version="2.03">`` with one ``<iati-activity>`` per
activity, its children in the order the 2.03 schema requires, and a ``<narrative>`` for every
language we hold (the narrative in the activity's default language carries no ``xml:lang``:
the standard says a narrative without it is in ``iati-activity/@xml:lang``).

``validate_iati()`` checks a file against the official schema shipped in
``data/iati-schemas/`` (copied from IATI-Schemas, see its SOURCES.md) and, since the schema
leaves codes as plain strings, against the IATI codelists loaded in ``reference.Codelist`` and
a few rules of the standard (percentages that sum to 100, a currency for every value, unique
identifiers). An invalid currency such as ``EURO`` passes the schema and is caught there.

Nothing is invented to make a file validate, with three documented exceptions: an activity
without a status gets one derived from its dates, without a description repeats its title, and
without participants names its provider (or the reporting organisation) as implementing.
Countries, regions and sectors an importer read only from transactions are left out at activity
level when the activity gives its own (IATI has them at one level or the other, not both).

``iati_export_valid()`` is what the command and the download use: it writes every activity that
validates and leaves out, with their reasons, the ones that do not (``ExportResult``).
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from infobase.activities.iati_schema import schema as load_schema
from infobase.activities.iati_schema import schema_path
from infobase.activities.models import (
    Activity,
    ActivitySource,
    ParticipantRole,
    ProviderKind,
)
from infobase.core.text import xml_text
from infobase.reference.models import CodelistItem, Organization, OrganizationKind

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# UNODC's organisation identifier, used when the secretariat's Organization has no iati_ref.
# UNVERIFIED: built from UNODC's OECD-DAC/CRS channel code 41128 (CRSChannelCode codelist) with
# the XM-DAC prefix; check it against the IATI Registry before publishing. Override with the
# INFOBASE_IATI_REPORTING_ORG setting.
DEFAULT_REPORTING_ORG = "XM-DAC-41128"
DEFAULT_REPORTING_ORG_TYPE = "40"  # OrganisationType 40: Multilateral

# Order of narratives after the default language: the six UN languages, then the rest.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
LANGUAGE_FIELDS = ("ar", "zh", "en", "fr", "ru", "es")


@dataclass(frozen=True)
class ReportingOrg:
    ref: str
    type: str
    names: dict[str, str] = field(default_factory=dict)


def reporting_org() -> ReportingOrg:
    """The secretariat (Organization of kind secretariat), as IATI reporting organisation."""
    fallback_ref = getattr(settings, "INFOBASE_IATI_REPORTING_ORG", "") or DEFAULT_REPORTING_ORG
    org = Organization.objects.filter(kind=OrganizationKind.SECRETARIAT).order_by("pk").first()
    if org is None:
        return ReportingOrg(
            ref=fallback_ref,
            type=DEFAULT_REPORTING_ORG_TYPE,
            names={"en": "United Nations Office on Drugs and Crime"},
        )
    return ReportingOrg(
        ref=org.iati_ref or fallback_ref,
        type=org.iati_type or DEFAULT_REPORTING_ORG_TYPE,
        names=_organization_names(org),
    )


def default_activities() -> QuerySet[Activity]:
    """The secretariat's own activities: provided by the secretariat, or recorded here (by hand
    or from a spreadsheet) rather than imported from another publisher's IATI file."""
    return Activity.objects.filter(
        Q(provider_kind=ProviderKind.SECRETARIAT)
        | Q(source__in=[ActivitySource.MANUAL, ActivitySource.SPREADSHEET])
    )


def project_activities(*, reporting: ReportingOrg, generated: datetime) -> Iterator[etree._Element]:
    """Further ``<iati-activity>`` elements appended to the default export after the
    activities. None at present: the secretariat's funding projects are not published to IATI
    as activities of their own (their activities are)."""
    return iter(())


@dataclass(frozen=True)
class LeftOut:
    """An activity the export left out, and why (each reason in the current language)."""

    identifier: str
    title: str
    reasons: tuple[str, ...]
    activity_id: int | None = None
    # Recorded here (by hand or from a spreadsheet), so correctable in Infobase; an imported
    # activity is corrected by its publisher and imported again.
    recorded_here: bool = False


@dataclass(frozen=True)
class ExportResult:
    """The file of every activity that validates, and the activities left out."""

    content: bytes
    exported: int
    left_out: tuple[LeftOut, ...] = ()
    # Problems not attributable to one activity; the file must not be published if any.
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems


# Rebuilding without the activities found invalid settles in one round; a few more guard against
# a problem that only shows once its neighbour is gone (none is known).
_EXPORT_ROUNDS = 4


def iati_export_valid(
    *, activities: QuerySet[Activity] | None = None, generated: datetime | None = None
) -> ExportResult:
    """An IATI 2.03 file of the activities that validate (schema, codelists and rules); the
    others are left out, each with its reasons. ``activities``: as for ``iati_export``."""
    generated = _aware(generated or timezone.now())
    excluded: dict[str, list[str]] = {}
    content, count = b"", 0
    problems: list[str] = []
    for _round in range(_EXPORT_ROUNDS):
        content, count = _build(activities, generated=generated, exclude=frozenset(excluded))
        found = _problems(content)
        problems = [message for _line, identifier, message in found if not identifier]
        attributed = [(ident, message) for _line, ident, message in found if ident]
        if not attributed:
            break
        for identifier, message in attributed:
            reasons = excluded.setdefault(identifier, [])
            if message not in reasons:
                reasons.append(message)
    else:
        problems = [_where_text(line, ident) + message for line, ident, message in found]
    if not count:
        # An empty <iati-activities> is not valid IATI; there is no file, not a bad one.
        problems = []
    return ExportResult(
        content=content,
        exported=count,
        left_out=tuple(_left_out(excluded)),
        problems=tuple(problems),
    )


def _left_out(excluded: dict[str, list[str]]) -> list[LeftOut]:
    held = {
        a.iati_identifier: a for a in Activity.objects.filter(iati_identifier__in=list(excluded))
    }
    out = []
    for identifier in sorted(excluded):
        activity = held.get(identifier)
        out.append(
            LeftOut(
                identifier=identifier,
                title=str(activity) if activity is not None else identifier,
                reasons=tuple(excluded[identifier]),
                activity_id=activity.pk if activity is not None else None,
                recorded_here=activity is not None
                and activity.source in (ActivitySource.MANUAL, ActivitySource.SPREADSHEET),
            )
        )
    return out


def iati_export(
    *, activities: QuerySet[Activity] | None = None, generated: datetime | None = None
) -> bytes:
    """An IATI 2.03 activity file of ``activities`` (default: the secretariat's own, plus
    the project hook), valid or not. ``iati_export_valid`` leaves out the invalid ones."""
    content, _count = _build(activities, generated=_aware(generated or timezone.now()))
    return content


def _build(
    activities: QuerySet[Activity] | None,
    *,
    generated: datetime,
    exclude: frozenset[str] = frozenset(),
) -> tuple[bytes, int]:
    """The file and the number of ``<iati-activity>`` written in it."""
    reporting = reporting_org()
    include_projects = activities is None
    queryset = (default_activities() if activities is None else activities).order_by(
        "iati_identifier"
    )
    queryset = queryset.select_related("provider").prefetch_related(
        "participants__organization",
        "recipients__state",
        "sectors",
        "budgets",
        "transactions",
        "descriptions",
        "documents",
    )
    if exclude:
        queryset = queryset.exclude(iati_identifier__in=list(exclude))
    touched = _history_dates(queryset)

    count = 0
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(
            "iati-activities",
            {"version": IATI_VERSION, "generated-datetime": _datetime(generated)},
        ):
            xf.write("\n")
            for activity in queryset.iterator(chunk_size=500):
                element = activity_element(
                    activity,
                    reporting=reporting,
                    generated=generated,
                    touched=touched.get(activity.pk),
                )
                xf.write(element, pretty_print=True)
                count += 1
            if include_projects:
                for element in project_activities(reporting=reporting, generated=generated):
                    if (element.findtext("iati-identifier") or "").strip() in exclude:
                        continue
                    xf.write(element, pretty_print=True)
                    count += 1
    return buffer.getvalue(), count


def activity_element(
    activity: Activity,
    *,
    reporting: ReportingOrg,
    generated: datetime,
    touched: datetime | None = None,
) -> etree._Element:
    """One ``<iati-activity>``, children in the order of the 2.03 schema."""
    default_lang = _default_language(activity)
    root = etree.Element("iati-activity")
    last = max((d for d in (activity.last_updated, touched) if d is not None), default=generated)
    root.set("last-updated-datetime", _datetime(_aware(last)))
    root.set(XML_LANG, default_lang)
    if activity.default_currency:
        root.set("default-currency", activity.default_currency)

    etree.SubElement(root, "iati-identifier").text = _clean(activity.iati_identifier)

    rep = etree.SubElement(
        root, "reporting-org", ref=_attribute(reporting.ref), type=reporting.type
    )
    if activity.provider_kind != ProviderKind.SECRETARIAT:
        # Re-publishing an activity the secretariat does not itself carry out.
        rep.set("secondary-reporter", "1")
    _narratives(rep, reporting.names, default_lang)

    title = etree.SubElement(root, "title")
    _narratives(title, activity.title, default_lang)

    description = etree.SubElement(root, "description", type="1")  # DescriptionType 1: General
    # The schema requires a description; without one, the title stands in for it.
    _narratives(description, activity.description or activity.title, default_lang)
    # Objectives, target groups and other descriptions, each its own element, in type order.
    for typed in sorted(activity.descriptions.all(), key=lambda d: (d.kind, d.pk)):
        if _held(typed.texts):
            element = etree.SubElement(root, "description", type=typed.kind)
            _narratives(element, typed.texts, default_lang)

    _participating_orgs(root, activity, reporting, default_lang)

    etree.SubElement(root, "activity-status", code=activity.status or _derived_status(activity))

    for code, day in (
        ("1", activity.planned_start),
        ("2", activity.actual_start),
        ("3", activity.planned_end),
        ("4", activity.actual_end),
    ):
        if day is not None:
            etree.SubElement(root, "activity-date", {"type": code, "iso-date": _date(day)})

    _recipients(root, activity)
    _sectors(root, activity)
    _budget(root, activity)
    _transactions(root, activity)
    _documents(root, activity, default_lang)
    return root


# -- parts ------------------------------------------------------------------------------------


def _participating_orgs(
    root: etree._Element, activity: Activity, reporting: ReportingOrg, default_lang: str
) -> None:
    participants = sorted(activity.participants.all(), key=lambda p: (p.role, p.pk))
    if not participants:
        # The schema requires one: the provider (or the secretariat) carries the activity out.
        attrs = {"role": ParticipantRole.IMPLEMENTING.value}
        provider = activity.provider
        if provider is not None:
            ref = _org_ref(provider, reporting)
            if ref:
                attrs["ref"] = _attribute(ref)
            if provider.iati_type:
                attrs["type"] = provider.iati_type
            names = _organization_names(provider)
        else:
            attrs.update(ref=_attribute(reporting.ref), type=reporting.type)
            names = reporting.names
        org = etree.SubElement(root, "participating-org", attrs)
        _narratives(org, names, default_lang)
        return
    for participant in participants:
        organization = participant.organization
        attrs = {"role": participant.role}
        ref = participant.ref or (_org_ref(organization, reporting) if organization else "")
        kind = participant.org_type or (organization.iati_type if organization else "")
        if ref:
            attrs["ref"] = _attribute(ref)
        if kind:
            attrs["type"] = kind
        org = etree.SubElement(root, "participating-org", attrs)
        if organization is not None:
            _narratives(org, _organization_names(organization), default_lang)
        elif participant.name:
            _narratives(org, {default_lang: participant.name}, default_lang)


def _activity_level(rows: Iterable[Any]) -> list[Any]:
    """The rows given at activity level, or, when there are none, those read from transactions."""
    rows = list(rows)
    own = [row for row in rows if not row.from_transactions]
    return own or rows


def _recipients(root: etree._Element, activity: Activity) -> None:
    recipients = sorted(
        _activity_level(activity.recipients.all()),
        key=lambda r: (
            r.state is None,
            r.state.iso2 if r.state else "",
            r.region_vocabulary,
            r.region_code,
        ),
    )
    only_one = len(recipients) == 1
    for recipient in recipients:
        percentage = recipient.percentage
        if percentage is None and only_one:
            percentage = Decimal(100)
        if recipient.state is not None:
            element = etree.SubElement(root, "recipient-country", code=recipient.state.iso2)
        else:
            element = etree.SubElement(
                root,
                "recipient-region",
                code=recipient.region_code,
                vocabulary=recipient.region_vocabulary or "1",
            )
        if percentage is not None:
            element.set("percentage", _decimal(percentage))
    # Country elements come before region elements in the schema: sort placed them so.


def _sectors(root: etree._Element, activity: Activity) -> None:
    sectors = sorted(_activity_level(activity.sectors.all()), key=lambda s: (s.vocabulary, s.code))
    per_vocabulary: dict[str, int] = {}
    for sector in sectors:
        vocabulary = sector.vocabulary or "1"
        per_vocabulary[vocabulary] = per_vocabulary.get(vocabulary, 0) + 1
    for sector in sectors:
        vocabulary = sector.vocabulary or "1"
        element = etree.SubElement(root, "sector", vocabulary=vocabulary, code=sector.code)
        percentage = sector.percentage
        if percentage is None and per_vocabulary[vocabulary] == 1:
            percentage = Decimal(100)
        if percentage is not None:
            element.set("percentage", _decimal(percentage))


def _budget(root: etree._Element, activity: Activity) -> None:
    rows = sorted(
        activity.budgets.all(),
        key=lambda b: (b.period_start or date.min, b.period_end or date.min, b.kind, b.pk),
    )
    if rows:
        # Each budget as published or recorded: its period, type, status and currency. One
        # without its period cannot be expressed in IATI and is left out.
        for row in rows:
            start, end = row.period_start, row.period_end
            if start is None or end is None:
                continue
            attrs = {"type": row.kind or "1"}
            if row.status:
                attrs["status"] = row.status
            budget = etree.SubElement(root, "budget", attrs)
            etree.SubElement(budget, "period-start", {"iso-date": _date(start)})
            etree.SubElement(budget, "period-end", {"iso-date": _date(end)})
            value = etree.SubElement(
                budget, "value", {"value-date": _date(row.value_date or start)}
            )
            if row.currency and row.currency != activity.default_currency:
                value.set("currency", row.currency)
            value.text = _decimal(row.value)
        return
    start = activity.actual_start or activity.planned_start
    end = activity.actual_end or activity.planned_end
    if activity.budget is None or start is None or end is None:
        # A budget needs its period; without dates the total cannot be expressed in IATI.
        return
    # BudgetType 1: original; BudgetStatus 1: indicative. The total is one budget over the
    # whole activity (IATI recommends yearly budgets; the model holds only the total).
    budget = etree.SubElement(root, "budget", type="1", status="1")
    etree.SubElement(budget, "period-start", {"iso-date": _date(start)})
    etree.SubElement(budget, "period-end", {"iso-date": _date(end)})
    value = etree.SubElement(budget, "value", {"value-date": _date(start)})
    value.text = _decimal(activity.budget)


def _transactions(root: etree._Element, activity: Activity) -> None:
    transactions = sorted(
        activity.transactions.all(), key=lambda t: (t.date or date.min, t.kind, t.pk)
    )
    for tx in transactions:
        element = etree.SubElement(root, "transaction")
        etree.SubElement(element, "transaction-type", code=tx.kind)
        day = tx.date or tx.value_date
        tx_date = etree.SubElement(element, "transaction-date")
        if day is not None:
            tx_date.set("iso-date", _date(day))
        value = etree.SubElement(element, "value")
        if tx.currency:
            value.set("currency", tx.currency)
        value_day = tx.value_date or tx.date
        if value_day is not None:
            value.set("value-date", _date(value_day))
        value.text = _decimal(tx.value)
        if tx.provider_ref:
            etree.SubElement(element, "provider-org", ref=_attribute(tx.provider_ref))
        if tx.receiver_ref:
            etree.SubElement(element, "receiver-org", ref=_attribute(tx.receiver_ref))


def _documents(root: etree._Element, activity: Activity, default_lang: str) -> None:
    for document in sorted(activity.documents.all(), key=lambda d: d.pk):
        media_type = document.format or mimetypes.guess_type(document.url)[0] or "text/html"
        element = etree.SubElement(
            root, "document-link", url=_attribute(document.url), format=_attribute(media_type)
        )
        title = etree.SubElement(element, "title")
        _narratives(title, document.title or {default_lang: document.url}, default_lang)
        # DocumentCategory A12 "Activity web page" for a web page without a category; any other
        # document without one is left without and the validation says so.
        category = document.category or ("A12" if media_type == "text/html" else "")
        if category:
            etree.SubElement(element, "category", code=category)
        for code in _languages_in(document.title, default_lang):
            etree.SubElement(element, "language", code=code)


# -- helpers ----------------------------------------------------------------------------------


def _narratives(parent: etree._Element, texts: dict[str, str] | None, default_lang: str) -> None:
    """A narrative per language held, the default language first and without xml:lang."""
    held = _held(texts)
    for code in _ordered_languages(held, default_lang):
        narrative = etree.SubElement(parent, "narrative")
        if code != default_lang:
            narrative.set(XML_LANG, code)
        narrative.text = held[code]


def _held(texts: dict[str, str] | None) -> dict[str, str]:
    held: dict[str, str] = {}
    for key, text in (texts or {}).items():
        code = _language_code(key)
        cleaned = _clean(text or "").strip()
        if code and cleaned and code not in held:
            held[code] = cleaned
    return held


def _ordered_languages(held: dict[str, str], default_lang: str) -> list[str]:
    order = {code: i for i, code in enumerate(UN_LANGUAGES)}
    rest = sorted(
        (code for code in held if code != default_lang),
        key=lambda c: (order.get(c, len(order)), c),
    )
    return ([default_lang] if default_lang in held else []) + rest


def _languages_in(texts: dict[str, str] | None, default_lang: str) -> list[str]:
    return _ordered_languages(_held(texts), default_lang)


def _language_code(key: str) -> str:
    return str(key).strip().replace("_", "-").split("-")[0].lower()


def _default_language(activity: Activity) -> str:
    held = _held(activity.title)
    preferred = _language_code(activity.default_language or "")
    if preferred:
        return preferred
    if "en" in held:
        return "en"
    return next(iter(held), "en")


def _org_ref(org: Organization, reporting: ReportingOrg) -> str:
    """The organisation's IATI identifier; the secretariat's is the reporting one's."""
    if org.kind == OrganizationKind.SECRETARIAT:
        return org.iati_ref or reporting.ref
    return org.iati_ref


def _organization_names(org: Organization) -> dict[str, str]:
    names = {code: getattr(org, f"name_{code}", "") for code in LANGUAGE_FIELDS}
    return {code: text for code, text in names.items() if text}


def _derived_status(activity: Activity) -> str:
    """ActivityStatus from the dates when none was recorded: 1 pipeline, 2 implementation,
    3 finalisation (ended; whether the accounts are closed is not known here)."""
    today = timezone.localdate()
    if activity.actual_end is not None and activity.actual_end <= today:
        return "3"
    if activity.actual_start is not None and activity.actual_start <= today:
        return "2"
    return "1"


def _history_dates(queryset: QuerySet[Activity]) -> dict[int, datetime]:
    """When each activity was last changed here (simple-history), for last-updated-datetime."""
    historical = Activity.history.model
    rows = (
        historical.objects.filter(id__in=queryset.values("pk"))
        .values("id")
        .annotate(last=Max("history_date"))
    )
    return {row["id"]: row["last"] for row in rows}


def _clean(text: str) -> str:
    return xml_text(str(text))


def _attribute(value: str) -> str:
    """An identifier or address as one line XML can hold: lxml refuses a control character in
    an attribute, and one record typed or pasted with one stopped the file of every activity."""
    return " ".join(_clean(value).split())


def _aware(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, UTC)
    return moment


def _datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _date(day: date) -> str:
    return day.isoformat()


def _decimal(value: Decimal | int | float) -> str:
    number = Decimal(str(value))
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


# -- validation -------------------------------------------------------------------------------


def validate_iati(
    content: bytes,
    version: str = IATI_VERSION,
    *,
    schema_dir: Path | None = None,
    codelists: bool = True,
) -> list[str]:
    """Problems with an IATI activity file: schema errors, then codelist and rule errors.

    An empty list means the file is valid. Each problem names the line and, where known,
    the iati-identifier of the activity it is in.
    """
    return [
        _where_text(line, identifier) + message
        for line, identifier, message in _problems(
            content, version, schema_dir=schema_dir, codelists=codelists
        )
    ]


# (line or None, iati-identifier of the activity it is in or "", message)
Problem = tuple[int | None, str, str]


def _problems(
    content: bytes,
    version: str = IATI_VERSION,
    *,
    schema_dir: Path | None = None,
    codelists: bool = True,
) -> list[Problem]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        document = etree.parse(io.BytesIO(content), parser)
    except etree.XMLSyntaxError as exc:
        return [(None, "", _("Not well-formed XML: %(error)s") % {"error": exc})]
    if getattr(document.docinfo, "doctype", "") or document.docinfo.internalDTD is not None:
        # IATI files have no DTD; one here can only declare entities (XXE, "billion laughs").
        return [(None, "", _("A DOCTYPE declaration is not allowed in an IATI file."))]
    starts = _activity_starts(document)
    problems: list[Problem] = []
    schema = load_schema(schema_path(version, schema_dir=schema_dir))
    try:
        valid = schema.validate(document)
    except etree.XMLSchemaValidateError as exc:
        return [(None, "", _("The schema validation could not run: %(error)s") % {"error": exc})]
    if not valid:
        for error in cast(Iterable[Any], schema.error_log):
            problems.append((error.line, _identifier_at(starts, error.line), error.message))
    if codelists:
        problems.extend(_rule_problems(document, starts))
    return problems


def _activity_starts(document: etree._ElementTree) -> list[tuple[int, str]]:
    starts = []
    for activity in document.getroot().iterfind("iati-activity"):
        identifier = (activity.findtext("iati-identifier") or "").strip()
        starts.append((_line(activity), identifier))
    return starts


def _line(element: etree._Element) -> int:
    line: Any = getattr(element, "sourceline", None)
    return int(line or 0)


def _identifier_at(starts: list[tuple[int, str]], line: int | None) -> str:
    identifier = ""
    for start, ident in starts:
        if line is not None and start <= line:
            identifier = ident
    return identifier


def _where_text(line: int | None, identifier: str) -> str:
    if line is None:
        return ""
    if identifier:
        return _("line %(line)s, activity %(identifier)s: ") % {
            "line": line,
            "identifier": identifier,
        }
    return _("line %(line)s: ") % {"line": line}


class _Codes:
    """Codes of the IATI codelists loaded in the reference data; an empty list checks nothing."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, bool]] = {}

    def problem(self, codelist: str, code: str) -> str | None:
        if codelist not in self._cache:
            self._cache[codelist] = dict(
                CodelistItem.objects.filter(codelist__name=codelist).values_list(
                    "code", "withdrawn"
                )
            )
        codes = self._cache[codelist]
        if not codes:
            return None
        if code not in codes:
            return _("“%(code)s” is not in the IATI %(codelist)s codelist") % {
                "code": code,
                "codelist": codelist,
            }
        if codes[code]:
            return _("“%(code)s” is withdrawn from the IATI %(codelist)s codelist") % {
                "code": code,
                "codelist": codelist,
            }
        return None


# (xpath relative to iati-activity, attribute, codelist)
_CODED: tuple[tuple[str, str, str], ...] = (
    (".//narrative", XML_LANG, "Language"),
    ("reporting-org", "type", "OrganisationType"),
    ("participating-org", "type", "OrganisationType"),
    ("participating-org", "role", "OrganisationRole"),
    ("activity-status", "code", "ActivityStatus"),
    ("activity-date", "type", "ActivityDateType"),
    ("recipient-country", "code", "Country"),
    ("budget", "type", "BudgetType"),
    ("budget", "status", "BudgetStatus"),
    ("transaction/transaction-type", "code", "TransactionType"),
    (".//value", "currency", "Currency"),
    ("document-link/category", "code", "DocumentCategory"),
    ("document-link/language", "code", "Language"),
    ("description", "type", "DescriptionType"),
)


def _rule_problems(document: etree._ElementTree, starts: list[tuple[int, str]]) -> list[Problem]:
    codes = _Codes()
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for activity in document.getroot().iterfind("iati-activity"):

        def report(element: etree._Element, message: str) -> None:
            line = _line(element)
            problems.append((line, _identifier_at(starts, line), message))

        identifier = (activity.findtext("iati-identifier") or "").strip()
        if identifier in seen:
            report(
                activity,
                _("the identifier %(identifier)s is repeated (first at line %(line)s)")
                % {"identifier": identifier, "line": seen[identifier]},
            )
        else:
            seen[identifier] = _line(activity)

        for name, codelist in (("default-currency", "Currency"), (XML_LANG, "Language")):
            code = activity.get(name)
            if code:
                problem = codes.problem(codelist, code)
                if problem:
                    report(activity, problem)
        for path, attribute, codelist in _CODED:
            for element in activity.iterfind(path):
                code = element.get(attribute)
                if code:
                    problem = codes.problem(codelist, code)
                    if problem:
                        report(element, problem)
        for element in activity.iterfind("recipient-region"):
            if element.get("vocabulary", "1") == "1":
                problem = codes.problem("Region", element.get("code", ""))
                if problem:
                    report(element, problem)
        for element in activity.iterfind("sector"):
            sector_list = {"1": "Sector", "2": "SectorCategory"}.get(element.get("vocabulary", "1"))
            if sector_list:
                problem = codes.problem(sector_list, element.get("code", ""))
                if problem:
                    report(element, problem)

        if not activity.get("default-currency"):
            for amount in activity.iterfind(".//value"):
                if not amount.get("currency"):
                    report(
                        amount,
                        _("a value has no currency and the activity has no default-currency"),
                    )

        # Countries and the regions of one vocabulary share the activity (100 %); a publisher
        # may describe the same split again in another region vocabulary (DAC and UN M49).
        countries = activity.findall("recipient-country")
        regions: dict[str, list[etree._Element]] = {}
        for region in activity.iterfind("recipient-region"):
            regions.setdefault(region.get("vocabulary", "1"), []).append(region)
        for vocabulary_regions in regions.values() or [[]]:
            problem = _percentage_problem(
                countries + vocabulary_regions, _("recipient countries and regions")
            )
            if problem:
                report(activity, problem)
        by_vocabulary: dict[str, list[etree._Element]] = {}
        for sector in activity.iterfind("sector"):
            by_vocabulary.setdefault(sector.get("vocabulary", "1"), []).append(sector)
        for vocabulary, sectors in by_vocabulary.items():
            label = _("sectors of vocabulary %(vocabulary)s") % {"vocabulary": vocabulary}
            problem = _percentage_problem(sectors, label)
            if problem:
                report(activity, problem)

        for budget in activity.iterfind("budget"):
            start = budget.find("period-start")
            end = budget.find("period-end")
            if (
                start is not None
                and end is not None
                and (end.get("iso-date") or "") < (start.get("iso-date") or "")
            ):
                report(budget, _("the budget period ends before it starts"))
    return problems


def _percentage_problem(elements: Iterable[etree._Element], label: str) -> str | None:
    elements = list(elements)
    given = [e.get("percentage") for e in elements]
    if len(elements) < 2 and all(p is None for p in given):
        return None
    if all(p is None for p in given):
        return _("several %(label)s without percentages: say how the activity is split") % {
            "label": label
        }
    if any(p is None for p in given):
        return _("percentages of the %(label)s must be given for all of them or none") % {
            "label": label
        }
    try:
        total = sum((Decimal(p or "0") for p in given), Decimal(0))
    except InvalidOperation:
        return None  # the schema already reports a percentage that is not a number
    if abs(total - 100) > Decimal("0.01"):
        return _("percentages of the %(label)s sum to %(total)s, not 100") % {
            "label": label,
            "total": _decimal(total),
        }
    return None
