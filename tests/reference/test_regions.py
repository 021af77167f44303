"""Regions named as their reader knows them: UN M49 regions in the six languages (UNSD), the
OECD DAC regions of the IATI codelist in English or French."""

from __future__ import annotations

import csv

import pytest
from django.test import Client
from django.utils import translation

from infobase.activities import selectors
from infobase.activities.models import Activity, Recipient
from infobase.reference.models import CodelistItem
from infobase.reference.regions import M49_FILE, m49_names, region_names
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_shipped_m49_regions_hold_six_names_each_as_unsd_gives_them(shared) -> None:  # type: ignore[no-untyped-def]
    names = m49_names()
    assert len(names) == 30 and all(len(n) == 6 and all(n.values()) for n in names.values())
    # Read again from the UNSD pages, independently of the file shipped.
    for lang, suffix in (("ar", "ar"), ("zh", "cn"), ("ru", "ru")):
        path = shared / "reference" / "m49" / f"unsd_m49_overview_{suffix}.csv"
        with path.open(encoding="utf-8-sig") as source:
            rows = list(csv.DictReader(source))
        western_africa = {r["Sub-region Name"] for r in rows if r["Sub-region Code"] == "202"}
        assert western_africa == {names["202"][lang]}
    assert M49_FILE.name in (M49_FILE.parent / "SOURCES.md").read_text()


def test_m49_and_dac_codes_never_meet() -> None:
    # A region's code alone says its vocabulary (the matrix keys regions by code).
    dac = set(CodelistItem.objects.filter(codelist__name="Region").values_list("code", flat=True))
    assert len(dac) > 10
    assert not {code.lstrip("0") for code in m49_names()} & dac


def test_a_region_is_named_in_the_readers_language() -> None:
    dac_english, dac_french = CodelistItem.objects.filter(
        codelist__name="Region", code="998"
    ).values_list("name_en", "name_fr")[0]
    assert region_names({"11", "998"}, lang="ar") == {"11": "غرب أفريقيا", "998": dac_english}
    assert region_names({"11", "998"}, lang="fr") == {
        "11": "Afrique occidentale",
        "998": dac_french,
    }
    assert region_names({"1", "001"}, lang="zh-hans") == {"1": "世界", "001": "世界"}
    assert region_names({"no-such"}, lang="en") == {}


def test_who_does_what_where_and_the_activity_pages_name_the_region_in_arabic(secretariat) -> None:  # type: ignore[no-untyped-def]
    activity = Activity.objects.create(
        iati_identifier="XM-TEST-REGION", source="manual", title={"en": "Regional training"}
    )
    Recipient.objects.create(activity=activity, region_code="11", region_vocabulary="2")
    with translation.override("ar"):
        matrix = selectors.who_what_where(filters=selectors.ActivityFilters())
    assert [row.state for row in matrix.rows if row.state_key == "region:11"] == [
        "المنطقة: غرب أفريقيا"
    ]
    client: Client = client_for(secretariat)
    for address in (f"/activities/{activity.pk}/", "/activities/"):
        page = client.get(address, {"lang": "ar"}).content.decode()
        assert "غرب أفريقيا" in page, address
