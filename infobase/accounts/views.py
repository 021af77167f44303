from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_POST

from infobase.core.i18n import language_codes


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language for this browser and, when signed in, for the user."""
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in language_codes():
        activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
        )
        user = request.user
        if user.is_authenticated and getattr(user, "language", None) != code:
            user.language = code
            user.save(update_fields=["language"])
    return response
