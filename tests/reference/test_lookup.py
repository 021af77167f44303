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
