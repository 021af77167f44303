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

# What a person acts as and for: any change may show them other rows (another State's needs,
# another donor's pledges). The flags only grant: each one more shows more, never other rows.
ACTING_FIELDS = ("role", "state_id", "organization_id", "is_active")
GRANTING_FLAGS = ("is_staff", "is_superuser", "is_wg_chair", "is_bureau_member")
# The fields whose change alters what a person may do.
PRIVILEGE_FIELDS = (*ACTING_FIELDS, *GRANTING_FLAGS)


def scope_fingerprint(user: Any) -> dict[str, Any]:
    """What ``user`` may see, for ``core.exports.within_scope``: ``who`` a digest of the person
    and what they act as and for, ``grants`` their flags and permissions (groups' and their
    own). A file made for the person keeps it, to be refused once they may see otherwise.

    A superuser's permissions are not listed: they hold every one, those ``migrate`` creates
    for a new model included, and listing them would refuse their files after each such
    migration though their rights did not change."""
    if not getattr(user, "is_authenticated", False):
        return {"who": "", "grants": []}
    acting = [str(user.pk), *(f"{name}={getattr(user, name, None)}" for name in ACTING_FIELDS)]
    grants = [f"flag:{name}" for name in GRANTING_FLAGS if getattr(user, name, False)]
    if not user.is_superuser:
        grants += sorted(f"perm:{name}" for name in user.get_all_permissions())
    return {"who": sha256("\n".join(acting).encode()).hexdigest(), "grants": grants}


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
