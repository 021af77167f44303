"""Public sections of the State profile and the article page: implementation status per article
as validated, never a confidential answer (the rule of ``analytical.public_rows``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infobase.questionnaires.analytical import public_rows
from infobase.questionnaires.models import (
    ArticleImplementation,
    AssignmentStatus,
    ImplementationStatus,
)
from infobase.reference.models import Article, State
from infobase.reference.profile import article_section, state_section


@dataclass(frozen=True)
class PublicStatusRow:
    state: State
    article: Article
    status: str  # '' when the answer is confidential
    label: str
    cycle: int
    confidential: bool


def latest_statuses(**filters: Any) -> list[ArticleImplementation]:
    """The latest validated status of each (State, article), the article as a whole.

    A later cycle's answer replaces an earlier one; within a cycle the later questionnaire's."""
    rows = (
        ArticleImplementation.objects.filter(
            assignment__status=AssignmentStatus.VALIDATED, paragraph=0, **filters
        )
        .exclude(status="")
        .select_related("state", "article__instrument", "assignment__questionnaire__cycle")
        .order_by("assignment__questionnaire__cycle__number", "assignment__questionnaire_id", "pk")
    )
    latest: dict[tuple[int, int], ArticleImplementation] = {}
    for row in rows:
        latest[(row.state_id, row.article_id)] = row
    return list(latest.values())


def public_status_rows(rows: list[ArticleImplementation]) -> list[PublicStatusRow]:
    """Rows as the public sees them: a confidential answer keeps its place, named
    "Confidential", with no status (as in the analytical report's annex)."""
    public = {r.pk for r in public_rows(rows)}
    labels = dict(ImplementationStatus.choices)
    out = []
    for row in rows:
        shown = row.pk in public
        out.append(
            PublicStatusRow(
                state=row.state,
                article=row.article,
                status=row.status if shown else "",
                label=str(labels.get(row.status, row.status)) if shown else "",
                cycle=row.assignment.questionnaire.cycle.number,
                confidential=not shown,
            )
        )
    return out


@state_section(key="implementation", order=20, template="reference/profile/implementation.html")
def state_implementation(state: State, user: Any) -> dict[str, Any]:
    rows = public_status_rows(latest_statuses(state=state))
    rows.sort(key=lambda r: (r.article.instrument.position, r.article.number))
    return {"rows": rows}


@article_section(key="implementation", order=10, template="reference/profile/article_states.html")
def article_implementation(article: Article, user: Any) -> dict[str, Any]:
    rows = public_status_rows(latest_statuses(article=article))
    rows.sort(key=lambda r: str(r.state))
    counts = {
        str(label): sum(1 for r in rows if r.status == code)
        for code, label in ImplementationStatus.choices
    }
    return {"rows": rows, "counts": counts}
