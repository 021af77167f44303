"""The change history of a record, as a list a person can read (who, when, what, why)."""

from __future__ import annotations

from collections.abc import Callable
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


def _version(record: Any, current: Model) -> Model:
    """The record as it was at ``record``, its related rows shared with ``current`` where they
    are the same (a rule that reads them then costs no query per version)."""
    instance = record.instance
    for field in current._meta.concrete_fields:
        if (
            field.is_relation
            and field.is_cached(current)  # type: ignore[attr-defined]
            and getattr(instance, field.attname) == getattr(current, field.attname)
        ):
            field.set_cached_value(instance, field.get_cached_value(current))  # type: ignore[attr-defined]
    return instance


def history_of(obj: Model, *, shown: Callable[[Model], bool] | None = None) -> list[HistoryEntry]:
    """Newest first. Each entry lists the fields changed since the version before it.

    ``shown``: whether a version (the record as it was then) may be shown to the reader. The
    others are left out, changes are counted between the versions shown, and the oldest one
    shown is where the record begins for the reader (created): nothing tells that there was
    anything before it."""
    records = list(obj.history.all().select_related("history_user"))  # type: ignore[attr-defined]
    if shown is not None:
        kept = [record for record in records if shown(_version(record, obj))]
        hidden_before = bool(kept) and kept[-1] is not records[-1]
        records = kept
    else:
        hidden_before = False
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
                kind="+" if previous is None and hidden_before else record.history_type,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
