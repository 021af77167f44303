"""Decision 2/6 shipped as data: the loader validates first, writes once, and is idempotent."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.meetings.loaders import DECISION_2_6, load_mandates
from infobase.meetings.models import Body, Mandate, ManualStatus, Outcome, Session
from infobase.meetings.services import mandate_set_status

pytestmark = pytest.mark.django_db

MISSION = Path(__file__).resolve().parents[3] / "shared" / "mission"
PARAGRAPHS = ["a", "b", "c", "c(i)", "c(ii)", "c(iii)", "c(iv)", "d", "e", "f", "g", "h", "i"]
AR_LETTERS = {"أ": "a", "ب": "b", "ج": "c", "د": "d", "هـ": "e", "و": "f", "ز": "g", "ح": "h"}
AR_LETTERS["ط"] = "i"


def shared_arabic_paragraphs() -> dict[str, str]:
    path = MISSION / "decision-2-6.ar.txt"
    if not path.is_file():
        pytest.skip("../shared/mission is not beside the project")
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\((أ|ب|ج|د|هـ|و|ز|ح|ط)\) (.+)$", line):
            found[AR_LETTERS[m.group(1)]] = m.group(2)
        elif m := re.match(r"^‘(\d)‘ (.+)$", line):
            found["c(" + ["i", "ii", "iii", "iv"][int(m.group(1)) - 1] + ")"] = m.group(2)
    return found


def test_it_loads_the_thirteen_mandates_of_decision_2_6_in_order() -> None:
    load_mandates()
    decision = Outcome.objects.get(kind="decision", number="2/6")
    mandates = list(decision.mandates.order_by("position"))
    assert [m.paragraph for m in mandates] == PARAGRAPHS
    assert all(m.text["ar"].strip() and m.text["en"].strip() for m in mandates)
    assert decision.session.body.code == "cop" and decision.session.number == 2
    assert Body.objects.get(code="wg-ta").established_by == decision
    assert Body.objects.get(code="wg-ta").parent.code == "cop"  # type: ignore[union-attr]
    checks = {m.paragraph: m.check_code for m in mandates if m.check_code}
    assert checks == {
        "c(i)": "needs_reviewed",
        "e": "all_of",
        "g": "chair_report_before",
        "h": "secretariat_report_before",
        "i": "decision_taken_at",
    }
    assert Mandate.objects.get(decision=decision, paragraph="h").due_session == Session.objects.get(
        body__code="cop", number=4
    )


def test_its_arabic_text_is_the_shared_file_paragraph_verbatim() -> None:
    shared = shared_arabic_paragraphs()
    assert sorted(shared) == sorted(PARAGRAPHS)
    load_mandates()
    for mandate in Mandate.objects.filter(decision__number="2/6"):
        assert mandate.text["ar"] == shared[mandate.paragraph], mandate.paragraph


def test_its_english_text_is_the_working_rendering() -> None:
    load_mandates()
    e = Mandate.objects.get(decision__number="2/6", paragraph="e")
    assert e.text["en"].startswith("Decides that the open-ended working group shall meet during")
    assert e.text["en"].endswith("before the fourth session of the Conference;")
    assert "  " not in e.text["en"] and "\n" not in e.text["en"]


def test_loading_twice_changes_nothing() -> None:
    first = load_mandates()
    assert first.counts["mandate.created"] == 13
    history = Mandate.history.count()  # type: ignore[attr-defined]
    second = load_mandates()
    assert second.counts["mandate.unchanged"] == 13
    assert not [k for k in second.counts if k.endswith((".created", ".updated"))]
    assert Mandate.history.count() == history  # type: ignore[attr-defined]
    assert Mandate.objects.count() == 13


def test_reloading_keeps_the_status_set_by_the_secretariat(secretariat: User) -> None:
    load_mandates()
    mandate = Mandate.objects.get(decision__number="2/6", paragraph="d")
    mandate_set_status(
        mandate=mandate, status=ManualStatus.DONE, reason="projects designed", user=secretariat
    )
    load_mandates()
    mandate.refresh_from_db()
    assert mandate.manual_status == ManualStatus.DONE


def test_an_invalid_file_is_refused_whole_naming_the_places(tmp_path: Path) -> None:
    data = json.loads(DECISION_2_6.read_text(encoding="utf-8"))
    data["mandates"][0]["actor"] = "president"
    data["mandates"][4]["check"] = "looks_fine"
    data["mandates"][5]["paragraph"] = "a"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_mandates(bad)
    places = {p.column for p in caught.value.problems}
    assert {"mandates[0].actor", "mandates[4].check", "mandates[5].paragraph"} <= places
    assert all(p.file == "bad.json" for p in caught.value.problems)
    assert not Body.objects.exists() and not Mandate.objects.exists()


def test_the_command_loads_and_reports_counts() -> None:
    out = StringIO()
    call_command("load-mandates", stdout=out)
    assert "mandate.created: 13" in out.getvalue()


def test_entries_that_are_not_objects_are_refused_naming_the_places(tmp_path: Path) -> None:
    data = json.loads(DECISION_2_6.read_text(encoding="utf-8"))
    data["mandates"][2] = "c"
    data["sessions"] = {"cop": 4}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_mandates(bad)
    assert {p.column for p in caught.value.problems} == {"mandates[2]", "sessions"}
    assert not Mandate.objects.exists()
