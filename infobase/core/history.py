"""The change history of a record, as a list a person can read (who, when, what, why)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.db.models import BooleanField, Field, ForeignKey, JSONField, ManyToManyField, Model
from django.utils.translation import gettext, gettext_noop, pgettext
from simple_history.models import HistoricalRecords
from simple_history.signals import (
    post_create_historical_m2m_records,
    pre_create_historical_m2m_records,
)
from simple_history.utils import get_m2m_field_name

from infobase.core.i18n import FIELD_SUFFIX, list_separator, text_for_interface


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    # A many-to-many field's change in words ("added Egypt; removed Senegal"), in the place
    # of its values before and after.
    summary: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[Change]


# The history of each model that keeps its many-to-many fields, for ``one_version``.
_KEPT: dict[type[Model], HistoryWithMany] = {}


class HistoryWithMany(HistoricalRecords):
    """``HistoricalRecords`` that also keeps many-to-many fields (``m2m_fields``): each version
    holds the related rows as they were. A write of the field makes a version (who from the
    request or ``_history_user``, why from ``_change_reason``), from either side: a need's
    ``projects.add(project)`` makes a version of the project. A service writing a record and its
    fields together keeps them as one version with ``one_version``."""

    def finalize(self, sender: type[Model], **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            _KEPT[sender] = self

    def create_historical_record_m2ms(self, history_instance: Any, instance: Model) -> None:
        """The library's copy of each list into the version, with the rows read in key order:
        read unordered, PostgreSQL returned them in the order they lie on disk, which earlier
        deletions change, and the copies' keys then differed from one run to the next."""
        for field in history_instance._history_m2m_fields:
            kept: Any = self.m2m_models[field]
            through: Any = getattr(history_instance.instance, field.name).through
            names = [f.name for f in through._meta.fields]
            rows = through.objects.filter(**{get_m2m_field_name(field): instance}).order_by("pk")
            copies = [
                kept(history=history_instance, **{name: getattr(row, name) for name in names})
                for row in rows
            ]
            pre_create_historical_m2m_records.send(
                sender=kept, rows=copies, history_instance=history_instance,
                instance=instance, field=field,
            )  # fmt: skip
            created = kept.objects.bulk_create(copies)
            post_create_historical_m2m_records.send(
                sender=kept, created_rows=created, history_instance=history_instance,
                instance=instance, field=field,
            )  # fmt: skip

    def m2m_changed(
        self,
        instance: Model,
        action: str,
        attr: str,
        pk_set: set[Any] | None,
        reverse: bool,
        **kwargs: Any,
    ) -> None:
        if not reverse:
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
            return
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        # Written from the other side: ``instance`` is the related row, ``model`` the model that
        # keeps the history, ``pk_set`` its records touched (unknown after a clear: asked before).
        model = kwargs["model"]
        cleared = instance.__dict__.setdefault("_history_cleared", {})
        if action == "pre_clear":
            cleared[attr] = set(
                model._base_manager.filter(**{attr: instance}).values_list("pk", flat=True)
            )
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        keys = cleared.pop(attr, set()) if action == "post_clear" else set(pk_set or ())
        for record in model._base_manager.filter(pk__in=keys).order_by("pk"):
            self.create_historical_record(record, "~")


@contextmanager
def one_version(instance: Model) -> Iterator[None]:
    """The save of ``instance`` and the writes of its many-to-many fields inside the block kept
    as one version of it (one entry of its history, with its ``_change_reason`` and
    ``_history_user``), not one per write. Nothing is kept if the block fails."""
    created = instance._state.adding
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        _KEPT[type(instance)].create_historical_record(instance, "+" if created else "~")


class OneVersionAdmin:
    """Mixed into the ``ModelAdmin`` of a model whose history keeps its lists
    (``HistoryWithMany``): the admin saves the record (``save_model``), then its lists
    (``form.save_m2m``, from ``save_related`` or the history's revert page), which would make a
    version each, with no reason. Here they make one, as ``one_version`` does for a service,
    with who saved and, unless the form gave one, a reason saying it was the administration."""

    def save_model(self, request: Any, obj: Model, form: Any, change: bool) -> None:
        if type(obj) not in _KEPT:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            return
        if not getattr(obj, "_change_reason", None):
            obj._change_reason = (  # type: ignore[attr-defined]
                gettext_noop("Changed in the administration")
                if change
                else gettext_noop("Recorded in the administration")
            )
        # ``one_version`` entered here and left once the lists are saved; left at once when the
        # save fails (``pop_all`` hands it over only after the save).
        with ExitStack() as stack:
            stack.enter_context(one_version(obj))
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            version = stack.pop_all()
        save_lists = form.save_m2m

        def save_lists_then_version() -> None:
            with version:
                save_lists()

        form.save_m2m = save_lists_then_version


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _filled(text: str, values: dict[str, str]) -> str | None:
    """``text`` with its ``%(name)s`` filled from ``values``; None if it names one they lack.
    Filled by hand, not with ``%``: a kept reason is read back from the database, and a width
    (``%(file)999999999s``) would be obeyed."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        if match[0] == "%%":
            return "%"
        if match[1] not in values:
            missing = True
            return ""
        return values[match[1]]

    filled = _PLACEHOLDER.sub(value, text)
    return None if missing else filled


def reason_with(text: str, /, **values: object) -> str:
    """A change reason that carries values (a file's name), to be kept as its English text
    (marked with ``gettext_noop``) and shown in its reader's language, not in the language of
    whoever made the change. Kept as the English sentence filled, readable as it is where the
    reason is shown raw (the administration's history), then, on a line of its own, the text
    and its values, from which the history page translates the text and fills it again."""
    kept = {name: str(value) for name, value in values.items()}
    filled = _filled(text, kept)
    if filled is None:
        raise ValueError(f"{text!r} names a value not given: {sorted(kept)}")
    return "\n".join(
        [filled, json.dumps({"msgid": text, "values": kept}, ensure_ascii=False, sort_keys=True)]
    )


def _shown_reason(stored: str | None) -> str:
    """A change reason as its reader reads it: one a job stored in English (its text marked with
    ``gettext_noop``) in the reader's language, filled with its values if it carries some
    (``reason_with``); one a person wrote, as written (no catalog holds it, so it comes back
    unchanged)."""
    if not stored:
        return ""
    sentence, _line, tail = stored.rpartition("\n")
    if sentence and tail.startswith('{"msgid": '):
        try:
            kept = json.loads(tail)
        except ValueError:
            kept = None
        values = kept.get("values") if isinstance(kept, dict) else None
        text = kept.get("msgid") if isinstance(kept, dict) else None
        if (
            isinstance(text, str)
            and isinstance(values, dict)
            and all(isinstance(value, str) for value in values.values())
            # Only what ``reason_with`` kept: a person's reason that looks like it stays as typed.
            and _filled(text, values) == sentence
        ):
            return _filled(gettext(text), values) or sentence
    return gettext(stored)


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
        self,
        wanted: dict[Field[Any, Any], set[Any]],
        *,
        model: type[Model],
        shown: Shown,
        seen: Shown = None,
    ) -> None:
        self.names: dict[tuple[Field[Any, Any], Any], str] = {}
        # Rows of a many-to-many field the reader may not see: not named, not counted.
        self.unseen: set[tuple[Field[Any, Any], Any]] = set()
        for field, keys in wanted.items():
            related: Any = field.related_model
            row: Any
            for row in related._base_manager.filter(pk__in=keys):
                # Another need merged into this one is named only to who may see it.
                if related is model and shown is not None and not shown(row):
                    continue
                if isinstance(field, ManyToManyField) and seen is not None and not seen(row):
                    self.unseen.add((field, row.pk))
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


def _members(records: list[Any], fields: list[ManyToManyField[Any, Any]]) -> dict[Any, set[Any]]:
    """The keys each version held in each many-to-many field: (field, history id) → keys, one
    query per field."""
    held: dict[Any, set[Any]] = {}
    ids = [record.history_id for record in records]
    for field in fields:
        kept: Any = HistoricalRecords.m2m_models[field]
        target = kept._meta.get_field(field.m2m_reverse_field_name()).attname
        for version, key in kept.objects.filter(history_id__in=ids).values_list(
            "history_id", target
        ):
            held.setdefault((field, version), set()).add(key)
    return held


def _many_words(field: Field[Any, Any], added: set[Any], removed: set[Any], names: _Names) -> str:
    """A many-to-many field's change as its reader reads it: "added Egypt, Chad; removed
    Senegal", the rows named in the reader's language, those the reader may not see left out."""

    def named(keys: set[Any]) -> list[str]:
        return [names(field, key) for key in keys if (field, key) not in names.unseen]

    return list_change_words(named(added), named(removed))


def list_change_words(added: list[str], removed: list[str]) -> str:
    """A list's change in words, its items already named: "added Egypt, Chad; removed Senegal"
    (each part in order of the names); empty when nothing changed."""
    parts = []
    if added:
        text = list_separator().join(sorted(added))
        parts.append(pgettext("history of a list", "added %(items)s") % {"items": text})
    if removed:
        text = list_separator().join(sorted(removed))
        parts.append(pgettext("history of a list", "removed %(items)s") % {"items": text})
    if len(parts) == 2:
        return pgettext("history of a list", "%(added)s; %(removed)s") % {
            "added": parts[0],
            "removed": parts[1],
        }
    return parts[0] if parts else ""


def history_of(
    obj: Model,
    *,
    shown: Callable[[Model], bool] | None = None,
    people: bool = True,
    seen: Callable[[Model], bool] | None = None,
    private: Collection[str] = (),
) -> list[HistoryEntry]:
    """Newest first. Each entry lists the fields changed since the version before it, each
    value readable (see ``_readable``).

    ``shown``: whether a version (the record as it was then) may be shown to the reader. The
    others are left out, changes are counted between the versions shown, and the oldest one
    shown is where the record begins for the reader (created): nothing tells that there was
    anything before it.

    ``people``: whether the reader may see who people are; if not, the changes of a field
    naming a person (who filed, who last changed) are left out as the entries' authors are.

    ``seen``: whether a row a many-to-many field held may be named to the reader (a project's
    confidential need); the others are left out of its changes, and a change of nothing else
    with them.

    ``private``: fields the reader may not see (``history_private`` of the model): left out of
    the changes, and a version that changed nothing else is left out whole, its reason with it."""
    records = list(obj.history.all().select_related("history_user"))  # type: ignore[attr-defined]
    if shown is not None:
        kept = [record for record in records if shown(_version(record, obj))]
        hidden_before = bool(kept) and kept[-1] is not records[-1]
        records = kept
    else:
        hidden_before = False
    # Machine fields (a search key, an answer's version counter) are no change a reader made.
    hidden = set(getattr(obj, "history_hidden", ()))
    secret = set(private) - hidden
    hidden |= secret
    # Rows a model keeps with each version beside its fields (an activity's recipients …).
    parts_changes: Callable[[Any, Any], list[Change]] | None = getattr(
        obj, "history_parts_changes", None
    )
    # Many-to-many fields kept with each version (``HistoryWithMany``): compared here, all
    # versions at once, rather than by ``diff_against`` (two queries a field a version).
    skipped = [field.name for field in (records[0]._history_m2m_fields if records else ())]
    many = [  # in the model's order
        field
        for field in obj._meta.many_to_many
        if field.name in skipped and field.editable and field.name not in hidden
    ]
    many_secret = [field for field in obj._meta.many_to_many if field.name in secret]
    held = _members(records, many + many_secret)
    deltas = []
    wanted: dict[Field[Any, Any], set[Any]] = {}
    # Versions that changed a private field, for the reader who may not see it.
    touched: set[Any] = set()
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        fields: list[tuple[Field[Any, Any], Any]] = []
        if previous is not None:
            for secret_field in many_secret:
                before = held.get((secret_field, previous.history_id), set())
                if held.get((secret_field, record.history_id), set()) != before:
                    touched.add(record.history_id)
            for change in record.diff_against(previous, excluded_fields=skipped).changes:
                field = cast(Field[Any, Any], obj._meta.get_field(change.field))
                if field.name in secret:
                    touched.add(record.history_id)
                if not field.editable or field.name in hidden or (_is_person(field) and not people):
                    continue
                fields.append((field, change))
                if isinstance(field, ForeignKey):
                    wanted.setdefault(field, set()).update(
                        key for key in (change.old, change.new) if key is not None
                    )
            for field in many:
                now = held.get((field, record.history_id), set())
                before = held.get((field, previous.history_id), set())
                if now != before:
                    fields.append((field, (now - before, before - now)))
                    wanted.setdefault(field, set()).update(now ^ before)
        deltas.append((record, previous, fields))
    names = _Names(wanted, model=type(obj), shown=shown, seen=seen)
    # A model may know its values better (an answer: its question's choices).
    own: Callable[[str, Any], Any] = getattr(obj, "history_value", lambda _field, value: value)
    entries = []
    for record, previous, fields in deltas:
        changes = []
        for field, change in fields:
            if isinstance(field, ManyToManyField):
                added, removed = change
                summary = _many_words(field, added, removed, names)
                if summary:  # else only rows the reader may not see
                    changes.append(Change(str(field.verbose_name), None, None, summary))
                continue
            changes.append(
                Change(
                    str(field.verbose_name),
                    _readable(field, own(field.name, change.old), names),
                    _readable(field, own(field.name, change.new), names),
                )
            )
        if parts_changes is not None and previous is not None:
            changes.extend(parts_changes(record, previous))
        if not changes and record.history_id in touched:
            continue  # a change of a private field alone: no trace of it
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
