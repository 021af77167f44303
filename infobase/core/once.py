"""One record per rendered create form, however often it is sent (idempotency tokens).

Each create form carries a hidden one-time token (``OnceField``). The view claims the token in
the transaction that creates the record: the first claim creates and remembers where the new
record lives; a second request with the same token (a double click, a resent form, a retry
after a timeout) finds the claim and is sent to the first result instead of creating again.
A unique index makes two simultaneous claims of one token impossible.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

FIELD = "once"


class OnceToken(models.Model):
    """A create form's token, once claimed: who sent it and where its record is."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, null=True)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "core"
        verbose_name = _("form token")

    def __str__(self) -> str:
        return self.token


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OnceField(forms.CharField):
    """The hidden token of a create form; a new one each time the form is shown."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("initial", new_token)
        super().__init__(**kwargs)


@dataclass
class Claim:
    """The outcome of claiming a token: ``done`` is the first result's address when the form
    was already handled; else the caller creates and calls ``fulfil``."""

    token: str
    done: str | None = None

    def fulfil(self, url: str) -> None:
        if self.token:
            OnceToken.objects.filter(token=self.token).update(result_url=url[:500])


@contextmanager
def once(*, token: str, user: Any) -> Iterator[Claim]:
    """A transaction in which the form with ``token`` is handled at most once.

    ``with once(token=…, user=…) as claim:`` — if ``claim.done`` the form was handled before
    (redirect there); otherwise create, then ``claim.fulfil(url)``. An empty token (a form
    from before tokens existed, a script) is not deduplicated.
    """
    with transaction.atomic():
        claim = Claim(token=token or "")
        if claim.token:
            try:
                with transaction.atomic():
                    OnceToken.objects.create(
                        token=claim.token, user=user if getattr(user, "pk", None) else None
                    )
            except IntegrityError:
                # Claimed before (or by a request that just committed): its result.
                first = OnceToken.objects.filter(token=claim.token).first()
                same_user = first is not None and first.user_id == getattr(user, "pk", None)
                claim.done = (first.result_url if first and same_user else "") or ""
        yield claim


# A claimed token only has to outlive a resent form (a double click, a retry after a timeout).
TOKEN_KEPT_DAYS = 7


def forget_old_tokens(*, now: Any) -> int:
    """Delete the claimed tokens older than ``TOKEN_KEPT_DAYS`` (run by every jobs sweep)."""
    from datetime import timedelta

    deleted, _kinds = OnceToken.objects.filter(
        created_at__lt=now - timedelta(days=TOKEN_KEPT_DAYS)
    ).delete()
    return deleted


def create_once(
    *, token: str, user: Any, create: Callable[[], Any], url_of: Callable[[Any], str]
) -> tuple[str, bool]:
    """Run ``create`` for the form with ``token`` unless that form was handled before.

    Returns the address of the record and whether this call created it; the address is empty
    when another person's form holds the token (the caller sends the user to the list).
    """
    with once(token=token, user=user) as claim:
        if claim.done is not None:  # this form was sent before: its record
            return claim.done, False
        url = url_of(create())
        claim.fulfil(url)
        return url, True


def save_once(
    request: Any,
    *,
    token: str,
    save: Callable[[], Any],
    detail: str,
    fallback: str,
    saved: str,
) -> tuple[Any, list[str]]:
    """Handle a create or edit form: ``save`` once per form (``create_once``; pass an empty
    token for edits, which are idempotent anyway), then the redirect to the record's ``detail``
    page (else the ``fallback`` list) with the ``saved`` message, or the problems to show
    again with the form."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.urls import reverse

    from infobase.core.errors import InvalidInput

    try:
        url, created = create_once(
            token=token,
            user=request.user,
            create=save,
            url_of=lambda record: reverse(detail, args=[record.pk]),
        )
    except InvalidInput as exc:
        return None, [str(p) for p in exc.problems]
    if created:
        messages.success(request, saved)
    return redirect(url or reverse(fallback)), []
