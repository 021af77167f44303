"""Work queues for the home page: each app says what a person in a given role has to do.

``core`` sits below every other app, so it cannot read their data itself. Each app instead
registers queue builders in its own ``home.py`` (found at start-up, like ``admin.py``); the
home page asks for the queues of the signed-in person's role. A builder runs a fixed number of
queries, whatever the size of the data, and returns ``None`` when it has nothing for that
person (a chair-only queue for a member who is not the chair).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils.module_loading import autodiscover_modules

FOCAL_POINT = "focal_point"
SECRETARIAT = "secretariat"
WG_MEMBER = "wg_member"
DONOR = "donor"

# How many items a queue shows; the rest is one link away ("all …").
QUEUE_LENGTH = 8


@dataclass(frozen=True)
class QueueItem:
    """One thing to do, with a link to the page where it is done."""

    title: str
    url: str
    # The title's direction: "auto", from its first letter (a name in any script); "" for the
    # page's (an amount of money, whose code follows its number as the page's language reads).
    title_dir: str = "auto"
    detail: str = ""
    when: date | None = None
    when_label: str = ""
    status: str = ""  # a stable code, shown as a class: "overdue", "returned", …
    status_label: str = ""
    comments: tuple[str, ...] = ()
    progress: tuple[int, int] | None = None  # done, of

    @property
    def percent(self) -> int:
        if not self.progress or not self.progress[1]:
            return 0
        return round(100 * self.progress[0] / self.progress[1])


@dataclass(frozen=True)
class Queue:
    """A list of things to do of one kind; ``key`` is stable (``data-queue`` in the page)."""

    key: str
    title: str
    items: list[QueueItem] = field(default_factory=list)
    total: int | None = None  # all of them, when more than the items shown
    more_url: str = ""
    more_label: str = ""
    empty: str = ""

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.items)


Row = TypeVar("Row")


def queue_of(
    rows: QuerySet[Any, Row] | Sequence[Row],
    item: Callable[[Row], QueueItem],
    *,
    key: str,
    title: str,
    total: int | None = None,
    more_url: str = "",
    more_label: str = "",
    empty: str = "",
) -> Queue:
    """A queue of ``rows``, each made an item by ``item``.

    An ordered queryset shows its first ``QUEUE_LENGTH`` rows and, when it fills them, counts
    them all (one more query) for ``total``; a list is shown whole, with the ``total`` given.
    """
    if isinstance(rows, QuerySet):
        shown: Sequence[Row] = list(rows[:QUEUE_LENGTH])
        total = rows.count() if len(shown) == QUEUE_LENGTH else None
    else:
        shown = rows
    return Queue(
        key=key,
        title=title,
        items=[item(row) for row in shown],
        total=total,
        more_url=more_url,
        more_label=more_label,
        empty=empty,
    )


Builder = Callable[[Any], Queue | None]
_builders: dict[str, list[tuple[int, Builder]]] = {}


def register(*roles: str, order: int = 50) -> Callable[[Builder], Builder]:
    """Register a queue builder for ``roles``; queues are shown by ascending ``order``."""

    def decorate(builder: Builder) -> Builder:
        for role in roles:
            _builders.setdefault(role, []).append((order, builder))
        return builder

    return decorate


@cache
def discover() -> None:
    """Import every app's ``home`` module once, which registers its builders."""
    autodiscover_modules("home")


def role_of(user: Any) -> str:
    """The home page a person gets: the secretariat's, a focal point's, a delegate's, a
    donor's, or none (the public figures only)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ""
    if user.is_secretariat:
        return SECRETARIAT
    return str(user.role or "")


def queues_for(user: Any) -> list[Queue]:
    discover()
    builders = sorted(_builders.get(role_of(user), []), key=lambda pair: pair[0])
    queues = [builder(user) for _order, builder in builders]
    return [queue for queue in queues if queue is not None]
