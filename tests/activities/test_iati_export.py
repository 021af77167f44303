"""IATI 2.03 export of the secretariat's activities, validated against the official schema."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings
from lxml import etree

from infobase.activities import iati_export as export_module
from infobase.activities.iati_export import (
    XML_LANG,
    iati_export,
    validate_iati,
)
from infobase.activities.iati_schema import SCHEMA_DIR
from infobase.activities.models import (
    Activity,
    Document,
    Participant,
    Recipient,
    Sector,
    Transaction,
)
from infobase.activities.views_export import iati_export_download
from infobase.reference.models import Organization, State

pytestmark = pytest.mark.django_db

GENERATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

TITLES = {
    "en": "Strengthening mutual legal assistance",
    "fr": "Renforcer l'entraide judiciaire",
    "ar": "تعزيز المساعدة القانونية المتبادلة",
}


def make_activity(identifier: str, **fields: object) -> Activity:
    values: dict[str, object] = {
        "source": "manual",
        "provider_kind": "secretariat",
        "provider": Organization.objects.get(code="unodc"),
        "title": dict(TITLES),
        "description": {"en": "Training of central authorities", "fr": "Formation des autorités"},
        "default_language": "en",
        "status": "2",
        "planned_start": date(2024, 1, 1),
        "actual_start": date(2024, 2, 1),
        "planned_end": date(2025, 12, 31),
        "default_currency": "USD",
        "budget": Decimal("250000.00"),
    }
    values.update(fields)
    return Activity.objects.create(iati_identifier=identifier, **values)


@pytest.fixture
def full_activity(egypt: State, senegal: State) -> Activity:
    activity = make_activity("XM-DAC-41128-MLA-001")
    Participant.objects.create(
        activity=activity,
        role="1",
        ref="XM-DAC-7",
        name="Netherlands Ministry of Foreign Affairs",
        org_type="10",
    )
    Participant.objects.create(
        activity=activity, role="4", organization=Organization.objects.get(code="unodc")
    )
    Recipient.objects.create(activity=activity, state=egypt, percentage=Decimal("60"))
    Recipient.objects.create(activity=activity, state=senegal, percentage=Decimal("40"))
    Sector.objects.create(activity=activity, code="15130", percentage=Decimal("70"))
    Sector.objects.create(activity=activity, code="15210", percentage=Decimal("30"))
    Transaction.objects.create(
        activity=activity, kind="2", date=date(2024, 2, 1), value=Decimal("200000")
    )
    Transaction.objects.create(
        activity=activity,
        kind="3",
        date=date(2024, 6, 30),
        value=Decimal("45000.50"),
        currency="EUR",
        value_date=date(2024, 6, 28),
        receiver_ref="EG-GOV-1",
    )
    Transaction.objects.create(
        activity=activity, kind="4", date=date(2024, 9, 30), value=Decimal("12500.25")
    )
    Document.objects.create(
        activity=activity,
        url="https://www.unodc.org/documents/mla-report.pdf",
        title={"en": "Progress report", "fr": "Rapport d'étape", "ar": "تقرير مرحلي"},
        category="A07",
        format="application/pdf",
    )
    return activity


@pytest.fixture
def bare_activity() -> Activity:
    """No recipient, sector, participant, budget, transaction or document."""
    return make_activity(
        "XM-DAC-41128-GLOBAL-002",
        title={"fr": "Outil mondial d'évaluation"},
        description={},
        default_language="fr",
        budget=None,
        status="",
    )


def parse(content: bytes) -> etree._Element:
    return etree.fromstring(content)


def by_identifier(root: etree._Element, identifier: str) -> etree._Element:
    for activity in root.iterfind("iati-activity"):
        if activity.findtext("iati-identifier") == identifier:
            return activity
    raise AssertionError(f"{identifier} not in the export")


def narratives(element: etree._Element, default: str) -> dict[str, str]:
    return {n.get(XML_LANG, default): n.text or "" for n in element.iterfind("narrative")}


# -- validation against the official schema ---------------------------------------------------


def test_export_validates_against_the_official_schema_in_shared(
    shared: Path, full_activity: Activity, bare_activity: Activity
) -> None:
    content = iati_export(generated=GENERATED)

    assert validate_iati(content, schema_dir=shared / "iati" / "schemas") == []
    # And directly with lxml, nothing of ours in between.
    schema = etree.XMLSchema(
        etree.parse(str(shared / "iati" / "schemas" / "iati-activities-schema.xsd"))
    )
    assert schema.validate(etree.parse(io.BytesIO(content))), schema.error_log


def test_export_validates_against_the_shipped_schema_copy(
    full_activity: Activity, bare_activity: Activity
) -> None:
    assert (SCHEMA_DIR / "iati-activities-schema.xsd").is_file()
    assert (SCHEMA_DIR / "SOURCES.md").is_file()

    assert validate_iati(iati_export(generated=GENERATED)) == []


def test_shipped_schema_copy_is_identical_to_shared(shared: Path) -> None:
    for name in ("iati-activities-schema.xsd", "iati-common.xsd", "xml.xsd"):
        assert (SCHEMA_DIR / name).read_bytes() == (shared / "iati" / "schemas" / name).read_bytes()


def test_activity_without_recipient_or_sector_still_validates(bare_activity: Activity) -> None:
    content = iati_export(generated=GENERATED)

    assert validate_iati(content) == []
    activity = by_identifier(parse(content), bare_activity.iati_identifier)
    assert activity.find("recipient-country") is None
    assert activity.find("sector") is None
    # Status derived from the dates (started, not ended) and the title standing in as description.
    assert activity.find("activity-status").get("code") == "2"
    assert narratives(activity.find("description"), "fr") == {"fr": "Outil mondial d'évaluation"}
    # The provider (the secretariat) stands in as implementing participant.
    assert activity.find("participating-org").attrib == {
        "role": "4",
        "ref": "XM-DAC-41128",
        "type": "40",
    }


# -- content ------------------------------------------------------------------------------------


def test_every_language_held_has_a_narrative_and_the_default_has_no_xml_lang(
    full_activity: Activity,
) -> None:
    root = parse(iati_export(generated=GENERATED))
    activity = by_identifier(root, full_activity.iati_identifier)

    assert activity.get(XML_LANG) == "en"
    title = activity.find("title").findall("narrative")
    assert [n.get(XML_LANG) for n in title] == [None, "ar", "fr"]
    assert narratives(activity.find("title"), "en") == TITLES
    assert set(narratives(activity.find("description"), "en")) == {"en", "fr"}
    # The reporting organisation's names in all six languages loaded for UNODC.
    reporting = narratives(activity.find("reporting-org"), "en")
    assert reporting["en"] == "United Nations Office on Drugs and Crime"
    assert {"ar", "fr", "es", "ru", "zh"} <= set(reporting)
    document = activity.find("document-link")
    assert set(narratives(document.find("title"), "en")) == {"en", "fr", "ar"}
    assert [lang.get("code") for lang in document.iterfind("language")] == ["en", "ar", "fr"]


def test_a_description_holding_characters_xml_cannot_hold_is_exported_valid(
    bare_activity: Activity,
) -> None:
    bare_activity.description = {"fr": "ligne\x0bligne\x07\x1b\ufffe fin"}
    bare_activity.save()

    content = iati_export(generated=GENERATED)

    assert validate_iati(content) == []
    activity = by_identifier(parse(content), bare_activity.iati_identifier)
    assert narratives(activity.find("description"), "fr") == {"fr": "ligne\nligne fin"}


def test_identifiers_and_addresses_holding_characters_xml_cannot_hold_are_exported_valid(
    full_activity: Activity,
) -> None:
    # Attribute values, typed in a form or pasted from a spreadsheet: lxml refused them whole,
    # and one such record stopped the file for every activity.
    full_activity.participants.filter(ref="XM-DAC-7").update(ref="XM-DAC\x07-7")
    full_activity.transactions.filter(receiver_ref="EG-GOV-1").update(receiver_ref="EG-GOV\x1b-1")
    full_activity.documents.update(url="https://www.unodc.org/documents/mla\x0breport.pdf")

    content = iati_export(generated=GENERATED)

    assert validate_iati(content) == []
    activity = by_identifier(parse(content), full_activity.iati_identifier)
    refs = [org.get("ref") for org in activity.iterfind("participating-org")]
    assert "XM-DAC-7" in refs
    assert activity.findall("transaction")[1].find("receiver-org").get("ref") == "EG-GOV-1"
    # An identifier or address is one line: a break pasted into it becomes a space.
    assert activity.find("document-link").get("url") == (
        "https://www.unodc.org/documents/mla report.pdf"
    )


def test_file_header_and_activity_attributes(full_activity: Activity) -> None:
    root = parse(iati_export(generated=GENERATED))
    activity = by_identifier(root, full_activity.iati_identifier)

    assert root.tag == "iati-activities"
    assert root.get("version") == "2.03"
    assert root.get("generated-datetime") == "2025-03-01T12:00:00+00:00"
    assert activity.get("default-currency") == "USD"
    # Last changed here (history), not the generation time.
    assert activity.get("last-updated-datetime") != "2025-03-01T12:00:00+00:00"
    assert [d.get("type") for d in activity.iterfind("activity-date")] == ["1", "2", "3"]
    assert activity.find("activity-date").get("iso-date") == "2024-01-01"
    budget = activity.find("budget")
    assert budget.find("period-start").get("iso-date") == "2024-02-01"
    assert budget.find("period-end").get("iso-date") == "2025-12-31"
    assert budget.find("value").text == "250000"
    assert budget.find("value").get("value-date") == "2024-02-01"
    euro = activity.findall("transaction")[1]
    assert euro.find("value").get("currency") == "EUR"
    assert euro.find("value").get("value-date") == "2024-06-28"
    assert euro.find("receiver-org").get("ref") == "EG-GOV-1"


def test_reporting_org_falls_back_to_the_setting_when_unodc_has_no_iati_ref(
    full_activity: Activity,
) -> None:
    assert Organization.objects.get(code="unodc").iati_ref == ""
    root = parse(iati_export(generated=GENERATED))
    assert by_identifier(root, full_activity.iati_identifier).find("reporting-org").attrib == {
        "ref": "XM-DAC-41128",
        "type": "40",
    }
    with override_settings(INFOBASE_IATI_REPORTING_ORG="XM-EXAMPLE-1"):
        root = parse(iati_export(generated=GENERATED))
    assert (
        by_identifier(root, full_activity.iati_identifier).find("reporting-org").get("ref")
        == "XM-EXAMPLE-1"
    )


def test_round_trip_gives_back_identifiers_titles_countries_sectors_and_totals(
    full_activity: Activity, bare_activity: Activity
) -> None:
    root = parse(iati_export(generated=GENERATED))

    parsed: dict[str, dict[str, object]] = {}
    for activity in root.iterfind("iati-activity"):
        default = activity.get(XML_LANG)
        totals: dict[str, Decimal] = {}
        for tx in activity.iterfind("transaction"):
            kind = tx.find("transaction-type").get("code")
            totals[kind] = totals.get(kind, Decimal(0)) + Decimal(tx.findtext("value"))
        parsed[activity.findtext("iati-identifier")] = {
            "titles": narratives(activity.find("title"), default),
            "countries": {
                c.get("code"): Decimal(c.get("percentage"))
                for c in activity.iterfind("recipient-country")
            },
            "sectors": {
                (s.get("vocabulary"), s.get("code")): Decimal(s.get("percentage"))
                for s in activity.iterfind("sector")
            },
            "totals": totals,
        }

    assert set(parsed) == {full_activity.iati_identifier, bare_activity.iati_identifier}
    for activity in (full_activity, bare_activity):
        expected_totals: dict[str, Decimal] = {}
        for tx in activity.transactions.all():
            expected_totals[tx.kind] = expected_totals.get(tx.kind, Decimal(0)) + tx.value
        assert parsed[activity.iati_identifier] == {
            "titles": activity.title,
            "countries": {r.state.iso2: r.percentage for r in activity.recipients.all()},
            "sectors": {(s.vocabulary, s.code): s.percentage for s in activity.sectors.all()},
            "totals": expected_totals,
        }
    assert parsed[full_activity.iati_identifier]["countries"] == {
        "EG": Decimal(60),
        "SN": Decimal(40),
    }
    assert parsed[full_activity.iati_identifier]["totals"] == {
        "2": Decimal("200000"),
        "3": Decimal("45000.50"),
        "4": Decimal("12500.25"),
    }


def test_default_export_leaves_out_other_publishers_and_all_marks_them_secondary(
    full_activity: Activity,
) -> None:
    imported = make_activity(
        "XM-DAC-7-IMPORTED", source="iati", provider_kind="state", provider=None
    )

    default = parse(iati_export(generated=GENERATED))
    assert [a.findtext("iati-identifier") for a in default] == [full_activity.iati_identifier]

    content = iati_export(activities=Activity.objects.all(), generated=GENERATED)
    everything = parse(content)
    assert validate_iati(content) == []
    assert (
        by_identifier(everything, imported.iati_identifier)
        .find("reporting-org")
        .get("secondary-reporter")
        == "1"
    )
    assert (
        by_identifier(everything, full_activity.iati_identifier)
        .find("reporting-org")
        .get("secondary-reporter")
        is None
    )


def test_project_hook_adds_its_activities_to_the_default_export(
    monkeypatch: pytest.MonkeyPatch, full_activity: Activity
) -> None:
    def projects(**kwargs: object):  # type: ignore[no-untyped-def]
        element = export_module.activity_element(
            make_activity("XM-DAC-41128-PROJECT-9", source="iati", provider_kind="state"),
            reporting=kwargs["reporting"],  # type: ignore[arg-type]
            generated=GENERATED,
        )
        yield element

    monkeypatch.setattr(export_module, "project_activities", projects)
    root = parse(iati_export(generated=GENERATED))
    assert [a.findtext("iati-identifier") for a in root] == [
        full_activity.iati_identifier,
        "XM-DAC-41128-PROJECT-9",
    ]


# -- validation catches what the schema lets through -------------------------------------------


def test_invalid_currency_passes_the_schema_but_not_the_validation(
    full_activity: Activity,
) -> None:
    Activity.objects.filter(pk=full_activity.pk).update(default_currency="EUX")
    content = iati_export(generated=GENERATED)

    assert validate_iati(content, codelists=False) == []  # the schema has currency as a string
    problems = validate_iati(content)
    assert len(problems) == 1
    assert "EUX" in problems[0] and "Currency" in problems[0]
    assert full_activity.iati_identifier in problems[0]


def test_schema_errors_name_the_line_and_the_activity(full_activity: Activity) -> None:
    Transaction.objects.create(activity=full_activity, kind="3", date=None, value=Decimal("1"))
    problems = validate_iati(iati_export(generated=GENERATED))

    assert problems
    assert all(full_activity.iati_identifier in p and p.startswith("line ") for p in problems)
    assert any("iso-date" in p for p in problems)


def test_percentages_that_do_not_sum_to_100_are_reported(full_activity: Activity) -> None:
    full_activity.sectors.filter(code="15210").update(percentage=Decimal("20"))
    full_activity.recipients.filter(state__iso2="SN").update(percentage=None)
    problems = validate_iati(iati_export(generated=GENERATED))

    assert any("sum to 90, not 100" in p for p in problems)
    assert any("for all of them or none" in p for p in problems)


def test_not_well_formed_and_hostile_xml_are_reported_not_expanded() -> None:
    assert validate_iati(b"<iati-activities")[0].startswith("Not well-formed XML")
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<iati-activities version="2.03"><iati-activity>&e;</iati-activity></iati-activities>'
    )
    problems = validate_iati(hostile)
    assert problems and not any("root:" in p for p in problems)


# -- command and download -----------------------------------------------------------------------


def test_command_writes_a_valid_file(tmp_path: Path, full_activity: Activity) -> None:
    out = tmp_path / "unodc.xml"
    stdout = io.StringIO()
    call_command("iati-export", "--out", str(out), stdout=stdout)

    assert validate_iati(out.read_bytes()) == []
    assert "1 activities" in stdout.getvalue()


def test_command_fails_and_writes_nothing_when_no_activity_validates(
    tmp_path: Path, full_activity: Activity
) -> None:
    Transaction.objects.filter(activity=full_activity, kind="3").update(currency="EUX")
    out = tmp_path / "unodc.xml"
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="No activity could be exported"):
        call_command("iati-export", "--out", str(out), stderr=stderr)
    assert not out.exists()
    assert "EUX" in stderr.getvalue()
    assert full_activity.iati_identifier in stderr.getvalue()


def test_command_exits_non_zero_on_an_invalid_export(
    tmp_path: Path, full_activity: Activity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As run from the shell: CommandError becomes exit status 1. (Keep the test's database
    # connection open: run_from_argv closes all connections when it ends.)
    from django.core.management import ManagementUtility, base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    Activity.objects.filter(pk=full_activity.pk).update(default_currency="XYZ")
    out = tmp_path / "unodc.xml"
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["infobase", "iati-export", "--out", str(out)]).execute()
    assert exit_info.value.code != 0
    assert not out.exists()


def test_download_is_for_the_secretariat_only(
    secretariat,
    donor,
    focal_egypt,
    full_activity: Activity,  # type: ignore[no-untyped-def]
) -> None:
    factory = RequestFactory()
    request = factory.get("/activities/export.xml")
    request.user = secretariat
    response = iati_export_download(request)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert "attachment" in response["Content-Disposition"]
    assert validate_iati(response.content) == []

    for user in (donor, focal_egypt):
        request = factory.get("/activities/export.xml")
        request.user = user
        with pytest.raises(PermissionDenied):
            iati_export_download(request)


def test_download_with_no_valid_activity_is_a_page_listing_the_problems(
    secretariat,
    full_activity: Activity,  # type: ignore[no-untyped-def]
) -> None:
    Activity.objects.filter(pk=full_activity.pk).update(default_currency="EUX")
    request = RequestFactory().get("/activities/export.xml")
    request.user = secretariat
    response = iati_export_download(request)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "EUX" in page and full_activity.iati_identifier in page
    assert "download=1" not in page  # no file to offer
