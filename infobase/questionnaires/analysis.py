"""Figures from validated answers, safe to show: confidential answers only inside aggregates.

Plain functions (no HTTP), shared by pages, exports and the analytical reports.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from infobase.accounts.permissions import is_secretariat
from infobase.questionnaires.models import ArticleImplementation, Questionnaire

# A confidential answer never counts in a figure that covers fewer States than this.
MIN_AGGREGATE = 3


@dataclass(frozen=True)
class StatusCell:
    group: str
    status: str
    states: int


def may_see_confidential(viewer: Any, state_id: int) -> bool:
    if viewer is None:
        return False
    return bool(is_secretariat(viewer) or getattr(viewer, "state_id", None) == state_id)


def status_counts(
    *,
    questionnaires: Iterable[Questionnaire],
    article_id: int,
    viewer: Any = None,
    group_by: str = "regional_group",
) -> list[StatusCell]:
    """How many States report each implementation status of an article, by group.

    For a viewer who may not see a confidential answer, that answer is counted only in cells
    of at least ``MIN_AGGREGATE`` States; in smaller cells it is left out.
    """
    rows = ArticleImplementation.objects.filter(
        assignment__questionnaire__in=list(questionnaires),
        article_id=article_id,
        paragraph=0,
        assignment__status="validated",
    ).values_list(f"state__{group_by}", "status", "state_id", "confidential")
    cells: dict[tuple[str, str], set[int]] = defaultdict(set)
    secret: dict[tuple[str, str], set[int]] = defaultdict(set)
    for group, status, state_id, confidential in rows:
        cells[(group, status)].add(state_id)
        if confidential and not may_see_confidential(viewer, state_id):
            secret[(group, status)].add(state_id)
    out = []
    for (group, status), states in sorted(cells.items()):
        shown = states if len(states) >= MIN_AGGREGATE else states - secret[(group, status)]
        if shown:
            out.append(StatusCell(group, status, len(shown)))
    return out


def totals(cells: Iterable[StatusCell]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for cell in cells:
        counter[cell.status] += cell.states
    return counter
