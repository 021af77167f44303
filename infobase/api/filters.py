"""List filters, named as on the web pages."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet

from infobase.activities.models import Activity, NeedLink
from infobase.needs.models import AssistanceRequest, LessonLearned, Need, NeedStatus
from infobase.needs.selectors import ANY_STATUS, CLOSED_STATUS
from infobase.reference.models import (
    Article,
    AssistanceKind,
    LegalFamily,
    RegionalGroup,
    State,
)

GROUPS = [*RegionalGroup.choices, ("none", "No group")]


def _legal(qs: QuerySet[Any], name: str, value: str, prefix: str = "") -> QuerySet[Any]:
    return qs.filter(**{f"{prefix}legal_{value}": True}) if value in LegalFamily.values else qs


class StateFilter(df.FilterSet):
    regional_group = df.ChoiceFilter(choices=GROUPS, method="by_group")
    legal_system = df.ChoiceFilter(choices=LegalFamily.choices, method="by_legal")
    iso3 = df.CharFilter(field_name="iso3", lookup_expr="iexact")

    class Meta:
        model = State
        fields = ["regional_group", "legal_system", "iso3", "un_status"]

    def by_group(self, qs: QuerySet[State], name: str, value: str) -> QuerySet[State]:
        return qs.filter(regional_group="" if value == "none" else value)

    def by_legal(self, qs: QuerySet[State], name: str, value: str) -> QuerySet[State]:
        return _legal(qs, name, value)


class ArticleFilter(df.FilterSet):
    instrument = df.CharFilter(field_name="instrument__code")

    class Meta:
        model = Article
        fields = ["instrument", "number"]


class NeedFilter(df.FilterSet):
    """The register's filters (``needs.selectors.RegisterFilters``) and coverage."""

    instrument = df.CharFilter(method="noop")
    article = df.NumberFilter(method="noop")
    kind = df.ChoiceFilter(choices=AssistanceKind.choices, method="noop")
    regional_group = df.ChoiceFilter(choices=GROUPS, method="noop")
    legal_system = df.ChoiceFilter(choices=LegalFamily.choices, method="noop")
    state = df.CharFilter(method="noop", help_text="ISO alpha-3")
    status = df.ChoiceFilter(
        choices=[
            *[(v, v) for v in NeedStatus.values if v != NeedStatus.MERGED],
            (CLOSED_STATUS, CLOSED_STATUS),
            (ANY_STATUS, ANY_STATUS),
        ],
        method="noop",
        help_text="none named: open; closed: met or not_relevant; any: every status",
    )
    coverage = df.ChoiceFilter(
        choices=[("uncovered", "uncovered"), ("partly", "partly"), ("covered", "covered")],
        method="noop",
    )
    theme = df.NumberFilter(
        method="noop",
        min_value=1,
        max_value=2**63 - 1,
        decimal_places=0,
        help_text="a priority theme of an active work programme (its id in /work-programmes/): "
        "the needs it matches",
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def noop(self, qs: QuerySet[Need], name: str, value: Any) -> QuerySet[Need]:
        return qs  # applied together by the view through the register's selector


class NeedLinkFilter(df.FilterSet):
    """Links by status, need and activity. The need and the activity are plain identifiers: a
    choice checked against every need would refuse an unknown one (400) and accept another
    State's confidential one (200, an empty list), telling which exist."""

    need = df.NumberFilter(field_name="need_id")
    activity = df.NumberFilter(field_name="activity_id")

    class Meta:
        model = NeedLink
        fields = ["status", "need", "activity"]


class RequestFilter(df.FilterSet):
    state = df.CharFilter(field_name="state__iso3", lookup_expr="iexact")
    instrument = df.CharFilter(field_name="instrument__code")
    received_after = df.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = df.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = AssistanceRequest
        fields = ["state", "instrument", "status", "urgency", "received_after", "received_before"]


class LessonFilter(df.FilterSet):
    state = df.CharFilter(field_name="states__iso3", lookup_expr="iexact", distinct=True)
    article = df.NumberFilter(field_name="articles", distinct=True)
    delivered_after = df.DateFilter(field_name="delivered_on", lookup_expr="gte")
    delivered_before = df.DateFilter(field_name="delivered_on", lookup_expr="lte")

    class Meta:
        model = LessonLearned
        fields = ["state", "article", "delivered_after", "delivered_before"]


class ActivityFilter(df.FilterSet):
    """The activity list's filters (``activities.selectors.ActivityFilters``)."""

    provider = df.NumberFilter(method="noop")
    provider_kind = df.CharFilter(method="noop")
    recipient = df.CharFilter(method="noop", help_text="ISO alpha-3")
    regional_group = df.ChoiceFilter(choices=RegionalGroup.choices, method="noop")
    instrument = df.CharFilter(method="noop")
    article = df.NumberFilter(method="noop")
    kind = df.ChoiceFilter(choices=AssistanceKind.choices, method="noop")
    status = df.CharFilter(method="noop")
    source = df.CharFilter(method="noop")
    starts_after = df.DateFilter(method="noop")
    starts_before = df.DateFilter(method="noop")

    class Meta:
        model = Activity
        fields: list[str] = []

    def noop(self, qs: QuerySet[Activity], name: str, value: Any) -> QuerySet[Activity]:
        return qs
