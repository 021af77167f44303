"""Writes for accounts: the security audit log and the second factor."""

from __future__ import annotations

from datetime import timedelta

import django_otp
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from infobase.accounts.models import AuthEvent, AuthEventKind, User
from infobase.accounts.selectors import client_ip, confirmed_devices

RECOVERY_CODE_COUNT = 10


def record_event(
    *,
    kind: AuthEventKind,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    detail: str = "",
) -> AuthEvent:
    """Append one entry to the security audit log."""
    return AuthEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        actor=actor if actor is not None and actor.pk else None,
        ip_address=client_ip(request) if request is not None else None,
        detail=detail,
    )


def pending_totp_device(*, user: User) -> TOTPDevice:
    """The authenticator-app device being enrolled (unconfirmed), created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_enrolment(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm the pending device with a first code; return fresh recovery codes, or None.

    On success the session is marked as verified, earlier devices are replaced and ten
    single-use recovery codes are issued (shown once).
    """
    device = pending_totp_device(user=user)
    if not device.verify_token(token.strip()):
        record_event(kind=AuthEventKind.OTP_FAILED, request=request, user=user, detail="enrol")
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = issue_recovery_codes(user=user)
    django_otp.login(request, device)
    record_event(kind=AuthEventKind.OTP_ENROLLED, request=request, user=user)
    return codes


@transaction.atomic
def issue_recovery_codes(*, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify_second_factor(*, request: HttpRequest, user: User, token: str) -> bool:
    """Check a code from the authenticator app or a recovery code; mark the session verified."""
    token = token.strip().replace(" ", "")
    for device in confirmed_devices(user=user):
        with transaction.atomic():
            if device.verify_token(token):
                django_otp.login(request, device)
                kind = (
                    AuthEventKind.RECOVERY_CODE_USED
                    if isinstance(device, StaticDevice)
                    else AuthEventKind.OTP_VERIFIED
                )
                record_event(kind=kind, request=request, user=user)
                return True
    record_event(kind=AuthEventKind.OTP_FAILED, request=request, user=user)
    return False


# Password-reset mails: at most this many per address, and per network address, in an hour.
RESET_MAILS_PER_ADDRESS = 3
RESET_MAILS_PER_IP = 20


def reset_mail_allowed(*, request: HttpRequest, email: str) -> bool:
    """Whether another password-reset mail may go out now, counted from the security log
    (shared by every web process): a flood of resets neither fills a mailbox nor probes
    addresses at speed. The page answers the same either way."""
    since = timezone.now() - timedelta(hours=1)
    recent = AuthEvent.objects.filter(
        kind=AuthEventKind.PASSWORD_RESET_REQUESTED, created_at__gte=since
    )
    if recent.filter(username__iexact=email).count() >= RESET_MAILS_PER_ADDRESS:
        return False
    ip = client_ip(request)
    return ip is None or recent.filter(ip_address=ip).count() < RESET_MAILS_PER_IP


# Where a person's last save notes how many of their API tokens it revoked (the API app, above
# this one, revokes them when the password changes); the pages that confirm the change read it.
_TOKENS_REVOKED = "_api_tokens_revoked"


def note_tokens_revoked(*, user: User, count: int) -> None:
    setattr(user, _TOKENS_REVOKED, count)


def tokens_revoked_notice(*, user: User) -> str:
    """What to tell a person whose new password revoked their API tokens; empty when none was."""
    count = int(getattr(user, _TOKENS_REVOKED, 0) or 0)
    if not count:
        return ""
    return ngettext(
        "Your API token was revoked with your old password. Make a new one under "
        "“API tokens” if a script of yours needs it.",
        "Your %(count)s API tokens were revoked with your old password. Make new ones under "
        "“API tokens” if scripts of yours need them.",
        count,
    ) % {"count": count}
