"""``FastSelect`` writes exactly the HTML of Django's ``Select`` templates."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils.safestring import mark_safe

from infobase.core.widgets import FastSelect
from infobase.reference.forms import article_filter, state_filter
from infobase.reference.models import State

CHOICES: list[Any] = [
    ("", "Any <kind>"),
    ("a", "Alpha & Omega"),
    ("b", mark_safe("<b>bold</b>")),  # a label already safe is not escaped again
    (3, "Three \"quoted\" 'single'"),
    ("Group <1>", [("g1", "In group"), ("g2", "Also")]),
    ("z", "Zed"),
]


@pytest.mark.parametrize("value", [None, "", "a", 3, "g2", "missing"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_x"}, {"id": "id_x", "required": True, "disabled": False, "data-n": 'a"b'}],
)
def test_fast_select_renders_what_the_select_templates_render(
    value: Any, attrs: dict[str, Any] | None
) -> None:
    expected = forms.Select(choices=CHOICES).render("kind", value, attrs)
    assert FastSelect(choices=CHOICES).render("kind", value, attrs) == expected
    assert str(value) in expected or value in (None, "missing")


@pytest.mark.django_db
@pytest.mark.parametrize("make", [state_filter, article_filter])
def test_the_filters_of_states_and_articles_render_as_before(make: Any) -> None:
    class Form(forms.Form):
        field = make()

    egypt = State.objects.get(iso3="EGY")
    bound = Form({"field": "EGY" if make is state_filter else ""})
    html = str(bound["field"])
    field = Form.base_fields["field"]
    assert isinstance(field.widget, FastSelect)
    plain = forms.Select(choices=field.choices)
    assert html == plain.render("field", bound["field"].value(), {"id": "id_field"})
    assert html.count("<option") > 100
    if make is state_filter:
        assert f'<option value="EGY" selected>{egypt}</option>' in html
