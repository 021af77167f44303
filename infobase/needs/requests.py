"""Requests for technical assistance (decision 2/6, paragraph (b)): services and selectors.

A State's focal point files a request on the web; the secretariat records one from a note
verbale (with the document attached) or imports many from a spreadsheet. A request then moves
received → under review → matched → in delivery → met, or is withdrawn or declined while open;
every change is kept in its history with who, when and why. The yearly follow-up e-mail on
requests still open is in ``needs.requests_mail``; the spreadsheet import in
``needs.requests_import``.

Spreadsheets are read without ever evaluating a formula: a cell holding one is read as its text
and stored as text, like any other value that merely looks like a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.accounts.permissions import is_secretariat, scope_to_user
from infobase.core.history import reason_with
from infobase.core.i18n import language
from infobase.core.quota import locked_quota_problems, quota_problems
from infobase.core.search import search
from infobase.core.text import fold
from infobase.core.uploads import DOCUMENTS, content_problem
from infobase.needs import notices
from infobase.needs.models import (
    OPEN_REQUEST_STATUSES,
    AssistanceRequest,
    RequestLine,
    RequestSource,
    RequestStatus,
)
from infobase.reference.models import Article, AssistanceKind, Instrument, Priority, State

# The forward moves; withdrawn and declined are reachable from every open status.
FORWARD = {
    RequestStatus.RECEIVED: RequestStatus.UNDER_REVIEW,
    RequestStatus.UNDER_REVIEW: RequestStatus.MATCHED,
    RequestStatus.MATCHED: RequestStatus.IN_DELIVERY,
    RequestStatus.IN_DELIVERY: RequestStatus.MET,
}
CLOSING = (RequestStatus.WITHDRAWN, RequestStatus.DECLINED)
MAX_DOCUMENT_BYTES = DOCUMENTS.max_bytes
# A spreadsheet of requests larger than this is refused before it is read whole.
IMPORT_MAX_ROWS = 10_000
IMPORT_MAX_COLUMNS = 100
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_ARTICLE = re.compile(
    r"^(?:art(?:icle)?\.?\s*)?(?P<number>\d+)\s*(?:\(\s*(?P<para>\d+)\s*\)|\.(?P<dot>\d+))?$",
    re.IGNORECASE,
)

Line = tuple[Article, int | None, str]


# --- Selectors ----------------------------------------------------------------------------


def requests_for(user: Any) -> QuerySet[AssistanceRequest]:
    """The requests ``user`` may see: all for the secretariat, the own State's for its focal
    points and working-group delegate, none for anyone else."""
    qs = AssistanceRequest.objects.select_related("state", "instrument", "filed_by")
    return scope_to_user(user, qs, delegates=True)


def request_search(qs: QuerySet[AssistanceRequest], query: str) -> QuerySet[AssistanceRequest]:
    """Requests whose title, description or reference contain every word of ``query``,
    regardless of case, accents and Arabic spelling variants."""
    return search(qs, query)


def request_filter(
    qs: QuerySet[AssistanceRequest],
    *,
    status: str = "",
    instrument: Instrument | None = None,
    state: State | None = None,
    query: str = "",
) -> QuerySet[AssistanceRequest]:
    if status == "open":
        qs = qs.filter(status__in=OPEN_REQUEST_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if instrument is not None:
        qs = qs.filter(instrument=instrument)
    if state is not None:
        qs = qs.filter(state=state)
    return request_search(qs, query) if query else qs


def allowed_moves(request: AssistanceRequest, user: Any) -> list[str]:
    """The statuses ``user`` may move ``request`` to now, in workflow order."""
    if request.status not in OPEN_REQUEST_STATUSES:
        return []
    moves = []
    forward = FORWARD.get(RequestStatus(request.status))
    if forward and user.has_perm("needs.change_assistancerequest", request):
        moves.append(str(forward))
    if user.has_perm("needs.withdraw_assistancerequest", request):
        moves.append(str(RequestStatus.WITHDRAWN))
    if user.has_perm("needs.change_assistancerequest", request):
        moves.append(str(RequestStatus.DECLINED))
    return moves


# --- Filing -------------------------------------------------------------------------------


def clean_language(code: str) -> str:
    """A language code as stored (``ar``, ``fr``, ``pt-br`` …); raises ValueError."""
    code = (code or "").strip().lower().replace("_", "-")
    if code == "zh-hans":
        code = "zh"
    if code and not _LANGUAGE_CODE.match(code):
        raise ValueError(
            _("“%(value)s” is not a language code (for example ar, en, fr).") % {"value": code}
        )
    return code


def parse_articles(text: str, instrument: Instrument) -> list[tuple[Article, int | None]]:
    """``"5; 6(2); 12"`` as the instrument's articles with their optional paragraph.

    Raises ValueError naming every token that is not an article of the instrument."""
    articles = {a.number: a for a in instrument.articles.all()}
    found: list[tuple[Article, int | None]] = []
    errors: list[str] = []
    for token in re.split(r"[;,]", text or ""):
        token = token.strip()
        if not token:
            continue
        match = _ARTICLE.match(token)
        if match is None:
            errors.append(
                _("“%(value)s” is not an article number (write for example 5 or 6(2)).")
                % {"value": token}
            )
            continue
        number = int(match["number"])
        para_text = match["para"] or match["dot"]
        paragraph = int(para_text) if para_text else None
        article = articles.get(number)
        if article is None:
            errors.append(
                _("%(instrument)s has no article %(number)s.")
                % {"instrument": instrument.code.upper(), "number": number}
            )
            continue
        if paragraph is not None and (
            paragraph < 1 or (article.paragraph_count and paragraph > article.paragraph_count)
        ):
            errors.append(
                _("Article %(number)s has no paragraph %(paragraph)s.")
                % {"number": number, "paragraph": paragraph}
            )
            continue
        found.append((article, paragraph))
    if errors:
        raise ValueError(" ".join(errors))
    if not found:
        raise ValueError(_("Name at least one article."))
    return found


def kind_index() -> dict[str, str]:
    """Folded value or label (in any of the six languages) → AssistanceKind value."""
    index: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with language(code):
            for kind in AssistanceKind:
                index.setdefault(fold(str(kind.label)), kind.value)
    for kind in AssistanceKind:
        index[fold(kind.value)] = kind.value
    return index


def parse_kinds(text: str, index: dict[str, str] | None = None) -> list[str]:
    """``"training; legislative"`` (values or labels) as AssistanceKind values."""
    index = index or kind_index()
    kinds: list[str] = []
    errors: list[str] = []
    for token in re.split(r"[;\n]", text or ""):
        token = token.strip()
        if not token:
            continue
        kind = index.get(fold(token))
        if kind is None:
            errors.append(
                _("“%(value)s” is not a kind of assistance (use one of: %(choices)s).")
                % {"value": token, "choices": ", ".join(AssistanceKind.values)}
            )
        elif kind not in kinds:
            kinds.append(kind)
    if errors:
        raise ValueError(" ".join(errors))
    if not kinds:
        raise ValueError(_("Name at least one kind of assistance."))
    return kinds


def lines_from(articles: Sequence[tuple[Article, int | None]], kinds: Sequence[str]) -> list[Line]:
    """Every article × kind of assistance asked for."""
    return [(article, paragraph, kind) for article, paragraph in articles for kind in kinds]


def _check_fields(
    *,
    instrument: Instrument,
    title: str,
    description: str,
    urgency: str,
    received_on: date,
    needed_by: date | None,
    lines: list[Line],
    reference: str,
) -> list[str]:
    """Every problem with a request's content, translated; empty when it is valid."""
    errors: list[str] = []
    if not title.strip():
        errors.append(_("A title is required."))
    elif len(title.strip()) > 300:
        errors.append(_("The title is longer than 300 characters."))
    if not description.strip():
        errors.append(_("A description is required."))
    if len(reference.strip()) > 200:
        errors.append(_("The reference is longer than 200 characters."))
    if urgency not in Priority.values:
        errors.append(
            _("“%(value)s” is not an urgency (high, medium or low).") % {"value": urgency}
        )
    if needed_by is not None and needed_by < received_on:
        errors.append(_("The date needed by is before the date received."))
    if received_on > timezone.localdate():
        errors.append(_("The date received is in the future."))
    if not lines:
        errors.append(_("Name at least one article and one kind of assistance."))
    seen: set[tuple[int, str]] = set()
    for article, paragraph, kind in lines:
        if article.instrument_id != instrument.pk:
            errors.append(
                _("%(article)s is not an article of %(instrument)s.")
                % {"article": article, "instrument": instrument.code.upper()}
            )
        if kind not in AssistanceKind.values:
            errors.append(_("“%(value)s” is not a kind of assistance.") % {"value": kind})
        if paragraph is not None and paragraph < 1:
            errors.append(_("A paragraph number starts at 1."))
        if (article.pk, kind) in seen:
            errors.append(
                _("%(article)s is asked for twice for the same kind of assistance.")
                % {"article": article}
            )
        seen.add((article.pk, kind))
    return errors


def save_request(
    *,
    user: Any,
    state: State,
    instrument: Instrument,
    title: str,
    description: str,
    language_code: str,
    urgency: str,
    received_on: date,
    needed_by: date | None,
    lines: list[Line],
    source: str,
    reference: str,
    document: File[Any] | None,
    confidential: bool,
    reason: str,
) -> AssistanceRequest:
    request = AssistanceRequest(
        state=state,
        instrument=instrument,
        title=title.strip(),
        description=description.strip(),
        language=language_code,
        urgency=urgency,
        received_on=received_on,
        needed_by=needed_by,
        source=source,
        reference=reference.strip(),
        filed_by=user if getattr(user, "pk", None) else None,
        confidential=confidential,
    )
    if document is not None:
        request.document = document
        request.document_size = document.size or 0
    request._change_reason = reason  # type: ignore[attr-defined]
    request._history_user = user if getattr(user, "pk", None) else None  # type: ignore[attr-defined]
    request.save()
    RequestLine.objects.bulk_create(
        RequestLine(request=request, article=article, paragraph=paragraph, kind=kind)
        for article, paragraph, kind in lines
    )
    return request


def request_create(
    *,
    user: Any,
    state: State,
    instrument: Instrument,
    title: str,
    description: str,
    language: str,
    urgency: str,
    received_on: date,
    needed_by: date | None = None,
    lines: Iterable[Line],
    source: str,
    reference: str = "",
    document: File[Any] | None = None,
    confidential: bool = False,
) -> AssistanceRequest:
    """File a request for ``state``: a focal point on the web for their own State, or the
    secretariat from a note verbale (or a spreadsheet) on a State's behalf.

    ``received_on`` is the secretariat's to state (the day the note verbale came); a State's
    own request is received the day it is filed, whatever date a form or script sends: an
    earlier one would make it, and the needs it supports, look older than they are.

    Raises PermissionDenied, or ValueError with every problem in the content."""
    if not user.has_perm("needs.add_assistancerequest", state):
        raise PermissionDenied
    secretariat = is_secretariat(user)
    if not secretariat:
        received_on = timezone.localdate()
    if source not in RequestSource.values:
        raise ValueError(_("“%(value)s” is not a source of requests.") % {"value": source})
    if not secretariat and source != RequestSource.WEB:
        raise PermissionDenied(_("Only the secretariat records notes verbales and imports."))
    if secretariat and source == RequestSource.WEB:
        raise ValueError(_("The secretariat records a request from a note verbale."))
    line_list = list(lines)
    errors = _check_fields(
        instrument=instrument,
        title=title,
        description=description,
        urgency=urgency,
        received_on=received_on,
        needed_by=needed_by,
        lines=line_list,
        reference=reference,
    )
    try:
        code = clean_language(language)
    except ValueError as exc:
        errors.append(str(exc))
        code = ""
    if document is not None and (
        problem := content_problem(document, name=document.name or "", policy=DOCUMENTS)
    ):
        errors.append(problem)
    elif document is not None and (over := quota_problems(state=state, uploads=[document])):
        errors.append(over[0])  # asked again, locked, where the request is saved
    if errors:
        raise ValueError(" ".join(errors))
    if source == RequestSource.NOTE_VERBALE:
        reason = (
            reason_with(
                gettext_noop("Recorded from the note verbale %(reference)s"),
                reference=reference.strip(),
            )
            if reference.strip()
            else gettext_noop("Recorded from a note verbale")
        )
    elif source == RequestSource.SPREADSHEET:
        reason = gettext_noop("Imported from a spreadsheet")
    else:
        reason = gettext_noop("Filed on the web by the State")
    with transaction.atomic():
        if document is not None and (
            over := locked_quota_problems(state=state, uploads=[document])
        ):
            raise ValueError(over[0])
        saved = save_request(
            user=user,
            state=state,
            instrument=instrument,
            title=title,
            description=description,
            language_code=code,
            urgency=urgency,
            received_on=received_on,
            needed_by=needed_by,
            lines=line_list,
            source=source,
            reference=reference,
            document=document,
            confidential=confidential,
            reason=reason,
        )
        notices.announce_filed(saved, by=user)
    return saved


# --- Workflow -----------------------------------------------------------------------------


def request_transition(
    *, request: AssistanceRequest, user: Any, to: str, reason: str
) -> AssistanceRequest:
    """Move ``request`` to status ``to``, keeping who, when and why in its history.

    Withdrawing is for the State's focal points or the secretariat; every other move is the
    secretariat's. Raises PermissionDenied, or ValueError for a move the workflow forbids or a
    missing reason."""
    if to not in RequestStatus.values:
        raise ValueError(_("“%(value)s” is not a status of a request.") % {"value": to})
    target = RequestStatus(to)
    perm = (
        "needs.withdraw_assistancerequest"
        if target == RequestStatus.WITHDRAWN
        else "needs.change_assistancerequest"
    )
    if not user.has_perm(perm, request):
        raise PermissionDenied
    reason = (reason or "").strip()
    with transaction.atomic():
        current = AssistanceRequest.objects.select_for_update().get(pk=request.pk)
        status = RequestStatus(current.status)
        allowed = status in OPEN_REQUEST_STATUSES and (
            target in CLOSING or FORWARD.get(status) == target
        )
        if not allowed:
            raise ValueError(
                _("A request that is “%(current)s” cannot be moved to “%(target)s”.")
                % {"current": status.label, "target": target.label}
            )
        if target in CLOSING and not reason:
            raise ValueError(_("Give the reason for withdrawing or declining the request."))
        current.status = target
        if target == RequestStatus.MATCHED:
            current.matched_on = timezone.localdate()
            current.follow_up_sent_on = None
        current._change_reason = reason or (  # type: ignore[attr-defined]
            _("Moved to “%(status)s”") % {"status": target.label}
        )
        current._history_user = user if getattr(user, "pk", None) else None  # type: ignore[attr-defined]
        current.save()
        notices.announce_moved(current, by=user)
    request.refresh_from_db()
    return request


__all__ = [
    "allowed_moves",
    "parse_articles",
    "parse_kinds",
    "request_create",
    "request_filter",
    "request_search",
    "request_transition",
    "requests_for",
]
