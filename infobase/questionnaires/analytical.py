"""The figures of the analytical report on implementation (decision 2/6, para. (b)).

Plain functions over the information base, independent of language and of HTTP. The report is
public, so every figure follows the public rules:

- disclosure control: a confidential answer is counted in no figure at all. Annex II names the
  States whose answer is confidential, so a figure that counted them would give them away once
  the annex's named statuses are subtracted from it; counting only the answers that are public
  makes every figure a function of public answers, from which nothing confidential follows;
- no share rests on fewer than ``MIN_AGGREGATE`` States: such a share is withheld (``None``).
  It protects no answer (Annex II names each State's public answers): so small a base says
  little about implementation. Counts (replies, needs) are given whatever their size;
- shares of States reporting an article as implemented leave "not applicable" out of the
  denominator; shares are rounded half up to one decimal;
- States without a regional group form their own group (``NO_GROUP``), so group rows add up to
  the totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from infobase.questionnaires.models import (
    ANSWERED,
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    ImplementationStatus,
    Questionnaire,
)
from infobase.reference.models import Instrument, LegalFamily, RegionalGroup, State
from infobase.reports.numbers import share as percent_share

STATUSES = tuple(s.value for s in ImplementationStatus)  # yes, partly, no, na
MIXED = "mixed"  # States whose legal system draws on two or more families
FAMILIES = (*(f.value for f in LegalFamily), MIXED)
GROUPS = tuple(g.value for g in RegionalGroup)
NO_GROUP = ""  # States that belong to no regional group
REPORT_GROUPS = (*GROUPS, NO_GROUP)
QUOTES_PER_ARTICLE = 2

# No share rests on fewer States than this: such a share is withheld (``None``).
MIN_AGGREGATE = 3


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


def state_families(state: State) -> tuple[str, ...]:
    families = tuple(f.value for f in LegalFamily if getattr(state, f"legal_{f.value}"))
    return (*families, MIXED) if len(families) > 1 else families


def questionnaires_for(instrument: Instrument, cycle: int) -> list[Questionnaire]:
    return list(
        Questionnaire.objects.filter(cycle__number=cycle, instruments=instrument).order_by("pk")
    )


def response_of(replies: Iterable[Reply]) -> Response:
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


def statuses_of(questionnaires: list[Questionnaire]) -> list[ArticleImplementation]:
    return list(
        ArticleImplementation.objects.filter(
            assignment__questionnaire__in=questionnaires,
            assignment__status=AssignmentStatus.VALIDATED,
            paragraph=0,
        )
        .exclude(status="")
        .order_by("state_id", "article_id", "pk")
    )


def latest_per_state(
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
    return response_of(best_replies(Assignment.objects.filter(questionnaire__in=questionnaires)))
