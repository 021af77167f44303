from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from infobase.core.i18n import language_codes


class LanguageMiddleware:
    """Per request (``?lang=ar``) beats the user's saved language, which beats the cookie.

    Runs after ``LocaleMiddleware`` (cookie and Accept-Language) and after authentication.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("lang")
        if chosen not in language_codes():
            chosen = None
            user = getattr(request, "user", None)
            if (
                settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
                and user is not None
                and user.is_authenticated
                and getattr(user, "language", "")
            ):
                chosen = user.language
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or "en")
        return response
