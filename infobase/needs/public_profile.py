"""Public sections of the State profile and the article page: the open needs anyone may see
(the register's rule, ``selectors.needs_visible_to``: never a need resting only on
confidential evidence of another State)."""

from __future__ import annotations

from typing import Any

from infobase.needs.models import NeedStatus
from infobase.needs.selectors import needs_visible_to
from infobase.reference.models import Article, State
from infobase.reference.profile import article_section, state_section
from infobase.reference.selectors import by_state_name


@state_section(key="needs", order=30, template="reference/profile/needs.html")
def state_needs(state: State, user: Any) -> dict[str, Any]:
    needs = (
        needs_visible_to(user)
        .filter(state=state, status=NeedStatus.OPEN)
        .select_related("article__instrument", "state")
        .order_by("article__instrument__position", "article__number", "kind")
    )
    return {"needs": list(needs), "can_open": user.has_perm("needs.view_register")}


@article_section(key="needs", order=20, template="reference/profile/needs.html")
def article_needs(article: Article, user: Any) -> dict[str, Any]:
    needs = (
        needs_visible_to(user)
        .filter(article=article, status=NeedStatus.OPEN)
        .select_related("article__instrument", "state")
        .order_by("kind")
    )
    return {
        "needs": by_state_name(needs, lambda need: need.state),
        "can_open": user.has_perm("needs.view_register"),
        "by_state": True,
    }
