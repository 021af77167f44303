"""Reads for accounts: the client's address, second-factor devices, the audit log."""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from infobase.accounts.models import Role, User


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the socket's, or the one the trusted proxies put in front.

    ``TRUSTED_PROXY_COUNT`` proxies each append to X-Forwarded-For, so the client is that many
    entries from the right; anything further left was written by the client and is not trusted.
    """
    candidate = request.META.get("REMOTE_ADDR")
    count = settings.INFOBASE_TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            candidate = hops[-count]
    try:
        return str(ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def has_confirmed_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_devices(*, user: User) -> list:
    """The user's confirmed second-factor devices (authenticator app, recovery codes)."""
    return list(devices_for_user(user, confirmed=True))


def secretariat_users() -> QuerySet[User]:
    """The secretariat staff who are told about submissions and requests."""
    return User.objects.filter(is_active=True, role=Role.SECRETARIAT).order_by("pk")


def focal_points_of(state_id: int) -> QuerySet[User]:
    """A State's focal points, told about what happens to their State's answers and requests."""
    return User.objects.filter(is_active=True, role=Role.FOCAL_POINT, state_id=state_id).order_by(
        "pk"
    )
