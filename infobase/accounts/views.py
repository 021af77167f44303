from __future__ import annotations

from base64 import b32encode
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from infobase.accounts.forms import OTPTokenForm
from infobase.accounts.models import AuthEventKind, User
from infobase.accounts.selectors import has_confirmed_totp
from infobase.accounts.services import (
    confirm_totp_enrolment,
    pending_totp_device,
    record_event,
    reset_mail_allowed,
    tokens_revoked_notice,
    verify_second_factor,
)
from infobase.core.i18n import address_without_language, language_codes


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language for this browser and, when signed in, for the user."""
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"

    def on_site(address: str) -> bool:
        return url_has_allowed_host_and_scheme(
            address, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )

    if not on_site(target):
        target = "/"
    elif code in language_codes():
        # A page opened as /needs/?lang=ar would come back in Arabic whatever was chosen;
        # the address without it is checked again, being the one followed.
        target = address_without_language(target)
        if not on_site(target):
            target = "/"
    response = HttpResponseRedirect(target)
    if code in language_codes():
        activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # stubs: str
        )
        user = request.user
        if user.is_authenticated and getattr(user, "language", None) != code:
            user.language = code
            user.save(update_fields=["language"])
    return response


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the authenticator app or a recovery code."""
    user = cast(User, request.user)
    if not has_confirmed_totp(user=user):
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if verify_second_factor(request=request, user=user, token=form.cleaned_data["token"]):
            return redirect(_safe_next(request))
        form.add_error(
            "token", _("This code is not valid. Try the current code or a recovery code.")
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: its secret as text and a QR code, confirmed by a first code.

    Allowed without a verified session only while the user has no confirmed device yet;
    replacing a device needs the current second factor.
    """
    user = cast(User, request.user)
    # ``is_verified`` is set on the user by django_otp's middleware.
    if has_confirmed_totp(user=user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': _safe_next(request)})}")
    device = pending_totp_device(user=user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = confirm_totp_enrolment(request=request, user=user, token=form.cleaned_data["token"])
        if codes is not None:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request)},
            )
        form.add_error("token", _("This code is not valid. Check the time on your device."))
    secret = b32encode(device.bin_key).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, light="#fff", omitsize=True
    )
    context = {
        "form": form,
        "next": _safe_next(request),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr_svg": mark_safe(qr_svg),
    }
    return render(request, "accounts/otp_setup.html", context)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.GET.get("expired") == "1"
        return context


def _tell_tokens_revoked(request: HttpRequest, user: User) -> None:
    notice = tokens_revoked_notice(user=user)
    if notice:
        messages.warning(request, notice)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_event(kind=AuthEventKind.PASSWORD_CHANGED, request=self.request, user=form.user)
        _tell_tokens_revoked(self.request, form.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        # The link on the configured site address, as every e-mail's (core.notifications),
        # never the request's Host header, which a sender chooses among the allowed hosts.
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_valid(self, form: Any) -> HttpResponse:
        # The same answer whether or not the address is known; the log keeps which it was.
        email = form.cleaned_data["email"]
        allowed = reset_mail_allowed(request=self.request, email=email)
        record_event(
            kind=AuthEventKind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            username=email,
            detail="" if allowed else "limit reached: no mail sent",
        )
        if not allowed:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_event(kind=AuthEventKind.PASSWORD_RESET, request=self.request, user=form.user)
        _tell_tokens_revoked(self.request, form.user)
        return response


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The answer to a sign-in while locked out (django-axes' lockout callable)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(
        request,
        "accounts/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
