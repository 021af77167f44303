"""Errors as RFC 9457 problem details (``application/problem+json``), in the request's
language, each invalid field named with its message."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

PROBLEM = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, detail: Any = None, current: Any = None) -> None:
        super().__init__(detail or _("The record changed since you read it. Nothing was saved."))
        self.current = current


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ExportsUnderWay(exceptions.APIException):
    """The person has as many files being made as one may (``core.exports.EXPORTS_UNDER_WAY``):
    ``under_way`` gives their addresses, to follow until one is done."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "exports_under_way"
    problem_type = "urn:infobase:problem:exports-under-way"

    def __init__(self, detail: Any, *, under_way: list[str]) -> None:
        super().__init__(detail)
        self.extra = {"under_way": under_way}


class ReportsUnderWay(exceptions.APIException):
    """The person has as many reports being made as one may
    (``reports.services.REPORTS_UNDER_WAY``): ``under_way`` gives their addresses."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "reports_under_way"
    problem_type = "urn:infobase:problem:reports-under-way"

    def __init__(self, detail: Any, *, under_way: list[str]) -> None:
        super().__init__(detail)
        self.extra = {"under_way": under_way}


class ExportTooLong(exceptions.APIException):
    """A list asked for as a file in the request holds more rows than are made while one waits:
    the problem says how to ask for the file as a background job (``export``: the request to
    send, machine-readable)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "export_too_long"
    problem_type = "urn:infobase:problem:export-too-long"

    def __init__(self, detail: Any, *, count: int, limit: int, export: dict[str, Any]) -> None:
        super().__init__(detail)
        self.extra = {"count": count, "limit": limit, "export": export}


class Unprocessable(exceptions.APIException):
    """The content is valid JSON but breaks a rule of the service (per-field messages)."""

    status_code = 422
    default_code = "unprocessable"

    def __init__(self, detail: Any, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or {}


TITLES = {
    400: lambda: _("The request is not valid."),
    401: lambda: _("Authentication is required."),
    403: lambda: _("You may not do this."),
    404: lambda: _("Not found."),
    405: lambda: _("This method is not allowed here."),
    406: lambda: _("This representation is not available."),
    409: lambda: _("Conflict with the current state of the record."),
    412: lambda: _("The record changed since you read it."),
    415: lambda: _("This media type is not supported."),
    422: lambda: _("The content breaks a rule."),
    428: lambda: _("A precondition (If-Match) is required."),
    429: lambda: _("Too many requests."),
}


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Per-field errors as ``[{"field": "lines.0.article", "detail": "…"}]``."""
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out += _flatten(value, f"{prefix}.{name}".strip(".") if name else prefix)
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out += [{"field": prefix, "detail": str(v)} for v in detail]
        else:
            for index, value in enumerate(detail):
                out += _flatten(value, f"{prefix}.{index}".strip("."))
    else:
        out.append({"field": prefix, "detail": str(detail)})
    return out


def problem_response(
    status_code: int,
    *,
    problem_type: str = "about:blank",
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    title = TITLES.get(status_code, lambda: _("Error"))()
    body: dict[str, Any] = {"type": problem_type, "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return Response(body, status=status_code, content_type=PROBLEM, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    response = drf_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    code = response.status_code
    detail, errors = "", None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = _("Some fields are not valid.") if errors else ""
    elif isinstance(exc.detail, (dict, list)):
        errors = _flatten(exc.detail)
    else:
        detail = str(exc.detail)
    extra: dict[str, Any] = {}
    if isinstance(exc, Unprocessable):
        errors = [{"field": k, "detail": str(v)} for k, v in exc.errors.items()] or errors
    if isinstance(exc, PreconditionFailed) and exc.current is not None:
        extra["current"] = exc.current
    extra.update(getattr(exc, "extra", {}))
    headers = {
        k: v
        for k, v in response.headers.items()
        if k in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    return problem_response(
        code,
        problem_type=getattr(exc, "problem_type", "about:blank"),
        detail=detail,
        errors=errors,
        extra=extra,
        headers=headers,
    )


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["field", "detail"],
            },
        },
    },
    "required": ["type", "title", "status"],
}


EXPORT_TOO_LONG_SCHEMA = {
    "description": (
        "A list asked for as a file (`?format=csv|xlsx`) holds more rows than are made while "
        "you wait (type `urn:infobase:problem:export-too-long`): send `export.body` to "
        "`export.url` (POST) to have the file made as a background job. Other refusals of a "
        "list are plain problem details."
    ),
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "properties": {
                "count": {"type": "integer", "description": "Rows in the list."},
                "limit": {"type": "integer", "description": "Rows made while you wait."},
                "export": {
                    "type": "object",
                    "properties": {
                        "method": {"type": "string", "enum": ["POST"]},
                        "url": {"type": "string"},
                        "body": {
                            "type": "object",
                            "description": "The body of ``POST /api/v1/exports/``.",
                            "properties": {
                                "resource": {"type": "string"},
                                "format": {"type": "string", "enum": ["csv", "xlsx"]},
                                "filters": {"type": "object"},
                            },
                        },
                    },
                    "required": ["method", "url", "body"],
                },
            },
        },
    ],
}


def add_problem_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: every operation may answer an error as problem details."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ExportTooLongProblem"] = EXPORT_TOO_LONG_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if _lists_as_file(operation):
                operation["responses"].setdefault(
                    "400",
                    {
                        "description": "Refused; a list too long for a file made while you wait.",
                        "content": {
                            PROBLEM: {
                                "schema": {"$ref": "#/components/schemas/ExportTooLongProblem"}
                            }
                        },
                    },
                )
            operation["responses"].setdefault(
                "default",
                {
                    "description": "Problem details (RFC 9457).",
                    "content": {PROBLEM: {"schema": ref}},
                },
            )
    return result


def _lists_as_file(operation: dict[str, Any]) -> bool:
    """A list operation that also answers CSV (``?format=csv``)."""
    ok = operation["responses"].get("200", {})
    return str(operation.get("operationId", "")).endswith("_list") and "text/csv" in ok.get(
        "content", {}
    )
