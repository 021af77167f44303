"""The figures of the analytical report on implementation (decision 2/6, para. (b)).

Plain functions over the information base, independent of language and of HTTP. The report is
public, so every figure follows the public rules:

- disclosure control: a confidential answer is counted in no figure at all. Annex II names the
  States whose answer is confidential, so a figure that counted them would give them away once
  the annex's named statuses are subtracted from it; counting only the answers that are public
  makes every figure a function of public answers, from which nothing confidential follows;
- no figure covers fewer than ``MIN_AGGREGATE`` States: such a figure is withheld (``None``);
- shares of States reporting an article as implemented leave "not applicable" out of the
  denominator; shares are rounded half up to one decimal;
- States without a regional group form their own group (``NO_GROUP``), so group rows add up to
  the totals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
)
from infobase.questionnaires.analysis import MIN_AGGREGATE
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    ImplementationStatus,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument, LegalFamily, RegionalGroup, State
from infobase.reports.numbers import share as percent_share
from infobase.reports.numbers import top_with_ties

ANSWERED = (AssignmentStatus.SUBMITTED, AssignmentStatus.RETURNED, AssignmentStatus.VALIDATED)
STATUSES = tuple(s.value for s in ImplementationStatus)  # yes, partly, no, na
MIXED = "mixed"  # States whose legal system draws on two or more families
FAMILIES = (*(f.value for f in LegalFamily), MIXED)
GROUPS = tuple(g.value for g in RegionalGroup)
NO_GROUP = ""  # States that belong to no regional group
REPORT_GROUPS = (*GROUPS, NO_GROUP)
TOP_NEEDS = 10
QUOTES_PER_ARTICLE = 2


@dataclass(frozen=True)
class Reply:
    """A State asked to answer, and what became of it."""

    state_id: int
    status: str  # the assignment's status

    @property
    def answered(self) -> bool:
        return self.status in ANSWERED

    @property
    def validated(self) -> bool:
        return self.status == AssignmentStatus.VALIDATED


@dataclass(frozen=True)
class Response:
    asked: int
    answered: int
    validated: int

    @property
    def rate(self) -> float | None:
        value = percent_share(self.answered, self.asked)
        return float(value) if value is not None else None


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole`` States; withheld (``None`` figures) under the aggregate minimum."""

    part: int | None
    whole: int

    @property
    def percent(self) -> float | None:
        if self.part is None or not self.whole:
            return None
        value = percent_share(self.part, self.whole)
        return float(value) if value is not None else None


@dataclass(frozen=True)
class PublicStatus:
    """A State's status for an article as the public may see it: '' when confidential."""

    state_id: int
    article_id: int
    status: str
    confidential: bool


@dataclass
class AnalyticalFigures:
    instrument_id: int
    cycle: int
    previous_cycle: int | None
    states: dict[int, State]
    articles: list[Article]
    replies: list[Reply]
    response_by_group: dict[str, Response]
    response_by_family: dict[str, Response]
    response_total: Response
    # article -> status -> number of States (None: withheld), and the States reporting
    status_counts: dict[int, dict[str, int | None]]
    reporting: dict[int, int]
    implemented: dict[int, Share]  # article -> States reporting "yes" of those it applies to
    implemented_by_group: dict[tuple[int, str], Share]
    implemented_by_family: dict[tuple[int, str], Share]
    challenges: dict[int, int | None]  # article -> States reporting challenges
    quotes: list[tuple[int, int, str]]  # (article, State, words), never from confidential answers
    matrix: list[PublicStatus]
    needs_by_kind: dict[str, tuple[int, int]]  # kind -> (needs, States)
    needs_by_group: dict[str, tuple[int, int]]
    # (article, kind, States), most common first: the first TOP_NEEDS and all tied with the last
    top_needs: list[tuple[int, str, int]]
    needs_per_state: dict[int, int]
    needs_total: int
    needs_states: int  # States with at least one need counted
    needs_from_answers: int  # needs with evidence in this cycle's validated answers
    needs_from_requests: int  # needs with evidence in requests received by the cycle's end
    requests_behind_needs: int  # those requests
    requests_behind_in_cycle: int  # of which received during the cycle
    requests_total: int  # requests received during the cycle
    requests_by_group: dict[str, int]
    request_lines_by_kind: dict[str, int]
    lessons: list[tuple[int, str]]  # (id, title)
    previous_response: Response | None = None
    previous_implemented: dict[int, Share] = field(default_factory=dict)
    changes: dict[int, tuple[int | None, int | None]] = field(
        default_factory=dict
    )  # improved, worsened


def state_families(state: State) -> tuple[str, ...]:
    families = tuple(f.value for f in LegalFamily if getattr(state, f"legal_{f.value}"))
    return (*families, MIXED) if len(families) > 1 else families


def questionnaires_for(instrument: Instrument, cycle: int) -> list[Questionnaire]:
    return list(
        Questionnaire.objects.filter(cycle__number=cycle, instruments=instrument).order_by("pk")
    )


def _response(replies: Iterable[Reply]) -> Response:
    replies = list(replies)
    return Response(
        asked=len(replies),
        answered=sum(r.answered for r in replies),
        validated=sum(r.validated for r in replies),
    )


def _share(part: int, whole: int) -> Share:
    return Share(part if whole >= MIN_AGGREGATE else None, whole)


def implemented_share(rows: list[ArticleImplementation]) -> Share:
    """States reporting the article as implemented, of those for which it applies."""
    applicable = [r for r in rows if r.status != ImplementationStatus.NOT_APPLICABLE]
    return _share(sum(r.status == "yes" for r in applicable), len(applicable))


def _statuses(questionnaires: list[Questionnaire]) -> list[ArticleImplementation]:
    return list(
        ArticleImplementation.objects.filter(
            assignment__questionnaire__in=questionnaires,
            assignment__status=AssignmentStatus.VALIDATED,
            paragraph=0,
        )
        .exclude(status="")
        .order_by("state_id", "article_id", "pk")
    )


def _latest_per_state(
    rows: list[ArticleImplementation],
) -> dict[tuple[int, int], ArticleImplementation]:
    # Two questionnaires of a cycle may cover the same article: the later answer stands.
    out: dict[tuple[int, int], ArticleImplementation] = {}
    for row in rows:
        out[(row.state_id, row.article_id)] = row
    return out


RANK = {"no": 0, "partly": 1, "yes": 2}


def pick_quotes(
    rows: list[ArticleImplementation], seed: int, states: dict[int, State]
) -> list[ArticleImplementation]:
    """A few statements, deterministic but varied: starting at a place that depends on the
    article, and from different regional groups where possible."""
    if not rows:
        return []
    start = seed % len(rows)
    ordered = rows[start:] + rows[:start]
    chosen: list[ArticleImplementation] = []
    groups: set[str] = set()
    for row in ordered:
        group = states[row.state_id].regional_group
        if group in groups or any(c.challenges.strip() == row.challenges.strip() for c in chosen):
            continue
        chosen.append(row)
        groups.add(group)
        if len(chosen) == QUOTES_PER_ARTICLE:
            break
    return chosen


def public_rows(rows: list[ArticleImplementation]) -> list[ArticleImplementation]:
    """The answers a public figure may count: those that are not confidential.

    However many confidential answers a figure covers, the annex names the States that gave
    them and shows everyone else's status, so a figure counting them, minus the annex, would
    give them away; they are counted in no figure."""
    return [r for r in rows if not r.confidential]


REPLY_ORDER = {s: i for i, s in enumerate(a.value for a in AssignmentStatus)}


def best_replies(assignments: QuerySet[Assignment]) -> list[Reply]:
    """One reply per State, by State: a State asked twice (two questionnaires of a cycle)
    counts once, with its most advanced reply."""
    best: dict[int, str] = {}
    for state_id, status in assignments.order_by("state_id", "pk").values_list(
        "state_id", "status"
    ):
        if state_id not in best or REPLY_ORDER[status] > REPLY_ORDER[best[state_id]]:
            best[state_id] = status
    return [Reply(state_id, best[state_id]) for state_id in sorted(best)]


def basis(*, instrument: Instrument, cycle: int) -> Response:
    """Who was asked, who answered and whose answers are validated: what the report rests on."""
    questionnaires = questionnaires_for(instrument, cycle)
    return _response(best_replies(Assignment.objects.filter(questionnaire__in=questionnaires)))


def compute(
    *, instrument: Instrument, cycle: int, progress: Callable[[float, str], None] | None = None
) -> AnalyticalFigures:
    step = progress or (lambda _f, _s: None)
    questionnaires = questionnaires_for(instrument, cycle)
    step(0.05, "replies")
    replies = best_replies(Assignment.objects.filter(questionnaire__in=questionnaires))
    states = {s.pk: s for s in State.objects.filter(pk__in=[r.state_id for r in replies])}
    families = {pk: state_families(state) for pk, state in states.items()}
    response_by_group = {
        g: _response(r for r in replies if states[r.state_id].regional_group == g)
        for g in REPORT_GROUPS
    }
    response_by_family = {
        f: _response(r for r in replies if f in families[r.state_id]) for f in FAMILIES
    }

    step(0.2, "implementation")
    articles = list(
        Article.objects.filter(
            Q(instrument=instrument),
            Q(
                pk__in=ArticleImplementation.objects.filter(
                    assignment__questionnaire__in=questionnaires
                ).values("article_id")
            ),
        ).order_by("number")
    )
    latest = _latest_per_state(_statuses(questionnaires))
    by_article: dict[int, list[ArticleImplementation]] = defaultdict(list)
    for row in latest.values():
        by_article[row.article_id].append(row)
    status_counts: dict[int, dict[str, int | None]] = {}
    reporting: dict[int, int] = {}
    implemented: dict[int, Share] = {}
    implemented_by_group: dict[tuple[int, str], Share] = {}
    implemented_by_family: dict[tuple[int, str], Share] = {}
    challenges: dict[int, int | None] = {}
    quotes: list[tuple[int, int, str]] = []
    for article in articles:
        all_rows = by_article.get(article.pk, [])
        rows = public_rows(all_rows)
        counts = Counter(r.status for r in rows)
        reporting[article.pk] = len(rows)
        enough = len(rows) >= MIN_AGGREGATE
        status_counts[article.pk] = {s: counts[s] if enough else None for s in STATUSES}
        implemented[article.pk] = implemented_share(rows)
        for group in REPORT_GROUPS:
            implemented_by_group[(article.pk, group)] = implemented_share(
                [r for r in rows if states[r.state_id].regional_group == group]
            )
        for family in FAMILIES:
            implemented_by_family[(article.pk, family)] = implemented_share(
                [r for r in rows if family in families[r.state_id]]
            )
        with_challenges = [r for r in all_rows if r.challenges.strip()]
        counted = public_rows(with_challenges)
        challenges[article.pk] = len(counted) if enough else None
        public = sorted(
            (r for r in with_challenges if not r.confidential),
            key=lambda r: (states[r.state_id].name_en, r.pk),
        )
        quotes.extend(
            (article.pk, r.state_id, r.challenges.strip())
            for r in pick_quotes(public, article.number, states)
        )
    matrix = [
        PublicStatus(r.state_id, r.article_id, "" if r.confidential else r.status, r.confidential)
        for r in sorted(latest.values(), key=lambda r: (r.state_id, r.article_id))
    ]

    step(0.5, "needs")
    window = ReportingCycle.objects.filter(number=cycle).values_list("starts_on", "ends_on").first()
    starts, ends = window if window else (None, None)
    # The needs the cycle documents: open needs of the register with public evidence in the
    # cycle's validated answers or in public requests received by the end of the cycle.
    evidence = NeedEvidence.objects.filter(
        need__article__instrument=instrument,
        need__status=NeedStatus.OPEN,
        need__confidential=False,
    )
    from_answers = evidence.filter(
        stated_need__assignment__questionnaire__in=questionnaires,
        stated_need__assignment__status=AssignmentStatus.VALIDATED,
        stated_need__confidential=False,
    )
    request_lines = evidence.filter(
        request_line__isnull=False, request_line__request__confidential=False
    )
    if ends:
        request_lines = request_lines.filter(request_line__request__received_on__lte=ends)
    answer_needs = set(from_answers.values_list("need_id", flat=True))
    request_of_need: dict[int, set[int]] = defaultdict(set)
    received: dict[int, Any] = {}
    for need_id, request_id, received_on in request_lines.values_list(
        "need_id", "request_line__request_id", "request_line__request__received_on"
    ):
        request_of_need[need_id].add(request_id)
        received[request_id] = received_on
    needs_counted = answer_needs | set(request_of_need)
    needs = list(
        Need.objects.filter(pk__in=needs_counted).values_list(
            "state_id", "article_id", "kind", "state__regional_group"
        )
    )
    kind_needs: dict[str, list[int]] = defaultdict(list)
    group_needs: dict[str, list[int]] = defaultdict(list)
    pair_states: dict[tuple[int, str], set[int]] = defaultdict(set)
    per_state: Counter[int] = Counter()
    for state_id, article_id, kind, group in needs:
        kind_needs[kind].append(state_id)
        group_needs[group or NO_GROUP].append(state_id)
        pair_states[(article_id, kind)].add(state_id)
        per_state[state_id] += 1
    needs_by_kind = {k: (len(v), len(set(v))) for k, v in sorted(kind_needs.items())}
    needs_by_group = {g: (len(group_needs[g]), len(set(group_needs[g]))) for g in REPORT_GROUPS}
    top = top_with_ties(
        sorted(
            ((a, k, len(s)) for (a, k), s in pair_states.items() if len(s) >= MIN_AGGREGATE),
            key=lambda t: (-t[2], t[0], t[1]),
        ),
        TOP_NEEDS,
        key=lambda t: t[2],
    )
    behind = set().union(*request_of_need.values()) if request_of_need else set()
    behind_in_cycle = {r for r in behind if (starts is None or received[r] >= starts)}

    step(0.65, "requests and lessons")
    requests = AssistanceRequest.objects.filter(instrument=instrument, confidential=False)
    if starts:
        requests = requests.filter(received_on__gte=starts)
    if ends:
        requests = requests.filter(received_on__lte=ends)
    requests_by_group = Counter(requests.values_list("state__regional_group", flat=True))
    lines_by_kind = Counter(
        RequestLine.objects.filter(request__in=requests).values_list("kind", flat=True)
    )
    lessons = list(
        LessonLearned.objects.filter(articles__instrument=instrument)
        .distinct()
        .order_by("-delivered_on", "pk")
        .values_list("pk", "title")
    )

    figures = AnalyticalFigures(
        instrument_id=instrument.pk,
        cycle=cycle,
        previous_cycle=None,
        states=states,
        articles=articles,
        replies=replies,
        response_by_group=response_by_group,
        response_by_family=response_by_family,
        response_total=_response(replies),
        status_counts=status_counts,
        reporting=reporting,
        implemented=implemented,
        implemented_by_group=implemented_by_group,
        implemented_by_family=implemented_by_family,
        challenges=challenges,
        quotes=quotes,
        matrix=matrix,
        needs_by_kind=needs_by_kind,
        needs_by_group=needs_by_group,
        top_needs=top,
        needs_per_state=dict(per_state),
        needs_total=len(needs),
        needs_states=len(per_state),
        needs_from_answers=len(answer_needs),
        needs_from_requests=len(request_of_need),
        requests_behind_needs=len(behind),
        requests_behind_in_cycle=len(behind_in_cycle),
        requests_total=requests.count(),
        requests_by_group={g: requests_by_group.get(g or "", 0) for g in REPORT_GROUPS},
        request_lines_by_kind=dict(sorted(lines_by_kind.items())),
        lessons=lessons,
    )

    step(0.8, "previous cycle")
    earlier = questionnaires_for(instrument, cycle - 1) if cycle > 1 else []
    if earlier:
        figures.previous_cycle = cycle - 1
        figures.previous_response = _response(
            best_replies(Assignment.objects.filter(questionnaire__in=earlier))
        )
        before = _latest_per_state(_statuses(earlier))
        for article in articles:
            rows = public_rows([r for (_s, a), r in before.items() if a == article.pk])
            figures.previous_implemented[article.pk] = implemented_share(rows)
            pairs = [
                (now, before[key])
                for key, now in latest.items()
                if key[1] == article.pk
                and key in before
                and now.status in RANK
                and before[key].status in RANK
            ]
            pairs = [(n, t) for n, t in pairs if not (n.confidential or t.confidential)]
            improved = sum(RANK[n.status] > RANK[t.status] for n, t in pairs)
            worsened = sum(RANK[n.status] < RANK[t.status] for n, t in pairs)
            figures.changes[article.pk] = (
                (improved, worsened) if len(pairs) >= MIN_AGGREGATE else (None, None)
            )
    step(0.85, "figures ready")
    return figures
