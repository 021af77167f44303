"""In-app notifications with an e-mail copy, each in its recipient's language.

An app tells people about an event with ``notify``: one ``Notice`` per recipient is written in
the caller's transaction (so it disappears if the event is rolled back) and the e-mails leave
once that transaction commits. Texts are rendered in each recipient's own language; links in
e-mails are built from ``settings.SITE_URL``, never from a request, so jobs can send them too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class NoticeKind(models.TextChoices):
    SUBMITTED = "submitted", _("Answers submitted")
    RETURNED = "returned", _("Answers returned for clarification")
    VALIDATED = "validated", _("Answers validated")
    REQUEST_FILED = "request_filed", _("Request for assistance filed")
    REQUEST_UPDATED = "request_updated", _("Request for assistance updated")


class Notice(models.Model):
    """Something a person should know about, shown under the bell until they mark it read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    # Rendered in the recipient's language when the event happened, like the e-mail.
    text = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        app_label = "core"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="core_notice_unread")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.text[:40]}"


# --- Services ---------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    """``path`` on the configured site address (``SITE_URL``), for e-mails and files."""
    if not path or "://" in path:
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def user_language(user: Any) -> str:
    return str(getattr(user, "language", "") or settings.LANGUAGE_CODE)


@dataclass(frozen=True)
class _Mail:
    to: str
    subject: str
    body: str


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    url: str,
    message: Callable[[], str],
    subject: Callable[[], str] | None = None,
    email: bool = True,
) -> list[Notice]:
    """Tell ``recipients`` about an event: a notice each now, an e-mail each on commit.

    ``message`` and ``subject`` are called once per recipient inside that recipient's language,
    so they should build their text with gettext. ``email=False`` keeps to the in-app notice
    (when another part already e-mails the same people)."""
    if kind not in NoticeKind.values:
        raise ValueError(f"unknown notice kind {kind!r}")
    people = {user.pk: user for user in recipients if user.is_active}.values()
    notices: list[Notice] = []
    mails: list[_Mail] = []
    for user in people:
        with translation.override(user_language(user)):
            text = str(message())
            notices.append(Notice(user=user, kind=kind, text=text, url=url))
            if email and user.email:
                context = {"user": user, "text": text, "link": absolute_url(url)}
                title = str(subject()) if subject else text
                body = render_to_string("infobase/email/notice_body.txt", context)
                mails.append(_Mail(user.email, " ".join(title.split()), body))
    Notice.objects.bulk_create(notices)
    if mails:
        transaction.on_commit(lambda: _send(mails))
    return notices


def _send(mails: list[_Mail]) -> None:
    # Already committed: a mail server that refuses must not turn the user's action into an
    # error page, so each failure is logged and the others still go.
    for mail in mails:
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to])
        except Exception:
            logger.exception("notification e-mail to %s not sent", mail.to)


def notices_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notices read (those in ``ids``, or all); returns how many changed."""
    qs = Notice.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Selectors --------------------------------------------------------------------------


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def notices_for(user: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user)
