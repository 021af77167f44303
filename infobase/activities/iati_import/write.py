"""Writing a batch of parsed activities: one query finds what is held, then bulk inserts and
updates across every table (history rows written in bulk too); a batch that fails is retried
activity by activity, so one bad activity never sinks the others."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.activities.iati_import.normalise import Codes, Parsed
from infobase.activities.iati_import.relevance import KEYWORD_TOPICS, Decision
from infobase.activities.models import (
    PROVIDER_KIND_BY_ORGANIZATION,
    Activity,
    ActivitySource,
    Budget,
    Description,
    Document,
    Participant,
    ProviderKind,
    Recipient,
    Sector,
    Theme,
    Transaction,
)
from infobase.reference.models import Article, Instrument, Organization, State

logger = logging.getLogger(__name__)

DATE_FIELDS = ("planned_start", "actual_start", "planned_end", "actual_end")
# The fields an import writes on an activity it updates.
UPDATED_FIELDS = (
    "provider",
    "provider_kind",
    "provider_state",
    "reporting_org_ref",
    "reporting_org_name",
    "title",
    "description",
    "default_language",
    "status",
    *DATE_FIELDS,
    "default_currency",
    "budget",
    "disbursed",
    "last_updated",
    "iati_version",
    "source_file",
    "missing_from_source",
    "relevance",
    "original_codes",
)
CHILDREN = (Participant, Recipient, Sector, Budget, Transaction, Description, Document)
ROWS_PER_QUERY = 500

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


@dataclass
class Item:
    """A parsed activity waiting for its batch to be written."""

    parsed: Parsed
    line: int | None
    decision: Decision | None  # None: imported without the relevance filter
    # A later copy of an identifier whose earlier copy was written in this run: it replaces
    # that copy whatever the dates say; ``created_in_run`` when that copy created the activity.
    force: bool = False
    created_in_run: bool = False
    dropped: bool = False  # superseded by a later copy before its batch was written
    seen: Any = None  # the file's record of this identifier (see pipeline)


@dataclass
class Plan:
    """What writing an item does: its outcome for the report and the rows to write."""

    item: Item
    outcome: str
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    activity: Activity | None = None
    write: str = ""  # "create", "update", "back" (only unmarked missing) or "" (nothing)
    children: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    instruments: set[int] = field(default_factory=set)
    articles: set[int] = field(default_factory=set)


class Writer:
    """Writes the batches of one import run (reference data read once, into memory).

    ``fast`` (the default) writes new activities, their child rows and all history rows as
    plain rows: ``COPY`` on PostgreSQL, one prepared ``INSERT`` per chunk elsewhere. With
    ``fast=False`` new activities go through the ORM's ``bulk_create``; both write the same
    rows."""

    FAST: ClassVar[bool] = True

    def __init__(self, *, user: Any, codes: Codes, fast: bool | None = None) -> None:
        self.user = user
        self.codes = codes
        self.fast = self.FAST if fast is None else fast
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

    def write_batch(self, items: list[Item], *, file: str, version: str) -> list[Plan]:
        """Write a batch; returns one plan per item (its outcome, reasons and warnings)."""
        items = [item for item in items if not item.dropped]
        if not items:
            return []
        existing = {
            a.iati_identifier: a
            for a in Activity.objects.filter(
                iati_identifier__in=[item.parsed.identifier for item in items]
            )
        }
        plans = [
            self._plan(item, existing.get(item.parsed.identifier), file, version) for item in items
        ]
        try:
            with transaction.atomic():
                self._write(plans, file)
            return plans
        except Exception:
            logger.info("IATI batch of %s failed; retried one by one", len(items), exc_info=True)
        # One activity at a time, each in its own savepoint, from fresh copies of what is held.
        existing = {
            a.iati_identifier: a
            for a in Activity.objects.filter(
                iati_identifier__in=[item.parsed.identifier for item in items]
            )
        }
        retried = []
        for item in items:
            plan = self._plan(item, existing.get(item.parsed.identifier), file, version)
            try:
                with transaction.atomic():
                    self._write([plan], file)
            except Exception as exc:  # a database error on one activity never sinks the file
                plan = Plan(
                    item=item,
                    outcome="rejected",
                    reasons=[_("could not be saved: %(error)s") % {"error": str(exc)[:300]}],
                    warnings=plan.warnings,
                )
            retried.append(plan)
        return retried

    # -- planning (no database write)

    def _plan(self, item: Item, current: Activity | None, file: str, version: str) -> Plan:
        parsed = item.parsed
        warnings = list(parsed.warnings)
        if current is not None and current.source != ActivitySource.IATI:
            return Plan(
                item=item,
                outcome="unchanged",
                reasons=[
                    _(
                        "this identifier belongs to an activity not imported from IATI; "
                        "not overwritten"
                    )
                ],
                warnings=warnings,
            )
        decision = item.decision
        if current is None:
            reasons = decision.reasons if decision else [_("imported without the relevance filter")]
            outcome, write = "created", "create"
        else:
            newer = item.force or (
                parsed.last_updated is not None
                and (current.last_updated is None or parsed.last_updated > current.last_updated)
            )
            if not newer:
                if current.missing_from_source:
                    current.missing_from_source = False
                    return Plan(
                        item=item,
                        outcome="updated",
                        reasons=[_("back in the publisher's file")],
                        warnings=warnings,
                        activity=current,
                        write="back",
                    )
                return Plan(item=item, outcome="unchanged", warnings=warnings)
            if decision is None:
                reasons = [_("imported without the relevance filter")]
            elif decision.kept:
                reasons = decision.reasons
            else:
                reasons = []
                warnings.append(
                    _("no longer matches the relevance filter; kept, as it was already held")
                )
            outcome = "created" if item.created_in_run else "updated"
            write = "update"
        activity = current or Activity(
            iati_identifier=parsed.identifier, source=ActivitySource.IATI, created_by=self.user
        )
        self._fill(activity, parsed, reasons, file, version)
        plan = Plan(
            item=item,
            outcome=outcome,
            reasons=reasons,
            warnings=warnings,
            activity=activity,
            write=write,
        )
        plan.children = self._children(parsed, warnings)
        for key in decision.keywords if decision else ():
            topic = KEYWORD_TOPICS.get(key)
            if topic is None:
                continue
            code, numbers = topic
            if code in self.instruments:
                plan.instruments.add(self.instruments[code])
            plan.articles.update(
                self.articles[(code, n)] for n in numbers if (code, n) in self.articles
            )
        return plan

    def _fill(
        self, activity: Activity, parsed: Parsed, reasons: list[str], file: str, version: str
    ) -> None:
        self._provider(parsed, activity)
        activity.reporting_org_ref = parsed.reporting_ref
        activity.reporting_org_name = parsed.reporting_name
        activity.title = parsed.title
        activity.description = parsed.description
        activity.default_language = parsed.language
        activity.status = parsed.status
        for date_field in DATE_FIELDS:
            setattr(activity, date_field, parsed.dates.get(date_field))
        activity.default_currency = parsed.currency
        activity.budget = parsed.budget
        activity.disbursed = parsed.disbursed
        activity.last_updated = parsed.last_updated
        activity.iati_version = version[:10]
        activity.source_file = file[:300]
        activity.missing_from_source = False
        activity.relevance = reasons
        activity.original_codes = parsed.original_codes

    def _provider(self, parsed: Parsed, activity: Activity) -> None:
        org = self.orgs.get(parsed.reporting_ref.lower()) if parsed.reporting_ref else None
        activity.provider = org
        activity.provider_state = None
        if org is not None:
            activity.provider_kind = PROVIDER_KIND_BY_ORGANIZATION.get(org.kind, ProviderKind.OTHER)
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

    def _children(self, parsed: Parsed, warnings: list[str]) -> list[tuple[Any, dict[str, Any]]]:
        """The rows of the child tables, as (model, column values) without the activity: plain
        dictionaries, inserted in bulk without building model instances."""
        rows: list[tuple[Any, dict[str, Any]]] = []
        for org in parsed.participants:
            match = self.orgs.get(org.ref.lower()) if org.ref else None
            rows.append(
                (
                    Participant,
                    {
                        "role": org.role,
                        "organization_id": match.pk if match else None,
                        "ref": org.ref,
                        "name": org.name,
                        "org_type": org.org_type,
                    },
                )
            )
        for code, (pct, from_txn) in parsed.countries.items():
            state_id = self.states.get(code)
            if state_id is None:
                warnings.append(
                    _("recipient-country %(code)s is not a State we know; left out")
                    % {"code": code[:10]}
                )
                continue
            rows.append(
                (
                    Recipient,
                    {"state_id": state_id, "percentage": pct, "from_transactions": from_txn},
                )
            )
        for (vocabulary, code), (pct, from_txn) in parsed.regions.items():
            rows.append(
                (
                    Recipient,
                    {
                        "region_code": code,
                        "region_vocabulary": vocabulary,
                        "percentage": pct,
                        "from_transactions": from_txn,
                    },
                )
            )
        for (vocabulary, code), (pct, from_txn) in parsed.sectors.items():
            rows.append(
                (
                    Sector,
                    {
                        "vocabulary": vocabulary,
                        "code": code,
                        "percentage": pct,
                        "from_transactions": from_txn,
                    },
                )
            )
        for b in parsed.budgets:
            rows.append(
                (
                    Budget,
                    {
                        "kind": b.kind,
                        "status": b.status,
                        "period_start": b.period_start,
                        "period_end": b.period_end,
                        "value": b.value,
                        "currency": b.currency,
                        "value_date": b.value_date,
                    },
                )
            )
        for kind, texts in sorted(parsed.descriptions.items()):
            rows.append((Description, {"kind": kind, "texts": texts}))
        for t in parsed.transactions:
            rows.append(
                (
                    Transaction,
                    {
                        "kind": t.kind,
                        "date": t.date,
                        "value": t.value,
                        "currency": t.currency,
                        "value_date": t.value_date,
                        "provider_ref": t.provider_ref,
                        "receiver_ref": t.receiver_ref,
                    },
                )
            )
        for d in parsed.documents:
            rows.append(
                (
                    Document,
                    {"url": d.url, "title": d.title, "category": d.category, "format": d.format},
                )
            )
        return rows

    # -- writing

    def _history(self, activities: list[Activity], kind: str, reason: str) -> None:
        """The history rows of written activities, in bulk: what django-simple-history's
        ``bulk_history_create`` records (tracked fields, date, user, reason, type), inserted
        without building historical model instances."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        historical = Activity.history.model
        names = [f.attname for f in historical.tracked_fields]
        now = timezone.now()
        user_id = getattr(self.user, "pk", None)
        table = Table.of(historical)
        table.insert(
            [
                table.row(
                    {
                        **{name: getattr(activity, name) for name in names},
                        "history_date": now,
                        "history_change_reason": reason,
                        "history_type": kind,
                        "history_user_id": user_id,
                    }
                )
                for activity in activities
            ],
            copy=self.fast,
        )

    def _write(self, plans: list[Plan], file: str) -> None:
        creates = [p.activity for p in plans if p.write == "create" and p.activity]
        updates = [p.activity for p in plans if p.write == "update" and p.activity]
        backs = [p.activity for p in plans if p.write == "back" and p.activity]
        if creates:
            if self.fast:
                _create_activities(creates)
            else:
                Activity.objects.bulk_create(creates, batch_size=ROWS_PER_QUERY)
                if any(a.pk is None for a in creates):  # a database that returns no ids
                    _fetch_ids(creates)
            self._history(creates, "+", _("imported from IATI file %(file)s") % {"file": file})
        if updates:
            Activity.objects.bulk_update(
                updates,
                UPDATED_FIELDS,
                batch_size=ROWS_PER_QUERY,
            )
            self._history(updates, "~", _("updated from IATI file %(file)s") % {"file": file})
            pks = [a.pk for a in updates]
            for model in CHILDREN:
                for start in range(0, len(pks), ROWS_PER_QUERY):
                    chunk = pks[start : start + ROWS_PER_QUERY]
                    model.objects.filter(activity_id__in=chunk).delete()
        if backs:
            Activity.objects.bulk_update(backs, ["missing_from_source"], batch_size=ROWS_PER_QUERY)
            self._history(backs, "~", _("back in the publisher's file"))
        tables = {model: Table.of(model) for model in CHILDREN}
        by_model: dict[Any, list[tuple[Any, ...]]] = {model: [] for model in CHILDREN}
        memberships: list[Any] = []
        themes: list[tuple[int, int]] = []
        through = Activity.instruments.through
        for plan in plans:
            if plan.write not in ("create", "update") or plan.activity is None:
                continue
            pk = plan.activity.pk
            for model, values in plan.children:
                values["activity_id"] = pk
                by_model[model].append(tables[model].row(values))
            memberships.extend(
                through(activity_id=pk, instrument_id=instrument)
                for instrument in sorted(plan.instruments)
            )
            themes.extend((pk, article) for article in sorted(plan.articles))
        for model, rows in by_model.items():
            tables[model].insert(rows, copy=self.fast)
        if memberships:
            through.objects.bulk_create(
                memberships, batch_size=ROWS_PER_QUERY, ignore_conflicts=True
            )
        if themes:
            held = set(
                Theme.objects.filter(
                    activity_id__in={pk for pk, _article in themes},
                    article_id__in={article for _pk, article in themes},
                ).values_list("activity_id", "article_id")
            )
            Theme.objects.bulk_create(
                (
                    Theme(activity_id=pk, article_id=article)
                    for pk, article in themes
                    if (pk, article) not in held
                ),
                batch_size=ROWS_PER_QUERY,
            )


def _fetch_ids(activities: list[Activity]) -> None:
    """Set the primary keys of just-inserted activities, found by their identifiers."""
    identifiers = [a.iati_identifier for a in activities]
    ids: dict[str, int] = {}
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    table = quote(Activity._meta.db_table)
    pk = quote(Activity._meta.get_field("id").column or "id")
    with db.cursor() as cursor:
        for start in range(0, len(identifiers), ROWS_PER_QUERY):
            chunk = identifiers[start : start + ROWS_PER_QUERY]
            # Names come from the model; the identifiers are bound.
            cursor.execute(
                "SELECT {}, {} FROM {} WHERE {} IN ({})".format(  # noqa: S608
                    quote("iati_identifier"),
                    pk,
                    table,
                    quote("iati_identifier"),
                    ", ".join(["%s"] * len(chunk)),
                ),
                chunk,
            )
            ids.update(cursor.fetchall())
    for activity in activities:
        activity.pk = ids[activity.iati_identifier]


def _create_activities(activities: list[Activity]) -> None:
    """Insert new activities as plain rows, search keys included. On PostgreSQL the ids are
    taken from the table's sequence first and the rows copied in with them; elsewhere they are
    read back by identifier."""
    for activity in activities:
        activity.refresh_search_key()
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        table = Table.of(Activity, with_pk=True)
        with db.cursor() as cursor:
            # Names come from the model; the count is bound.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table.name, Activity._meta.pk.column, len(activities)],
            )
            for activity, (pk,) in zip(activities, cursor.fetchall(), strict=True):
                activity.pk = pk
        table.insert([table.row(a.__dict__) for a in activities], copy=True)
        return
    table = Table.of(Activity)
    table.insert([table.row(a.__dict__) for a in activities], copy=False)
    _fetch_ids(activities)


class Table:
    """A model's table written as plain rows: its columns, each value converted for the
    database once (no model instance built, no INSERT compiled per batch)."""

    _cache: dict[tuple[str, Any, bool], Table] = {}

    def __init__(self, model: Any, *, with_pk: bool = False) -> None:
        # The converters use only the backend's value adapters, never a cursor: a Table may be
        # shared by threads, each inserting through its own connection.
        db = connections[DEFAULT_DB_ALIAS]
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.name = model._meta.db_table
        self.columns = [f.column for f in fields]
        converters = [_converter(f, db) for f in fields]
        # (attribute, default, converter or None when the value goes as it is)
        self.spec = [
            (f.attname, f.get_default(), None if c is _as_is else c)
            for f, c in zip(fields, converters, strict=True)
        ]

    @classmethod
    def of(cls, model: Any, *, with_pk: bool = False) -> Table:
        key = (connections[DEFAULT_DB_ALIAS].vendor, model, with_pk)
        table = cls._cache.get(key)
        if table is None:
            table = cls._cache[key] = cls(model, with_pk=with_pk)
        return table

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        """One row from attribute name → value (a missing one takes the field's default)."""
        get = values.get
        return tuple(
            [
                value if convert is None or value is None else convert(value)
                for name, default, convert in self.spec
                for value in (get(name, default),)
            ]
        )

    def insert(self, rows: list[tuple[Any, ...]], *, copy: bool) -> None:
        """Insert converted rows: ``COPY`` on PostgreSQL when ``copy``, else one prepared
        statement per chunk."""
        if not rows:
            return
        db = connections[DEFAULT_DB_ALIAS]
        quote = db.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with db.cursor() as cursor:
            if copy and db.vendor == "postgresql":
                # Table and column names come from the model (quoted); rows go as data.
                with cursor.copy(f"COPY {quote(self.name)} ({columns}) FROM STDIN") as stream:
                    for row in rows:
                        stream.write_row(row)
                return
            sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
                quote(self.name), columns, ", ".join(["%s"] * len(self.columns))
            )
            for start in range(0, len(rows), ROWS_PER_QUERY * 4):
                cursor.executemany(sql, rows[start : start + ROWS_PER_QUERY * 4])


# Fields whose Python values the database drivers take as they are (Decimal included: psycopg
# adapts it, and Django registers it with sqlite3; the importer quantizes amounts itself).
_AS_IS = frozenset(
    {
        "DecimalField",
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _converter(field: Any, db: Any) -> Any:
    kind = field.get_internal_type()
    if kind in _AS_IS or (db.vendor == "postgresql" and kind in ("DateField", "DateTimeField")):
        # psycopg adapts dates and aware datetimes itself (Django passes them through too).
        return _as_is
    if kind == "DateField" and db.vendor == "sqlite":
        return str  # what Django's SQLite backend stores for a date: its ISO text
    if kind == "JSONField" and field.encoder is None:
        # What Django stores for a JSONField without an encoder: the json.dumps text.
        return json.dumps
    prepare = field.get_db_prep_save
    return lambda value: prepare(value, db)


def _as_is(value: Any) -> Any:
    return value
