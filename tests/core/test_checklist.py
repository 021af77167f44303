"""``Checklist``: a long multiple choice as checkboxes named like the field, each with the
value the select sent, so that a form takes the same POST; the group named by its legend."""

from __future__ import annotations

import lxml.html
import pytest
from django import forms
from django.http import QueryDict
from django.utils import translation

from infobase.core.text import fold
from infobase.core.widgets import Checklist
from infobase.reference.forms import StateMultipleChoiceField
from infobase.reference.models import State


class StatesForm(forms.Form):
    states = StateMultipleChoiceField(label="Beneficiary States", required=False, widget=Checklist)


class TitlesForm(forms.Form):
    titles = forms.MultipleChoiceField(
        label="Activities",
        choices=[("1", "Training in Dakar"), ("2", "تدريب في عمّان"), ("3", "<b>Three</b>")],
        widget=Checklist(auto_dir=True),
    )


def boxes(html: str) -> list[lxml.html.HtmlElement]:
    return lxml.html.fromstring(html).xpath("//input[@type='checkbox']")


@pytest.mark.django_db
def test_a_checkbox_per_state_named_like_the_field_in_a_group_its_legend_names() -> None:
    with translation.override("ar"):
        html = StatesForm()["states"].as_field_group()
        page = lxml.html.fromstring(f"<div>{html}</div>")
        states = State.objects.count()
        found = boxes(html)
        assert len(found) == states > 150
        assert {box.get("name") for box in found} == {"states"}
        assert {box.get("value") for box in found} == {
            str(pk) for pk in State.objects.values_list("pk", flat=True)
        }
        assert len({box.get("id") for box in found}) == states  # each its own label
        assert page.xpath("string(//fieldset/legend)").strip().startswith("Beneficiary States")
        assert not page.xpath("//select")
        # Each item's words folded as the search folds them (data-find), for checklist.js.
        jordan = State.objects.get(iso3="JOR")
        item = page.xpath(f"//input[@value='{jordan.pk}']/ancestor::li")[0]
        assert item.get("data-find") == fold(str(jordan)) == "الاردن"
        # The count, politely announced; the box that finds, labelled.
        assert page.xpath("string(//*[@aria-live='polite'])").strip() == translation.ngettext(
            "%(count)s chosen", "%(count)s chosen", 0
        ) % {"count": 0}
        find = page.xpath("//input[@type='search']")[0]
        assert page.xpath(f"string(//label[@for='{find.get('id')}'])") == "البحث في هذه القائمة"


@pytest.mark.django_db
def test_a_post_of_several_states_is_taken_and_they_come_back_ticked_first() -> None:
    egypt, jordan, peru = (State.objects.get(iso3=code) for code in ("EGY", "JOR", "PER"))
    data = QueryDict(mutable=True)
    data.setlist("states", [str(jordan.pk), str(peru.pk), str(egypt.pk)])
    form = StatesForm(data)
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["states"]) == {egypt, jordan, peru}
    html = str(form["states"])
    ticked = [box.get("value") for box in boxes(html) if box.get("checked") is not None]
    assert sorted(ticked) == sorted(str(s.pk) for s in (egypt, jordan, peru))
    # The chosen first, in the list's (alphabetical) order, then the others.
    first = [box.get("value") for box in boxes(html)[:3]]
    assert first == [str(s.pk) for s in (egypt, jordan, peru)]
    picked = lxml.html.fromstring(html).xpath("//ul[@class='checklist-picked']/li/text()")
    assert picked == ["Egypt", "Jordan", "Peru"]
    # Nothing ticked sends nothing: an empty choice, as the select's.
    empty = StatesForm(QueryDict())
    assert empty.is_valid() and list(empty.cleaned_data["states"]) == []


def test_titles_are_laid_out_in_their_own_direction_and_escaped() -> None:
    form = TitlesForm({"titles": ["2", "3"]})
    assert form.is_valid()
    assert form.cleaned_data["titles"] == ["2", "3"]
    html = str(form["titles"])
    assert '<span dir="auto">تدريب في عمّان</span>' in html
    assert "&lt;b&gt;Three&lt;/b&gt;" in html and "<b>" not in html
    # Three items are seen whole: no box to find one (every State's list has one).
    assert 'type="search"' not in html
    refused = TitlesForm({"titles": ["9"]})
    assert not refused.is_valid()
