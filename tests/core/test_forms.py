"""No select of the interface offers Django's nameless "---------": its empty choice is named
("Choose…", "None", or a filter's own "Any …") in the reader's language."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from infobase.accounts.models import User
from infobase.core.forms import DASHES, NamedEmptyChoice, name_empty_choice
from infobase.funding.models import Pledge
from infobase.reference.models import Organization, State
from infobase.reference.selectors import activity_status_name, activity_statuses
from tests.conftest import client_for
from tests.core.test_fuzz_params import pages

pytestmark = pytest.mark.django_db


class _Form(NamedEmptyChoice, forms.ModelForm):
    optional_state = forms.ModelChoiceField(queryset=State.objects.none(), required=False)
    any_state = forms.ModelChoiceField(
        queryset=State.objects.none(), required=False, empty_label="Any State"
    )
    states = forms.ModelMultipleChoiceField(queryset=State.objects.none(), required=False)

    class Meta:
        model = Pledge
        fields = ["donor", "status", "regional_group"]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["added_later"] = forms.ModelChoiceField(queryset=Organization.objects.none())


def _empty_label(bound: forms.BoundField) -> str:
    first = bound.field.widget.choices
    return str(next(iter(first))[1])


def test_required_selects_ask_to_choose_and_optional_ones_offer_none() -> None:
    form = _Form()
    assert _empty_label(form["donor"]) == "Choose…"  # a required foreign key
    assert _empty_label(form["status"]) == "Choose…"  # a required field with choices
    assert _empty_label(form["regional_group"]) == "None"  # an optional field with choices
    assert _empty_label(form["optional_state"]) == "None"
    assert _empty_label(form["added_later"]) == "Choose…"  # added in __init__
    assert _empty_label(form["any_state"]) == "Any State"  # a filter names its own
    assert "---------" not in str(form)


def test_the_empty_choice_is_named_in_the_readers_language() -> None:
    with translation.override("ar"):
        form = _Form()
        html = str(form["donor"]) + str(form["regional_group"])
    assert "اختر…" in html
    assert "لا شيء" in html
    assert DASHES not in html


def test_a_multiple_select_gets_no_empty_choice() -> None:
    field = forms.MultipleChoiceField(choices=[("", DASHES), ("a", "A")], required=False)
    name_empty_choice(field)  # a list of several choices: nothing to name, nothing touched
    assert list(field.choices) == [("", DASHES), ("a", "A")]


def test_activity_statuses_are_named_in_the_readers_language() -> None:
    from infobase.reference.loaders.codelists import load_codelists

    load_codelists()
    with translation.override("ar"):
        names = dict(activity_statuses())
        assert names["2"] == "قيد التنفيذ"
        assert activity_status_name("4") == "مُغلق"
    assert dict(activity_statuses())["1"] == "Pipeline/identification"
    assert activity_status_name("nine") == ""


def test_no_page_offers_a_nameless_empty_choice(demo: None) -> None:
    """Every page, as the secretariat (who sees every form) and as a State's focal point."""
    found = []
    for username in ("secretariat", "focal.egypt"):
        client = client_for(User.objects.get(username=username))
        client.raise_request_exception = False
        for name, path in pages():
            response = client.get(path)
            if response.status_code == 200 and DASHES.encode() in response.content:
                found.append(f"{username} {name} {path}")
    assert found == []
