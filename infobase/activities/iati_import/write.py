"""Writing a batch of parsed activities: one query finds what is held, then bulk inserts and
updates across every table (history rows written in bulk too); a batch that fails is retried
activity by activity, so one bad activity never sinks the others."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, ClassVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

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
from infobase.core.bulk import copy_rows
from infobase.core.history import reason_with
from infobase.core.search import SearchKeyMixin, declared_parts
from infobase.core.text import fold
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
# The columns of each child table in the order ``Writer.child_rows`` gives their values; the
# activity follows, and any other column takes its default.
CHILD_FIELDS: dict[Any, tuple[str, ...]] = {
    Participant: ("role", "organization_id", "ref", "name", "org_type"),
    Recipient: ("state_id", "region_code", "region_vocabulary", "percentage", "from_transactions"),
    Sector: ("vocabulary", "code", "percentage", "from_transactions"),
    Budget: ("kind", "status", "period_start", "period_end", "value", "currency", "value_date"),
    Description: ("kind", "texts"),
    Transaction: (
        "kind",
        "date",
        "value",
        "currency",
        "value_date",
        "provider_ref",
        "receiver_ref",
    ),
    Document: ("url", "title", "category", "format"),
}
ROWS_PER_QUERY = 500
# The search key of a new activity is computed from its values while ``Activity.search_fields``
# names its own fields first, then its provider's (any other rule: from a model instance, as
# ``SearchKeyMixin`` does).
_DIRECT_KEY_FIELDS = tuple(f for f in Activity.search_fields if "." not in f)
_PROVIDER_KEY_FIELDS = tuple(f for f in Activity.search_fields if f.startswith("provider."))

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


# The rows of an activity's child tables, one list per model of ``CHILDREN``: each row
# converted for its table (``Table.of(model, last="activity_id")``) but for its activity.
ChildRows = tuple[list[tuple[Any, ...]], ...]


@dataclass(slots=True)
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


@dataclass(slots=True)
class Plan:
    """What writing an item does: its outcome for the report and the rows to write."""

    item: Item
    outcome: str
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    activity: Activity | None = None
    # A new activity written as a plain row (no model instance): its column values, and its
    # primary key once inserted.
    values: dict[str, Any] | None = None
    pk: int | None = None
    write: str = ""  # "create", "update", "back" (only unmarked missing) or "" (nothing)
    children: ChildRows = ()
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
        # New activities skip the model instance when their key can be computed from values.
        self.direct_key = (
            Activity.search_fields == _DIRECT_KEY_FIELDS + _PROVIDER_KEY_FIELDS
            and Activity.search_parts is SearchKeyMixin.search_parts
        )
        self.unfiltered = ""
        # A recipient country's region columns, as their defaults.
        defaults = Table.of(Recipient).defaults
        self.recipient_defaults = (defaults["region_code"], defaults["region_vocabulary"])
        # The folded provider parts of the search key, per organization (few, often repeated).
        self.provider_keys: dict[int, list[str]] = {}
        self.child_makers = [
            Table.of(model, last="activity_id").maker(CHILD_FIELDS[model], but_last=True)
            for model in CHILDREN
        ]

    def prepare(self, parsed: Parsed) -> None:
        """Work out what writing ``parsed`` needs from it alone, where it is read (in the
        reading process of a large file, while this one writes): the folded parts of its own
        search key and its child rows, converted for their tables, with the warnings they give.
        Its lists of children are then emptied: handed to another process, plain rows cost
        far less than the objects they come from."""
        parsed.own_key = own_key(parsed)
        parsed.child_warnings = []
        parsed.child_rows = self.child_rows(parsed, parsed.child_warnings)
        parsed.participants = []
        parsed.countries = {}
        parsed.regions = {}
        parsed.sectors = {}
        parsed.budgets = []
        parsed.descriptions = {}
        parsed.transactions = []
        parsed.documents = []

    def write_batch(self, items: list[Item], *, file: str, version: str) -> list[Plan]:
        """Write a batch; returns one plan per item (its outcome, reasons and warnings)."""
        items = [item for item in items if not item.dropped]
        if not items:
            return []
        # The reason of every activity imported without the filter, translated once a batch.
        self.unfiltered = _("imported without the relevance filter")
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
            reasons = decision.reasons if decision else [self.unfiltered]
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
                reasons = [self.unfiltered]
            elif decision.kept:
                reasons = decision.reasons
            else:
                reasons = []
                warnings.append(
                    _("no longer matches the relevance filter; kept, as it was already held")
                )
            outcome = "created" if item.created_in_run else "updated"
            write = "update"
        plan = Plan(item=item, outcome=outcome, reasons=reasons, warnings=warnings, write=write)
        if parsed.child_rows is None:  # parsed by this process, from XML handed over
            self.prepare(parsed)
        if current is None and self.fast and self.direct_key:
            plan.values = self._values(parsed, reasons, file, version)
        else:
            activity = current or Activity(
                iati_identifier=parsed.identifier, source=ActivitySource.IATI, created_by=self.user
            )
            self._fill(activity, parsed, reasons, file, version)
            plan.activity = activity
        plan.children = parsed.child_rows or ()
        warnings.extend(parsed.child_warnings)
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
        for name, value in self._columns(parsed, reasons, file, version).items():
            setattr(activity, name, value)

    def _columns(
        self, parsed: Parsed, reasons: list[str], file: str, version: str
    ) -> dict[str, Any]:
        """What an import sets on an activity it creates or updates, but its provider."""
        return {
            **_parsed_columns(parsed),
            "iati_version": version[:10],
            "source_file": file[:300],
            "missing_from_source": False,
            "relevance": reasons,
        }

    def _values(
        self, parsed: Parsed, reasons: list[str], file: str, version: str
    ) -> dict[str, Any]:
        """The column values of a new activity (what ``_fill`` sets on an instance), its search
        key included."""
        org, kind, state_id = self._provider_of(parsed)
        values = {
            "iati_identifier": parsed.identifier,
            "source": ActivitySource.IATI,
            "created_by_id": getattr(self.user, "pk", None),
            "provider_id": org.pk if org is not None else None,
            "provider_kind": kind,
            "provider_state_id": state_id,
            **self._columns(parsed, reasons, file, version),
        }
        values[Activity.search_key_field] = self._search_key(values, org, parsed.own_key)
        return values

    def _search_key(
        self, values: dict[str, Any], org: Organization | None, own: list[str] | None = None
    ) -> str:
        """What ``compute_search_key`` gives for these values: the same parts in the same
        order, folded, empty ones left out, each once; the provider's parts folded once per
        organization. ``own``: the folded parts of the activity's own fields, when known."""
        folded = _folded_parts(values) if own is None else list(own)
        if org is not None:
            provider = self.provider_keys.get(org.pk)
            if provider is None:
                owner = SimpleNamespace(provider=org)
                provider = self.provider_keys[org.pk] = [
                    fold(part) for part in declared_parts(owner, _PROVIDER_KEY_FIELDS)
                ]
            folded.extend(provider)
        return " | ".join(dict.fromkeys(text for text in folded if text))

    def _provider_of(self, parsed: Parsed) -> tuple[Organization | None, str, int | None]:
        """The provider of an activity: the organization we know by its reporting-org ref,
        the kind of provider and the providing State's id."""
        org = self.orgs.get(parsed.reporting_ref.lower()) if parsed.reporting_ref else None
        if org is not None:
            kind = PROVIDER_KIND_BY_ORGANIZATION.get(org.kind, ProviderKind.OTHER)
            return org, kind, org.state_id if kind == ProviderKind.STATE else None
        kind = _KIND_BY_IATI_TYPE.get(parsed.reporting_type, ProviderKind.OTHER)
        state_id = None
        if kind == ProviderKind.STATE:
            # Government publishers' identifiers start with their ISO country code (GB-GOV-1).
            prefix = parsed.reporting_ref[:3]
            if len(prefix) == 3 and prefix[2] == "-":
                state_id = self.states.get(prefix[:2].upper()) or None
        return None, kind, state_id

    def _provider(self, parsed: Parsed, activity: Activity) -> None:
        org, kind, state_id = self._provider_of(parsed)
        activity.provider = org
        activity.provider_kind = kind
        # A known organization's State is held with it: set as an object, no query.
        activity.provider_state = org.state if org is not None and state_id else None
        if org is None and state_id:
            activity.provider_state_id = state_id

    def child_rows(self, parsed: Parsed, warnings: list[str]) -> ChildRows:
        """The rows of the child tables (see ``ChildRows``), inserted in bulk without building
        model instances; a recipient country we do not know is left out with a warning."""
        (
            make_participant,
            make_recipient,
            make_sector,
            make_budget,
            make_transaction,
            make_description,
            make_document,
        ) = self.child_makers
        orgs = self.orgs
        participants = []
        for org in parsed.participants:
            match = orgs.get(org.ref.lower()) if org.ref else None
            participants.append(
                make_participant(
                    (org.role, match.pk if match else None, org.ref, org.name, org.org_type)
                )
            )
        recipients = []
        no_region, default_vocabulary = self.recipient_defaults
        for code, (pct, from_txn) in parsed.countries.items():
            state_id = self.states.get(code)
            if state_id is None:
                warnings.append(
                    _("recipient-country %(code)s is not a State we know; left out")
                    % {"code": code[:10]}
                )
                continue
            recipients.append(
                make_recipient((state_id, no_region, default_vocabulary, pct, from_txn))
            )
        for (vocabulary, code), (pct, from_txn) in parsed.regions.items():
            recipients.append(make_recipient((None, code, vocabulary, pct, from_txn)))
        sectors = [
            make_sector((vocabulary, code, pct, from_txn))
            for (vocabulary, code), (pct, from_txn) in parsed.sectors.items()
        ]
        budgets = [
            make_budget(
                (b.kind, b.status, b.period_start, b.period_end, b.value, b.currency, b.value_date)
            )
            for b in parsed.budgets
        ]
        descriptions = [
            make_description((kind, texts)) for kind, texts in sorted(parsed.descriptions.items())
        ]
        transactions = [
            make_transaction(
                (
                    t.kind,
                    t.date,
                    t.value,
                    t.currency,
                    t.value_date,
                    t.provider_ref,
                    t.receiver_ref,
                )
            )
            for t in parsed.transactions
        ]
        documents = [
            make_document((d.url, d.title, d.category, d.format)) for d in parsed.documents
        ]
        return (
            participants,
            recipients,
            sectors,
            budgets,
            transactions,
            descriptions,
            documents,
        )

    # -- writing

    def _history(self, activities: list[Activity], kind: str, reason: str) -> None:
        """The history rows of written activities, in bulk: what django-simple-history's
        ``bulk_history_create`` records (tracked fields, date, user, reason, type), inserted
        without building historical model instances."""
        names = [f.attname for f in Activity.history.model.tracked_fields]
        self._history_rows(
            [{name: getattr(activity, name) for name in names} for activity in activities],
            kind,
            reason,
        )

    def _history_rows(
        self,
        activities: list[dict[str, Any]],
        kind: str,
        reason: str,
        *,
        written: tuple[Table, list[tuple[Any, ...]], list[int]] | None = None,
    ) -> None:
        """The history rows of activities given by their column values (``id`` included;
        values of other columns are ignored). ``written``: the activities' rows as just
        inserted (table, rows, ids), whose converted values are taken as they are."""
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        table = Table.of(Activity.history.model)
        entry: dict[str, Any] = {
            "history_date": timezone.now(),
            "history_change_reason": reason,
            "history_type": kind,
            "history_user_id": getattr(self.user, "pk", None),
            # Its recipients and other parts are not recorded in bulk (the file records them).
            "parts": {},
        }
        copier = table.copier(written[0], ("id", *entry)) if written else None
        if written and copier is not None:
            _source, rows, pks = written
            tail = tuple(table.value(name, value) for name, value in entry.items())
            table.insert(
                [copier((*row, pk, *tail)) for row, pk in zip(rows, pks, strict=True)],
                copy=self.fast,
            )
            return
        table.insert([table.row(values, entry) for values in activities], copy=self.fast)

    def _write(self, plans: list[Plan], file: str) -> None:
        new = [p for p in plans if p.write == "create" and p.values is not None]
        creates = [p.activity for p in plans if p.write == "create" and p.activity]
        updates = [p.activity for p in plans if p.write == "update" and p.activity]
        backs = [p.activity for p in plans if p.write == "back" and p.activity]
        created = reason_with(gettext_noop("imported from IATI file %(file)s"), file=file)
        if new:
            new_values = [p.values for p in new if p.values is not None]
            pks, table, rows = _insert_activities(new_values)
            for plan, pk in zip(new, pks, strict=True):
                plan.pk = pk
            self._history_rows(new_values, "+", created, written=(table, rows, pks))
        if creates:
            if self.fast:
                for activity in creates:
                    activity.refresh_search_key()
                pks, _table, _rows = _insert_activities([a.__dict__ for a in creates])
                for activity, pk in zip(creates, pks, strict=True):
                    activity.pk = pk
            else:
                Activity.objects.bulk_create(creates, batch_size=ROWS_PER_QUERY)
                if any(a.pk is None for a in creates):  # a database that returns no ids
                    ids = _fetch_ids([a.iati_identifier for a in creates])
                    for activity in creates:
                        activity.pk = ids[activity.iati_identifier]
            self._history(creates, "+", created)
        if updates:
            Activity.objects.bulk_update(
                updates,
                UPDATED_FIELDS,
                batch_size=ROWS_PER_QUERY,
            )
            self._history(
                updates,
                "~",
                reason_with(gettext_noop("updated from IATI file %(file)s"), file=file),
            )
            pks = [a.pk for a in updates]
            for model in CHILDREN:
                for start in range(0, len(pks), ROWS_PER_QUERY):
                    chunk = pks[start : start + ROWS_PER_QUERY]
                    model.objects.filter(activity_id__in=chunk).delete()
        if backs:
            Activity.objects.bulk_update(backs, ["missing_from_source"], batch_size=ROWS_PER_QUERY)
            self._history(backs, "~", gettext_noop("back in the publisher's file"))
        by_model: list[list[tuple[Any, ...]]] = [[] for _model in CHILDREN]
        memberships: list[Any] = []
        themes: list[tuple[int, int]] = []
        through = Activity.instruments.through
        for plan in plans:
            if plan.write not in ("create", "update"):
                continue
            owner = plan.activity.pk if plan.activity is not None else plan.pk
            if owner is None:
                continue
            last = (owner,)
            for rows, made in zip(by_model, plan.children, strict=True):
                if made:
                    rows.extend([row + last for row in made])
            memberships.extend(
                through(activity_id=owner, instrument_id=instrument)
                for instrument in sorted(plan.instruments)
            )
            themes.extend((owner, article) for article in sorted(plan.articles))
        for child, rows in zip(CHILDREN, by_model, strict=True):
            Table.of(child, last="activity_id").insert(rows, copy=self.fast)
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
        _keep_instruments(
            [
                plan.activity.pk if plan.activity is not None else plan.pk
                for plan in plans
                if plan.write
            ]
        )


def _keep_instruments(pks: list[int | None]) -> None:
    """Each written activity's instruments copied into the version of its history this batch
    wrote (its newest), as ``core.history.HistoryWithMany`` keeps them on a save: one statement
    per chunk of activities, the copies in key order. Run once the instruments are written."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    ids = sorted({pk for pk in pks if pk is not None})
    field = Activity._meta.get_field("instruments")
    through: Any = Activity.instruments.through
    history: Any = Activity.history.model
    kept: Any = HistoricalRecords.m2m_models[field]
    own = through._meta.get_field(field.m2m_field_name()).column
    target = through._meta.get_field(field.m2m_reverse_field_name()).column
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        for start in range(0, len(ids), ROWS_PER_QUERY):
            chunk = ids[start : start + ROWS_PER_QUERY]
            # Names come from the models; the activities' keys are bound.
            cursor.execute(
                "INSERT INTO {kept} ({id}, {version}, {own}, {target}) "  # noqa: S608
                "SELECT t.{id}, h.{version}, t.{own}, t.{target} FROM {through} t "
                "JOIN (SELECT {id}, MAX({version}) AS {version} FROM {history} "
                "WHERE {id} IN ({keys}) GROUP BY {id}) h ON h.{id} = t.{own} "
                "ORDER BY h.{version}, t.{id}".format(
                    kept=quote(kept._meta.db_table),
                    id=quote("id"),
                    version=quote("history_id"),
                    own=quote(own),
                    target=quote(target),
                    through=quote(through._meta.db_table),
                    history=quote(history._meta.db_table),
                    keys=", ".join(["%s"] * len(chunk)),
                ),
                chunk,
            )


def _parsed_columns(parsed: Parsed) -> dict[str, Any]:
    """The columns an import sets from the parsed activity alone."""
    dates = parsed.dates
    return {
        "reporting_org_ref": parsed.reporting_ref,
        "reporting_org_name": parsed.reporting_name,
        "title": parsed.title,
        "description": parsed.description,
        "default_language": parsed.language,
        "status": parsed.status,
        **{date_field: dates.get(date_field) for date_field in DATE_FIELDS},
        "default_currency": parsed.currency,
        "budget": parsed.budget,
        "disbursed": parsed.disbursed,
        "last_updated": parsed.last_updated,
        "original_codes": parsed.original_codes,
    }


def _folded_parts(values: dict[str, Any]) -> list[str]:
    """The folded parts of the search key from an activity's own fields, in order."""
    parts: list[Any] = []
    for name in _DIRECT_KEY_FIELDS:
        value = values[name]
        if isinstance(value, dict):
            parts.extend(value.values())
        elif isinstance(value, list | tuple):
            parts.extend(value)
        else:
            parts.append(value)
    return [fold(str(part)) for part in parts if part]


# Whether the search key's own parts come from the parsed activity alone.
_OWN_KEY_FROM_PARSED = set(_DIRECT_KEY_FIELDS) <= {
    "iati_identifier",
    *_parsed_columns(Parsed(identifier="", line=None)),
}


def own_key(parsed: Parsed) -> list[str] | None:
    """The folded parts of a new activity's search key from its own fields, worked out where
    the activity is read (folding is a good part of writing a new activity); None when the
    model's search fields need more than the parsed activity."""
    if not _OWN_KEY_FROM_PARSED:
        return None
    return _folded_parts({"iati_identifier": parsed.identifier, **_parsed_columns(parsed)})


def _fetch_ids(identifiers: list[str]) -> dict[str, int]:
    """The primary keys of just-inserted activities, found by their identifiers."""
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
    return ids


def _insert_activities(
    activities: list[dict[str, Any]],
) -> tuple[list[int], Table, list[tuple[Any, ...]]]:
    """Insert new activities given by their column values (search key included) as plain
    rows; returns their primary keys, in order (also set as ``id`` in the values). On
    PostgreSQL the ids are taken from the table's sequence first and the rows copied in with
    them; elsewhere they are read back by identifier. Also returns the table and the rows
    written (converted values, for the history rows)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        table = Table.of(Activity, with_pk=True)
        with db.cursor() as cursor:
            # Names come from the model; the count is bound.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table.name, Activity._meta.pk.column, len(activities)],
            )
            pks = [pk for (pk,) in cursor.fetchall()]
        for values, pk in zip(activities, pks, strict=True):
            values["id"] = pk
        rows = [table.row(values) for values in activities]
        table.insert(rows, copy=True)
        return pks, table, rows
    table = Table.of(Activity)
    rows = [table.row(values) for values in activities]
    table.insert(rows, copy=False)
    ids = _fetch_ids([values["iati_identifier"] for values in activities])
    pks = [ids[values["iati_identifier"]] for values in activities]
    for values, pk in zip(activities, pks, strict=True):
        values["id"] = pk
    return pks, table, rows


class Table:
    """A model's table written as plain rows: its columns, each value converted for the
    database once (no model instance built, no INSERT compiled per batch)."""

    _cache: dict[tuple[str, Any, bool, str], Table] = {}

    def __init__(self, model: Any, *, with_pk: bool = False, last: str = "") -> None:
        """``last``: the attribute name of a column put last (a child row's activity, known
        only when it is written)."""
        # The converters use only the backend's value adapters, never a cursor: a Table may be
        # shared by threads, each inserting through its own connection.
        db = connections[DEFAULT_DB_ALIAS]
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        fields.sort(key=lambda f: f.attname == last)  # stable: the others keep their order
        self.name = model._meta.db_table
        self.columns = [f.column for f in fields]
        # Each column's default, then its value picked from attribute name → value in one call.
        self.defaults = {f.attname: f.get_default() for f in fields}
        self.attnames = [f.attname for f in fields]
        self.pick = itemgetter(*self.attnames)
        converters = [_converter(f, db) for f in fields]
        # (position, converter) of the columns whose values are converted (None stays None).
        self.converters = [
            (position, converter)
            for position, converter in enumerate(converters)
            if converter is not _as_is
        ]
        # How each column's value is converted: columns of one kind take each other's values.
        self.kinds = [
            "" if converter is _as_is else f.get_internal_type()
            for f, converter in zip(fields, converters, strict=True)
        ]

    @classmethod
    def of(cls, model: Any, *, with_pk: bool = False, last: str = "") -> Table:
        key = (connections[DEFAULT_DB_ALIAS].vendor, model, with_pk, last)
        table = cls._cache.get(key)
        if table is None:
            table = cls._cache[key] = cls(model, with_pk=with_pk, last=last)
        return table

    def row(self, values: dict[str, Any], more: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """One row from attribute name → value, ``more`` taking precedence (a missing one takes
        the field's default; other names are ignored)."""
        picked = self.pick(
            {**self.defaults, **values, **more} if more else {**self.defaults, **values}
        )
        if len(self.columns) == 1:
            picked = (picked,)
        return self._converted(tuple(picked))

    def _converted(self, picked: tuple[Any, ...]) -> tuple[Any, ...]:
        """A row of values as picked, each converted for its column (None stays None)."""
        if not self.converters:
            return picked
        row = list(picked)
        for position, convert in self.converters:
            value = row[position]
            if value is not None:
                row[position] = convert(value)
        return tuple(row)

    def maker(
        self, names: Sequence[str], *, but_last: bool = False
    ) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
        """A function making a row from the values of the columns ``names``, in that order
        (the others take their defaults). ``but_last``: the row without its last column, whose
        value is added when it is written (``row + (value,)``, needing no conversion)."""
        attnames = self.attnames[:-1] if but_last else self.attnames
        missing = [name for name in attnames if name not in names]
        tail = tuple(self.defaults[name] for name in missing)
        index = [
            list(names).index(name) if name in names else len(names) + missing.index(name)
            for name in attnames
        ]
        unknown = set(names) - set(attnames)
        if unknown:
            raise ValueError(f"{self.name} has no columns {sorted(unknown)}")
        if but_last and any(at == len(attnames) for at, _convert in self.converters):
            raise ValueError(f"the last column of {self.name} is converted")
        pick = itemgetter(*index) if len(index) > 1 else lambda values: (values[index[0]],)
        converted = self._converted

        def make(values: tuple[Any, ...]) -> tuple[Any, ...]:
            return converted(pick(values + tail) if tail else pick(values))

        return make

    def value(self, name: str, value: Any) -> Any:
        """``value`` converted for the column of attribute ``name``."""
        position = self.attnames.index(name)
        for at, convert in self.converters:
            if at == position and value is not None:
                return convert(value)
        return value

    def copier(self, source: Table, extra: Sequence[str]) -> Callable[..., tuple[Any, ...]] | None:
        """A function making a row of this table from a converted row of ``source`` followed by
        the converted values of the ``extra`` columns; None when a column is in neither or
        is converted otherwise in ``source``."""
        kinds = dict(zip(source.attnames, source.kinds, strict=True))
        positions = {name: at for at, name in enumerate(source.attnames)}
        index = []
        for name, kind in zip(self.attnames, self.kinds, strict=True):
            if name in extra:
                index.append(len(source.attnames) + list(extra).index(name))
            elif kinds.get(name) == kind and name in positions:
                index.append(positions[name])
            else:
                return None
        return itemgetter(*index) if len(index) > 1 else None

    def insert(self, rows: list[tuple[Any, ...]], *, copy: bool) -> None:
        """Insert converted rows: ``COPY`` on PostgreSQL when ``copy``, else one prepared
        statement per chunk."""
        if not rows:
            return
        db = connections[DEFAULT_DB_ALIAS]
        if copy and db.vendor == "postgresql":
            copy_rows(self.name, self.columns, rows)
            return
        quote = db.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with db.cursor() as cursor:
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
    if kind == "DecimalField" and db.vendor == "sqlite":
        # What Django's SQLite backend binds for a Decimal (its registered adapter): text that
        # also crosses from the reading process far more cheaply than a Decimal.
        return str
    if kind in _AS_IS or (db.vendor == "postgresql" and kind in ("DateField", "DateTimeField")):
        # psycopg adapts dates and aware datetimes itself (Django passes them through too).
        return _as_is
    if kind == "DateField" and db.vendor == "sqlite":
        return str  # what Django's SQLite backend stores for a date: its ISO text
    if kind == "JSONField" and field.encoder is None:
        # What Django stores for a JSONField without an encoder: the json.dumps text.
        return _json
    prepare = field.get_db_prep_save
    return lambda value: prepare(value, db)


def _as_is(value: Any) -> Any:
    return value


def _json(value: Any) -> str:
    """``json.dumps(value)``; empty containers (most descriptions and codes) without a call."""
    if not value:
        if type(value) is dict:
            return "{}"
        if type(value) is list:
            return "[]"
    return json.dumps(value)
