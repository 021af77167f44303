"""Priority scores of needs, explained term by term.

The pure part (``NeedFacts``, ``Weights``, ``score``, ``rank``) takes plain data and does no
database or HTTP work; ``needs_facts`` and ``scored_register`` load that data with a constant
number of queries whatever the size of the register. The register's pages, the API and the
exports read the scores stored by ``infobase.needs.score_table``, which computes them here.

A need's score is the sum of seven terms. Each term has a raw value, a value normalised to
0..1, a weight (``ScoringWeights`` of the working-group session in use) and a contribution =
weight × normalised value:

=================  ==========================================  ================================
term               raw value                                   normalised value
=================  ==========================================  ================================
programme          largest weight of the work-programme        raw / largest weight of all the
                   themes matching the need (0 if none)        themes (0 when there are none)
severity           status of the article in the State's        "no" → 1, "partly" → 0.5,
                   latest validated cycle (confidential        anything else → 0
                   answers left out unless the need rests
                   on nothing else)
breadth_overall    number of States with an open, non-         raw / the largest such number
                   confidential need of the same article and   over the register
                   kind of assistance
breadth_region     the same, within the need's regional group  raw / the largest such number
                                                               within that group
urgency            the State's stated urgency (highest of its  high → 1, medium → 0.6,
                   answers' priorities and requests' urgency,  low → 0.3, none stated → 0
                   confidential ones left out unless the need
                   rests on nothing else)
coverage           share (0..1) of the need that current       1 − coverage (a need nobody
                   activities already cover                    covers counts fully)
age                days since the need was first identified    min(days / 730, 1)
=================  ==========================================  ================================

Normalised values and contributions are kept to 6 decimal places (half up); the total is the
sum of the contributions rounded to 3 places (half up). Details:

- severity: the status rows (``ArticleImplementation``) of the State's *latest* validated cycle
  that has rows for the article; the worst of them counts (a paragraph reported "no" makes the
  article "no"), so the whole-article row and the per-paragraph rows are treated alike. A need
  others may see counts only the rows that are not confidential (the latest cycle with such
  rows), as every published figure does (``questionnaires.analytical.public_rows``): its score
  never tells what a State answered in confidence. A need resting only on confidential evidence
  (seen by its State and the secretariat alone) counts every row;
- breadth counts open needs that have current evidence (closed, merged and evidence-less needs
  are not shared needs) and that are not confidential: a need resting only on confidential
  evidence is left out of every State's breadth, its own State's included, so that no published
  score reveals it and the term has one definition for everyone, whoever looks (the needs
  counted are those ``infobase.needs.selectors.needs_visible_to`` shows to anyone); a need whose
  State has no regional group has regional breadth 0;
- coverage is min(1, sum of the shares of the need's accepted and hand-made links to current
  and planned activities) (``infobase.activities.coverage.measures.coverage_of``, the default);
  ``needs_facts`` takes any other ``coverage`` callable (``no_coverage``: none at all).

``rank`` orders needs deterministically: pinned needs first, then by total (highest first),
then by State (ISO code), instrument, article number and kind of assistance (and the need's id
as the last resort). Excluded needs are left out of the ranking and listed apart, with the
working group's reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.core.i18n import format_share_percent
from infobase.needs.models import Need, NeedEvidence, NeedStatus, ScoringWeights
from infobase.needs.programmes import (
    ThemeSpec,
    active_themes,
    theme_weight,
    themes_separator,
    title_in_text,
)
from infobase.questionnaires.models import (
    ArticleImplementation,
    AssignmentStatus,
    ImplementationStatus,
)
from infobase.reference.models import (
    LEGAL_FLAGS,
    Priority,
    RegionalGroup,
    legal_families_of,
)

SEVERITY_VALUES: dict[str, Decimal] = {
    ImplementationStatus.NO: Decimal("1"),
    ImplementationStatus.PARTLY: Decimal("0.5"),
}
URGENCY_VALUES: dict[str, Decimal] = {
    Priority.HIGH: Decimal("1"),
    Priority.MEDIUM: Decimal("0.6"),
    Priority.LOW: Decimal("0.3"),
}
URGENCY_ORDER: dict[str, int] = {Priority.HIGH: 3, Priority.MEDIUM: 2, Priority.LOW: 1}
AGE_FULL_DAYS = 730
PLACES = Decimal("0.000001")
TOTAL_PLACES = Decimal("0.001")

TERMS = (
    "programme",
    "severity",
    "breadth_overall",
    "breadth_region",
    "urgency",
    "coverage",
    "age",
)
TERM_LABELS = {
    "programme": gettext_lazy("Work programme"),
    "severity": gettext_lazy("Severity"),
    "breadth_overall": gettext_lazy("Breadth overall"),
    "breadth_region": gettext_lazy("Breadth in the region"),
    "urgency": gettext_lazy("State's urgency"),
    "coverage": gettext_lazy("Not yet covered by activities"),
    "age": gettext_lazy("Age"),
}


@dataclass(frozen=True)
class NeedFacts:
    """Everything the score of one need depends on."""

    need_id: int
    state_iso3: str
    regional_group: str
    legal_families: tuple[str, ...]
    instrument_code: str
    instrument_position: int
    article_id: int
    article_number: int
    kind: str
    severity: str = ""  # "no" | "partly" | "" (latest validated cycle)
    urgency: str = ""  # "high" | "medium" | "low" | ""
    breadth_overall: int = 0
    breadth_overall_max: int = 0
    breadth_region: int = 0
    breadth_region_max: int = 0
    coverage: Decimal = Decimal("0")  # 0..1
    age_days: int = 0
    pinned: bool = False
    excluded: bool = False
    ranking_reason: str = ""
    status: str = NeedStatus.OPEN


@dataclass(frozen=True)
class Weights:
    programme: Decimal = Decimal("3")
    severity: Decimal = Decimal("2")
    breadth_overall: Decimal = Decimal("1")
    breadth_region: Decimal = Decimal("1")
    urgency: Decimal = Decimal("1.5")
    coverage: Decimal = Decimal("2")
    age: Decimal = Decimal("0.5")
    session: str = ""

    @classmethod
    def from_model(cls, weights: ScoringWeights) -> Weights:
        return cls(
            programme=weights.programme,
            severity=weights.severity,
            breadth_overall=weights.breadth_overall,
            breadth_region=weights.breadth_region,
            urgency=weights.urgency,
            coverage=weights.coverage,
            age=weights.age,
            session=weights.session,
        )

    def of(self, term: str) -> Decimal:
        value: Decimal = getattr(self, term)
        return value


@dataclass(frozen=True)
class ScoreTerm:
    name: str
    label: str
    raw: object  # Decimal, int or str, as shown
    normalised: Decimal
    weight: Decimal
    contribution: Decimal
    explanation: str

    @property
    def shown(self) -> str:
        """``raw`` as a page shows it: a decimal without trailing zeros (a coverage of
        nothing read 0.000000), anything else as it is."""
        return _number(self.raw) if isinstance(self.raw, Decimal) else str(self.raw)


@dataclass(frozen=True)
class ScoreExplanation:
    terms: tuple[ScoreTerm, ...]
    total: Decimal
    themes: tuple[str, ...] = ()

    def term(self, name: str) -> ScoreTerm:
        return next(t for t in self.terms if t.name == name)


@dataclass(frozen=True)
class ScoredNeed:
    facts: NeedFacts
    explanation: ScoreExplanation
    position: int | None = None  # 1-based place in the ranking; None when excluded

    @property
    def need_id(self) -> int:
        return self.facts.need_id

    @property
    def total(self) -> Decimal:
        return self.explanation.total


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=1 << 16)
def _ratio(part: int, whole: int) -> Decimal:
    # Pure in two small integers (breadths, ages) that repeat across tens of thousands of needs.
    return _q(Decimal(part) / Decimal(whole)) if whole > 0 else Decimal("0")


def _number(value: Decimal) -> str:
    """A Decimal as shown in explanations (no trailing zeros)."""
    text = format(value.normalize(), "f")
    return text


class _Normalised(NamedTuple):
    """The numeric part of a score: no text, so ranking every need stays cheap."""

    values: dict[str, Decimal]
    theme_weight: Decimal
    heaviest: Decimal
    matching: tuple[ThemeSpec, ...]  # the themes the need matches, heaviest first
    coverage: Decimal


ThemeCache = dict[tuple[str, int, str, str], tuple[Decimal, tuple[ThemeSpec, ...]]]


def _normalised(
    facts: NeedFacts, themes: list[ThemeSpec], cache: ThemeCache | None = None
) -> _Normalised:
    if cache is None:
        weight, matching = theme_weight(facts, themes)
    else:
        # Needs of the same instrument, article, kind and group match the same themes.
        key = (facts.instrument_code, facts.article_id, facts.kind, facts.regional_group)
        if key not in cache:
            cache[key] = theme_weight(facts, themes)
        weight, matching = cache[key]
    heaviest = max((t.weight for t in themes), default=Decimal("0"))
    coverage = min(max(facts.coverage, Decimal("0")), Decimal("1"))
    values = {
        "programme": _q(weight / heaviest) if heaviest > 0 else Decimal("0"),
        "severity": SEVERITY_VALUES.get(facts.severity, Decimal("0")),
        "breadth_overall": _ratio(facts.breadth_overall, facts.breadth_overall_max),
        "breadth_region": _ratio(facts.breadth_region, facts.breadth_region_max),
        "urgency": URGENCY_VALUES.get(facts.urgency, Decimal("0")),
        "coverage": _q(Decimal("1") - coverage),
        "age": min(_ratio(max(facts.age_days, 0), AGE_FULL_DAYS), Decimal("1")),
    }
    return _Normalised(values, weight, heaviest, matching, coverage)


ContributionCache = dict[tuple[str, Decimal], Decimal]


def _contributions(
    norm: Mapping[str, Decimal], weights: Weights, cache: ContributionCache | None = None
) -> dict[str, Decimal]:
    """Each term's weighted value; ``cache`` (by term and value) is shared among needs, whose
    values repeat from need to need."""
    cache = {} if cache is None else cache
    contributions = {}
    for name in TERMS:
        key = (name, norm[name])
        if key not in cache:
            cache[key] = _q(weights.of(name) * norm[name])
        contributions[name] = cache[key]
    return contributions


def _total(contributions: Mapping[str, Decimal]) -> Decimal:
    return sum(contributions.values(), Decimal("0")).quantize(TOTAL_PLACES, rounding=ROUND_HALF_UP)


def score_total(facts: NeedFacts, weights: Weights, themes: list[ThemeSpec]) -> Decimal:
    """The need's total score alone (pure; the same number as ``score(...).total``)."""
    return _total(_contributions(_normalised(facts, themes).values, weights))


def score_totals(
    facts: Iterable[NeedFacts], weights: Weights, themes: list[ThemeSpec]
) -> list[Decimal]:
    """``score_total`` of each of ``facts`` (pure), sharing the theme matching among needs."""
    cache: ThemeCache = {}
    terms: ContributionCache = {}
    return [
        _total(_contributions(_normalised(f, themes, cache).values, weights, terms)) for f in facts
    ]


class _Wording(NamedTuple):
    """The words of an explanation in the active language, translated once for every need
    explained together (translating them need by need cost most of a large register's export)."""

    labels: dict[str, str]
    themes: str
    no_theme: str
    severity: dict[str, str]
    no_gap: str
    breadth_overall: str
    breadth_region: str
    no_group: str
    urgency: str
    no_urgency: str
    coverage: str
    age: str
    statuses: dict[str, str]
    priorities: dict[str, str]
    groups: dict[str, str]
    theme_titles: dict[ThemeSpec, str]  # filled as themes are met (``_theme_title``)
    theme_separator: str


def _wording() -> _Wording:
    return _Wording(
        labels={name: str(label) for name, label in TERM_LABELS.items()},
        themes=_(
            "Matches the work programme's themes: %(themes)s (weight %(weight)s of at most "
            "%(max)s)."
        ),
        no_theme=_("Matches no theme of the work programme."),
        severity={
            ImplementationStatus.NO: _(
                "Article reported as not implemented in the latest validated cycle."
            ),
            ImplementationStatus.PARTLY: _(
                "Article reported as partly implemented in the latest validated cycle."
            ),
        },
        no_gap=_("No gap reported for this article in a validated questionnaire."),
        breadth_overall=_(
            "%(count)s States have this need (the most widely shared need: %(max)s States). "
            "Confidential needs are left out, so that no published figure reveals them."
        ),
        breadth_region=_(
            "%(count)s States of the group “%(group)s” have this need (at most %(max)s). "
            "Confidential needs are left out, so that no published figure reveals them."
        ),
        no_group=_("The State belongs to no regional group."),
        urgency=_("Urgency stated by the State: %(urgency)s."),
        no_urgency=_("The State stated no urgency."),
        coverage=_(
            "Current and planned activities cover %(percent)s of this need (accepted and "
            "hand-made links to activities)."
        ),
        age=_("First identified %(days)s days ago (counts fully after %(full)s days)."),
        statuses={str(status): str(status.label) for status in ImplementationStatus},
        priorities={str(priority): str(priority.label) for priority in Priority},
        groups={str(group): str(group.label) for group in RegionalGroup},
        theme_titles={},
        theme_separator=themes_separator(),
    )


def _theme_title(theme: ThemeSpec, words: _Wording) -> str:
    """A theme's title in the active language; an English one set apart in a right-to-left
    explanation (``isolated``)."""
    title = words.theme_titles.get(theme)
    if title is None:
        title = words.theme_titles[theme] = title_in_text(theme.title_in())
    return title


def score(
    facts: NeedFacts,
    weights: Weights,
    themes: list[ThemeSpec],
    wording: _Wording | None = None,
) -> ScoreExplanation:
    """The need's score, term by term (pure: no database). ``wording``: the texts of the
    active language, when many needs are explained together (``explain``)."""
    words = _wording() if wording is None else wording
    numbers = _normalised(facts, themes)
    norm = numbers.values
    contributions = _contributions(norm, weights)
    weight, heaviest = numbers.theme_weight, numbers.heaviest
    titles = [_theme_title(theme, words) for theme in numbers.matching]
    group = words.groups[facts.regional_group] if facts.regional_group else ""
    raw: dict[str, object] = {}
    text: dict[str, str] = {}

    raw["programme"] = weight
    text["programme"] = (
        words.themes
        % {
            "themes": words.theme_separator.join(titles),
            "weight": _number(weight),
            "max": _number(heaviest),
        }
        if titles
        else words.no_theme
    )

    raw["severity"] = words.statuses[facts.severity] if facts.severity else ""
    text["severity"] = words.severity.get(facts.severity, words.no_gap)

    raw["breadth_overall"] = facts.breadth_overall
    text["breadth_overall"] = words.breadth_overall % {
        "count": facts.breadth_overall,
        "max": facts.breadth_overall_max,
    }

    raw["breadth_region"] = facts.breadth_region
    text["breadth_region"] = (
        words.breadth_region
        % {"count": facts.breadth_region, "group": group, "max": facts.breadth_region_max}
        if group
        else words.no_group
    )

    raw["urgency"] = words.priorities[facts.urgency] if facts.urgency else ""
    text["urgency"] = (
        words.urgency % {"urgency": words.priorities[facts.urgency]}
        if facts.urgency in URGENCY_VALUES
        else words.no_urgency
    )

    raw["coverage"] = numbers.coverage
    text["coverage"] = words.coverage % {"percent": format_share_percent(numbers.coverage)}

    raw["age"] = facts.age_days
    text["age"] = words.age % {"days": facts.age_days, "full": AGE_FULL_DAYS}

    terms = tuple(
        ScoreTerm(
            name=name,
            label=words.labels[name],
            raw=raw[name],
            normalised=norm[name],
            weight=weights.of(name),
            contribution=contributions[name],
            explanation=text[name],
        )
        for name in TERMS
    )
    return ScoreExplanation(terms=terms, total=_total(contributions), themes=tuple(titles))


@dataclass(frozen=True)
class RankedNeed:
    """A need's facts and total score, without the explanation (see ``explain``)."""

    facts: NeedFacts
    total: Decimal
    position: int | None = None  # 1-based place in the ranking; None when excluded

    @property
    def need_id(self) -> int:
        return self.facts.need_id


R = TypeVar("R", ScoredNeed, RankedNeed)


class Ranking(NamedTuple, Generic[R]):
    ranked: list[R]
    excluded: list[R]  # with ``facts.ranking_reason``


def rank_key(scored: ScoredNeed | RankedNeed) -> tuple[bool, Decimal, str, int, int, str, int]:
    f = scored.facts
    return (
        not f.pinned,
        -scored.total,
        f.state_iso3,
        f.instrument_position,
        f.article_number,
        f.kind,
        f.need_id,
    )


def rank(scored: Iterable[R]) -> Ranking[R]:
    """Pinned first, then by score; excluded needs apart (deterministic, ties included)."""
    items = sorted(scored, key=rank_key)
    ranked = [
        replace(s, position=n)
        for n, s in enumerate((s for s in items if not s.facts.excluded), start=1)
    ]
    excluded = [replace(s, position=None) for s in items if s.facts.excluded]
    return Ranking(ranked, excluded)


# --- Loading the facts ------------------------------------------------------------------

NeedKey = tuple[int, int, int, str]  # (need id, state id, article id, kind)
CoverageFn = Callable[[Sequence[NeedKey]], Mapping[int, Decimal]]


def no_coverage(keys: Sequence[NeedKey]) -> Mapping[int, Decimal]:
    """No coverage at all (every need counts as uncovered)."""
    return {}


class DatedCoverageFn(Protocol):
    def __call__(
        self, keys: Sequence[NeedKey], /, *, today: date | None = None
    ) -> Mapping[int, Decimal]: ...


# The activities app, which sits above this one, registers its coverage rule when Django starts
# (``ActivitiesConfig.ready``): needs never import activities.
_coverage_provider: DatedCoverageFn | None = None


def register_coverage(provider: DatedCoverageFn) -> None:
    """Make ``provider`` the coverage rule of the scores and the register's coverage column."""
    global _coverage_provider
    _coverage_provider = provider


def activities_coverage(
    keys: Sequence[NeedKey], today: date | None = None
) -> Mapping[int, Decimal]:
    """Coverage by current and planned activities on ``today``: accepted and hand-made links,
    by the rule the activities app registers (none when it is not installed)."""
    if _coverage_provider is None:
        return no_coverage(keys)
    return _coverage_provider(keys, today=today)


def _fetch(qs: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``qs`` straight from the database cursor, without the ORM's per-value
    conversions (booleans come as 0/1 and dates as text on SQLite: the caller converts)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


Severities = dict[tuple[int, int], str]


def _keep_worst(
    latest: dict[tuple[int, int], tuple[int, str]], key: Any, cycle: int, worst: str
) -> None:
    current = latest.get(key)
    # A later cycle replaces; in the same cycle (several questionnaires) the worst counts.
    if (
        current is None
        or cycle > current[0]
        or (cycle == current[0] and current[1] != ImplementationStatus.NO and worst)
    ):
        latest[key] = (cycle, worst)


def _severities(state_ids: QuerySet[Need, Any]) -> tuple[Severities, Severities]:
    """(state, article) → worst status of the latest validated cycle with rows (one query):
    read from every row, and from the rows that are not confidential alone (the latest cycle
    with such rows), for the needs everyone else may see."""
    rows = (
        ArticleImplementation.objects.filter(
            assignment__status=AssignmentStatus.VALIDATED, state_id__in=state_ids
        )
        .values(
            "state_id", "article_id", "assignment__questionnaire__cycle__number", "confidential"
        )
        .annotate(
            no=Count("pk", filter=Q(status=ImplementationStatus.NO)),
            partly=Count("pk", filter=Q(status=ImplementationStatus.PARTLY)),
        )
        .values_list(
            "state_id",
            "article_id",
            "assignment__questionnaire__cycle__number",
            "confidential",
            "no",
            "partly",
        )
        .order_by()
    )
    every: dict[tuple[int, int], tuple[int, str]] = {}
    public: dict[tuple[int, int], tuple[int, str]] = {}
    for state_id, article_id, cycle, secret, no, partly in _fetch(rows):
        key = (state_id, article_id)
        worst = ImplementationStatus.NO if no else ImplementationStatus.PARTLY if partly else ""
        _keep_worst(every, key, cycle, worst)
        if not secret:
            _keep_worst(public, key, cycle, worst)
    return (
        {key: worst for key, (_cycle, worst) in every.items()},
        {key: worst for key, (_cycle, worst) in public.items()},
    )


def needs_facts(
    qs: QuerySet[Need], *, today: date | None = None, coverage: CoverageFn | None = None
) -> list[NeedFacts]:
    """The facts of the needs of ``qs`` (four queries, plus what ``coverage`` does)."""
    today = today or timezone.localdate()
    if coverage is None:
        day = today
        coverage = lambda keys: activities_coverage(keys, day)  # noqa: E731
    rows = _fetch(
        qs.order_by().values_list(
            "pk",
            "state_id",
            "state__iso3",
            "state__regional_group",
            *(f"state__{flag}" for flag in LEGAL_FLAGS),
            "article_id",
            "article__number",
            "article__instrument__code",
            "article__instrument__position",
            "kind",
            "first_seen",
            "pinned",
            "excluded",
            "ranking_reason",
            "status",
            "confidential",
        )
    )
    days: dict[Any, date] = {}  # first_seen as the driver gives it → date
    # Breadth: States with an open, evidenced need of the same article and kind, among the needs
    # anyone may see: a per-group figure must not reveal confidential needs to anyone.
    from infobase.needs.selectors import needs_visible_to

    overall: dict[tuple[int, str], set[int]] = defaultdict(set)
    region: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    for article_id, kind, group, state_id in (
        needs_visible_to(AnonymousUser())
        .filter(status=NeedStatus.OPEN, has_evidence=True)
        .order_by()
        .values_list("article_id", "kind", "state__regional_group", "state_id")
    ):
        overall[(article_id, kind)].add(state_id)
        if group:
            region[(article_id, kind, group)].add(state_id)
    overall_max = max((len(s) for s in overall.values()), default=0)
    region_max: dict[str, int] = defaultdict(int)
    for (_a, _k, group), states in region.items():
        region_max[group] = max(region_max[group], len(states))

    ids = qs.order_by().values("pk")
    severities, public_severities = _severities(qs.order_by().values("state_id"))
    most_urgent: dict[int, int] = {}  # need → highest URGENCY_ORDER among its sources
    for need_id, priority, answer_secret, request_urgency, request_secret, need_secret in _fetch(
        NeedEvidence.objects.filter(need_id__in=ids).values_list(
            "need_id",
            "stated_need__priority",
            "stated_need__confidential",
            "request_line__request__urgency",
            "request_line__request__confidential",
            "need__confidential",
        )
    ):
        # A score every reader sees never rests on a confidential source, unless the need
        # rests on nothing else (then only its State and the secretariat see it).
        if (answer_secret or request_secret) and not need_secret:
            continue
        order = max(URGENCY_ORDER.get(priority, 0), URGENCY_ORDER.get(request_urgency, 0))
        if order > most_urgent.get(need_id, 0):
            most_urgent[need_id] = order
    urgency_of = {order: str(value) for value, order in URGENCY_ORDER.items()}
    urgency = {need_id: urgency_of[order] for need_id, order in most_urgent.items()}
    covered = coverage([(r[0], r[1], r[8], r[12]) for r in rows])

    facts = []
    legal_of: dict[tuple[Any, ...], tuple[str, ...]] = {}
    for r in rows:
        (pk, state_id, iso3, group, *legal) = r[:8]
        flags = tuple(legal)  # booleans, or 0/1 from SQLite
        if flags not in legal_of:
            legal_of[flags] = legal_families_of(flags)
        article_id, number, instrument, position, kind, first_seen = r[8:14]
        pinned, excluded, reason, status, secret = r[14:19]
        if first_seen not in days:
            days[first_seen] = (
                date.fromisoformat(first_seen[:10]) if isinstance(first_seen, str) else first_seen
            )
        facts.append(
            NeedFacts(
                need_id=pk,
                state_iso3=iso3,
                regional_group=group or "",
                legal_families=legal_of[flags],
                instrument_code=instrument,
                instrument_position=position,
                article_id=article_id,
                article_number=number,
                kind=kind,
                # As urgency: a score every reader sees never rests on a confidential answer,
                # unless the need rests on nothing else (then only its State and the
                # secretariat see it).
                severity=(severities if secret else public_severities).get(
                    (state_id, article_id), ""
                ),
                urgency=urgency.get(pk, ""),
                breadth_overall=len(overall.get((article_id, kind), ())),
                breadth_overall_max=overall_max,
                breadth_region=len(region.get((article_id, kind, group), ())) if group else 0,
                breadth_region_max=region_max.get(group, 0) if group else 0,
                coverage=Decimal(covered.get(pk, Decimal("0"))),
                age_days=(today - days[first_seen]).days,
                pinned=bool(pinned),
                excluded=bool(excluded),
                ranking_reason=reason,
                status=status,
            )
        )
    return facts


def weights_record_in_use() -> ScoringWeights | None:
    """The recorded weights in use: the first active session's, if any."""
    return ScoringWeights.objects.filter(is_active=True).order_by("session").first()


def weights_in_use() -> Weights:
    """The weights of the session in use (the first active one), else the defaults."""
    current = weights_record_in_use()
    return Weights.from_model(current) if current else Weights()


def _inputs(
    weights: Weights | ScoringWeights | None, themes: list[ThemeSpec] | None
) -> tuple[Weights, list[ThemeSpec]]:
    if weights is None:
        weights = weights_in_use()
    elif isinstance(weights, ScoringWeights):
        weights = Weights.from_model(weights)
    return weights, active_themes() if themes is None else themes


def ranked_register(
    *,
    needs_qs: QuerySet[Need],
    weights: Weights | ScoringWeights | None = None,
    themes: list[ThemeSpec] | None = None,
    coverage: CoverageFn | None = None,
    today: date | None = None,
) -> list[RankedNeed]:
    """Every need of ``needs_qs`` with its total score, in ranking order (``position`` set),
    followed by the excluded needs (``position`` None). Only the numbers: a constant number of
    queries and no text, so a screen can rank every need and explain the few it shows."""
    weights, themes = _inputs(weights, themes)
    facts = needs_facts(needs_qs, today=today, coverage=coverage)
    ranking = rank(RankedNeed(f, score_total(f, weights, themes)) for f in facts)
    return ranking.ranked + ranking.excluded


def explain(
    ranked: Iterable[RankedNeed],
    *,
    weights: Weights | ScoringWeights | None = None,
    themes: list[ThemeSpec] | None = None,
) -> list[ScoredNeed]:
    """The score of each ranked need explained term by term, keeping its position."""
    weights, themes = _inputs(weights, themes)
    wording = _wording()
    return [
        ScoredNeed(r.facts, score(r.facts, weights, themes, wording), position=r.position)
        for r in ranked
    ]


def scored_register(
    *,
    needs_qs: QuerySet[Need],
    weights: Weights | ScoringWeights | None = None,
    themes: list[ThemeSpec] | None = None,
    coverage: CoverageFn | None = None,
    today: date | None = None,
) -> list[ScoredNeed]:
    """Every need of ``needs_qs`` scored and explained, in ranking order (``position`` set),
    followed by the excluded needs (``position`` None)."""
    weights, themes = _inputs(weights, themes)
    ranked = ranked_register(
        needs_qs=needs_qs, weights=weights, themes=themes, coverage=coverage, today=today
    )
    return explain(ranked, weights=weights, themes=themes)
