"""``/api/v1/exports/``: a list's file made by a background job, for the person who asked."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from infobase.api.export_jobs import (
    api_export_start,
    api_exports_of,
    export_address,
    export_status,
)
from infobase.api.exports import CSVRenderer, XLSXRenderer
from infobase.api.idempotency import idempotent
from infobase.api.permissions import ReadOnlyTokenPermission, SignedIn
from infobase.api.problems import Conflict, ExportsUnderWay
from infobase.core.exporters import FORMATS
from infobase.core.exports import (
    ExportOutOfScope,
    TooManyExports,
    export_download,
    not_kept_message,
)
from infobase.core.models import Job, JobStatus
from infobase.core.selectors import job_status


class ExportRequestSerializer(serializers.Serializer[Any]):
    resource = serializers.CharField(
        max_length=100,
        help_text="The list: its address under /api/v1/ (`needs`) or its name (`need`).",
    )
    format = serializers.ChoiceField(choices=list(FORMATS))
    filters = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text=(
            "The list's query parameters (its filters, `ordering`, `fields`): a value is a "
            "text, a number, a boolean or a list of them."
        ),
    )


class ExportSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    resource = serializers.CharField()
    format = serializers.CharField()
    filters = serializers.DictField(child=serializers.JSONField())
    status = serializers.ChoiceField(choices=JobStatus.choices)
    progress = serializers.IntegerField(help_text="Percent done.")
    message = serializers.CharField(
        help_text="The step under way, why the export failed, or what the file holds."
    )
    rows = serializers.IntegerField(allow_null=True)
    size = serializers.IntegerField(allow_null=True, help_text="Bytes.")
    url = serializers.CharField(help_text="This export's address.")
    file = serializers.CharField(allow_null=True, help_text="The file's address, once made.")
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ExportViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A list's CSV or XLSX file made by a background job: ask for it (202 and the export's
    address), follow it, fetch the file. Only the person who asked sees an export."""

    serializer_class = ExportSerializer
    permission_classes = [ReadOnlyTokenPermission, SignedIn]
    # Asking for a file reads and changes no record: a read-only token may do it.
    writes_nothing = True
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Job]:
        return api_exports_of(self.request.user)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file is what it is, whatever the client accepts.
        return super().perform_content_negotiation(request, force=force or self.action == "file")

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Ask for a list's file; the right to read the list and its filters are checked as
        the list checks them, and again when the file is made."""
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def start() -> Response:
            try:
                job = api_export_start(
                    request=request,
                    resource=data["resource"],
                    fmt=data["format"],
                    filters=data["filters"],
                )
            except TooManyExports as refused:
                raise ExportsUnderWay(
                    refused.message,
                    under_way=[export_address(request, job) for job in refused.under_way],
                ) from None
            out = ExportSerializer(export_status(job, request=request)).data
            location = reverse("api:export-detail", kwargs={"pk": job.pk})
            return Response(out, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

        return idempotent(request, start)

    @extend_schema(parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ExportSerializer(export_status(self.get_object(), request=request)).data)

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            (200, CSVRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY),
            (200, XLSXRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: Any = None) -> Any:
        """The file, once made (409 before; 404 once removed, a week after it was made)."""
        job = self.get_object()
        if job.status == JobStatus.FAILED:
            raise Conflict(_("The export failed: %(error)s") % {"error": job_status(job)["error"]})
        if job.status != JobStatus.DONE:
            raise Conflict(_("The file is not ready yet."))
        try:
            path = export_download(job=job, user=request.user)
        except ExportOutOfScope as refused:
            raise exceptions.NotFound(refused.message) from None
        if path is None:
            raise exceptions.NotFound(not_kept_message())
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=path.name,
            content_type=str(job.result.get("content_type", "")) or None,
        )
