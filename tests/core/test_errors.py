"""Input problems named by their place, as they read in each language."""

from __future__ import annotations

from django.utils import translation

from infobase.core.errors import InputProblem
from infobase.core.i18n import FSI, PDI


def test_a_column_is_set_apart_from_the_value_after_it_in_arabic_only() -> None:
    # «iso3»: «XXX» … ran together in Arabic into one left-to-right stretch that showed the
    # value before its column; the column is now a first-strong isolate in right-to-left
    # languages, and the text is unchanged in the others.
    problem = InputProblem(
        file="requests.xlsx", sheet="Requests", line=3, column="iso3", message="«XXX» …"
    )
    plain = InputProblem(file="requests.csv", line=3, column="iso3", message="«XXX» …")
    with translation.override("ar"):
        assert f"«{FSI}iso3{PDI}»: «XXX»" in str(problem)
        assert f"«{FSI}iso3{PDI}»: «XXX»" in str(plain)
        assert str(plain).startswith("requests.csv،")
    with translation.override("en"):
        assert FSI not in str(problem) and PDI not in str(problem)
        assert "column “iso3”: «XXX»" in str(problem)
