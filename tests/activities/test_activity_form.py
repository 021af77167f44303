"""The activity form: grouped parts, and searchable pickers (States, currencies, DAC sectors)
fed from the reference data instead of free text and 195-option selects."""

from __future__ import annotations

import pytest

from infobase.activities.models import Activity
from infobase.reference.models import Organization, State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_form_offers_pickers_from_the_codelists(secretariat):  # type: ignore[no-untyped-def]
    html = client_for(secretariat).get("/activities/new/").content.decode()
    for part in ("part-texts", "part-money", "part-where", "part-what", "part-sectors"):
        assert f'id="{part}"' in html
    assert 'list="picker-currencies"' in html and '<datalist id="picker-currencies">' in html
    assert '<option value="EUR" label="EUR — Euro">' in html
    assert 'list="picker-sectors"' in html and '<option value="15130"' in html
    assert 'list="picker-states"' in html and '<option value="EGY" label="Egypt">' in html
    # No State select with one option per State in each recipient row any more.
    assert html.count('<option value="EGY"') == 1


@pytest.mark.parametrize(
    ("lang", "usd", "euro"),
    [
        ("ar", "دولار أمريكي", "يورو"),
        ("fr", "dollar des États-Unis", "euro"),
        ("en", "US Dollar", "Euro"),
    ],
)
def test_currencies_are_named_in_the_readers_language(secretariat, lang, usd, euro):  # type: ignore[no-untyped-def]
    # CLDR's names (the IATI codelist names currencies in English only), as the pledge and
    # project forms name them: one rule, core.i18n.currency_name.
    html = client_for(secretariat).get("/activities/new/", {"lang": lang}).content.decode()
    assert f'<option value="USD" label="USD — {usd}">' in html
    assert f'<option value="EUR" label="EUR — {euro}">' in html


def test_a_state_typed_by_its_code_is_recorded_as_the_recipient(secretariat):  # type: ignore[no-untyped-def]
    unodc = Organization.objects.filter(kind="secretariat").first() or Organization.objects.first()
    response = client_for(secretariat).post(
        "/activities/new/",
        {
            "title_en": "Training of judges",
            "provider": unodc.pk,
            "default_currency": "eur",
            "budget": "1000",
            "recipient_state_0": "sen",
            "sector_code_0": "15130",
            "once": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = Activity.objects.get(title__en="Training of judges")
    assert [r.state for r in activity.recipients.all()] == [State.objects.get(iso3="SEN")]


def test_an_unknown_state_code_is_refused_naming_the_field(secretariat):  # type: ignore[no-untyped-def]
    unodc = Organization.objects.first()
    response = client_for(secretariat).post(
        "/activities/new/",
        {"title_en": "X", "provider": unodc.pk, "recipient_state_0": "ZZZ", "once": ""},
    )
    assert response.status_code == 200
    assert 'href="#id_recipient_state_0"' in response.content.decode()


def test_editing_shows_the_recipient_by_its_code(secretariat):  # type: ignore[no-untyped-def]
    unodc = Organization.objects.first()
    client = client_for(secretariat)
    client.post(
        "/activities/new/",
        {"title_en": "Edit me", "provider": unodc.pk, "recipient_state_0": "EGY", "once": ""},
    )
    activity = Activity.objects.get(title__en="Edit me")
    html = client.get(f"/activities/{activity.pk}/edit/").content.decode()
    assert 'name="recipient_state_0" value="EGY"' in html
