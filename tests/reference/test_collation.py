"""States are listed in the reader's alphabetical order (the Unicode Collation Algorithm with
CLDR's letters for Arabic and Spanish), not in the English order of the database."""

from __future__ import annotations

import pytest
from django.utils import translation

from infobase.core.collation import collation_key, sorted_by_name
from infobase.reference.forms import state_filter
from infobase.reference.models import State
from infobase.reference.selectors import states_by_name
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def iso3_in_choices(language: str, codes: set[str]) -> list[str]:
    with translation.override(language):
        return [str(value) for value, _label in state_filter().choices if str(value) in codes]


def test_an_arabic_state_picker_follows_the_arabic_alphabet_setting_the_article_aside() -> None:
    # أ, إ and ا are one letter; «ال» is set aside: الأردن (أ) … مصر (م) … اليمن (ي).
    codes = {"EGY", "JOR", "YEM", "ETH", "RUS", "ARG", "DEU", "BHR"}
    assert iso3_in_choices("ar", codes) == [
        "RUS",  # الاتحاد الروسي
        "ETH",  # إثيوبيا
        "ARG",  # الأرجنتين
        "JOR",  # الأردن
        "DEU",  # ألمانيا
        "BHR",  # البحرين
        "EGY",  # مصر
        "YEM",  # اليمن
    ]


def test_an_arabic_state_picker_opens_as_the_uns_arabic_list_of_member_states() -> None:
    # The opening of the list on https://www.un.org/ar/about-us/member-states: alef with madda
    # is alef too (آيرلندا after أوكرانيا, not before الاتحاد الروسي).
    order = ["RUS", "ETH", "AZE", "ARG", "JOR", "ARM", "ERI", "ESP", "AUS", "EST", "UKR", "IRL"]
    order += ["ISL", "ITA"]
    assert iso3_in_choices("ar", set(order)) == order


def test_a_french_state_picker_puts_egypte_between_danemark_and_espagne() -> None:
    codes = {"DNK", "EGY", "ECU", "ESP", "ZWE"}
    assert iso3_in_choices("fr", codes) == ["DNK", "EGY", "ECU", "ESP", "ZWE"]


def test_a_russian_state_picker_follows_the_cyrillic_alphabet() -> None:
    codes = {"AUT", "DEU", "EGY", "CHN", "JPN"}
    # Австрия, Германия, Египет, Китай, Япония (English: Austria, China, Egypt, Germany, Japan)
    assert iso3_in_choices("ru", codes) == ["AUT", "DEU", "EGY", "CHN", "JPN"]


def test_the_empty_choice_stays_first_and_every_state_is_offered_once() -> None:
    with translation.override("ar"):
        choices = list(state_filter().choices)
    assert choices[0][0] == ""
    assert len(choices) == State.objects.count() + 1


def test_spanish_n_with_tilde_is_a_letter_after_n() -> None:
    names = ["Ñandú", "Nueva Zelandia", "Noruega"]
    assert sorted_by_name(names, str, language_code="es") == ["Noruega", "Nueva Zelandia", "Ñandú"]
    # In French «ñ» is an «n» with a mark, as everywhere else.
    assert sorted_by_name(names, str, language_code="fr") == ["Ñandú", "Noruega", "Nueva Zelandia"]


def test_the_order_is_total_names_equal_but_for_their_marks_keep_one_order() -> None:
    assert collation_key("Egypte", "fr") < collation_key("Égypte", "fr")
    # CLDR: the forms of alef differ only at the second level, أ before ا.
    assert collation_key("أردن", "ar") < collation_key("اردن", "ar") < collation_key("ب", "ar")
    assert states_by_name(State.objects.order_by("-pk"), language_code="ar") == states_by_name(
        State.objects.order_by("pk"), language_code="ar"
    )


def test_the_states_directory_lists_states_in_the_readers_order() -> None:
    client = client_for(None)
    page = client.get("/states/", {"q": "", "regional_group": "african"}, HTTP_ACCEPT_LANGUAGE="ar")
    names = [str(s) for s in page.context["page"]]
    with translation.override("ar"):
        expected = [str(s) for s in states_by_name(State.objects.filter(regional_group="african"))]
    assert names == expected[:50]  # the first page
    assert names.index("مصر") < names.index("المغرب")  # م-ص before م-غ, «ال» set aside
