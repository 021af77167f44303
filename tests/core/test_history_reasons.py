"""A reason a service gives of itself that carries a value (the file an import read) is kept in
English with its values and shown in its reader's language, whatever the language of whoever
made the change; reasons kept before, and those people wrote, are shown as they were."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from infobase.accounts.models import User
from infobase.activities.models import Activity
from infobase.core.history import history_of, reason_with
from infobase.questionnaires.models import ReportingCycle
from infobase.questionnaires.xlsform import import_xlsform
from tests.activities.test_iati_import import activity_xml, iati_file, run_bytes
from tests.conftest import client_for
from tests.questionnaires.test_xlsform import small_form

pytestmark = pytest.mark.django_db


def arabic(text: str, **values: str) -> str:
    with translation.override("ar"):
        return translation.gettext(text) % values


def history_page(user: User, model: str, pk: int) -> str:
    response = client_for(user).get(reverse("history", args=[model, pk]), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_an_iati_import_in_french_is_read_in_arabic_with_its_file_name(secretariat: User) -> None:
    """Imported, updated, then left out of its publisher's newer file, each time by someone
    working in French: an Arabic reader reads each reason in Arabic, naming the file."""
    with translation.override("fr"):
        run_bytes("pub.xml", iati_file(activity_xml("XX-TEST-1-A"), activity_xml("XX-TEST-1-B")))
        newer = iati_file(
            activity_xml("XX-TEST-1-A", updated="2024-06-01T00:00:00Z"),
            activity_xml("XX-TEST-1-B", updated="2024-06-01T00:00:00Z", title="Renamed"),
            generated="2024-06-01T00:00:00Z",
        )
        run_bytes("pub.xml", newer, user=secretariat)
        only_a = iati_file(
            activity_xml("XX-TEST-1-A", updated="2024-06-01T00:00:00Z"),
            generated="2024-07-01T00:00:00Z",
        )
        run_bytes("pub.xml", only_a, user=secretariat)
    activity = Activity.objects.get(iati_identifier="XX-TEST-1-B")
    with translation.override("ar"):
        reasons = [entry.reason for entry in history_of(activity)]
    assert reasons == [
        arabic("no longer in the publisher's file %(file)s", file="pub.xml"),
        arabic("updated from IATI file %(file)s", file="pub.xml"),
        arabic("imported from IATI file %(file)s", file="pub.xml"),
    ]
    page = history_page(secretariat, "activities.activity", activity.pk)
    assert arabic("updated from IATI file %(file)s", file="pub.xml") in page
    assert "fichier" not in page and "msgid" not in page


def test_a_questionnaire_imported_in_french_is_read_in_arabic(
    tmp_path: Path, secretariat: User
) -> None:
    cycle = ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]
    with translation.override("fr"):
        questionnaire = import_xlsform(
            small_form(tmp_path / "s.xlsx"), filename="s.xlsx", cycle=cycle, user=secretariat
        )
    page = history_page(secretariat, "questionnaires.questionnaire", questionnaire.pk)
    assert arabic("Imported from %(file)s", file="s.xlsx") in page
    assert "Importé" not in page


def test_a_reason_with_values_is_kept_as_english_readable_as_it_is() -> None:
    """Kept as the English sentence, as the administration's history shows it, then the
    text to translate and its values on a line of their own."""
    with translation.override("fr"):
        run_bytes("pub.xml", iati_file(activity_xml("XX-TEST-1-A")))
    kept = Activity.history.get().history_change_reason  # type: ignore[attr-defined]
    sentence, tail = kept.split("\n")
    assert sentence == "imported from IATI file pub.xml"
    assert json.loads(tail) == {
        "msgid": "imported from IATI file %(file)s",
        "values": {"file": "pub.xml"},
    }
    assert kept == reason_with("imported from IATI file %(file)s", file="pub.xml")


def test_reasons_kept_before_and_peoples_reasons_still_show(secretariat: User) -> None:
    """A service's reason kept as a message is translated; one kept filled in before, or a
    person's, is shown as written, even one that looks like a reason with values but is not
    what ``reason_with`` keeps (its sentence differs, or it asks a width)."""
    run_bytes("pub.xml", iati_file(activity_xml("XX-TEST-1-A")))
    activity = Activity.objects.get()
    record = Activity.history.get()  # type: ignore[attr-defined]
    forged = 'Moved\n{"msgid": "imported from IATI file %(file)s", "values": {"file": "x"}}'
    wide = 'x\n{"msgid": "%(file)999999999s", "values": {"file": "x"}}'
    for kept, shown in [
        ("imported from IATI file pub.xml", "imported from IATI file pub.xml"),
        ("back in the publisher's file", arabic("back in the publisher's file")),
        ("Moved office", "Moved office"),
        (forged, forged),
        (wide, wide),
        (None, ""),
    ]:
        record.history_change_reason = kept
        record.save()
        with translation.override("ar"):
            (entry,) = history_of(activity)
        assert entry.reason == shown, kept


def test_a_reason_naming_a_value_not_given_is_refused() -> None:
    with pytest.raises(ValueError, match="file"):
        reason_with("imported from IATI file %(file)s", name="pub.xml")
