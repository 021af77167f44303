"""Finding a State named in an uploaded file."""

from __future__ import annotations

import pytest

from infobase.reference.lookup import StateLookup
from infobase.reference.models import State


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["EGY", "eg", "Egypt", "égypte", "مصر", "جمهورية مصر العربية", "Египет", "埃及"]
)
def test_a_state_is_found_by_code_or_by_name_in_any_language(text: str) -> None:
    found = StateLookup().find(text)
    assert found.state == State.objects.get(iso3="EGY"), found.problem


@pytest.mark.django_db
def test_an_unknown_name_is_named_in_the_problem() -> None:
    found = StateLookup().find("Atlantis")
    assert found.state is None
    assert "Atlantis" in found.problem


@pytest.mark.django_db
def test_a_name_two_states_share_is_ambiguous_never_guessed() -> None:
    first, second = State.objects.order_by("pk")[:2]
    second.name_fr = first.name_en
    second.save(update_fields=["name_fr"])
    found = StateLookup().find(first.name_en)
    assert found.state is None
    assert "ISO" in found.problem


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        # Typed on a keyboard, or copied from a document: the names kept hold either apostrophe.
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("la République de Côte d’Ivoire", "CIV"),
        ("Lao People’s Democratic Republic", "LAO"),
        # Without the qualifier in brackets the UN puts after the name.
        ("Bolivia", "BOL"),
        ("Iran", "IRN"),
        ("Netherlands", "NLD"),
        ("Pays-Bas", "NLD"),
        ("Bolivia (Plurinational State of)", "BOL"),
    ],
)
def test_a_state_is_found_by_its_name_as_people_write_it(text: str, iso3: str) -> None:
    found = StateLookup().find(text)
    assert found.state == State.objects.get(iso3=iso3), found.problem


@pytest.mark.django_db
def test_a_name_without_its_brackets_gives_way_to_a_name_and_is_never_guessed() -> None:
    senegal, egypt = State.objects.get(iso3="SEN"), State.objects.get(iso3="EGY")
    senegal.name_es = "Iran"  # a State's own name wins over another's shortened one
    senegal.save(update_fields=["name_es"])
    egypt.name_ru = "Bolivia (Arab Republic of)"  # two States shortened to the same name
    egypt.save(update_fields=["name_ru"])
    lookup = StateLookup()
    assert lookup.find("Iran").state == senegal
    found = lookup.find("Bolivia")
    assert found.state is None and "ISO" in found.problem
    assert lookup.find("Bolivia (Arab Republic of)").state == egypt


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("United Kingdom", "GBR"),
        ("United States", "USA"),
        ("Syria", "SYR"),
        ("South Korea", "KOR"),
        ("North Korea", "PRK"),
        ("Vietnam", "VNM"),
        ("روسيا", "RUS"),
        ("سوريا", "SYR"),
        ("韩国", "KOR"),
        ("Royaume-Uni", "GBR"),
        ("Estados Unidos", "USA"),
    ],
)
def test_a_state_is_found_by_the_name_in_common_use(text: str, iso3: str) -> None:
    """The names people use (the Unicode CLDR's, in the six languages), not only the UN's."""
    found = StateLookup().find(text)
    assert found.state == State.objects.get(iso3=iso3), found.problem


@pytest.mark.django_db
def test_a_common_name_gives_way_to_an_official_one() -> None:
    """ "Congo" is the UN's name of the Republic of the Congo, whatever a common-use list says of
    its neighbour; a common name that is another State's official name is never taken."""
    assert StateLookup().find("Congo").state == State.objects.get(iso3="COG")
    korea = State.objects.get(iso3="KOR")
    korea.name_en = "United Kingdom"
    korea.save()
    assert StateLookup().find("United Kingdom").state == korea


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("UK", "GBR"),
        ("Turkey", "TUR"),
        ("Czech Republic", "CZE"),
        ("Ivory Coast", "CIV"),
        ("Swaziland", "SWZ"),
        ("East Timor", "TLS"),
        ("Congo (DRC)", "COD"),
        ("Congo (Republic)", "COG"),
        ("Bosnia", "BIH"),
    ],
)
def test_a_state_is_found_by_the_cldr_short_or_variant_english_name(text: str, iso3: str) -> None:
    """CLDR's alternative English names (alt="short", alt="variant"), which Babel leaves out."""
    found = StateLookup().find(text)
    assert found.state == State.objects.get(iso3=iso3), found.problem


@pytest.mark.django_db
def test_an_alternative_name_gives_way_to_an_official_one() -> None:
    korea = State.objects.get(iso3="KOR")
    korea.name_fr = "Turkey"  # another State's official name wins over the CLDR variant
    korea.save()
    assert StateLookup().find("Turkey").state == korea
