"""An activity's recipients, sectors, themes and participants are kept with each version of its
history: a change of them by hand shows on its history page, named in the reader's language
(who it reaches decides which needs it covers); versions an IATI import writes in bulk do not
record them, and no change is made up against them."""

from __future__ import annotations

import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from infobase.activities.models import Activity
from infobase.activities.services import activity_save
from infobase.core.history import history_of
from infobase.reference.models import AssistanceKind, Organization, State
from tests.activities.test_iati_import import activity_xml, iati_file, run_bytes
from tests.activities.test_screens import art, record
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def moved(user, activity: Activity) -> None:  # type: ignore[no-untyped-def]
    """From Egypt to Senegal, from article 18 to article 5 (legislative advice), its sector and
    participant replaced."""
    activity_save(
        user=user,
        instance=activity,
        data={},
        recipients=[State.objects.get(iso3="SEN")],
        sectors=[("15130", None)],
        themes=[(art(5), "legislative")],
        participants=[("4", None, "Ministry of Justice")],
        instruments=[],
        reason="Recipient corrected",
    )


def test_a_change_of_recipients_and_themes_by_hand_is_in_the_history(secretariat) -> None:  # type: ignore[no-untyped-def]
    made = record(
        secretariat,
        provider=Organization.objects.get(code="unodc"),
        states=("EGY",),
        themes=[(art(18), "training")],
    )
    moved(secretariat, made)
    latest = history_of(made)[0]
    assert latest.kind == "~" and latest.reason == "Recipient corrected"
    by_field = {change.field: change.summary for change in latest.changes}
    assert by_field["Recipients"] == "added Senegal; removed Egypt"
    legislative, training = AssistanceKind.LEGISLATIVE.label, AssistanceKind.TRAINING.label
    assert by_field["Themes"] == f"added UNTOC 5 · {legislative}; removed UNTOC 18 · {training}"
    assert by_field["Participants"].startswith("added Ministry of Justice (Implementing)")
    # The creation is one version with its parts: nothing shown as changed then.
    assert history_of(made)[-1].kind == "+" and history_of(made)[-1].changes == []

    # The history page, in Arabic: the States named in Arabic.
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = html.unescape(
        client.get(
            reverse("history", args=["activities.activity", made.pk]), HTTP_ACCEPT_LANGUAGE="ar"
        ).content.decode()
    )
    with translation.override("ar"):
        senegal, egypt = str(State.objects.get(iso3="SEN")), str(State.objects.get(iso3="EGY"))
    assert senegal in page and egypt in page and senegal != "Senegal"


def test_versions_an_iati_import_writes_record_no_parts_and_show_no_made_up_change(
    secretariat,
) -> None:  # type: ignore[no-untyped-def]
    # Written in bulk, an import's versions keep no parts (its files record them): a newer file
    # that moves the activity to Senegal shows no change of recipients rather than a false one.
    run_bytes("a.xml", iati_file(activity_xml("XM-PARTS-1", country="EG")), user=secretariat)
    newer = activity_xml("XM-PARTS-1", country="SN", updated="2025-01-01T00:00:00Z")
    run_bytes("b.xml", iati_file(newer), user=secretariat)
    imported = Activity.objects.get(iati_identifier="XM-PARTS-1")
    assert [v.parts for v in imported.history.all()] == [{}, {}]  # type: ignore[attr-defined]
    assert list(imported.recipients.values_list("state__iso3", flat=True)) == ["SEN"]
    latest = history_of(imported)[0]
    assert latest.kind == "~" and "Recipients" not in {c.field for c in latest.changes}
