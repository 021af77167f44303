"""Searchable pickers for the activity form, without script: a text input tied to a
``<datalist>`` of codes with their names (the browser filters it as one types the code or the
name). The lists come from the reference data: States, and the IATI codelists for currencies
and DAC 5-digit sectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from infobase.core.i18n import currency_name
from infobase.core.params import id_from
from infobase.reference.models import CodelistItem, State
from infobase.reference.selectors import states_by_name

STATES_LIST = "picker-states"
CURRENCIES_LIST = "picker-currencies"
SECTORS_LIST = "picker-sectors"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def picker_input(list_id: str, *, size: int = 12, placeholder: str = "") -> forms.TextInput:
    attrs = {
        "list": list_id,
        "autocomplete": "off",
        "dir": "ltr",
        "size": str(size),
        "class": "picker",
        "spellcheck": "false",
    }
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.TextInput(attrs=attrs)


class StatePickerField(forms.ModelChoiceField):
    """A State chosen by its ISO alpha-3 code, typed or picked from the list of names."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", picker_input(STATES_LIST, size=10))
        super().__init__(queryset=State.objects.all(), to_field_name="iso3", **kwargs)

    def to_python(self, value: Any) -> Any:
        text = str(value).strip() if value is not None else ""
        if text.isdigit():  # a State's id, as scripts written for the old select send it
            pk = id_from(text)  # "²" or a number past the database's is no State's
            state = State.objects.filter(pk=pk).first() if pk is not None else None
            if state is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
            return state
        return super().to_python(text.upper())


def _codelist(name: str) -> list[Choice]:
    rows: list[tuple[str, str]] = list(
        CodelistItem.objects.filter(codelist__name=name, withdrawn=False)
        .order_by("code")
        .values_list("code", "name_en")
    )
    if name == "Currency":  # named in the reader's language where CLDR names them
        rows = [(code, currency_name(code, label)) for code, label in rows]
    return [Choice(code, f"{code} — {label}" if label else code) for code, label in rows]


def picker_lists() -> dict[str, list[Choice]]:
    """The datalists the activity form refers to, by id."""
    states = [Choice(s.iso3, str(s)) for s in states_by_name(State.objects.all())]
    return {
        STATES_LIST: states,
        CURRENCIES_LIST: _codelist("Currency"),
        SECTORS_LIST: [c for c in _codelist("Sector") if len(c.value) == 5],
    }
