"""Open data: anonymous, cacheable reads of what is public, and the stable address of the
secretariat's IATI activity file for the IATI Registry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from infobase.activities.coverage.measures import GAP_DIMENSIONS, gaps
from infobase.activities.iati_export import default_activities, iati_export_valid
from infobase.activities.models import Activity
from infobase.api import serializers as s
from infobase.api import views
from infobase.api.fields import etag_of, if_match_values
from infobase.needs import selectors as needs_selectors
from infobase.reports.models import Publication
from infobase.reports.publications import published

MAX_AGE = 300


def cacheable(request: Request, response: Response) -> Response:
    """Public for ``MAX_AGE`` seconds, with an ETag; 304 when the client holds it."""
    if response.status_code != 200:
        return response
    data = response.data
    tag = etag_of(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)
    if tag in if_match_values(request.headers.get("If-None-Match", "")):
        response.status_code = 304
        response.data = None
    response["ETag"] = tag
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


class OpenMixin:
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and request.method == "GET":
            return cacheable(request, response)
        return response


class OpenStateViewSet(OpenMixin, views.StateViewSet):
    pass


class OpenInstrumentViewSet(OpenMixin, views.InstrumentViewSet):
    pass


class OpenArticleViewSet(OpenMixin, views.ArticleViewSet):
    pass


class OpenActivityViewSet(OpenMixin, views.ActivityViewSet):
    """The secretariat's own activities, the ones it publishes to IATI."""

    def get_queryset(self) -> QuerySet[Activity]:
        return super().get_queryset().filter(pk__in=default_activities().values("pk"))


class OpenPublicationViewSet(OpenMixin, views.ReadOnly):
    serializer_class = s.PublicationSerializer
    filterset_fields = ["report"]

    def get_queryset(self) -> QuerySet[Publication]:
        return published()


class GapRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    uncovered = serializers.IntegerField()
    partly = serializers.IntegerField()
    covered = serializers.IntegerField()
    total = serializers.IntegerField()


class HeatCellSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    label = serializers.CharField()
    regional_group = serializers.CharField()
    states = serializers.IntegerField()


class OpenNeedsGaps(OpenMixin, APIView):
    """Open needs by regional group, legal system, article or kind: uncovered, partly covered,
    covered. Computed as for a reader with no State (``needs_visible_to``): needs resting only
    on confidential evidence are counted nowhere."""

    @extend_schema(
        parameters=[OpenApiParameter("by", str, enum=list(GAP_DIMENSIONS))],
        responses=GapRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        by = request.query_params.get("by", "regional_group")
        if by not in GAP_DIMENSIONS:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"by": [f"{', '.join(GAP_DIMENSIONS)}"]})
        rows = gaps(user=AnonymousUser(), by=by)
        return Response(
            [
                {
                    "key": r.key,
                    "label": r.label,
                    "uncovered": r.uncovered,
                    "partly": r.partly,
                    "covered": r.covered,
                    "total": r.total,
                }
                for r in rows
            ]
        )


class OpenNeedsByArticleAndGroup(OpenMixin, APIView):
    """States with an open need, by article and regional group (the register's heat table)."""

    @extend_schema(responses=HeatCellSerializer(many=True))
    def get(self, request: Request) -> Response:
        needs = needs_selectors.register(
            user=AnonymousUser(), filters=needs_selectors.RegisterFilters()
        )
        table = needs_selectors.heat_articles_by_group(needs)
        labels = dict(table.rows)
        return Response(
            [
                {
                    "article": article,
                    "label": labels.get(article, ""),
                    "regional_group": group,
                    "states": count,
                }
                for (article, group), count in sorted(
                    table.cells.items(), key=lambda c: (c[0][0], c[0][1])
                )
            ]
        )


class OpenIatiActivities(APIView):
    """The secretariat's IATI 2.03 activity file: every own activity that validates (the stable
    address to register with the IATI Registry)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    def get(self, request: Request) -> HttpResponse:
        result = iati_export_valid()
        response = HttpResponse(result.content, content_type="application/xml; charset=utf-8")
        tag = etag_of(result.content.decode("utf-8", "replace"))
        response["ETag"] = tag
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        response["Last-Modified"] = timezone.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
        if tag in if_match_values(request.headers.get("If-None-Match", "")):
            not_modified = HttpResponse(status=304)
            not_modified["ETag"] = tag
            return not_modified
        return response
