"""Reads of the meetings app, for the screens and for the reports to the Conference (the chair's
report, the secretariat's report and the review of the working group's effectiveness).

Dates bound periods inclusively and apply to a session's first day. Nothing here checks
permissions: callers scope documents with ``infobase.accounts.permissions.scope_documents``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from infobase.accounts.permissions import scope_documents
from infobase.core.collation import sorted_by_name
from infobase.core.search import search as text_search
from infobase.funding.models import Project
from infobase.meetings.mandates import EvidenceItem, MandateState, evaluate_decision
from infobase.meetings.models import (
    Capacity,
    Document,
    Outcome,
    OutcomeKind,
    Session,
    SessionParticipant,
)
from infobase.needs.models import Need, PriorityTheme, WorkProgramme
from infobase.needs.selectors import needs_visible_to, visible_needs_q
from infobase.reference.models import Article

NO_GROUP = "none"  # participants that are not States, or States outside the regional groups


def sessions(
    *,
    body_code: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[Session]:
    """Sessions, oldest first, filtered by body, kind, calendar year and period."""
    qs = Session.objects.select_related("body", "country", "during__body")
    if body_code:
        qs = qs.filter(body__code=body_code)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(starts_on__year=year)
    if start:
        qs = qs.filter(starts_on__gte=start)
    if end:
        qs = qs.filter(starts_on__lte=end)
    return qs.order_by("starts_on", "pk")


@dataclass(frozen=True)
class SessionSummary:
    """A session with who took part: counts by capacity (``Capacity`` values) and, for States,
    by regional group (``RegionalGroup`` values, ``NO_GROUP`` for the others)."""

    session: Session
    participants: int
    by_capacity: dict[str, int]
    by_regional_group: dict[str, int]
    needs_reviewed: int
    documents: int
    outcomes: int


def session_summaries(
    *, body_code: str | None = None, start: date | None = None, end: date | None = None
) -> list[SessionSummary]:
    """The sessions of a body in a period with their participant counts and the needs they
    reviewed that everyone may see (chair's report, effectiveness review: published)."""
    qs = sessions(body_code=body_code, start=start, end=end).annotate(
        n_needs=_public_needs_reviewed(),
        n_documents=Count("documents", distinct=True),
        n_outcomes=Count("outcomes", distinct=True),
    )
    summaries = []
    for session in qs.prefetch_related(
        Prefetch("participants", queryset=SessionParticipant.objects.select_related("state"))
    ):
        people = list(session.participants.all())
        by_capacity = Counter(p.capacity for p in people)
        by_group = Counter(
            (p.state.regional_group or NO_GROUP) if p.state else NO_GROUP for p in people
        )
        summaries.append(
            SessionSummary(
                session=session,
                participants=len(people),
                by_capacity={c: by_capacity.get(c, 0) for c in Capacity.values},
                by_regional_group=dict(sorted(by_group.items())),
                needs_reviewed=session.n_needs,
                documents=session.n_documents,
                outcomes=session.n_outcomes,
            )
        )
    return summaries


def participants_by_capacity(session: Session) -> list[tuple[str, str, list[SessionParticipant]]]:
    """``(capacity, label, participants)`` for each capacity present, in the order of
    ``Capacity``; within each, in the alphabetical order of the names the page shows, in the
    reader's language."""
    people = sorted_by_name(
        session.participants.select_related("state", "organization"), _participant_name
    )
    groups: list[tuple[str, str, list[SessionParticipant]]] = []
    for value, label in Capacity.choices:
        members = [p for p in people if p.capacity == value]
        if members:
            groups.append((value, str(label), members))
    return groups


def _participant_name(participant: SessionParticipant) -> str:
    if participant.state is not None:
        return participant.state.translated("name").text
    if participant.organization is not None:
        return str(participant.organization)
    return participant.observer_name


def documents(
    *,
    kind: str | None = None,
    body_code: str | None = None,
    session: Session | None = None,
    start: date | None = None,
    end: date | None = None,
    search: str = "",
) -> QuerySet[Document]:
    """Documents, newest first, by kind, body (the body whose work they report, or of their
    session), session, date and a search on symbol or title."""
    qs = Document.objects.select_related("session__body", "body", "agenda_item")
    if kind:
        qs = qs.filter(kind=kind)
    if body_code:
        qs = qs.filter(Q(body__code=body_code) | Q(session__body__code=body_code))
    if session is not None:
        qs = qs.filter(session=session)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if search:
        qs = text_search(qs, search)
    return qs.order_by("-date", "symbol")


def documents_by_kind(
    *, body_code: str | None = None, start: date | None = None, end: date | None = None
) -> dict[str, list[Document]]:
    """Documents of a period grouped by kind (``DocumentKind`` values), oldest first."""
    grouped: dict[str, list[Document]] = {}
    for document in documents(body_code=body_code, start=start, end=end).order_by("date", "symbol"):
        grouped.setdefault(document.kind, []).append(document)
    return grouped


@dataclass(frozen=True)
class OutcomeLinks:
    """An outcome with what it concerns in the information base."""

    outcome: Outcome
    needs: list[Need] = field(default_factory=list)
    priority_themes: list[PriorityTheme] = field(default_factory=list)
    work_programmes: list[WorkProgramme] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)


def links(viewer: Any) -> tuple[Prefetch[Any] | str, ...]:
    """What an outcome concerns, fetched once for a list of outcomes: of its needs, those
    ``viewer`` may see (``needs_visible_to``: a confidential need of another State is neither
    listed nor counted)."""
    return (
        Prefetch(
            "needs",
            queryset=needs_visible_to(viewer).select_related("state", "article__instrument"),
        ),
        Prefetch("priority_themes", queryset=PriorityTheme.objects.select_related("programme")),
        "work_programmes",
        "projects",
        Prefetch("articles", queryset=Article.objects.select_related("instrument")),
    )


def outcome_links(outcome: Outcome, *, viewer: Any) -> OutcomeLinks:
    prefetch_related_objects([outcome], *links(viewer))  # no query when already prefetched
    return OutcomeLinks(
        outcome=outcome,
        needs=list(outcome.needs.all()),
        priority_themes=list(outcome.priority_themes.all()),
        work_programmes=list(outcome.work_programmes.all()),
        projects=list(outcome.projects.all()),
        articles=list(outcome.articles.all()),
    )


def outcomes_with_links(
    *,
    body_code: str | None = None,
    kind: str | None = None,
    start: date | None = None,
    end: date | None = None,
    viewer: Any,
) -> list[OutcomeLinks]:
    """Recommendations or decisions of a body's sessions in a period, with their links as
    ``viewer`` may see them."""
    qs = Outcome.objects.select_related("session__body")
    if body_code:
        qs = qs.filter(session__body__code=body_code)
    if kind:
        qs = qs.filter(kind=kind)
    if start:
        qs = qs.filter(session__starts_on__gte=start)
    if end:
        qs = qs.filter(session__starts_on__lte=end)
    return [
        outcome_links(o, viewer=viewer)
        for o in qs.prefetch_related(*links(viewer)).order_by("session__starts_on", "number")
    ]


def needs_reviewed_per_session(
    *, body_code: str | None = None, start: date | None = None, end: date | None = None
) -> list[tuple[Session, int]]:
    """How many needs of the register each session reviewed, of those everyone may see
    (effectiveness indicator: published)."""
    qs = sessions(body_code=body_code, start=start, end=end).annotate(n=_public_needs_reviewed())
    return [(s, s.n) for s in qs]


def _public_needs_reviewed() -> Count:
    return Count(
        "needs_reviewed",
        filter=visible_needs_q(AnonymousUser(), "needs_reviewed__"),
        distinct=True,
    )


def needs_reviewed_count(session: Session, *, viewer: Any) -> int:
    """How many needs the session reviewed, of those ``viewer`` may see (its page)."""
    return session.needs_reviewed.filter(visible_needs_q(viewer)).count()


def decision(number: str) -> Outcome | None:
    return (
        Outcome.objects.select_related("session__body")
        .filter(kind=OutcomeKind.DECISION, number=number)
        .first()
    )


def decisions_with_mandates() -> QuerySet[Outcome]:
    return (
        Outcome.objects.select_related("session__body")
        .filter(kind=OutcomeKind.DECISION, mandates__isnull=False)
        .distinct()
        .order_by("session__starts_on", "number")
    )


def mandate_statuses(number: str = "2/6", *, today: date) -> list[MandateState]:
    """Each mandate of a decision with its status on ``today`` (``MandateState``: automatic or
    manual, evidence, due date, ``on_time``: met by the due date, or during the due session
    for a decision that session must take). Evidence dated after ``today`` is not counted."""
    found = decision(number)
    return evaluate_decision(found, today=today) if found else []


def mandates_by_decision(*, today: date, user: Any = None) -> list[dict[str, Any]]:
    """Each decision that gives mandates, with its mandates' states on ``today`` and their
    summary: ``{"decision", "states", "summary"}`` (the mandates registry). With ``user``,
    the evidence is as that person may see it (``evidence_seen_by``)."""
    overview = []
    for found in decisions_with_mandates():
        states = evaluate_decision(found, today=today)
        if user is not None:
            states = evidence_seen_by(user, states)
        overview.append({"decision": found, "states": states, "summary": mandate_summary(states)})
    return overview


def evidence_seen_by(user: Any, states: list[MandateState]) -> list[MandateState]:
    """``states`` with the documents among their evidence that ``user`` may not see named
    only as such: no symbol, title, link or history (a document of limited distribution, or
    not yet public, is not named to the public). The statuses are the states' own."""
    pks = {item.pk for s in states for item in s.evidence if item.kind == "document" and item.pk}
    if not pks:
        return states
    visible = set(
        scope_documents(user, Document.objects.filter(pk__in=pks)).values_list("pk", flat=True)
    )
    unnamed = _("A document not for general distribution")

    def seen(item: EvidenceItem) -> EvidenceItem:
        if item.kind != "document" or item.pk in visible:
            return item
        return replace(item, label=unnamed, url="", pk=None, record=None)

    return [replace(s, evidence=tuple(seen(item) for item in s.evidence)) for s in states]


def mandate_summary(states: list[MandateState]) -> dict[str, Any]:
    """Counts for the effectiveness review: total, satisfied, on time, failing."""
    return {
        "total": len(states),
        "satisfied": sum(1 for s in states if s.is_satisfied),
        "on_time": sum(1 for s in states if s.on_time),
        "late": sum(1 for s in states if s.on_time is False),
        "failing": sum(1 for s in states if s.is_failing),
        "automatic": sum(1 for s in states if s.automatic),
    }
