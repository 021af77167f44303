"""A text held in several languages is given in one box per UN language (``LanguageBoxes``):
each box labelled in the reader's language and marked with its own language and direction, the
required languages asked for, the boxes filled from the map and giving it back without the empty
ones and without losing a language the form has no box for."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy
from lxml import html

from infobase.core.forms import LanguageBoxes, box_language
from infobase.core.i18n import FIELD_LANGUAGES

TITLES = LanguageBoxes("title", gettext_lazy("Title (%(language)s)"), max_length=20)


class _Form(forms.Form):
    code = forms.CharField(required=False)

    def __init__(self, *args: Any, held: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = held
        TITLES.add_to(self, held)

    def title(self) -> dict[str, str]:
        return TITLES.value(self.cleaned_data, held=self.held)


def _box(form: forms.Form, code: str) -> Any:
    return html.fragment_fromstring(str(form[f"title_{code}"]))


def test_one_box_per_un_language_in_their_order() -> None:
    form = _Form()
    assert [name for name in form.fields if name != "code"] == [
        f"title_{code}" for code in FIELD_LANGUAGES
    ]
    assert TITLES.names == ("title_ar", "title_zh", "title_en", "title_fr", "title_ru", "title_es")


def test_the_arabic_box_is_right_to_left_whatever_the_page_language() -> None:
    for page_language in ("en", "ar"):
        with translation.override(page_language):
            form = _Form()
            boxes = {code: _box(form, code) for code in FIELD_LANGUAGES}
        assert (boxes["ar"].get("lang"), boxes["ar"].get("dir")) == ("ar", "rtl")
        assert (boxes["en"].get("lang"), boxes["en"].get("dir")) == ("en", "ltr")
        assert (boxes["zh"].get("lang"), boxes["zh"].get("dir")) == ("zh-Hans", "ltr")
        assert boxes["fr"].get("maxlength") == "20"


def test_labels_are_in_the_readers_language() -> None:
    form = _Form()  # built before the language is chosen, as a form declared on a class
    with translation.override("ar"):
        arabic = str(form.fields["title_ar"].label)
    with translation.override("en"):
        english = str(form.fields["title_ar"].label)
    assert english == "Title (Arabic)"
    assert "العربية" in arabic and "Arabic" not in arabic


def test_a_required_language_must_be_given_and_the_others_may_be_left_empty() -> None:
    names = LanguageBoxes("name", "Name (%(language)s)", required=["en"])

    class Named(forms.Form):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            names.add_to(self)

    refused = Named(data={"name_ar": "الدورة"})
    assert not refused.is_valid()
    assert list(refused.errors) == ["name_en"]
    assert Named(data={"name_en": "Cycle"}).is_valid()
    assert _box_attr(Named(), "name_en", "required") is not None
    assert _box_attr(Named(), "name_fr", "required") is None


def _box_attr(form: forms.Form, name: str, attr: str) -> str | None:
    return html.fragment_fromstring(str(form[name])).get(attr)


def test_boxes_are_filled_from_the_map_matching_its_language_codes() -> None:
    form = _Form(held={"en": "Judges", "zh-Hans": "法官培训", "ar": "", "pt": "Juízes"})
    assert form["title_en"].value() == "Judges"
    assert form["title_zh"].value() == "法官培训"
    assert not form["title_ar"].value()
    # The exact code wins over a regional one, whatever their order in the map.
    assert _Form(held={"en": "Judges", "en-GB": "Judges (UK)"})["title_en"].value() == "Judges"
    assert _Form(held={"en-GB": "Judges (UK)", "en": "Judges"})["title_en"].value() == "Judges"


def test_a_sent_form_is_not_filled_from_the_map() -> None:
    form = _Form(data={"title_fr": "Juges"}, held={"en": "Judges"})
    assert form.is_valid()
    assert form["title_en"].value() in (None, "")
    assert form.title() == {"fr": "Juges"}


def test_the_value_drops_empty_boxes_and_keeps_languages_without_a_box() -> None:
    form = _Form(
        data={"title_en": "  Judges  ", "title_ar": "  ", "title_ru": "Судьи"},
        held={"en": "Old", "ru": "Старое", "pt": "Juízes", "zh-Hans": "法官"},
    )
    assert form.is_valid(), form.errors
    title = form.title()
    # Chinese was emptied (its box held "zh-Hans"), Portuguese has no box and stays.
    assert title == {"en": "Judges", "ru": "Судьи", "pt": "Juízes"}
    assert list(title) == ["en", "ru", "pt"]


def test_boxes_declared_on_the_class_are_kept_and_filled() -> None:
    names = LanguageBoxes("name", "Name (%(language)s)", max_length=5)

    class Declared(forms.Form):
        name_en = forms.CharField(max_length=99)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            names.add_to(self, {"en": "Cycle"})

    form = Declared(initial={"name_en": "Given"})
    assert form.fields["name_en"].max_length == 99  # type: ignore[attr-defined]
    assert form["name_en"].value() == "Given"  # an initial value given wins over the map
    assert set(names.names) <= set(form.fields)


def test_text_areas_when_rows_are_asked_for() -> None:
    descriptions = LanguageBoxes("description", "Description (%(language)s)", rows=3)
    field = descriptions.field("ar")
    assert isinstance(field.widget, forms.Textarea)
    assert field.widget.attrs == {"rows": 3, "lang": "ar", "dir": "rtl", "cols": "40"}


def test_box_language_of_map_keys() -> None:
    assert [box_language(k) for k in ("zh-Hans", "zh-hans", "EN", "en-GB", "pt-BR", "ar")] == [
        "zh",
        "zh",
        "en",
        "en",
        "pt",
        "ar",
    ]


# --- The three forms that name a thing in several languages ----------------------------------


def _activity_form(**kwargs: Any) -> forms.Form:
    from infobase.activities.models import Activity
    from infobase.activities.views_screens import ActivityForm

    title = kwargs.pop("title", {})
    return ActivityForm(user=None, instance=Activity(title=title), **kwargs)


def _project_form(**kwargs: Any) -> forms.Form:
    from infobase.funding.views_projects import ProjectForm
    from infobase.needs.models import Need

    return ProjectForm(needs=Need.objects.none(), offered=[], **kwargs)


def _cycle_form(**kwargs: Any) -> forms.Form:
    from infobase.questionnaires.forms import ReportingCycleForm
    from infobase.questionnaires.models import ReportingCycle

    title = kwargs.pop("title", {})
    return ReportingCycleForm(instance=ReportingCycle(name=title), **kwargs)


FORMS = [(_activity_form, "title"), (_project_form, "title"), (_cycle_form, "name")]


@pytest.mark.django_db
@pytest.mark.parametrize("make,name", FORMS)
def test_each_form_marks_its_boxes_language_and_direction(make: Any, name: str) -> None:
    with translation.override("en"):
        form = make()
        arabic = html.fragment_fromstring(str(form[f"{name}_ar"]))
        english = html.fragment_fromstring(str(form[f"{name}_en"]))
    assert (arabic.get("lang"), arabic.get("dir")) == ("ar", "rtl")
    assert (english.get("lang"), english.get("dir")) == ("en", "ltr")


@pytest.mark.django_db
@pytest.mark.parametrize("make,name", FORMS)
def test_each_form_keeps_a_language_it_has_no_box_for(make: Any, name: str) -> None:
    held = {"en": "Old", "pt": "Formação de juízes"}
    form = make(title=held)
    assert form[f"{name}_en"].value() == "Old"
    given = {f"{name}_en": "New", f"{name}_fr": "Nouveau"}
    sent = make(title=held, data={**given, "code": "p-1", "number": 9, "currency": "USD"})
    sent.is_valid()
    value = {
        _activity_form: lambda: sent.parts()["data"]["title"],
        _project_form: lambda: sent.title(),
        _cycle_form: lambda: sent.names(),
    }[make]()
    assert value == {"en": "New", "fr": "Nouveau", "pt": "Formação de juízes"}
