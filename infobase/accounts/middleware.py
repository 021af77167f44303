from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from infobase.accounts.permissions import needs_second_factor

# Reachable before the second factor: the steps themselves, signing out, the language switch
# and static files.
OPEN_URL_NAMES = ("otp_verify", "otp_setup", "logout", "switch_language", "login")


class SecondFactorRequiredMiddleware:
    """Sends a signed-in user who needs a second factor to its step until it is verified.

    Runs after ``django_otp.middleware.OTPMiddleware``, which sets ``user.is_verified``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_second_factor(user)
            and not user.is_verified()
            and not self._is_open(request.path_info)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('otp_verify')}?{query}")
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        from django.conf import settings

        if path.startswith(settings.STATIC_URL):
            return True
        return any(path == reverse(name) for name in OPEN_URL_NAMES)
