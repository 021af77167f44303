"""The figures of the analytical report on implementation (decision 2/6, para. (b)): the
answers (by the public rules of ``infobase.questionnaires.analytical``) together with the needs,
requests and lessons of the information base."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_noop

from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
)
from infobase.questionnaires.analytical import (
    FAMILIES,
    MIN_AGGREGATE,
    NO_GROUP,
    RANK,
    REPORT_GROUPS,
    STATUSES,
    PublicStatus,
    Reply,
    Response,
    Share,
    best_replies,
    implemented_share,
    latest_per_state,
    pick_quotes,
    public_rows,
    questionnaires_for,
    response_of,
    state_families,
    statuses_of,
)
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument, State
from infobase.reports.numbers import top_with_ties

TOP_NEEDS = 10


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


def compute(
    *, instrument: Instrument, cycle: int, progress: Callable[[float, str], None] | None = None
) -> AnalyticalFigures:
    step = progress or (lambda _f, _s: None)
    questionnaires = questionnaires_for(instrument, cycle)
    step(0.05, gettext_noop("Reading the replies"))
    replies = best_replies(Assignment.objects.filter(questionnaire__in=questionnaires))
    states = {s.pk: s for s in State.objects.filter(pk__in=[r.state_id for r in replies])}
    families = {pk: state_families(state) for pk, state in states.items()}
    response_by_group = {
        g: response_of(r for r in replies if states[r.state_id].regional_group == g)
        for g in REPORT_GROUPS
    }
    response_by_family = {
        f: response_of(r for r in replies if f in families[r.state_id]) for f in FAMILIES
    }

    step(0.2, gettext_noop("Counting implementation"))
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
    latest = latest_per_state(statuses_of(questionnaires))
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

    step(0.5, gettext_noop("Counting the needs"))
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

    step(0.65, gettext_noop("Reading requests and lessons learned"))
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
        response_total=response_of(replies),
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

    step(0.8, gettext_noop("Comparing with the previous cycle"))
    earlier = questionnaires_for(instrument, cycle - 1) if cycle > 1 else []
    if earlier:
        figures.previous_cycle = cycle - 1
        figures.previous_response = response_of(
            best_replies(Assignment.objects.filter(questionnaire__in=earlier))
        )
        before = latest_per_state(statuses_of(earlier))
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
    step(0.85, gettext_noop("Figures computed"))
    return figures
