"""``Idempotency-Key`` on creating POSTs: a retry with the same key by the same person gets the
first response and creates nothing (the idea of ``infobase.core.once`` for scripts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from infobase.api.models import IdempotentRequest
from infobase.api.problems import Conflict, Unprocessable

HEADER = "Idempotency-Key"
KEPT_DAYS = 7


def idempotent(request: Request, create: Callable[[], Response]) -> Response:
    """Run ``create`` (which writes and answers) at most once per key and owner."""
    key = request.headers.get(HEADER, "").strip()
    if not key or not request.user.is_authenticated:
        return create()
    if len(key) > 255:
        raise Unprocessable(_("The Idempotency-Key is longer than 255 characters."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    owner=request.user, key=key, method=request.method, path=request.path
                )
        except IntegrityError:
            first = IdempotentRequest.objects.get(owner=request.user, key=key)
            if (first.method, first.path) != (request.method, request.path):
                raise Unprocessable(
                    _("This Idempotency-Key was used for another request.")
                ) from None
            if not first.status:
                raise Conflict(_("The first request with this key is still running.")) from None
            headers = {"Location": first.location} if first.location else None
            response = Response(first.body, status=first.status, headers=headers)
            response["Idempotent-Replayed"] = "true"
            return response
        response = create()
        if response.status_code >= 400:
            # Nothing was created: the key may be used again for a corrected request.
            transaction.set_rollback(True)
            return response
        record.status = response.status_code
        record.body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        record.location = response.headers.get("Location", "")[:500]
        record.save(update_fields=["status", "body", "location"])
        return response


def forget_old_keys(*, now: datetime | None = None) -> int:
    """Delete the remembered requests older than ``KEPT_DAYS`` (run by every jobs sweep): a
    retry comes within minutes, not weeks."""
    moment = now or timezone.now()
    deleted, _kinds = IdempotentRequest.objects.filter(
        created_at__lt=moment - timedelta(days=KEPT_DAYS)
    ).delete()
    return deleted
