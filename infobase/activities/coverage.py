"""Coverage of needs by activities, gaps and overlaps.

**Which activities count.** Current and planned activities only: not marked missing from
their publisher's file, not ended before ``today`` (the end is the actual end, else the planned
end; an activity with neither has not ended) and not in an IATI ActivityStatus that means it is
over or stopped (3 finalisation, 4 closed, 5 cancelled, 6 suspended).

**Suggestions** (``suggest_links``). For every open need, the candidate activities are those
whose recipients include the need's State, or an IATI region (vocabulary 1, the OECD DAC
regions) that contains it. A region is mapped to States through the UN M49 sub-regions
(``IATI_REGION_M49`` below, ``M49_AREAS`` copied from the UNSD M49 overview, 2024); the mapping
is approximate where DAC and M49 regions differ (e.g. "Middle East" is M49 Western Asia) and
"Developing countries, unspecified" (998) maps to no State. Each candidate is scored:

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
activity's words are its title and description in every language it has. Words are folded
(``infobase.core.text.fold``: case, accents, Arabic spelling variants), Chinese is cut into
character pairs, Arabic loses its article "ال", other words shorter than 4 letters (3 in
Arabic) and a few stop words are dropped, and every word is cut to its first 6 letters (a crude
stem: "laundering"/"launder", "criminalization"/"criminalisation"). Words found in more than a
quarter of the activities considered say nothing and are dropped too. The similarity is the
best, over the six languages, of the share of the need's words found in the activity, where
``TEXT_FULL_MATCH`` (4) words in common count as a full match (the need's words in one
language are often a dozen: title, instrument and kind together).

Links made or decided by a person (manual, accepted, rejected) are never touched; suggestions
that no longer qualify are removed; running twice changes nothing. Suggestions are written in
bulk without history rows (they are machine-made); decisions are recorded with history.

**Coverage** (``coverage_of``): min(1, sum of the shares of the need's accepted and manual
links to current and planned activities). ``coverage_status``: covered at 1, partly above 0,
uncovered at 0. ``coverage_of`` is the default ``CoverageFn`` of ``infobase.needs.scoring``.

**Overlaps** (``overlaps``): at least two providers (the provider organization, else the
reporting organisation's identifier, else its name) with current or planned activities for the
same recipient State (recipient States only, not regions) and the same article — or, for
activities without an article, the same instrument — whose periods overlap (start: actual,
else planned, else open; end: actual, else planned, else open). Each overlap lists the
activities that overlap an activity of another provider.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from infobase.activities.models import (
    Activity,
    LinkStatus,
    NeedLink,
    Recipient,
    Sector,
    Theme,
)
from infobase.core.exporters import Exporter
from infobase.core.text import fold
from infobase.needs.derivation import code_of, row_hash
from infobase.needs.models import DerivationState, Need, NeedStatus
from infobase.needs.selectors import coverage_status, status_label
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    LegalFamily,
    RegionalGroup,
    State,
)

# --- Tables -----------------------------------------------------------------------------

W_ARTICLE = Decimal("0.40")
W_INSTRUMENT = Decimal("0.25")
W_SECTOR = Decimal("0.15")
W_KIND = Decimal("0.10")
W_TEXT = Decimal("0.35")
REGION_FACTOR = Decimal("0.6")
MIN_CONFIDENCE = Decimal("0.3")
MAX_PER_NEED = 10
TEXT_FULL_MATCH = 4  # words in common that make a full text match
COMMON_WORD_SHARE = 0.25  # words in more activities than this share are dropped
COMMON_WORD_MIN_ACTIVITIES = 20  # ... when at least this many activities are considered
ENDED_STATUSES = ("3", "4", "5", "6")  # IATI ActivityStatus: finalisation, closed, cancelled,
# suspended
COUNTING_STATUSES = (LinkStatus.ACCEPTED, LinkStatus.MANUAL)
DECIDED_STATUSES = (LinkStatus.ACCEPTED, LinkStatus.REJECTED, LinkStatus.MANUAL)
PLACES = Decimal("0.001")
# The same weights as floats for the fast first pass (the threshold with a little slack).
F_ARTICLE, F_INSTRUMENT, F_SECTOR = float(W_ARTICLE), float(W_INSTRUMENT), float(W_SECTOR)
F_KIND, F_TEXT, F_REGION = float(W_KIND), float(W_TEXT), float(REGION_FACTOR)
F_MIN = float(MIN_CONFIDENCE) - 0.001

# DAC 5-digit purpose codes (IATI Sector vocabulary 1) consistent with a need.
SECTORS_BY_INSTRUMENT: dict[str, frozenset[str]] = {
    # 15130 legal and judicial development, 15210 security system management and reform,
    # 15132 police, 15134 judicial affairs, 15137 prison system, 16063 narcotics control
    "untoc": frozenset({"15130", "15210", "15132", "15134", "15137", "16063"}),
    # 15190 facilitation of orderly migration, 15136 immigration, 15180 ending violence
    # against women and girls, 15160 human rights
    "tip": frozenset({"15130", "15132", "15134", "15136", "15190", "15180", "15160"}),
    "som": frozenset({"15130", "15132", "15134", "15136", "15190"}),
    # 15240 reintegration and SALW control, 15250 removal of land mines and ERW
    "firearms": frozenset({"15130", "15132", "15210", "15240"}),
}
SECTORS_BY_ARTICLE: dict[tuple[str, int], frozenset[str]] = {
    # Money-laundering: 24010 financial policy and administrative management
    ("untoc", 6): frozenset({"24010"}),
    ("untoc", 7): frozenset({"24010"}),
    # Corruption: 15113 anti-corruption organisations and institutions
    ("untoc", 8): frozenset({"15113"}),
    ("untoc", 9): frozenset({"15113"}),
    # Border measures, documents: 15136 immigration
    ("tip", 11): frozenset({"15136"}),
    ("tip", 12): frozenset({"15136"}),
    ("som", 11): frozenset({"15136"}),
    ("som", 12): frozenset({"15136"}),
}
SECTORS_BY_KIND: dict[str, frozenset[str]] = {
    AssistanceKind.LEGISLATIVE: frozenset({"15130"}),
    AssistanceKind.MODEL_LEGISLATION: frozenset({"15130"}),
    # 15110 public sector policy and administrative management
    AssistanceKind.INSTITUTION_BUILDING: frozenset({"15110"}),
}

# UN M49 (UNSD overview, 2024): most specific area → (its States, the areas above it).
M49_AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "005": ("ARG BOL BRA CHL COL ECU GUY PER PRY SUR URY VEN", ("419", "019")),  # South America
    "011": ("BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SLE TGO", ("202", "002")),
    "013": ("BLZ CRI GTM HND MEX NIC PAN SLV", ("419", "019")),  # Central America
    "014": (
        "BDI COM DJI ERI ETH KEN MDG MOZ MUS MWI RWA SOM SSD SYC TZA UGA ZMB ZWE",
        ("202", "002"),
    ),  # Eastern Africa
    "015": ("DZA EGY LBY MAR SDN TUN", ("002",)),  # Northern Africa
    "017": ("AGO CAF CMR COD COG GAB GNQ STP TCD", ("202", "002")),  # Middle Africa
    "018": ("BWA LSO NAM SWZ ZAF", ("202", "002")),  # Southern Africa
    "021": ("CAN USA", ("019",)),  # Northern America
    "029": ("ATG BHS BRB CUB DMA DOM GRD HTI JAM KNA LCA TTO VCT", ("419", "019")),  # Caribbean
    "030": ("CHN JPN KOR MNG PRK", ("142",)),  # Eastern Asia
    "034": ("AFG BGD BTN IND IRN LKA MDV NPL PAK", ("142",)),  # Southern Asia
    "035": ("BRN IDN KHM LAO MMR MYS PHL SGP THA TLS VNM", ("142",)),  # South-eastern Asia
    "039": ("ALB AND BIH ESP GRC HRV ITA MKD MLT MNE PRT SMR SRB SVN VAT", ("150",)),
    "053": ("AUS NZL", ("009",)),  # Australia and New Zealand
    "054": ("FJI PNG SLB VUT", ("009",)),  # Melanesia
    "057": ("FSM KIR MHL NRU PLW", ("009",)),  # Micronesia
    "061": ("TON TUV WSM", ("009",)),  # Polynesia
    "143": ("KAZ KGZ TJK TKM UZB", ("142",)),  # Central Asia
    "145": ("ARE ARM AZE BHR CYP GEO IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR YEM", ("142",)),
    "151": ("BGR BLR CZE HUN MDA POL ROU RUS SVK UKR", ("150",)),  # Eastern Europe
    "154": ("DNK EST FIN GBR IRL ISL LTU LVA NOR SWE", ("150",)),  # Northern Europe
    "155": ("AUT BEL CHE DEU FRA LIE LUX MCO NLD", ("150",)),  # Western Europe
}
# IATI Region (vocabulary 1, OECD DAC) → M49 areas, or explicit ISO codes.
IATI_REGION_M49: dict[str, tuple[str, ...]] = {
    "88": ("BIH", "HRV", "MKD", "MNE", "SRB", "SVN"),  # States ex-Yugoslavia
    "89": ("150",),  # Europe
    "189": ("015",),  # North of Sahara
    "289": ("202",),  # South of Sahara
    "298": ("002",),  # Africa
    "380": ("029",),  # West Indies
    "389": ("029", "013"),  # Caribbean & Central America
    "489": ("005",),  # South America
    "498": ("019",),  # America
    "589": ("145",),  # Middle East
    "619": ("143",),  # Central Asia
    "679": ("034",),  # South Asia
    "689": ("034", "143"),  # South & Central Asia
    "789": ("030", "035"),  # Far East Asia
    "798": ("142",),  # Asia
    "889": ("009",),  # Oceania
    "1027": ("014",),
    "1028": ("017",),
    "1029": ("018",),
    "1030": ("011",),
    "1031": ("029",),
    "1032": ("013",),
    "1033": ("054",),
    "1034": ("057",),
    "1035": ("061",),
}


def region_states(code: str) -> frozenset[str]:
    """ISO3 codes of the States an IATI region (vocabulary 1) contains (empty if unknown)."""
    out: set[str] = set()
    for part in IATI_REGION_M49.get(code.strip(), ()):
        if len(part) == 3 and part.isalpha():
            out.add(part)
            continue
        for leaf, (isos, above) in M49_AREAS.items():
            if part == leaf or part in above:
                out.update(isos.split())
    return frozenset(out)


# --- Words ------------------------------------------------------------------------------

STEM = 6
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_STOP = {
    "en": "with against from into their other measures",
    "fr": "avec contre pour dans leurs autres mesures",
    "es": "para contra sobre entre otras medidas",
    "ru": "против также других меры",
    "ar": "الى على التي الذي وفي",
}
STOP_WORDS = frozenset(fold(w) for line in _STOP.values() for w in line.split())


def words(text: str) -> set[str]:
    """Folded, stemmed words of ``text`` in any language (see the module's docstring)."""
    out: set[str] = set()
    folded = fold(text)
    for chunk in _CJK.findall(folded):
        if len(chunk) == 1:
            out.add(chunk)
        out.update(chunk[i : i + 2] for i in range(len(chunk) - 1))
    for word in _WORD.findall(_CJK.sub(" ", folded)):
        if word.isdigit() or word in STOP_WORDS:
            continue
        if _ARABIC.match(word):
            if word.startswith("ال") and len(word) > 4:
                word = word[2:]
            if len(word) < 3:
                continue
        elif len(word) < 4:
            continue
        out.add(word[:STEM])
    return out


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        return (str(v) for v in value.values() if v)
    return (str(value),) if value else ()


# --- Which activities count ---------------------------------------------------------------


def current_q(today: date, prefix: str = "") -> Q:
    """Activities current or planned on ``today`` (``prefix`` e.g. "activity__")."""
    p = prefix
    ended = (
        Q(**{f"{p}actual_end__lt": today})
        | Q(**{f"{p}actual_end__isnull": True, f"{p}planned_end__lt": today})
        | Q(**{f"{p}status__in": ENDED_STATUSES})
        | Q(**{f"{p}missing_from_source": True})
    )
    return ~ended


def current_activities(today: date | None = None) -> QuerySet[Activity]:
    return Activity.objects.filter(current_q(today or timezone.localdate()))


# --- Reasons ----------------------------------------------------------------------------


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
            "codes": ", ".join(p.get("codes", []))
        }
    if code == "kind":
        return _("Same kind of assistance (%(kind)s).") % {
            "kind": AssistanceKind(p["kind"]).label if p.get("kind") in AssistanceKind else ""
        }
    if code == "text":
        return _("Words in common with the need (%(percent)s%%): %(words)s.") % {
            "percent": p.get("percent", 0),
            "words": ", ".join(p.get("words", [])),
        }
    return str(code)


def reason_texts(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    return [reason_text(r) for r in reasons or ()]


# --- Suggestions ------------------------------------------------------------------------

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


@dataclass
class _ActivityFacts:
    articles: set[int] = field(default_factory=set)
    instruments: set[int] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)
    words: frozenset[str] = frozenset()


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


def _q3(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _explain(
    f: _ActivityFacts,
    region: str,
    article: Article,
    icode: str,
    kind: str,
    sectors: frozenset[str],
    per_lang: list[frozenset[str]],
) -> tuple[Decimal, list[dict[str, Any]]]:
    """The exact confidence (3 places) of one candidate, and its reasons."""
    total = Decimal("0")
    reasons: list[dict[str, Any]] = [
        {"code": "region", "params": {"region": region}}
        if region
        else {"code": "state", "params": {}}
    ]
    if article.pk in f.articles:
        total += W_ARTICLE
        label = f"{icode.upper()} {article.number}"
        reasons.append({"code": "article", "params": {"article": label}})
    elif article.instrument_id in f.instruments:
        total += W_INSTRUMENT
        reasons.append({"code": "instrument", "params": {"instrument": icode.upper()}})
    matched_sectors = sorted(f.sectors & sectors)
    if matched_sectors:
        total += W_SECTOR
        reasons.append({"code": "sector", "params": {"codes": matched_sectors}})
    if kind in f.kinds:
        total += W_KIND
        reasons.append({"code": "kind", "params": {"kind": kind}})
    best: float = 0.0
    shared: frozenset[str] = frozenset()
    for lang_words in per_lang:
        common_words = lang_words & f.words
        share = min(1.0, len(common_words) / min(len(lang_words), TEXT_FULL_MATCH))
        if share > best:
            best, shared = share, common_words
    if best > 0:
        total += W_TEXT * Decimal(str(round(best, 3)))
        reasons.append(
            {"code": "text", "params": {"percent": round(best * 100), "words": sorted(shared)}}
        )
    if region:
        total *= REGION_FACTOR
    return _q3(min(total, Decimal("1"))), reasons


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


def _fingerprint(*parts: Iterable[Any]) -> str:
    """A hash of everything a whole run reads (each part an iterable of rows, in a fixed
    order)."""
    digest = hashlib.sha256(str(SUGGEST_VERSION).encode())
    for part in parts:
        digest.update(b"\x1e")
        for row in part:
            digest.update(repr(row).encode())
    return digest.hexdigest()


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
    text_rows = list(act_scope.order_by("pk").values_list("pk", "title", "description"))
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
    facts: dict[int, _ActivityFacts] = {a: _ActivityFacts() for a in wanted}
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
        for text in (*_texts(title), *_texts(description)):
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

    # Per State: inverted indexes of its candidate activities.
    suggestions: dict[tuple[int, int], tuple[Decimal, list[dict[str, Any]]]] = {}
    needs_by_state: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for need_id, state_id, article_id, kind in open_needs:
        needs_by_state[state_id].append((need_id, article_id, kind))
    for state_id, state_needs in needs_by_state.items():
        acts = places.get(state_id)
        if not acts:
            continue
        idx_article: dict[int, list[int]] = defaultdict(list)
        idx_instr_kind: dict[tuple[int, str], list[int]] = defaultdict(list)
        idx_word: dict[str, list[int]] = defaultdict(list)
        for a in acts:
            f = facts[a]
            for art in f.articles:
                idx_article[art].append(a)
            for ins in f.instruments:
                for k in f.kinds:
                    idx_instr_kind[(ins, k)].append(a)
            for w in f.words:
                idx_word[w].append(a)
        for need_id, article_id, kind in state_needs:
            article = articles[article_id]
            instrument_id = article.instrument_id
            icode = instrument_codes[instrument_id]
            sectors = (
                SECTORS_BY_INSTRUMENT.get(icode, frozenset())
                | SECTORS_BY_ARTICLE.get((icode, article.number), frozenset())
                | SECTORS_BY_KIND.get(kind, frozenset())
            )
            per_lang = [
                frozenset((a | k) - common)
                for a, k in zip(by_article[article_id], by_kind[kind], strict=True)
            ]
            per_lang = [ws for ws in per_lang if ws]
            need_words = frozenset().union(*per_lang) if per_lang else frozenset()
            # Each language's words with the number of them that makes a full match.
            shares_of = [(lw, min(len(lw), TEXT_FULL_MATCH)) for lw in per_lang]
            candidates: set[int] = set(idx_article.get(article_id, ()))
            candidates.update(idx_instr_kind.get((instrument_id, kind), ()))
            for w in need_words:
                candidates.update(idx_word.get(w, ()))
            # A fast pass in floats, then the exact figures and reasons for the best ones.
            fast: list[tuple[float, int]] = []
            for a in candidates:
                f = facts[a]
                score = 0.0
                substantive = False
                if article_id in f.articles:
                    score, substantive = F_ARTICLE, True
                elif instrument_id in f.instruments:
                    score, substantive = F_INSTRUMENT, True
                if not sectors.isdisjoint(f.sectors):
                    score += F_SECTOR
                    substantive = True
                if kind in f.kinds:
                    score += F_KIND
                if not need_words.isdisjoint(f.words):
                    substantive = True
                    best = 0.0
                    for lw, full_match in shares_of:
                        share = len(lw & f.words) / full_match
                        if share > best:
                            best = share
                    score += F_TEXT * min(1.0, best)
                if acts[a]:
                    score *= F_REGION
                if substantive and score >= F_MIN:
                    fast.append((-score, a))
            fast.sort()
            explained = []
            for _score, a in fast[: MAX_PER_NEED + 5]:
                total, reasons = _explain(
                    facts[a], acts[a], article, icode, kind, sectors, per_lang
                )
                if total >= MIN_CONFIDENCE:
                    explained.append((total, a, reasons))
            explained.sort(key=lambda t: (-t[0], t[1]))
            for total, a, reasons in explained[:MAX_PER_NEED]:
                suggestions[(need_id, a)] = (total, reasons)

    # Compare with the stored links in scope and write the difference.
    existing = NeedLink.objects.filter(need_id__in=need_scope.order_by().values("pk"))
    if activities is not None:
        existing = existing.filter(activity_id__in=activities.order_by().values("pk"))
    to_create: list[NeedLink] = []
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
    for (need_id, activity_id), (confidence, reasons) in suggestions.items():
        if (need_id, activity_id) not in seen:
            to_create.append(
                NeedLink(
                    need_id=need_id,
                    activity_id=activity_id,
                    status=LinkStatus.SUGGESTED,
                    confidence=confidence,
                    reasons=reasons,
                    share=Decimal("1"),
                )
            )
    with transaction.atomic():
        NeedLink.objects.bulk_create(to_create, batch_size=2000)
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


# --- Decisions --------------------------------------------------------------------------


def _share(share: Decimal | int | str | None) -> Decimal:
    try:
        value = Decimal(str(share)) if share is not None else Decimal("1")
    except ArithmeticError:
        value = Decimal("-1")
    if not value.is_finite() or value <= 0 or value > 1:
        raise ValidationError(
            {"share": _("The share of the need the activity covers must be above 0 and at most 1.")}
        )
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@transaction.atomic
def link_decide(
    *, user: Any, link: NeedLink, accept: bool, share: Decimal | None = None, reason: str = ""
) -> NeedLink:
    """Accept or reject a link (the secretariat); the decision is kept in the link's history."""
    if not user.has_perm("activities.decide_link", link):
        raise PermissionDenied
    link.refresh_from_db()
    link.status = LinkStatus.ACCEPTED if accept else LinkStatus.REJECTED
    if share is not None or accept:
        link.share = _share(share if share is not None else link.share)
    link.decided_by = user if getattr(user, "pk", None) else None
    link.decided_at = timezone.now()
    link._change_reason = (reason or "").strip() or (  # type: ignore[attr-defined]
        _("Link accepted.") if accept else _("Link rejected.")
    )
    link.save()
    return link


@transaction.atomic
def link_create(
    *, user: Any, need: Need, activity: Activity, share: Decimal | int = 1, reason: str = ""
) -> NeedLink:
    """Link an activity to a need by hand (status manual). A suggested or rejected link of the
    same pair becomes the manual link; an accepted or manual one is an error."""
    if not user.has_perm("activities.decide_link", None):
        raise PermissionDenied
    value = _share(share)
    link = NeedLink.objects.select_for_update().filter(need=need, activity=activity).first()
    if link is not None and link.status in COUNTING_STATUSES:
        raise ValidationError({"activity": _("This activity is already linked to the need.")})
    if link is None:
        link = NeedLink(need=need, activity=activity)
    link.status = LinkStatus.MANUAL
    link.share = value
    link.decided_by = user if getattr(user, "pk", None) else None
    link.decided_at = timezone.now()
    link._change_reason = (reason or "").strip() or _(  # type: ignore[attr-defined]
        "Linked by hand."
    )
    link.save()
    return link


# --- Coverage ---------------------------------------------------------------------------

NeedKey = tuple[int, int, int, str]
IN_LIST_LIMIT = 500


def coverage_of(
    needs: Sequence[NeedKey] | Sequence[int] | QuerySet[Need], *, today: date | None = None
) -> dict[int, Decimal]:
    """need id → min(1, sum of the shares of its accepted and manual links to current and
    planned activities); needs without such links are left out (coverage 0). One query."""
    today = today or timezone.localdate()
    links = NeedLink.objects.filter(status__in=COUNTING_STATUSES).filter(
        current_q(today, "activity__")
    )
    wanted: set[int] | None = None
    if isinstance(needs, QuerySet):
        links = links.filter(need_id__in=needs.order_by().values("pk"))
    else:
        wanted = {k[0] if isinstance(k, tuple) else int(k) for k in needs}
        if not wanted:
            return {}
        if len(wanted) <= IN_LIST_LIMIT:
            links = links.filter(need_id__in=wanted)
    out: dict[int, Decimal] = {}
    for need_id, total in (
        links.order_by()
        .values("need_id")
        .annotate(total=Sum("share"))
        .values_list("need_id", "total")
    ):
        if wanted is not None and need_id not in wanted:
            continue
        value = min(Decimal(total), Decimal("1"))
        if value > 0:
            out[need_id] = value
    return out


# --- Gaps -------------------------------------------------------------------------------

GAP_DIMENSIONS = ("regional_group", "legal_family", "article", "kind")


def dimension_label(by: str) -> str:
    return {
        "regional_group": _("Regional group"),
        "legal_family": _("Legal system"),
        "article": _("Article"),
        "kind": _("Kind of assistance"),
    }[by]


@dataclass(frozen=True)
class GapRow:
    key: str
    label: str
    uncovered: int
    partly: int
    covered: int

    @property
    def total(self) -> int:
        return self.uncovered + self.partly + self.covered

    @property
    def gaps(self) -> int:
        return self.uncovered + self.partly


def open_needs_coverage(*, user: Any, today: date | None = None) -> list[tuple[Any, ...]]:
    """(need id, state id, regional group, legal flags×4, article id, kind, coverage) of the
    open needs ``user`` may see."""
    from infobase.needs.selectors import needs_visible_to

    qs = needs_visible_to(user).filter(status=NeedStatus.OPEN)
    cov = coverage_of(qs, today=today)
    rows = qs.order_by().values_list(
        "pk",
        "state_id",
        "state__regional_group",
        "state__legal_civil",
        "state__legal_common",
        "state__legal_islamic",
        "state__legal_customary",
        "article_id",
        "kind",
    )
    return [(*r, cov.get(r[0], Decimal("0"))) for r in rows]


def status_counts(*, user: Any, today: date | None = None) -> dict[str, int]:
    counts = {"covered": 0, "partly": 0, "uncovered": 0}
    for row in open_needs_coverage(user=user, today=today):
        counts[coverage_status(row[-1])] += 1
    return counts


def gaps(*, user: Any, by: str, today: date | None = None) -> list[GapRow]:
    """Open needs (visible to ``user``) by ``by``: uncovered, partly covered, covered; rows
    with the most gaps first."""
    if by not in GAP_DIMENSIONS:
        raise ValueError(by)
    families = [f.value for f in LegalFamily]
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"covered": 0, "partly": 0, "uncovered": 0}
    )
    for _pk, _state, group, *rest in open_needs_coverage(user=user, today=today):
        legal, article_id, kind, value = rest[:4], rest[4], rest[5], rest[6]
        status = coverage_status(value)
        if by == "regional_group":
            keys = [group or ""]
        elif by == "legal_family":
            keys = [f for f, on in zip(families, legal, strict=True) if on] or [""]
        elif by == "article":
            keys = [str(article_id)]
        else:
            keys = [kind]
        for key in keys:
            counts[key][status] += 1
    labels: dict[str, str]
    if by == "regional_group":
        labels = {k: str(v) for k, v in RegionalGroup.choices}
        labels[""] = _("No regional group")
    elif by == "legal_family":
        labels = {k: str(v) for k, v in LegalFamily.choices}
        labels[""] = _("Not classified")
    elif by == "article":
        labels = {
            str(a.pk): f"{a.instrument.code.upper()} {a.number} — {a.translated('title')}"
            for a in Article.objects.filter(
                pk__in=[int(k) for k in counts if k.isdigit()]
            ).select_related("instrument")
        }
    else:
        labels = {k: str(v) for k, v in AssistanceKind.choices}
    rows = [
        GapRow(key, labels.get(key, key), c["uncovered"], c["partly"], c["covered"])
        for key, c in counts.items()
    ]
    rows.sort(key=lambda r: (-r.gaps, -r.total, r.label))
    return rows


# --- Overlaps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverlapActivity:
    pk: int
    iati_identifier: str
    title: Mapping[str, str]
    provider: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Overlap:
    state_id: int
    state_iso3: str
    state_name: str
    subject: str  # "article" | "instrument"
    subject_id: int
    subject_label: str
    providers: tuple[str, ...]
    activities: tuple[OverlapActivity, ...]
    start: date | None  # the earliest start of the activities listed (None: open)
    end: date | None  # the latest end (None: open)


def _overlaps(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    a_start, a_end = a
    b_start, b_end = b
    return (a_start is None or b_end is None or a_start <= b_end) and (
        b_start is None or a_end is None or b_start <= a_end
    )


def overlaps(*, today: date | None = None) -> list[Overlap]:
    """Several providers doing the same thing for the same State in overlapping periods."""
    today = today or timezone.localdate()
    acts = current_activities(today)
    info: dict[int, tuple[str, str, str, date | None, date | None, dict[str, str]]] = {}
    for row in acts.order_by().values_list(
        "pk",
        "iati_identifier",
        "provider_id",
        "provider__acronym",
        "provider__name_en",
        "reporting_org_ref",
        "reporting_org_name",
        "actual_start",
        "planned_start",
        "actual_end",
        "planned_end",
        "title",
    ):
        pk, ident, prov, acronym, name, ref, rname, a_s, p_s, a_e, p_e, title = row
        if prov:
            key, label = f"org:{prov}", acronym or name
        elif ref:
            key, label = f"ref:{fold(ref)}", rname or ref
        elif rname:
            key, label = f"name:{fold(rname)}", rname
        else:
            key, label = f"activity:{pk}", ident
        info[pk] = (ident, key, label, a_s or p_s, a_e or p_e, title or {})
    ids = acts.order_by().values("pk")
    subjects: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for activity_id, article_id in (
        Theme.objects.filter(activity_id__in=ids, article__isnull=False)
        .order_by()
        .values_list("activity_id", "article_id")
        .distinct()
    ):
        subjects[activity_id].append(("article", article_id))
    for activity_id, instrument_id in (
        Activity.instruments.through.objects.filter(activity_id__in=ids)
        .order_by()
        .values_list("activity_id", "instrument_id")
    ):
        if not any(s == "article" for s, _i in subjects.get(activity_id, ())):
            subjects[activity_id].append(("instrument", instrument_id))
    groups: dict[tuple[int, str, int], set[int]] = defaultdict(set)
    for activity_id, state_id in (
        Recipient.objects.filter(activity_id__in=ids, state__isnull=False)
        .order_by()
        .values_list("activity_id", "state_id")
    ):
        for subject, subject_id in subjects.get(activity_id, ()):
            groups[(state_id, subject, subject_id)].add(activity_id)
    found: list[tuple[tuple[int, str, int], list[int]]] = []
    for group, members in groups.items():
        if len({info[a][1] for a in members}) < 2:
            continue
        ordered = sorted(members, key=lambda a: (info[a][3] or date.min, a))
        chosen = [
            a
            for a in ordered
            if any(
                info[b][1] != info[a][1] and _overlaps(info[a][3:5], info[b][3:5]) for b in ordered
            )
        ]
        if chosen:
            found.append((group, chosen))
    if not found:
        return []
    states = {s.pk: s for s in State.objects.filter(pk__in={k[0] for k, _m in found})}
    articles = {
        a.pk: a
        for a in Article.objects.filter(
            pk__in={k[2] for k, _m in found if k[1] == "article"}
        ).select_related("instrument")
    }
    instruments = {i.pk: i for i in Instrument.objects.all()}
    out = []
    for (state_id, subject, subject_id), chosen in found:
        if subject == "article":
            a = articles[subject_id]
            label = f"{a.instrument.code.upper()} {a.number} — {a.translated('title')}"
        else:
            label = str(instruments[subject_id])
        listed = tuple(
            OverlapActivity(
                pk=pk,
                iati_identifier=info[pk][0],
                title=info[pk][5],
                provider=info[pk][2],
                start=info[pk][3],
                end=info[pk][4],
            )
            for pk in chosen
        )
        starts = [x.start for x in listed]
        ends = [x.end for x in listed]
        state = states[state_id]
        out.append(
            Overlap(
                state_id=state_id,
                state_iso3=state.iso3,
                state_name=str(state.translated("name")),
                subject=subject,
                subject_id=subject_id,
                subject_label=label,
                providers=tuple(sorted({x.provider for x in listed})),
                activities=listed,
                start=None if None in starts else min(s for s in starts if s),
                end=None if None in ends else max(e for e in ends if e),
            )
        )
    out.sort(key=lambda o: (o.state_name, o.subject_label))
    return out


# --- Exports ----------------------------------------------------------------------------


def _title(labels: Mapping[str, str]) -> str:
    from infobase.core.i18n import pick_label

    return pick_label(dict(labels))[0]


class GapsExporter(Exporter):
    """Open needs by region, legal system, article and kind: uncovered, partly, covered."""

    identifier = "coverage-gaps"

    def __init__(self, *, user: Any, today: date | None = None) -> None:
        self.user, self.today = user, today

    def sheet_title(self) -> str:
        return _("Gaps")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("Dimension"),
            _("Value"),
            _("Uncovered needs"),
            _("Partly covered needs"),
            _("Covered needs"),
            _("Open needs"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        for by in GAP_DIMENSIONS:
            label = dimension_label(by)
            for row in gaps(user=self.user, by=by, today=self.today):
                yield [label, row.label, row.uncovered, row.partly, row.covered, row.total]


class UncoveredNeedsExporter(Exporter):
    """Each open need (visible to the user) that is not fully covered, with its coverage."""

    identifier = "coverage-needs"

    def __init__(self, *, user: Any, today: date | None = None) -> None:
        self.user, self.today = user, today

    def sheet_title(self) -> str:
        return _("Needs not covered")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("State"),
            _("ISO code"),
            _("Regional group"),
            _("Instrument"),
            _("Article"),
            _("Article title"),
            _("Kind of assistance"),
            _("Coverage"),
            _("Coverage status"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        rows = {
            r[0]: r[-1]
            for r in open_needs_coverage(user=self.user, today=self.today)
            if coverage_status(r[-1]) != "covered"
        }
        groups = {**dict(RegionalGroup.choices), "": _("No regional group")}
        kinds = dict(AssistanceKind.choices)
        for need in Need.objects.filter(pk__in=list(rows)).select_related(
            "state", "article__instrument"
        ):
            value = rows[need.pk]
            yield [
                str(need.state.translated("name")),
                need.state.iso3,
                str(groups.get(need.state.regional_group, "")),
                str(need.article.instrument.translated("short_name")),
                need.article.number,
                str(need.article.translated("title")),
                str(kinds.get(need.kind, need.kind)),
                value,
                status_label(coverage_status(value)),
            ]


class OverlapsExporter(Exporter):
    """One row per activity of each overlap."""

    identifier = "coverage-overlaps"

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today

    def sheet_title(self) -> str:
        return _("Overlaps")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("State"),
            _("ISO code"),
            _("Article or instrument"),
            _("Providers"),
            _("Provider"),
            _("IATI identifier"),
            _("Title"),
            _("Start"),
            _("End"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        for o in overlaps(today=self.today):
            for a in o.activities:
                yield [
                    o.state_name,
                    o.state_iso3,
                    o.subject_label,
                    ", ".join(o.providers),
                    a.provider,
                    a.iati_identifier,
                    _title(a.title),
                    a.start,
                    a.end,
                ]


EXPORTS = ("gaps", "needs", "overlaps")


def exporter_for(what: str, *, user: Any, today: date | None = None) -> Exporter:
    if what == "gaps":
        return GapsExporter(user=user, today=today)
    if what == "needs":
        return UncoveredNeedsExporter(user=user, today=today)
    if what == "overlaps":
        return OverlapsExporter(today=today)
    raise ValueError(what)
