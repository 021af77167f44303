"""Reads for accounts: the client's address, second-factor devices, the audit log."""

from __future__ import annotations

from hashlib import sha256
from ipaddress import ip_address
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from infobase.accounts.models import Role, User

# The fields whose change alters what a person may do.
PRIVILEGE_FIELDS = (
    "role",
    "state_id",
    "organization_id",
    "is_active",
    "is_staff",
    "is_superuser",
    "is_wg_chair",
    "is_bureau_member",
)


def scope_fingerprint(user: Any) -> str:
    """A digest of what ``user`` may see: their role and what it acts for, their flags, and
    their permissions (groups' and their own). Two calls agree while nothing of that changed;
    a file made for the person keeps it, to be refused once they may see otherwise."""
    if not getattr(user, "is_authenticated", False):
        return ""
    fields = [f"{name}={getattr(user, name, None)}" for name in PRIVILEGE_FIELDS]
    permissions = sorted(user.get_all_permissions())
    return sha256("\n".join([str(user.pk), *fields, *permissions]).encode()).hexdigest()


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
