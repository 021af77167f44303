"""The change history of a record, as a list a person can read (who, when, what, why)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.db.models import BooleanField, Field, ForeignKey, JSONField, Model
from django.utils.translation import gettext, pgettext

from infobase.core.i18n import FIELD_SUFFIX, list_separator, text_for_interface


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


def _shown_reason(stored: str | None) -> str:
    """A change reason as its reader reads it: one a job stored in English (its text marked with
    ``gettext_noop``) in the reader's language; one a person wrote, as written (no catalog
    holds it, so it comes back unchanged)."""
    return gettext(stored) if stored else ""


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


Shown = Callable[[Model], bool] | None


def _is_person(field: Field[Any, Any]) -> bool:
    related: Any = field.related_model
    return isinstance(field, ForeignKey) and related._meta.label == settings.AUTH_USER_MODEL


class _Names:
    """The names of the rows the changed keys point to, one query per field."""

    def __init__(
        self, wanted: dict[Field[Any, Any], set[Any]], *, model: type[Model], shown: Shown
    ) -> None:
        self.names: dict[tuple[Field[Any, Any], Any], str] = {}
        for field, keys in wanted.items():
            related: Any = field.related_model
            row: Any
            for row in related._base_manager.filter(pk__in=keys):
                # Another need merged into this one is named only to who may see it.
                if related is model and shown is not None and not shown(row):
                    continue
                label = (row.get_full_name() or row.get_username()) if _is_person(field) else row
                self.names[field, row.pk] = str(label)

    def __call__(self, field: Field[Any, Any], key: Any) -> str:
        return self.names.get((field, key), f"#{key}")  # a row deleted since


def _json_text(value: Any) -> Any:
    """A text held in several languages in the reader's; a list as a list; else as written."""
    if isinstance(value, dict) and value and set(value) <= set(FIELD_SUFFIX) | {"zh"}:
        shown = text_for_interface(value)
        return shown.text if shown else None
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return list_separator().join(str(item) for item in value) or None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _readable(field: Field[Any, Any], value: Any, names: _Names) -> Any:
    """A stored value as the reader knows it: a choice by its label, a key by the name of what
    it points to, a yes/no, a text in the reader's language. Dates are left to the page."""
    if value is None or value == "":
        return None
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, BooleanField):
        return pgettext("boolean value", "yes") if value else pgettext("boolean value", "no")
    if isinstance(field, ForeignKey):
        return names(field, value)
    if isinstance(field, JSONField):
        return _json_text(value)
    return value


def history_of(
    obj: Model,
    *,
    shown: Callable[[Model], bool] | None = None,
    people: bool = True,
) -> list[HistoryEntry]:
    """Newest first. Each entry lists the fields changed since the version before it, each
    value readable (see ``_readable``).

    ``shown``: whether a version (the record as it was then) may be shown to the reader. The
    others are left out, changes are counted between the versions shown, and the oldest one
    shown is where the record begins for the reader (created): nothing tells that there was
    anything before it.

    ``people``: whether the reader may see who people are; if not, the changes of a field
    naming a person (who filed, who last changed) are left out as the entries' authors are."""
    records = list(obj.history.all().select_related("history_user"))  # type: ignore[attr-defined]
    if shown is not None:
        kept = [record for record in records if shown(_version(record, obj))]
        hidden_before = bool(kept) and kept[-1] is not records[-1]
        records = kept
    else:
        hidden_before = False
    # Machine fields (a search key, an answer's version counter) are no change a reader made.
    hidden = set(getattr(obj, "history_hidden", ()))
    deltas = []
    wanted: dict[Field[Any, Any], set[Any]] = {}
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        fields = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                field = cast(Field[Any, Any], obj._meta.get_field(change.field))
                if not field.editable or field.name in hidden or (_is_person(field) and not people):
                    continue
                fields.append((field, change))
                if isinstance(field, ForeignKey):
                    wanted.setdefault(field, set()).update(
                        key for key in (change.old, change.new) if key is not None
                    )
        deltas.append((record, previous, fields))
    names = _Names(wanted, model=type(obj), shown=shown)
    # A model may know its values better (an answer: its question's choices).
    own: Callable[[str, Any], Any] = getattr(obj, "history_value", lambda _field, value: value)
    entries = []
    for record, previous, fields in deltas:
        changes = [
            Change(
                str(field.verbose_name),
                _readable(field, own(field.name, change.old), names),
                _readable(field, own(field.name, change.new), names),
            )
            for field, change in fields
        ]
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else "",
                kind="+" if previous is None and hidden_before else record.history_type,
                reason=_shown_reason(record.history_change_reason),
                changes=changes,
            )
        )
    return entries
