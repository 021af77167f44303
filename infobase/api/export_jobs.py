"""The API's lists as files made by a background job (``POST /api/v1/exports/``).

A list's file is made in the request only when it is short (``ReadOnly.inline_export_limit``);
a longer one is asked for as an export, made by the pages' export job (``core.exports``) through
the very code the request would have run: the list's viewset, built for the person who asked
with the list's query parameters (``list_view``), its ``filter_queryset`` and ``exporter``. So a
row is defined once, and the file holds what that person may read through the API, in the
language they asked in.

The viewsets are imported when needed: ``views`` imports this module for the too-long problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from infobase.api.problems import ExportTooLong
from infobase.core.exporters import FORMATS, Exporter
from infobase.core.exports import (
    EXPORT_JOB,
    export_start,
    export_withheld,
)
from infobase.core.models import Job, JobStatus
from infobase.core.selectors import job_status

if TYPE_CHECKING:
    from infobase.api.views import ReadOnly

# One registered export (``apps.ApiConfig.ready``) for every list: the list is in ``extra``.
API_EXPORT = "api.list"
BUILD = "infobase.api.export_jobs.list_exporter"
# Query parameters of a list that are not about which rows (or columns) it holds: paging, the
# format, and the interface's language (``?lang=``, read by the language middleware).
PAGING = ("format", "cursor", "page_size", "lang")
SHAPING = ("ordering", "fields")


@dataclass(frozen=True)
class Resource:
    basename: str  # the router's name, e.g. "need"
    path: str  # the list's address under /api/v1/, e.g. "needs"
    viewset: type[ReadOnly]


def resources() -> dict[str, Resource]:
    """The API's lists that may be exported, by basename."""
    from infobase.api.urls import router
    from infobase.api.views import ReadOnly

    return {
        basename: Resource(basename=basename, path=prefix, viewset=viewset)
        for prefix, viewset, basename in router.registry
        if isinstance(viewset, type) and issubclass(viewset, ReadOnly)
    }


def resource_named(name: str) -> Resource | None:
    """The list named by its router basename ("need") or its address ("needs")."""
    known = resources()
    return known.get(name) or next((r for r in known.values() if r.path == name), None)


class _ListRequest(HttpRequest):
    """A GET of a list as ``user`` with ``query``, at ``origin`` (the links in its rows)."""

    def __init__(self, *, user: Any, query: QueryDict, origin: str) -> None:
        super().__init__()
        parts = urlsplit(origin)
        self._origin_scheme = parts.scheme or "http"
        self._origin_host = parts.netloc or "localhost"
        self.method = "GET"
        self.GET = query  # type: ignore[assignment]
        self.user = user

    def _get_scheme(self) -> str:
        return self._origin_scheme

    def get_host(self) -> str:
        return self._origin_host


def list_view(
    resource: Resource, *, user: Any, query: QueryDict, origin: str, auth: Any = None
) -> ReadOnly:
    """The list's viewset as DRF sets it up for ``GET <list>?<query>`` by ``user``."""
    request = Request(_ListRequest(user=user, query=query, origin=origin), authenticators=[])
    request.user = user
    request.auth = auth
    view = resource.viewset(basename=resource.basename, detail=False, action="list")
    view.request = request
    view.args, view.kwargs, view.format_kwarg, view.headers = (), {}, None, {}
    return view


def filters_query(filters: dict[str, Any]) -> tuple[QueryDict, dict[str, list[str]]]:
    """``filters`` (JSON) as a list's query string, and the errors of values no query holds."""
    query = QueryDict(mutable=True)
    errors: dict[str, list[str]] = {}
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if not all(
            isinstance(v, (str, int, float, bool)) and "\x00" not in str(v) for v in values
        ) or "\x00" in str(name):
            errors[f"filters.{name}"] = [
                _("A filter's value is a text, a number, a boolean or a list of them.")
            ]
            continue
        query.setlist(
            str(name), [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
        )
    return query, errors


def file_query(query: QueryDict) -> QueryDict:
    """A list's query without what is not about its rows (``PAGING``)."""
    kept = query.copy()
    for name in PAGING:
        kept.pop(name, None)
    return kept


def check_filters(view: ReadOnly, query: QueryDict) -> dict[str, list[str]]:
    """The list's own filterset errors, named ``filters.<name>``; an unknown name is one too
    (the list would ignore it, and the file would silently hold more than was meant)."""
    from django_filters.rest_framework import DjangoFilterBackend

    queryset = view.get_queryset()
    filterset_class = DjangoFilterBackend().get_filterset_class(view, queryset)
    known = set(SHAPING) | set(filterset_class.base_filters if filterset_class else ())
    errors = {
        f"filters.{name}": [_("This list has no such filter.")]
        for name in query
        if name not in known
    }
    if filterset_class is not None and not errors:
        filterset = filterset_class(data=query, queryset=queryset, request=view.request)
        if not filterset.is_valid():
            errors = {f"filters.{k}": [str(m) for m in v] for k, v in filterset.errors.items()}
    return errors


def api_export_start(*, request: Request, resource: str, fmt: str, filters: dict[str, Any]) -> Job:
    """Check an export asked for through the API and queue it; validation errors name the
    field, and the right to read the list is checked as the list checks it."""
    found = resource_named(resource)
    errors: dict[str, list[str]] = {}
    if found is None:
        errors["resource"] = [_("No list of the API has this name.")]
    if fmt not in FORMATS:
        errors["format"] = [_("Not one of the formats.")]
    query, value_errors = filters_query(filters)
    errors.update(value_errors)
    if errors:
        raise exceptions.ValidationError(errors)
    assert found is not None
    origin = request.build_absolute_uri("/").rstrip("/")
    view = list_view(found, user=request.user, query=query, origin=origin, auth=request.auth)
    view.check_permissions(view.request)
    errors = check_filters(view, query)
    if errors:
        raise exceptions.ValidationError(errors)
    return export_start(
        user=request.user,
        name=API_EXPORT,
        fmt=fmt,
        query=query.urlencode(),
        extra={"resource": found.basename, "origin": origin},
    )


def list_exporter(*, user: Any, query: QueryDict, resource: str, origin: str) -> Exporter:
    """The export job's ``build``: the list's file as ``user`` reads it now (the right asked
    again: it may have been lost since the export was asked for)."""
    found = resource_named(resource)
    if found is None:
        raise ValidationError(_("You may no longer read this list."))
    view = list_view(found, user=user, query=query, origin=origin)
    try:
        view.check_permissions(view.request)
        queryset = view.filter_queryset(view.get_queryset())
    except (exceptions.PermissionDenied, exceptions.NotAuthenticated):
        raise ValidationError(_("You may no longer read this list.")) from None
    except exceptions.ValidationError:
        raise ValidationError(_("The list's filters are no longer valid.")) from None
    count = queryset.count()
    if count > view.job_export_limit:
        raise ValidationError(
            _(
                "This list has %(count)s rows and an export holds at most %(limit)s. Narrow it "
                "with the list's filters."
            )
            % {"count": count, "limit": view.job_export_limit}
        )
    return view.exporter(queryset)


def export_too_long(view: ReadOnly, request: Request, *, fmt: str, count: int) -> ExportTooLong:
    """The problem a list too long for a file made in the request answers: how to ask for it
    as an export instead (the request to send, in words and as data)."""
    filters: dict[str, Any] = {}
    for name, values in request.query_params.lists():
        if name not in PAGING:
            filters[name] = values[0] if len(values) == 1 else values
    found = resource_named((view.basename or "").removeprefix("open-"))
    resource = found.path if found else (view.basename or "")
    url = reverse("api:export-list")
    body = {"resource": resource, "format": fmt, "filters": filters}
    detail = _(
        "This list has %(count)s rows: a file of more than %(limit)s rows is not made while you "
        "wait. Ask for it as an export (signed in or with a token): POST %(body)s to %(url)s, "
        "then follow the export's address (Location) until its file is ready."
    ) % {
        "count": count,
        "limit": view.inline_export_limit,
        "url": url,
        "body": json.dumps(body, ensure_ascii=False),
    }
    return ExportTooLong(
        detail,
        count=count,
        limit=view.inline_export_limit,
        export={"method": "POST", "url": url, "body": body},
    )


def export_title(params: dict[str, Any]) -> str:
    """Which list an export's job made (its page's heading)."""
    extra = params.get("extra") or {}
    found = resource_named(str(extra.get("resource", "")))
    path = found.path if found else str(extra.get("resource", ""))
    return _("The API's list %(address)s") % {"address": f"/api/v1/{path}/"}


def api_exports_of(user: Any) -> Any:
    """The exports ``user`` asked for through the API (nobody sees another's: the file holds
    what its requester may read)."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(kind=EXPORT_JOB, requested_by=user, params__name=API_EXPORT)


def _query_dict(query: str) -> dict[str, Any]:
    parsed = QueryDict(query)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.lists()}


def export_address(request: Request, job: Job) -> str:
    """Where to follow an export: its API address, or the job's web page for a page's file."""
    if job.params.get("name") == API_EXPORT:
        return request.build_absolute_uri(reverse("api:export-detail", kwargs={"pk": job.pk}))
    return request.build_absolute_uri(reverse("job", args=[job.pk]))


def export_status(job: Job, *, request: Request) -> dict[str, Any]:
    """An export as the API shows it to its requester."""
    state = job_status(job)
    extra = job.params.get("extra") or {}
    found = resource_named(str(extra.get("resource", "")))
    done = job.status == JobStatus.DONE
    summary = " ".join(str(s) for s in job.result.get("summary", [])) if done else ""
    # No link to a file removed, or one the person's rights have narrowed since (its download
    # refuses it), and why there is none.
    withheld = export_withheld(job=job, user=request.user)
    kept = done and withheld is None
    if withheld:
        summary = withheld
    return {
        "id": job.pk,
        "resource": found.path if found else str(extra.get("resource", "")),
        "format": job.params.get("fmt", ""),
        "filters": _query_dict(str(job.params.get("query", ""))),
        "status": job.status,
        "progress": state["progress"],
        "message": state["error"] or state["step"] or summary,
        "rows": job.result.get("rows") if done else None,
        "size": job.result.get("size") if done else None,
        "url": request.build_absolute_uri(reverse("api:export-detail", kwargs={"pk": job.pk})),
        "file": request.build_absolute_uri(reverse("api:export-file", kwargs={"pk": job.pk}))
        if kept
        else None,
        "requested_at": job.requested_at,
        "finished_at": job.finished_at,
    }
