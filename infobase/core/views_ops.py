"""Machine endpoints for operating Infobase."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from infobase.core.ops.health import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 otherwise; the body names each check."""
    checks = health()
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "fail",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=200 if healthy else 503)
