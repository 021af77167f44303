from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from infobase.core.i18n import language_of_address


class LanguageMiddleware:
    """Per request (``?lang=ar``, or the ``lang`` of the page named by ``next``) beats the
    cookie the language switch sets, which beats the user's saved language (it applies in a
    browser without the cookie), which beats the browser's Accept-Language.

    Runs after ``LocaleMiddleware`` (cookie and Accept-Language) and after authentication.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = language_of_address(request.get_full_path())
        if chosen is None:
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


LAST_ACTIVITY_KEY = "infobase_last_activity"


class SessionIdleTimeoutMiddleware:
    """Signs out a session left without a request for ``SESSION_IDLE_TIMEOUT`` seconds.

    The time of the last request is kept in the session (epoch seconds), rewritten at most once
    a minute so that every page view does not write the session. The user is sent to the
    sign-in page with ``expired=1``, which explains why.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.SESSION_IDLE_TIMEOUT
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > timeout:
                request.session_idle_expired = True  # type: ignore[attr-defined]
                logout(request)
                query = urlencode({"next": request.get_full_path(), "expired": "1"})
                return redirect(f"{reverse('login')}?{query}")
            if not isinstance(last, int) or now - last >= 60:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
