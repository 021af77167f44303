"""Suggested links between open needs and current activities (``suggest_links``).

For every open need, the candidate activities are those whose recipients include the need's
State, or an IATI region (vocabulary 1, the OECD DAC regions) that contains it
(``words.region_states``). Each candidate is scored:

=================  ======  ================================================================
signal             weight  when
=================  ======  ================================================================
same article       0.40    a theme of the activity names the need's article
same instrument    0.25    only without the same article: a theme's article or one of the
                           activity's instruments is of the need's instrument
DAC sector         0.15    a DAC 5-digit sector (vocabulary 1) of the activity is consistent
                           with the need (``SECTORS_BY_INSTRUMENT``, ``SECTORS_BY_ARTICLE``,
                           ``SECTORS_BY_KIND``)
same kind          0.10    a theme of the activity names the need's kind of assistance
text               0.35 ×  similarity between the need's words and the activity's
                   sim     title and description (below)
=================  ======  ================================================================

The sum is multiplied by 1 for a recipient State and by ``REGION_FACTOR`` (0.6) when the State
is reached only through a region, and kept to 3 decimal places. A candidate becomes a
suggestion when its confidence reaches ``MIN_CONFIDENCE`` (0.3) and it has a signal besides the
kind of assistance; each need keeps its ``MAX_PER_NEED`` (10) best suggestions.

Text similarity is language-agnostic: the need's words are the article's title, the
instrument's short name and the kind of assistance's label, in each of the six languages; the
activity's words are its title and description in every language it has (``words.words``
folds, drops and stems them). Words found in more than a quarter of the activities considered
say nothing and are dropped too. The similarity is the best, over the six languages, of the
share of the need's words found in the activity, where ``TEXT_FULL_MATCH`` (4) words in common
count as a full match (the need's words in one language are often a dozen: title, instrument
and kind together).

Links made or decided by a person (manual, accepted, rejected) are never touched; suggestions
that no longer qualify are removed; running twice changes nothing. Suggestions are written in
bulk without history rows (they are machine-made); decisions are recorded with history.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from infobase.activities.coverage.counting import DECIDED_STATUSES, current_q
from infobase.activities.coverage.matching import (
    COMMON_WORD_MIN_ACTIVITIES,
    COMMON_WORD_SHARE,
    ActivityFacts,
    ArticleFacts,
    best_links,
)
from infobase.activities.coverage.words import region_states, texts_of, words
from infobase.activities.iati_import.write import Table
from infobase.activities.models import Activity, LinkStatus, NeedLink, Recipient, Sector, Theme
from infobase.core.collector import collector_paused
from infobase.core.i18n import format_percent, list_separator
from infobase.needs.models import DerivationState, Need, NeedStatus
from infobase.reference.models import Article, AssistanceKind, Instrument, State

# The database's arithmetic of row_hash: the fingerprint of the stored suggestions.
_M = 2147483647  # a prime below 2**31: per-row hashes stay far from 64-bit overflow
_K = 2654435761


def row_hash(first: Any, *parts: Any) -> ExpressionWrapper:
    """A hash of one row, computed by the database (SQLite and PostgreSQL alike): changing
    any of ``parts`` (non-negative integers) changes it, except by a rare coincidence."""
    value = (first * _K) % _M
    for part in parts:
        value = (value * (part + 3)) % _M
    return ExpressionWrapper(value, output_field=BigIntegerField())


def code_of(name: str, values: Sequence[str]) -> Case:
    """A text field as a small number (its place among ``values``; 0 for any other)."""
    return Case(
        *[When(**{name: v}, then=Value(i + 1)) for i, v in enumerate(values)],
        default=Value(0),
        output_field=IntegerField(),
    )


def reason_text(reason: Mapping[str, Any]) -> str:
    """A stored reason in the active language."""
    code = reason.get("code", "")
    p = reason.get("params", {})
    if code == "state":
        return _("The need's State is a recipient of the activity.")
    if code == "region":
        return _("Regional activity (IATI region %(region)s) that includes the need's State.") % {
            "region": p.get("region", "")
        }
    if code == "article":
        return _("Addresses the same article (%(article)s).") % {"article": p.get("article", "")}
    if code == "instrument":
        return _("Addresses the same instrument (%(instrument)s).") % {
            "instrument": p.get("instrument", "")
        }
    if code == "sector":
        return _("DAC sector %(codes)s is consistent with the need.") % {
            "codes": list_separator().join(p.get("codes", []))
        }
    if code == "kind":
        return _("Same kind of assistance (%(kind)s).") % {
            "kind": AssistanceKind(p["kind"]).label if p.get("kind") in AssistanceKind else ""
        }
    if code == "text":
        return _("Words in common with the need (%(percent)s): %(words)s.") % {
            "percent": format_percent(p.get("percent", 0), 0),
            "words": list_separator().join(p.get("words", [])),
        }
    return str(code)


def reason_texts(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    return [reason_text(r) for r in reasons or ()]


SUGGEST_STATE = "coverage-suggestions"  # the DerivationState of the last whole run
SUGGEST_VERSION = 1  # bump when the scoring changes: the next run computes everything


@dataclass
class SuggestResult:
    needs: int = 0  # open needs considered
    activities: int = 0  # current and planned activities considered
    suggested: int = 0  # qualifying suggestions kept (created + updated + unchanged)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # stale suggestions deleted
    decided: int = 0  # qualifying pairs already decided by a person (left as they are)
    skipped: bool = False  # nothing had changed since the last whole run: nothing computed


def _need_texts(
    articles: Mapping[int, Article], kinds: Iterable[str]
) -> tuple[dict[int, list[frozenset[str]]], dict[str, list[frozenset[str]]]]:
    """Words per language of each article (title, instrument) and of each kind's label."""
    suffixes = ("ar", "zh", "en", "fr", "ru", "es")
    by_article = {
        pk: [
            frozenset(
                words(getattr(a, f"title_{s}", "") or "")
                | words(getattr(a.instrument, f"short_name_{s}", "") or "")
            )
            for s in suffixes
        ]
        for pk, a in articles.items()
    }
    by_kind: dict[str, list[frozenset[str]]] = {}
    codes = [code for code, _name in settings.LANGUAGES]
    for kind in kinds:
        label = AssistanceKind(kind).label if kind in AssistanceKind.values else kind
        per = []
        for code in codes:
            with translation.override(code):
                per.append(frozenset(words(str(label))))
        by_kind[kind] = per
    return by_article, by_kind


def _links_state() -> list[int]:
    """A hash of the link table (rows, need, activity, status): it changes when anything
    writes a link, the suggestions or a person."""
    figures = NeedLink.objects.aggregate(
        n=Count("pk"),
        top=Max("pk"),
        h=Sum(
            row_hash(F("pk"), F("need_id"), F("activity_id"), code_of("status", LinkStatus.values))
        ),
    )
    return [figures["n"], figures["top"] or 0, int(figures["h"] or 0)]


def _decoded(stored: str | None) -> Any:
    return json.loads(stored) if stored else None


def _fingerprint(*parts: Iterable[Any]) -> str:
    """A hash of everything a whole run reads (each part an iterable of rows, in a fixed
    order)."""
    digest = hashlib.sha256(str(SUGGEST_VERSION).encode())
    for part in parts:
        digest.update(b"\x1e")
        for row in part:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _insert_suggested(rows: Sequence[tuple[int, int, Decimal, list[dict[str, Any]]]]) -> None:
    """Insert new suggested links (need id, activity id, confidence, reasons) as plain rows:
    a first run writes about ten per open need, too many for a model instance each."""
    table = Table.of(NeedLink)
    table.insert(
        [
            table.row(
                {
                    "need_id": need_id,
                    "activity_id": activity_id,
                    "status": LinkStatus.SUGGESTED.value,
                    "confidence": confidence,
                    "reasons": reasons,
                    "share": Decimal("1"),
                }
            )
            for need_id, activity_id, confidence, reasons in rows
        ],
        copy=True,
    )


def suggest_links(
    *,
    needs: QuerySet[Need] | None = None,
    activities: QuerySet[Activity] | None = None,
    today: date | None = None,
) -> SuggestResult:
    """Compute, store and clean up the suggested links (see the module's docstring).

    A constant number of queries (plus the batched writes) whatever the numbers of needs and
    activities. ``needs``/``activities`` narrow the run: only links between them are touched.
    A whole run (neither given) whose inputs — open needs, current activities with their
    recipients, themes, instruments, sectors and texts, the articles' and kinds' words — and
    link table are those the last whole run read and left returns that run's figures without
    computing anything (``SuggestResult.skipped``).
    """
    # A run makes and keeps millions of small containers (rows, sets of words, reasons).
    with collector_paused():
        return _suggest(needs=needs, activities=activities, today=today)


def _suggest(
    *, needs: QuerySet[Need] | None, activities: QuerySet[Activity] | None, today: date | None
) -> SuggestResult:
    today = today or timezone.localdate()
    result = SuggestResult()
    whole = needs is None and activities is None
    need_scope = needs if needs is not None else Need.objects.all()
    open_needs = list(
        need_scope.filter(status=NeedStatus.OPEN)
        .order_by("pk")
        .values_list("pk", "state_id", "article_id", "kind")
    )
    result.needs = len(open_needs)
    act_scope = (activities if activities is not None else Activity.objects.all()).filter(
        current_q(today)
    )
    act_ids_q = act_scope.order_by().values("pk")

    # Everything the suggestions rest on, read once, in a fixed order.
    states = dict(State.objects.values_list("iso3", "pk"))
    recipient_rows = list(
        Recipient.objects.filter(activity_id__in=act_ids_q)
        .order_by("pk")
        .values_list("activity_id", "state_id", "region_code")
    )
    theme_rows = list(
        Theme.objects.filter(activity_id__in=act_ids_q)
        .order_by("pk")
        .values_list("activity_id", "article_id", "kind")
    )
    through = Activity.instruments.through
    instrument_rows = list(
        through.objects.filter(activity_id__in=act_ids_q)
        .order_by("pk")
        .values_list("activity_id", "instrument_id")
    )
    sector_rows = list(
        Sector.objects.filter(activity_id__in=act_ids_q, vocabulary="1")
        .order_by("pk")
        .values_list("activity_id", "code")
    )
    # The texts as stored (JSON): a rerun without change only hashes them; a run decodes those
    # of the activities it scores.
    text_rows = list(
        act_scope.order_by("pk").values_list(
            "pk", Cast("title", TextField()), Cast("description", TextField())
        )
    )
    articles = {a.pk: a for a in Article.objects.select_related("instrument").order_by("pk")}
    instrument_codes = dict(Instrument.objects.values_list("pk", "code"))
    by_article, by_kind = _need_texts(articles, AssistanceKind.values)

    fingerprint = ""
    if whole:
        fingerprint = _fingerprint(
            open_needs,
            sorted(states.items()),
            recipient_rows,
            theme_rows,
            instrument_rows,
            sector_rows,
            text_rows,
            sorted(instrument_codes.items()),
            ((pk, a.instrument_id, a.number) for pk, a in articles.items()),
            sorted(by_article.items()),
            sorted(by_kind.items()),
        )
        last = DerivationState.objects.filter(name=SUGGEST_STATE).first()
        if (
            last is not None
            and last.fingerprint == fingerprint
            and last.data.get("links") == _links_state()
        ):
            figures = last.data["result"]
            return SuggestResult(
                needs=figures["needs"],
                activities=figures["activities"],
                suggested=figures["suggested"],
                unchanged=figures["suggested"],
                decided=figures["decided"],
                skipped=True,
            )

    need_states = {s for _n, s, _a, _k in open_needs}

    # Activities by recipient State: True for a recipient State, False through a region.
    places: dict[int, dict[int, str]] = defaultdict(dict)  # state → activity → "" or region
    region_cache: dict[str, list[int]] = {}
    for activity_id, state_id, region in recipient_rows:
        if state_id:
            if state_id in need_states:
                places[state_id][activity_id] = ""
            continue
        if region not in region_cache:
            region_cache[region] = [
                states[iso] for iso in region_states(region or "") if iso in states
            ]
        for sid in region_cache[region]:
            if sid in need_states:
                places[sid].setdefault(activity_id, region)

    wanted = {a for acts in places.values() for a in acts}
    facts: dict[int, ActivityFacts] = {a: ActivityFacts() for a in wanted}
    article_instrument = {pk: a.instrument_id for pk, a in articles.items()}
    for activity_id, article_id, kind in theme_rows:
        f = facts.get(activity_id)
        if f is None:
            continue
        if article_id:
            f.articles.add(article_id)
            f.instruments.add(article_instrument[article_id])
        if kind:
            f.kinds.add(kind)
    for activity_id, instrument_id in instrument_rows:
        if activity_id in facts:
            facts[activity_id].instruments.add(instrument_id)
    for activity_id, code in sector_rows:
        if activity_id in facts:
            facts[activity_id].sectors.add(code.strip())

    # Words of the activities, dropping words too common to say anything.
    df: dict[str, int] = defaultdict(int)
    raw_words: dict[int, set[str]] = {}
    for pk, title, description in text_rows:
        if pk not in facts:
            continue
        ws: set[str] = set()
        for text in (*texts_of(_decoded(title)), *texts_of(_decoded(description))):
            ws |= words(text)
        raw_words[pk] = ws
        for w in ws:
            df[w] += 1
    del text_rows, recipient_rows, theme_rows, instrument_rows, sector_rows
    result.activities = len(facts)
    common: set[str] = set()
    if len(raw_words) >= COMMON_WORD_MIN_ACTIVITIES:
        limit = COMMON_WORD_SHARE * len(raw_words)
        common = {w for w, n in df.items() if n > limit}
    for pk, ws in raw_words.items():
        facts[pk].words = frozenset(ws - common)
    del raw_words, df

    per_lang_of = {
        (article_id, kind): [
            lang_words
            for a, k in zip(by_article[article_id], by_kind[kind], strict=True)
            if (lang_words := frozenset((a | k) - common))
        ]
        for article_id in {a for _n, _s, a, _k in open_needs}
        for kind in {k for _n, _s, _a, k in open_needs}
    }
    article_facts = {
        pk: ArticleFacts(a.instrument_id, instrument_codes[a.instrument_id], a.number)
        for pk, a in articles.items()
    }
    suggestions = best_links(
        needs=open_needs,
        places=places,
        facts=facts,
        articles=article_facts,
        per_lang_of=per_lang_of,
    )

    # Compare with the stored links in scope and write the difference.
    existing = NeedLink.objects.filter(need_id__in=need_scope.order_by().values("pk"))
    if activities is not None:
        existing = existing.filter(activity_id__in=activities.order_by().values("pk"))
    to_update: list[NeedLink] = []
    stale: list[int] = []
    seen: set[tuple[int, int]] = set()
    for link in existing.order_by().only(
        "pk", "need_id", "activity_id", "status", "confidence", "reasons"
    ):
        key = (link.need_id, link.activity_id)
        seen.add(key)
        wanted_link = suggestions.get(key)
        if link.status in DECIDED_STATUSES:
            if wanted_link:
                result.decided += 1
            continue
        if wanted_link is None:
            stale.append(link.pk)
            continue
        confidence, reasons = wanted_link
        if link.confidence != confidence or link.reasons != reasons:
            link.confidence, link.reasons = confidence, reasons
            to_update.append(link)
        else:
            result.unchanged += 1
    to_create = [
        (need_id, activity_id, confidence, reasons)
        for (need_id, activity_id), (confidence, reasons) in suggestions.items()
        if (need_id, activity_id) not in seen
    ]
    with transaction.atomic():
        _insert_suggested(to_create)
        NeedLink.objects.bulk_update(to_update, ["confidence", "reasons"], batch_size=2000)
        for start in range(0, len(stale), 5000):
            NeedLink.objects.filter(
                pk__in=stale[start : start + 5000], status=LinkStatus.SUGGESTED
            ).delete()
        result.created, result.updated, result.removed = len(to_create), len(to_update), len(stale)
        result.suggested = result.created + result.updated + result.unchanged
        if whole:  # replaced, not updated: the same statements on the first run as later
            DerivationState.objects.filter(name=SUGGEST_STATE).delete()
            DerivationState.objects.create(
                name=SUGGEST_STATE,
                fingerprint=fingerprint,
                data={"links": _links_state(), "result": asdict(result)},
            )
    return result
