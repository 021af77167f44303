"""The API documentation pages (Swagger UI, Redoc) from the shipped sidecar files."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from csp.decorators import csp_update
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView

# Scripts stay 'self' only: the Swagger page loads its start-up script as a separate file
# (drf-spectacular's split view), so no inline script is needed.

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# Redoc's sidebar shows Redocly's logo from their CDN: no request leaves the site, so the
# address is replaced by an empty image (the link text stays).
REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


def docs_csp(view: Callable[..., Any]) -> Callable[..., Any]:
    # Swagger UI and Redoc build their styles at run time (style attributes), and Redoc runs
    # a web worker from a blob: address. Widened for these two pages only.
    return csp_update(
        {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"], "img-src": ["data:"]}
    )(view)


@cache
def _redoc_bundle() -> bytes:
    found = finders.find(REDOC_BUNDLE)
    if not found:
        raise FileNotFoundError(REDOC_BUNDLE)
    text = Path(str(found)).read_text(encoding="utf-8")
    return text.replace(REDOC_CDN_LOGO, EMPTY_IMAGE).encode("utf-8")


@require_GET
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    """The shipped Redoc bundle without its one address outside the site."""
    response = HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


class RedocView(SpectacularRedocView):
    """Redoc without web fonts from Google (the page's own template) and with the bundle
    above."""

    template_name = "api/redoc.html"

    @staticmethod
    def _redoc_standalone() -> str:
        return reverse("api:redoc-bundle")
