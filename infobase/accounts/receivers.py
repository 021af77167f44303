"""Signal receivers that write the security audit log (connected in ``AccountsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from simple_history.models import HistoricalRecords

from infobase.accounts.models import AuthEventKind, User
from infobase.accounts.selectors import PRIVILEGE_FIELDS
from infobase.accounts.services import record_event


def _current_request() -> HttpRequest | None:
    # simple_history's middleware keeps the request of the thread; None in commands.
    return getattr(HistoricalRecords.context, "request", None)


def _actor(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record_event(kind=AuthEventKind.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        expired = getattr(request, "session_idle_expired", False)
        kind = AuthEventKind.SESSION_EXPIRED if expired else AuthEventKind.LOGOUT
        record_event(kind=kind, request=request, user=user)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    user = User.objects.filter(username=username).first() if username else None
    record_event(kind=AuthEventKind.LOGIN_FAILED, request=request, user=user, username=username)


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    username = username or ""
    user = User.objects.filter(username=username).first() if username else None
    record_event(kind=AuthEventKind.LOCKED_OUT, request=request, user=user, username=username)


@receiver(pre_save, sender=User)
def remember_privileges(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.pk is None or kwargs.get("raw"):
        return
    old = User.objects.filter(pk=instance.pk).values(*PRIVILEGE_FIELDS).first()
    instance._privileges_before = old  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def record_privilege_change(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    before: dict[str, Any] | None = getattr(instance, "_privileges_before", None)
    after = {field: getattr(instance, field) for field in PRIVILEGE_FIELDS}
    if created:
        changes = [f"{field}={value}" for field, value in after.items() if value]
    elif before is None:
        return
    else:
        changes = [
            f"{field}: {before[field]} -> {after[field]}"
            for field in PRIVILEGE_FIELDS
            if before[field] != after[field]
        ]
    instance._privileges_before = None  # type: ignore[attr-defined]
    if not changes:
        return
    request = _current_request()
    detail = ("created; " if created else "") + "; ".join(changes)
    record_event(
        kind=AuthEventKind.ROLE_CHANGED,
        request=request,
        user=instance,
        actor=_actor(request),
        detail=detail,
    )


def _record_m2m(relation: str, instance: Any, action: str, pk_set: set[int] | None) -> None:
    if action not in {"post_add", "post_remove", "post_clear"} or not isinstance(instance, User):
        return
    request = _current_request()
    ids = ", ".join(str(pk) for pk in sorted(pk_set or ()))
    record_event(
        kind=AuthEventKind.ROLE_CHANGED,
        request=request,
        user=instance,
        actor=_actor(request),
        detail=f"{relation} {action.removeprefix('post_')}: {ids}".strip(),
    )


@receiver(m2m_changed, sender=User.groups.through)
def record_groups(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    _record_m2m("groups", instance, action, pk_set)


@receiver(m2m_changed, sender=User.user_permissions.through)
def record_permissions(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    _record_m2m("permissions", instance, action, pk_set)
