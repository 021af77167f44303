"""Personal access tokens: create (shown once), find by the secret, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.accounts.permissions import needs_second_factor
from infobase.accounts.services import note_tokens_revoked
from infobase.api.models import AccessToken

PREFIX = "ib"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: AccessToken
    secret: str  # the whole token, shown once


def digest(secret: str) -> str:
    # The secret is 256 random bits: a fast hash suffices (nothing to brute-force), as GitHub's.
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *, owner: Any, name: str, read_only: bool = False, expires_at: datetime | None = None
) -> NewToken:
    """A new token for ``owner``; the returned secret is never stored."""
    if not getattr(owner, "is_authenticated", False) or not owner.is_active:
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValueError(_("Give the token a name."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError(_("The expiry date is in the past."))
    public = secrets.token_hex(6)
    secret = f"{PREFIX}_{public}_{secrets.token_urlsafe(32)}"
    token = AccessToken.objects.create(
        owner=owner,
        name=name[:100],
        prefix=public,
        digest=digest(secret),
        read_only=read_only,
        expires_at=expires_at,
    )
    return NewToken(token, secret)


def token_revoke(*, token: AccessToken, user: Any) -> None:
    if token.owner_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_find(secret: str, *, now: datetime | None = None) -> AccessToken | None:
    """The usable token whose secret is ``secret``, its last use recorded; else None."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token = AccessToken.objects.select_related("owner").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, digest(secret)):
        return None
    now = now or timezone.now()
    if not token.is_usable(now) or not token.owner.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        with transaction.atomic():
            AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke_when_second_factor_becomes_needed(
    sender: Any, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    """``pre_save`` of a person: one who comes to need a second factor (made secretariat, staff
    or admin) loses the tokens made before, when signing in needed none. Such a token would
    otherwise act with the new rights without the second factor ever asked for, which making
    a token requires of them (``token_list`` is behind the second-factor middleware)."""
    if raw or instance.pk is None or not needs_second_factor(instance):
        return
    before = (
        type(instance)
        ._default_manager.filter(pk=instance.pk)
        .only("role", "is_active", "is_staff", "is_superuser")
        .first()
    )
    if before is not None and not needs_second_factor(before):
        AccessToken.objects.filter(owner_id=instance.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def revoke_when_password_changes(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """``pre_save`` of a person: a new password, by whatever path (``set_password``: the reset
    and change forms, the admin, the ``changepassword`` command), a password made unusable, or
    deactivation revokes every token of theirs. A token taken with a leaked password would
    otherwise outlive the reset meant to shut its taker out. Django's silent upgrade of a
    password's hash on sign-in is no change (it clears ``_password`` before saving).

    The number revoked is noted on the person (``accounts.services.note_tokens_revoked``) for
    the page that confirms the change to say so."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    changed = getattr(instance, "_password", None) is not None
    if not changed:
        before = (
            type(instance)
            ._default_manager.filter(pk=instance.pk)
            .values("password", "is_active")
            .first()
        )
        if before is None:
            return
        deactivated = before["is_active"] and not instance.is_active
        made_unusable = (
            before["password"] != instance.password and not instance.has_usable_password()
        )
        changed = deactivated or made_unusable
    if changed:
        revoked = AccessToken.objects.filter(owner_id=instance.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        note_tokens_revoked(user=instance, count=revoked)


def tokens_of(user: Any) -> list[AccessToken]:
    return list(AccessToken.objects.filter(owner=user))
