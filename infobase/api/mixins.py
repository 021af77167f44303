"""Shared parts of the API's viewsets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions, filters, viewsets


class SelectorFilterMixin(viewsets.GenericViewSet):
    """A list filtered by the web's own selector rather than by the filterset.

    The resource's ``filterset_class`` still reads, checks and documents the query parameters;
    ``select`` hands its cleaned data to the selector the web page uses, and the ordering
    parameter applies last. Other actions (a single object) are not filtered.
    """

    filterset_class: Any

    def select(self, queryset: QuerySet[Any], data: Mapping[str, Any]) -> QuerySet[Any]:
        """``queryset`` narrowed as the web's selector does for the cleaned ``data``."""
        raise NotImplementedError

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action != "list":
            return queryset
        filterset = self.filterset_class(self.request.query_params, queryset, request=self.request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        chosen = self.select(queryset, filterset.form.cleaned_data)
        return filters.OrderingFilter().filter_queryset(self.request, chosen, self)
