"""How much a State may keep in stored files: the attachments of its answers and the documents
of its requests, together.

Each upload is capped (``core.uploads``), but a State's files are kept for good: a focal point,
or a script with their session, sending file after file would fill the server's disk, and every
State's uploads, exports and reports would then fail. The apps that store a State's files
register how many bytes they hold (``register_state_files``); a new file is refused, with a
message naming it, when it would take the State past ``INFOBASE_STATE_FILES_QUOTA_BYTES``.

The services check a new file within the transaction that stores it, the State's row locked
first (``check_state_quota``): two uploads of the same State at once are checked one after the
other, the second against what the first stored. Forms ask ``quota_problems`` first, to name
the file among the form's errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from infobase.core.errors import InputProblem, InvalidInput

StateFiles = Callable[[int], int]  # a State's primary key → bytes its files take
_COUNTERS: list[StateFiles] = []


def register_state_files(counter: StateFiles) -> StateFiles:
    """Count ``counter``'s files in every State's quota (each app registers its own)."""
    if counter not in _COUNTERS:
        _COUNTERS.append(counter)
    return counter


def state_quota() -> int:
    return int(settings.INFOBASE_STATE_FILES_QUOTA_BYTES)


def state_files_bytes(*, state_id: int) -> int:
    """The bytes the files stored for the State take, as their records say."""
    return sum(counter(state_id) for counter in _COUNTERS)


def quota_problems(*, state: Any, uploads: Iterable[Any]) -> dict[int, str]:
    """Why some of ``uploads`` (files with ``name`` and ``size``), stored in this order, would
    take ``state`` past its quota: position in ``uploads`` → why (the file is named by the
    caller: a form's field, an ``InputProblem``)."""
    quota = state_quota()
    used = state_files_bytes(state_id=state.pk)
    problems: dict[int, str] = {}
    for position, upload in enumerate(uploads):
        size = int(upload.size or 0)
        if used + size > quota:
            problems[position] = _(
                "The file was not kept: the files stored for %(state)s would take more than "
                "%(quota)s (%(used)s are stored now). Please ask the secretariat for help."
            ) % {
                "state": state,
                "quota": filesizeformat(quota),
                "used": filesizeformat(used),
            }
        else:
            used += size
    return problems


def locked_quota_problems(*, state: Any, uploads: Iterable[Any]) -> dict[int, str]:
    """``quota_problems``, asked within the transaction that stores the files, once the State's
    row is locked until that transaction ends: an upload of the same State at the same moment
    waits, then counts what this one stored. PostgreSQL: ``FOR NO KEY UPDATE``, which leaves
    other rows free to refer to the State; SQLite: every transaction takes the write lock up
    front (settings), so they are one after the other already."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A State's files are checked in the transaction that stores them.")
    list(
        type(state)
        ._default_manager.select_for_update(no_key=True)
        .filter(pk=state.pk)
        .values_list("pk", flat=True)
    )
    return quota_problems(state=state, uploads=uploads)


def check_state_quota(*, state: Any, upload: Any) -> None:
    """Raise ``InvalidInput`` naming ``upload`` when storing it would take ``state`` past its
    quota (the services, within the transaction that stores it: ``locked_quota_problems``)."""
    problems = locked_quota_problems(state=state, uploads=[upload])
    if problems:
        raise InvalidInput([InputProblem(file=upload.name or "", message=problems[0])])
