"""Error pages: a visitor who is not signed in and meets a members' page is sent to sign in
(and back afterwards) instead of being told "not allowed"; a page not found says why when the
reason was written for the reader."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template import loader
from django.views import defaults

from infobase.core.files import Unavailable


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated and request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    return defaults.permission_denied(request, exception or Exception())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if isinstance(exception, Unavailable) else ""
    page = loader.render_to_string("404.html", {"message": message}, request)
    return HttpResponseNotFound(page)
