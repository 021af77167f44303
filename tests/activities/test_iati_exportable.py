"""What Infobase holds can be exported to IATI: activities are validated when recorded, imported
values are normalised, and the export writes every valid activity and lists the others."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from infobase.accounts.models import User
from infobase.activities import demo_data
from infobase.activities.iati_export import iati_export_valid
from infobase.activities.iati_import import iati_import
from infobase.activities.models import Activity, ActivitySource, Recipient, Sector
from infobase.activities.services import activity_save
from infobase.core.errors import InvalidInput
from infobase.reference.models import Organization, State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def schema(shared: Path) -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.parse(str(shared / "iati" / "schemas" / "iati-activities-schema.xsd"))
    )


def identifiers(content: bytes) -> list[str]:
    return [
        a.findtext("iati-identifier") for a in etree.fromstring(content).iterfind("iati-activity")
    ]


def secretariat_activity(
    identifier: str, title: str, *states: tuple[str, Decimal | None]
) -> Activity:
    """An activity as the old demo generator made it: written directly, no validation."""
    activity = Activity.objects.create(
        iati_identifier=identifier,
        source=ActivitySource.MANUAL,
        provider_kind="secretariat",
        provider=Organization.objects.get(code="unodc"),
        title={"en": title},
        default_language="en",
        status="2",
        planned_start=date(2024, 1, 1),
        default_currency="USD",
    )
    for iso3, percentage in states:
        Recipient.objects.create(
            activity=activity, state=State.objects.get(iso3=iso3), percentage=percentage
        )
    Sector.objects.create(activity=activity, code="15130")
    return activity


# -- recording: an unexportable activity cannot be saved --------------------------------------


def save(user: User, recipients: list) -> Activity:  # type: ignore[type-arg]
    return activity_save(
        user=user,
        instance=Activity(),
        data={
            "title": {"en": "Regional network"},
            "provider": Organization.objects.get(code="unodc"),
        },
        recipients=recipients,
        sectors=[("15130", None)],
        themes=[],
        participants=[],
        instruments=[],
    )


def test_several_recipients_without_percentages_are_refused_naming_the_field(
    secretariat: User,
) -> None:
    mexico, guatemala = State.objects.get(iso3="MEX"), State.objects.get(iso3="GTM")

    with pytest.raises(InvalidInput) as refused:
        save(secretariat, [mexico, guatemala])
    assert [p.column for p in refused.value.problems] == ["recipients"]
    with pytest.raises(InvalidInput) as wrong_sum:
        save(secretariat, [(mexico, Decimal("60")), (guatemala, Decimal("30"))])
    assert "90" in str(wrong_sum.value)

    saved = save(secretariat, [(mexico, Decimal("60")), (guatemala, Decimal("40"))])
    assert {r.state.iso3: r.percentage for r in saved.recipients.all()} == {
        "MEX": Decimal("60"),
        "GTM": Decimal("40"),
    }


def test_several_sectors_without_percentages_and_withdrawn_sectors_are_refused(
    secretariat: User,
) -> None:
    for sectors in ([("15130", None), ("15210", None)], [("15162", None)]):
        with pytest.raises(InvalidInput) as refused:
            activity_save(
                user=secretariat,
                instance=Activity(),
                data={"title": {"en": "x"}, "provider": Organization.objects.get(code="unodc")},
                recipients=[],
                sectors=sectors,
                themes=[],
                participants=[],
                instruments=[],
            )
        assert [p.column for p in refused.value.problems] == ["sectors"]


def test_form_with_two_recipients_without_percentages_says_so_and_saves_nothing(
    secretariat: User,
) -> None:
    client = client_for(secretariat)
    form = {
        "title_en": "West African network of central authorities",
        "provider": Organization.objects.get(code="unodc").pk,
        "recipient_state_0": State.objects.get(iso3="SEN").pk,
        "recipient_state_1": State.objects.get(iso3="NGA").pk,
        "sector_code_0": "15130",
    }
    response = client.post("/activities/new/", form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "several recipient States" in page
    assert not Activity.objects.filter(title__en=form["title_en"]).exists()

    form |= {"recipient_percentage_0": "55", "recipient_percentage_1": "45"}
    assert client.post("/activities/new/", form).status_code == 302
    saved = Activity.objects.get(title__en=form["title_en"])
    assert sorted(r.percentage for r in saved.recipients.all()) == [Decimal("45"), Decimal("55")]
    # And the edit form shows them again.
    edit = client.get(f"/activities/{saved.pk}/edit/").content.decode()
    assert 'name="recipient_percentage_0"' in edit and 'value="45' in edit


def test_demo_activities_with_several_recipients_give_percentages_adding_up_to_100() -> None:
    several = [spec for spec in demo_data.ACTIVITIES if len(spec["states"]) > 1]
    assert several
    for spec in several:
        shares = dict(spec["states"])
        assert all(share is not None for share in shares.values()), spec["en"]
        assert sum(shares.values()) == 100, spec["en"]


# -- the export writes the valid ones and lists the others ------------------------------------


def test_web_export_is_a_page_listing_left_outs_with_a_valid_file(
    shared: Path, secretariat: User
) -> None:
    good = secretariat_activity("XM-INFOBASE-901", "Training of judges", ("EGY", None))
    bad = secretariat_activity(
        "XM-INFOBASE-902", "West African network", ("SEN", None), ("NGA", None)
    )
    client = client_for(secretariat)

    response = client.get(reverse("iati_export_download"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert bad.iati_identifier in page and "West African network" in page
    assert "without percentages" in page
    assert reverse("activity_edit", args=[bad.pk]) in page
    assert good.iati_identifier not in page
    link = re.search(r'href="([^"]*download=1[^"]*)"', page)
    assert link is not None
    download = client.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert identifiers(download.content) == [good.iati_identifier]
    document = etree.parse(io.BytesIO(download.content))
    validator = schema(shared)
    assert validator.validate(document), validator.error_log


def test_web_export_page_is_in_the_users_language(secretariat: User) -> None:
    secretariat_activity("XM-INFOBASE-903", "Réseau", ("SEN", None), ("NGA", None))
    client = client_for(secretariat)
    page = client.get(reverse("iati_export_download"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in page
    assert "sans pourcentages" in page


def test_command_writes_the_valid_ones_and_lists_the_left_outs(
    shared: Path, tmp_path: Path
) -> None:
    good = secretariat_activity("XM-INFOBASE-911", "Training", ("EGY", Decimal("100")))
    bad = secretariat_activity("XM-INFOBASE-912", "Network", ("SEN", None), ("NGA", None))
    out = tmp_path / "f.xml"
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("iati-export", "--out", str(out), stdout=stdout, stderr=stderr)

    assert identifiers(out.read_bytes()) == [good.iati_identifier]
    assert schema(shared).validate(etree.parse(str(out)))
    assert bad.iati_identifier in stderr.getvalue()
    assert "without percentages" in stderr.getvalue()
    assert reverse("activity_edit", args=[bad.pk]) in stderr.getvalue()
    assert "1 left out" in stdout.getvalue()


# -- import normalisation ----------------------------------------------------------------------


def test_iso_639_2_language_codes_are_stored_as_iso_639_1_with_the_original_kept(
    shared: Path, tmp_path: Path
) -> None:
    # A real file whose language codes are written as ISO 639-2, in either case ("eng", "NLD").
    data = (shared / "iati" / "activities" / "nl-mfa-2018-iaticloud-sample.xml").read_bytes()
    data = data.replace(b'xml:lang="en"', b'xml:lang="eng"')
    data = data.replace(b'xml:lang="nl"', b'xml:lang="NLD"')
    path = tmp_path / "nl-iso639-2.xml"
    path.write_bytes(data)

    iati_import(paths=[path], relevance=None)

    first = etree.parse(str(path)).getroot().find("iati-activity")
    assert first.get(XML_LANG) == "NLD"
    assert first.find("reporting-org/narrative").get(XML_LANG) == "eng"
    activity = Activity.objects.get(iati_identifier=first.findtext("iati-identifier"))
    assert activity.default_language == "nl"
    assert set(activity.title) <= {"nl", "en"} and activity.title
    originals = {(c["element"], c["original"], c["stored"]) for c in activity.original_codes}
    assert {("xml:lang", "NLD", "nl"), ("xml:lang", "eng", "en")} <= originals
    # Exported again with ISO 639-1 codes only.
    out = tmp_path / "out.xml"
    call_command(
        "iati-export", "--all", "--out", str(out), stdout=io.StringIO(), stderr=io.StringIO()
    )
    exported = etree.parse(str(out)).getroot()
    assert activity.iati_identifier in identifiers(out.read_bytes())
    languages = {e.get(XML_LANG) for e in exported.iter() if e.get(XML_LANG)}
    assert {"en", "nl"} <= languages
    assert all(re.fullmatch("[a-z]{2}", code) for code in languages), languages
    assert schema(shared).validate(exported)


def test_withdrawn_sector_is_replaced_or_flagged_and_the_export_says_why(
    shared: Path, tmp_path: Path
) -> None:
    # A real file in which two activities' one sector is changed to withdrawn codes: 15162 (its
    # successor is 15160) and 74010 (split, no single successor).
    source = (shared / "iati" / "activities" / "nl-mfa-2018-iaticloud-sample.xml").read_bytes()
    root = etree.fromstring(source)
    changed = []
    for activity, code in zip(root.findall("iati-activity")[1:3], ("15162", "74010"), strict=True):
        (sector,) = activity.findall("sector")
        sector.set("code", code)
        changed.append(activity.findtext("iati-identifier"))
    path = tmp_path / "nl-withdrawn.xml"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    ids = tuple(changed)

    iati_import(paths=[path], relevance=None)

    first = Activity.objects.get(iati_identifier=ids[0])
    assert list(first.sectors.values_list("code", flat=True)) == ["15160"]
    assert {"element": "sector", "original": "15162", "stored": "15160"} in first.original_codes
    second = Activity.objects.get(iati_identifier=ids[1])
    assert list(second.sectors.values_list("code", flat=True)) == ["74010"]

    out = tmp_path / "all.xml"
    stderr = io.StringIO()
    call_command("iati-export", "--all", "--out", str(out), stdout=io.StringIO(), stderr=stderr)
    exported = identifiers(out.read_bytes())
    assert ids[1] not in exported
    assert re.search(re.escape(ids[1]) + r".*\n\s+- .*74010.*withdrawn", stderr.getvalue())
    assert schema(shared).validate(etree.parse(str(out)))


def test_all_export_of_imported_real_files_validates_and_lists_every_left_out(
    shared: Path, tmp_path: Path
) -> None:
    files = [
        shared / "iati" / "activities" / "spain-maec-indonesia-2015.xml",
        shared / "iati" / "activities" / "dportal-2021-ec-fpi-page78.xml",
    ]
    iati_import(paths=files, relevance=None)
    held = Activity.objects.count()
    assert held > 100
    out = tmp_path / "all.xml"
    stderr = io.StringIO()

    call_command("iati-export", "--all", "--out", str(out), stdout=io.StringIO(), stderr=stderr)

    validator = schema(shared)
    assert validator.validate(etree.parse(str(out))), validator.error_log
    exported = set(identifiers(out.read_bytes()))
    listed = set(re.findall(r"^left out: (\S+)", stderr.getvalue(), flags=re.M))
    assert exported.isdisjoint(listed)
    assert exported | listed == set(Activity.objects.values_list("iati_identifier", flat=True))
    # Upper-case D-Portal language codes were normalised, so those activities are exported.
    assert any(i.startswith("XI-IATI-EC_FPI") for i in exported)
    assert not any(
        c.isupper() for c in re.findall(rb'xml:lang="([^"]+)"', out.read_bytes())[0].decode()
    )


def test_a_sector_repeated_at_activity_level_adds_its_percentages(secretariat: User) -> None:
    # As in the D-Portal COVID file (CH-4-2020001285): 72040 30 %, 72050 20 % and 72050 50 %.
    activity = """
 <iati-activity last-updated-datetime="2024-01-01T00:00:00Z" xml:lang="EN" default-currency="CHF">
  <iati-identifier>CH-4-TEST-1</iati-identifier>
  <reporting-org ref="CH-4" type="10"><narrative>SDC</narrative></reporting-org>
  <title><narrative>Emergency response</narrative></title>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2023-01-01"/>
  <recipient-country code="EG" percentage="100"/>
  <sector vocabulary="1" code="72040" percentage="30"/>
  <sector vocabulary="1" code="72050" percentage="20"/>
  <sector vocabulary="1" code="72050" percentage="50"/>
 </iati-activity>"""
    data = f'<iati-activities version="2.03">{activity}</iati-activities>'.encode()

    iati_import(files=[("ch.xml", io.BytesIO(data))], relevance=None)

    held = Activity.objects.get(iati_identifier="CH-4-TEST-1")
    assert {s.code: s.percentage for s in held.sectors.all()} == {
        "72040": Decimal("30"),
        "72050": Decimal("70"),
    }
    assert held.default_language == "en"
    assert {"element": "xml:lang", "original": "EN", "stored": "en"} in held.original_codes
    page = client_for(secretariat).get(reverse("activity_detail", args=[held.pk])).content.decode()
    assert "<code>EN</code> → <code>en</code>" in page


def test_recipient_regions_of_every_vocabulary_are_kept_and_exported(
    shared: Path, tmp_path: Path
) -> None:
    path = shared / "iati" / "activities" / "dportal-2021-iom-page119.xml"
    published = {
        (a.findtext("iati-identifier"), r.get("vocabulary"), r.get("code"))
        for a in etree.parse(str(path)).getroot().iterfind("iati-activity")
        for r in a.iterfind("recipient-region")
    }
    assert "2" in {v for _i, v, _c in published}  # UN M49 regions

    iati_import(paths=[path], relevance=None)

    held = set(
        Recipient.objects.filter(state__isnull=True).values_list(
            "activity__iati_identifier", "region_vocabulary", "region_code"
        )
    )
    assert held == published
    out = tmp_path / "iom.xml"
    call_command(
        "iati-export", "--all", "--out", str(out), stdout=io.StringIO(), stderr=io.StringIO()
    )
    exported = {
        (a.findtext("iati-identifier"), r.get("vocabulary"), r.get("code"))
        for a in etree.parse(str(out)).getroot().iterfind("iati-activity")
        for r in a.iterfind("recipient-region")
    }
    assert "2" in {v for _i, v, _c in exported}
    assert exported <= published


def test_region_percentages_add_up_to_100_per_vocabulary(shared: Path) -> None:
    # As UNDP publishes (XM-DAC-41114-PROJECT-00126834): Europe in OECD DAC terms and again in
    # its own vocabulary, 100 % each.
    activity = secretariat_activity("XM-INFOBASE-921", "Regional", ("EGY", None))
    activity.recipients.all().delete()
    for vocabulary in ("1", "99"):
        Recipient.objects.create(
            activity=activity, region_code="89", region_vocabulary=vocabulary, percentage=100
        )
    result = iati_export_valid()

    assert result.left_out == () and result.exported == 1
    regions = etree.fromstring(result.content).findall("iati-activity/recipient-region")
    assert sorted((r.get("vocabulary"), r.get("percentage")) for r in regions) == [
        ("1", "100"),
        ("99", "100"),
    ]
    assert schema(shared).validate(etree.fromstring(result.content).getroottree())

    Recipient.objects.filter(activity=activity, region_vocabulary="99").update(percentage=60)
    (left,) = iati_export_valid().left_out
    assert left.identifier == activity.iati_identifier
    assert any("sum to 60, not 100" in reason for reason in left.reasons)
