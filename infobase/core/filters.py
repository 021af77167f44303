"""The filters in force on a list page, in words, from its filter form.

A list page's filters fold into a disclosure on a phone (``{% filterfold form %}``, in
``templatetags/filterfold.py``); with the form folded, the reader still sees which filters the
list is under: each one as its label and the value the form shows for it ("State: Egypt").

A field is in force when it has a value: the one in the address, or, for a field the address
does not name, its initial value (a list that applies a default, as the needs register's open
needs, says so). A field whose value the form refused is not in force (the page does not apply
it) and is reported as an error instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.translation import pgettext


@dataclass(frozen=True)
class InForce:
    """One filter in force: the field's name, its label and its value in words."""

    name: str
    label: str
    value: str


def _flat_choices(choices: Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    for value, label in choices:
        if isinstance(label, list | tuple):  # a group of options
            yield from _flat_choices(label)
        else:
            yield value, label


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == ()


def _raw(form: forms.Form, name: str, field: forms.Field) -> Any:
    """The value the field holds: from the address when it names the field, else its initial."""
    if form.is_bound and name in form.data:
        return field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return form.get_initial_for_field(field, name)


def _words(field: forms.Field, value: Any) -> str:
    """``value`` as the form shows it: a choice's label, a date in the reader's format."""
    values = list(value) if isinstance(value, list | tuple) else [value]
    separator = pgettext("list separator", ", ")
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
        # One query for the chosen rows only (a select of every State is not read again).
        key = field.to_field_name or "pk"
        try:
            found = field.queryset.filter(**{f"{key}__in": [str(v) for v in values]})
            shown = [str(field.label_from_instance(obj)) for obj in found]
        except (ValueError, TypeError):
            shown = []
        return separator.join(shown or [str(v) for v in values])
    if isinstance(field, forms.ChoiceField):
        choices: Any = field.choices
        labels = {str(v): str(label) for v, label in _flat_choices(choices)}
        return separator.join(labels.get(str(v), str(v)) for v in values)
    if isinstance(field, forms.BooleanField):
        return pgettext("boolean value", "yes")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(field, forms.DateField):
        try:
            day = field.to_python(value)
        except forms.ValidationError:
            day = None
        return date_format(day, "DATE_FORMAT") if day else str(value)
    return str(value)


def filters_in_force(form: forms.Form) -> list[InForce]:
    """The filters of ``form`` the list is under, in the form's order."""
    errors = form.errors if form.is_bound else {}
    found = []
    for name, field in form.fields.items():
        if field.widget.is_hidden or name in errors:
            continue
        value = _raw(form, name, field)
        if isinstance(value, list | tuple):
            value = [v for v in value if not _empty(v)]
        if _empty(value):
            continue
        found.append(InForce(name=name, label=str(field.label or name), value=_words(field, value)))
    return found


def has_errors(form: forms.Form) -> bool:
    return bool(form.is_bound and form.errors)


def clear_query(form: forms.Form, query: QueryDict) -> str:
    """The address's query without the form's filters and the page number (what else the page
    keeps, as a report date, stays)."""
    kept = query.copy()
    for name in [*form.fields, "page"]:
        kept.pop(form.add_prefix(name), None)
    return kept.urlencode()
