"""The mandates loader refuses, before writing anything, a text longer than its column or
holding a control or bidi character (PostgreSQL stores no NUL, even in a JSON column), naming
the place in the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infobase.core.errors import InvalidInput
from infobase.meetings.loaders import DECISION_2_6, load_mandates
from infobase.meetings.models import Body, Mandate

pytestmark = pytest.mark.django_db


def test_overlong_and_odd_texts_are_refused_whole_naming_each_place(tmp_path: Path) -> None:
    data = json.loads(DECISION_2_6.read_text(encoding="utf-8"))
    data["bodies"][0]["code"] = "b" * 31
    data["decision"]["number"] = "2/" + "6" * 40
    data["mandates"][1]["paragraph"] = "1" * 21
    data["mandates"][2]["text"]["en"] = "Requests\u0000 the secretariat"
    data["sessions"][0]["title"]["en"] = "Session \u202efo"
    bad = tmp_path / "odd.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_mandates(bad)
    places = {p.column for p in caught.value.problems}
    assert {
        "bodies[0].code",
        "decision.number",
        "mandates[1].paragraph",
        "mandates[2].text.en",
        "sessions[0].title.en",
    } <= places
    said = str(caught.value)
    assert "U+0000" in said and "U+202E" in said and "at most 20 characters" in said
    assert not Body.objects.exists() and not Mandate.objects.exists()
