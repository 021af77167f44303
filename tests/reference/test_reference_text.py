"""The reference CSV loaders refuse, before writing anything, a value longer than the field it
is written to (PostgreSQL would refuse it, SQLite keeps it) or holding a control or bidi
character, naming file, line and column."""

from __future__ import annotations

import io

import pytest

from infobase.core.errors import InvalidInput
from infobase.reference.loaders.reference import load_organizations
from infobase.reference.models import Organization

pytestmark = pytest.mark.django_db

HEADER = (
    "code,acronym,name_ar,name_zh,name_en,name_fr,name_ru,name_es,kind,iati_ref,iati_type,"
    "state_iso3,website"
)


def _row(code: str, acronym: str = "OK", name_en: str = "An office", iati_ref: str = "") -> str:
    return f"{code},{acronym},,,{name_en},,,,un_entity,{iati_ref},40,,"


def test_organizations_file_with_overlong_or_odd_text_is_refused_whole_naming_each_place():
    text = "\n".join(
        [
            HEADER,
            _row("fine1"),  # line 2
            _row("long1", acronym="A" * 41),  # line 3
            _row("odd1", name_en="Office\u202e of nothing"),  # line 4
            _row("odd2", iati_ref="XM\x07-1"),  # line 5
            _row("c" * 60),  # line 6: longer than the code field
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        load_organizations(io.BytesIO(text.encode()), name="organizations.csv")
    places = {(p.line, p.column) for p in caught.value.problems}
    assert {(3, "acronym"), (4, "name_en"), (5, "iati_ref"), (6, "code")} <= places
    assert (2, "code") not in places
    said = str(caught.value)
    assert "organizations.csv, line 3, column “acronym”" in said
    assert "at most 40 characters" in said and "U+202E" in said and "U+0007" in said
    assert not Organization.objects.filter(code="fine1").exists()
