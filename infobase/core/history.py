"""The change history of a record, as a list a person can read (who, when, what, why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[Change]


def history_of(obj: Model) -> list[HistoryEntry]:
    """Newest first. Each entry lists the fields changed since the version before it."""
    records = list(obj.history.all().select_related("history_user"))  # type: ignore[attr-defined]
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes: list[Change] = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                label = str(record.instance._meta.get_field(change.field).verbose_name)
                changes.append(Change(label, change.old, change.new))
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else "",
                kind=record.history_type,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
