"""The stored score table (``NeedScore``): every need's priority score as the last refresh
computed it, so that the register filters, sorts and pages in SQL.

A need's score (``scoring``) reads:

- the need itself: its State, article, kind, status, ``first_seen`` (age: the day of the
  refresh counts), pin and exclusion;
- its evidence (``NeedEvidence``): the stated urgency of the answers and requests behind it;
- the State's validated questionnaires: the severity of the article (confidential answers
  only for a need resting only on confidential evidence);
- the coverage links to current and planned activities (accepted and hand-made);
- the breadth of its article and kind: how many States have an open, evidenced,
  non-confidential need of the same article and kind (overall and in its regional group), and
  the largest such numbers over the register;
- the weights in use and the themes of the active work programmes.

``need_scores_refresh`` computes the facts of the needs concerned (``scoring.needs_facts``),
hashes them with the weights, themes and ``SCORE_VERSION`` (``NeedScore.fingerprint``) and
rewrites only the rows whose hash changed:

- without ``need_ids`` (the derivation job, the command, the daily run): every need is read
  again and compared; the rows of needs whose inputs changed are rewritten;
- with ``need_ids`` (a coverage link decided, a decision on needs): only those needs and the
  needs of the same article and kind (their breadth may change) are read; when that moves one
  of the register's largest breadths, when the weights, themes or scoring version differ from
  the table's, or when the day changed since (every age moves), every need is read;
- ``full``: every row is rewritten.

Who refreshes: the derivation job and ``infobase needs-derive`` (every need), a background job
after a coverage link is saved or removed (its need) and after an edit of the work programmes,
their themes or the weights (every need), and the register's decision views at once
(``need_scores_rescore``: the needs decided on). A reader that meets needs without a stored row
(created since, e.g. by a derivation run outside the job) scores them first
(``need_scores_fill``): a page never shows a need without its score. Both of those work in the
day the table's ages count from, so that they never move every age.

The table's state (``DerivationState`` "need-scores") keeps the weights and themes the rows
were computed with, the day their ages count from, the largest breadths, and when every need
was last checked (``as_of``). Explaining a stored row with those weights and themes gives back
its stored total exactly (``score_table``, ``stored_facts``).

The stored score is the same number for every reader: each of its inputs is the need's own or
counts only non-confidential needs (breadth, see ``scoring``), and a need others may see rests
on no confidential answer or request (severity, urgency).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from infobase.core.bulk import copy_rows
from infobase.core.locks import AlreadyRunning, advisory_lock
from infobase.needs.models import DerivationState, Need, NeedScore
from infobase.needs.programmes import ThemeSpec, active_themes
from infobase.needs.scoring import (
    TERMS,
    NeedFacts,
    Weights,
    needs_facts,
    score_totals,
    weights_in_use,
)
from infobase.reference.models import LegalFamily

SCORE_VERSION = 3  # bump when the scoring changes: the next refresh rewrites every row
STATE_NAME = "need-scores"
SCORES_LOCK = "need-scores"
BATCH = 1000


@dataclass(frozen=True)
class ScoreTable:
    """What the stored rows were computed with, and when every need was last checked
    (``as_of`` None: never; the rows then come from the current weights and themes)."""

    weights: Weights
    themes: list[ThemeSpec]
    today: date | None
    as_of: datetime | None
    config: str  # hash of the version, weights and themes
    overall_max: int = 0
    region_max: dict[str, int] | None = None


@dataclass
class ScoresRefresh:
    """What a refresh did (``mode``: "full", "scan" every need, "scoped" to some)."""

    mode: str = "scan"
    read: int = 0  # needs whose facts were computed
    written: int = 0  # rows created or rewritten
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "read": self.read,
            "written": self.written,
            "unchanged": self.unchanged,
        }


# --- The table's configuration -----------------------------------------------------------


def _weights_data(weights: Weights) -> dict[str, str]:
    return {**{name: str(weights.of(name)) for name in TERMS}, "session": weights.session}


def _themes_data(themes: Sequence[ThemeSpec]) -> list[list[Any]]:
    return [
        [
            t.title,
            str(t.weight),
            t.instrument_code,
            sorted(t.article_ids),
            t.kind,
            t.regional_group,
            dict(t.translations),
        ]
        for t in themes
    ]


def config_fingerprint(weights: Weights, themes: Sequence[ThemeSpec]) -> str:
    """What the stored scores depend on: the version, the weights and the themes' weights and
    dimensions. Not the themes' titles, in any language: they explain a score but do not
    move it (the refresh after a title is edited stores the new titles, rewriting no row), nor
    their order, which follows their English titles."""
    dimensions = sorted(row[1:6] for row in _themes_data(themes))
    payload = json.dumps([SCORE_VERSION, _weights_data(weights), dimensions])
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _weights_of(data: dict[str, str]) -> Weights:
    return Weights(**{name: Decimal(data[name]) for name in TERMS}, session=data.get("session", ""))


def _themes_of(data: list[list[Any]]) -> list[ThemeSpec]:
    return [
        ThemeSpec(
            title=title,
            weight=Decimal(weight),
            instrument_code=instrument,
            article_ids=frozenset(articles),
            kind=kind,
            regional_group=group,
            # Stored before themes had translations: none.
            translations=tuple(sorted((translations[0] if translations else {}).items())),
        )
        for title, weight, instrument, articles, kind, group, *translations in data
    ]


def score_table() -> ScoreTable:
    """The table's configuration as its last complete refresh stored it (one query); the
    current weights and themes when it was never refreshed."""
    state = DerivationState.objects.filter(name=STATE_NAME).first()
    table = _table(state)
    if table is not None:
        return table
    weights, themes = weights_in_use(), active_themes()
    return ScoreTable(weights, themes, None, None, config_fingerprint(weights, themes))


def _table(state: DerivationState | None) -> ScoreTable | None:
    if state is None or state.data.get("v") != SCORE_VERSION:
        return None
    data = state.data
    try:
        return ScoreTable(
            weights=_weights_of(data["weights"]),
            themes=_themes_of(data["themes"]),
            today=parse_date(data["today"]),
            as_of=parse_datetime(data["as_of"]),
            config=state.fingerprint,
            overall_max=int(data["overall_max"]),
            region_max={k: int(v) for k, v in data["region_max"].items()},
        )
    except (KeyError, TypeError, ValueError):
        return None


# --- Rows --------------------------------------------------------------------------------


def _values(facts: NeedFacts) -> tuple[Any, ...]:
    """What a row stores of ``facts`` (besides its total), in ``_FIELDS`` order."""
    return (
        facts.severity,
        facts.urgency,
        facts.breadth_overall,
        facts.breadth_overall_max,
        facts.breadth_region,
        facts.breadth_region_max,
        facts.coverage.normalize(),
        facts.age_days,
        facts.pinned,
        facts.excluded,
        facts.state_iso3,
        facts.instrument_position,
        facts.article_number,
        facts.kind,
    )


_FIELDS = (
    "severity",
    "urgency",
    "breadth_overall",
    "breadth_overall_max",
    "breadth_region",
    "breadth_region_max",
    "coverage",
    "age_days",
    "pinned",
    "excluded",
    "state_iso3",
    "instrument_position",
    "article_number",
    "kind",
)


def row_fingerprint(config: str, facts: NeedFacts, values: tuple[Any, ...]) -> str:
    """A hash of what the row of ``facts`` stores (``values``: ``_values(facts)``) and of the
    table's configuration."""
    payload = repr((config, facts.regional_group, facts.instrument_code, values))
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def stored_facts(row: NeedScore, need: Need) -> NeedFacts:
    """The facts a stored row was computed from (``need`` with its State and article's
    instrument loaded): explained with the table's weights and themes, they give back the
    stored total."""
    state = need.state
    return NeedFacts(
        need_id=need.pk,
        state_iso3=row.state_iso3,
        regional_group=state.regional_group or "",
        legal_families=tuple(
            f.value for f in LegalFamily if getattr(state, f"legal_{f.value}", False)
        ),
        instrument_code=need.article.instrument.code,
        instrument_position=row.instrument_position,
        article_id=need.article_id,
        article_number=row.article_number,
        kind=row.kind,
        severity=row.severity,
        urgency=row.urgency,
        breadth_overall=row.breadth_overall,
        breadth_overall_max=row.breadth_overall_max,
        breadth_region=row.breadth_region,
        breadth_region_max=row.breadth_region_max,
        coverage=row.coverage,
        age_days=row.age_days,
        pinned=row.pinned,
        excluded=row.excluded,
        ranking_reason=need.ranking_reason,
        status=need.status,
    )


# --- The refresh -------------------------------------------------------------------------


def _chunks(values: Iterable[int], size: int = BATCH) -> Iterable[list[int]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _scope(need_ids: Collection[int]) -> QuerySet[Need]:
    """``need_ids`` and the needs of the same article and kind (their breadth moves together)."""
    articles_of: dict[str, set[int]] = {}
    for article_id, kind in (
        Need.objects.filter(pk__in=list(need_ids)).order_by().values_list("article_id", "kind")
    ):
        articles_of.setdefault(kind, set()).add(article_id)
    # One test per kind, not per (article, kind): SQLite refuses an expression of more than
    # 1,000 levels, which a test per pair reached at world scale.
    same = Q(pk__in=list(need_ids))
    for kind, articles in sorted(articles_of.items()):
        same |= Q(kind=kind, article_id__in=sorted(articles))
    return Need.objects.filter(same)


def _maxima(facts: Iterable[NeedFacts]) -> tuple[int | None, dict[str, int]]:
    overall: int | None = None
    region: dict[str, int] = {}
    for f in facts:
        overall = f.breadth_overall_max
        if f.regional_group:
            region[f.regional_group] = f.breadth_region_max
    return overall, region


def _moved(facts: list[NeedFacts], table: ScoreTable) -> bool:
    """Whether ``facts`` show a largest breadth other than the table's (every row moves)."""
    overall, region = _maxima(facts)
    stored = table.region_max or {}
    return (overall is not None and overall != table.overall_max) or any(
        stored.get(group, 0) != value for group, value in region.items()
    )


_COLUMNS = ("need_id", "total", *_FIELDS, "computed_at", "fingerprint")


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """Rows (``_COLUMNS`` order) written through the cursor's ``executemany``: tens of
    thousands of rows in one statement prepared once (the ORM's batches cost ten times more);
    ``COPY`` on PostgreSQL."""
    if not rows:
        return
    column_of = {f.attname: str(f.column) for f in NeedScore._meta.concrete_fields}
    if connection.vendor == "postgresql":
        copy_rows(NeedScore._meta.db_table, [column_of[name] for name in _COLUMNS], rows)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column_of[name]) for name in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {quote(NeedScore._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


@transaction.atomic
def need_scores_refresh(
    *,
    need_ids: Collection[int] | None = None,
    today: date | None = None,
    full: bool = False,
) -> ScoresRefresh:
    """Bring the stored scores up to date (see the module's docstring): every need, or only
    ``need_ids`` and the needs their change can move; ``full`` rewrites every row."""
    today = today or timezone.localdate()
    weights, themes = weights_in_use(), active_themes()
    config = config_fingerprint(weights, themes)
    state = DerivationState.objects.select_for_update().filter(name=STATE_NAME).first()
    table = _table(state)
    result = ScoresRefresh(mode="full" if full else "scan")
    facts: list[NeedFacts] | None = None
    scoped = not full and need_ids is not None and table is not None
    if scoped and table is not None and table.config == config and table.today == today:
        result.mode = "scoped"
        if not need_ids:
            return result
        facts = needs_facts(_scope(need_ids or ()), today=today)
        if _moved(facts, table):
            facts, result.mode = None, "scan"
    if facts is None:
        facts = needs_facts(Need.objects.all(), today=today)
    result.read = len(facts)

    ids = [f.need_id for f in facts]
    stored: dict[int, str] = {}
    if result.mode == "scoped":
        for chunk in _chunks(ids):
            stored.update(
                NeedScore.objects.filter(need_id__in=chunk).values_list("need_id", "fingerprint")
            )
    elif not full:
        stored = dict(NeedScore.objects.values_list("need_id", "fingerprint"))
    now = timezone.now()
    stamp = NeedScore._meta.get_field("computed_at").get_db_prep_save(now, connection)
    changed = []  # (facts, stored values, fingerprint) of the rows to write
    for f in facts:
        values = _values(f)
        fingerprint = row_fingerprint(config, f, values)
        if full or stored.get(f.need_id) != fingerprint:
            changed.append((f, values, fingerprint))
    totals = score_totals([f for f, _v, _fp in changed], weights, themes)
    rows = [
        (f.need_id, total, *values, stamp, fingerprint)
        for (f, values, fingerprint), total in zip(changed, totals, strict=True)
    ]
    if full:
        NeedScore.objects.all().delete()
    else:
        for chunk in _chunks(r[0] for r in rows if r[0] in stored):
            NeedScore.objects.filter(need_id__in=chunk).delete()
    _insert(rows)
    result.written = len(rows)
    result.unchanged = len(facts) - len(rows)
    if result.mode != "scoped":
        overall, region = _maxima(facts)
        data = {
            "v": SCORE_VERSION,
            "weights": _weights_data(weights),
            "themes": _themes_data(themes),
            "today": today.isoformat(),
            "as_of": now.isoformat(),
            "overall_max": overall or 0,
            "region_max": region,
        }
        DerivationState.objects.update_or_create(
            name=STATE_NAME, defaults={"fingerprint": config, "data": data}
        )
    return result


def need_scores_refresh_exclusive(
    *, need_ids: Collection[int] | None = None, today: date | None = None, wait: float = 300
) -> ScoresRefresh:
    """``need_scores_refresh`` holding the table's lock (jobs and the command: two refreshes
    at once would write the same rows)."""
    with advisory_lock(SCORES_LOCK, wait=wait):
        return need_scores_refresh(need_ids=need_ids, today=today)


def need_scores_rescore(*, need_ids: Collection[int]) -> ScoresRefresh:
    """Rescore ``need_ids`` (and the needs their change can move) now, in the day the table's
    ages count from: what a person just decided shows at once, without moving every age."""
    table = _table(DerivationState.objects.filter(name=STATE_NAME).first())
    if table is None:
        return need_scores_refresh()
    return need_scores_refresh(need_ids=need_ids, today=table.today)


FILL_WAIT = 60.0  # seconds a reader waits for a refresh already running (a web request)
# Needs a reader scores itself; more is a background job's work (a derivation run outside the
# job at world scale leaves 50,000 needs without a score: a minute of work in a web request).
FILL_LIMIT = 1000


def need_scores_fill(*, needs_qs: QuerySet[Need], wait: float | None = None) -> int:
    """Score now the needs of ``needs_qs`` that have no stored row yet (one query when there is
    none), in the day the table's ages count from; returns how many are still without a row.

    Readers that meet the same missing rows at once (the first pages after a derivation run
    outside the job) take turns on the table's lock and look again once they hold it: the
    rows one wrote are not written twice. When a refresh holds the lock longer than ``wait``
    seconds, or more than ``FILL_LIMIT`` needs have no row (a refresh of every need is queued
    then), the needs stay without a row until it is done: the count returned says how many
    the register cannot show yet (it says so on the page)."""
    missing = _missing(needs_qs)
    if len(missing) > FILL_LIMIT:
        from infobase.needs.jobs import need_scores_catch_up  # the jobs module imports this one

        need_scores_catch_up()
        return len(_missing(needs_qs))  # none left when the job ran at once (tests)
    if missing:
        try:
            with advisory_lock(SCORES_LOCK, wait=FILL_WAIT if wait is None else wait):
                missing = _missing(needs_qs)
                if missing:
                    need_scores_rescore(need_ids=missing)
        except AlreadyRunning:
            return len(missing)
    return 0


def _missing(needs_qs: QuerySet[Need]) -> list[int]:
    return list(needs_qs.filter(stored_score__isnull=True).order_by().values_list("pk", flat=True))
