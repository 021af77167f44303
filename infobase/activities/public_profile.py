"""Public sections of the State profile and the article page: the technical-assistance
activities addressed to the State or to the article. Activities are listed to those who may
view them; anyone else sees how many there are."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from infobase.activities.models import Activity
from infobase.reference.models import Article, State
from infobase.reference.profile import article_section, state_section

LISTED = 50


def _section(activities: QuerySet[Activity], user: Any) -> dict[str, Any]:
    activities = activities.filter(missing_from_source=False).distinct()
    total = activities.count()
    listed = user.has_perm("activities.view_activity")
    rows = (
        list(activities.select_related("provider").order_by("-planned_start", "pk")[:LISTED])
        if listed
        else []
    )
    return {"activities": rows, "total": total, "listed": listed}


@state_section(key="activities", order=40, template="reference/profile/activities.html")
def state_activities(state: State, user: Any) -> dict[str, Any]:
    context = _section(Activity.objects.filter(recipients__state=state), user)
    context["list_query"] = f"recipient={state.iso3}"
    return context


@article_section(key="activities", order=30, template="reference/profile/activities.html")
def article_activities(article: Article, user: Any) -> dict[str, Any]:
    return _section(Activity.objects.filter(themes__article=article), user)
