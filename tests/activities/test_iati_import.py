"""IATI activity import: real files, re-import, missing activities, hostile XML, relevance."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from infobase.activities.iati_import import RelevanceFilter, iati_import, validate_schema
from infobase.activities.models import Activity, ImportRun, Recipient, Sector, Theme, Transaction
from infobase.reference.models import Organization
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def activity_xml(
    identifier: str,
    *,
    updated: str = "2024-01-01T00:00:00Z",
    ref: str = "XX-TEST-1",
    title: str = "Support to the judiciary",
    lang: str = "en",
    sector: str | None = "15130",
    country: str | None = "EG",
    body: str = "",
) -> str:
    sector_xml = f'<sector vocabulary="1" code="{sector}" percentage="100"/>' if sector else ""
    country_xml = f'<recipient-country code="{country}" percentage="100"/>' if country else ""
    return f"""
 <iati-activity last-updated-datetime="{updated}" xml:lang="{lang}" default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{ref}" type="21"><narrative>Test publisher</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <description type="1"><narrative>Plain description.</narrative></description>
  <participating-org role="1" ref="{ref}" type="21">
   <narrative>Funder</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2023-01-01"/>
  <activity-date type="2" iso-date="2023-02-01"/>
  {country_xml}{sector_xml}
  <budget type="1"><period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
   <value currency="USD" value-date="2023-01-01">1000.50</value></budget>
  {body}
 </iati-activity>"""


def iati_file(*activities: str, version: str = "2.03", generated: str = "") -> bytes:
    gen = f' generated-datetime="{generated}"' if generated else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="{version}"{gen}>'
        + "".join(activities)
        + "\n</iati-activities>\n"
    ).encode()


def run_bytes(name: str, data: bytes, **kwargs) -> ImportRun:  # type: ignore[no-untyped-def]
    return iati_import(files=[(name, io.BytesIO(data))], **kwargs)


def count_activities(path: Path) -> int:
    # Independent of the importer: a plain count of opening tags.
    return len(re.findall(rb"<iati-activity[\s>]", path.read_bytes()))


def total(run: ImportRun) -> int:
    return run.created + run.updated + run.unchanged + run.skipped + run.rejected


# -- real files


def test_every_real_file_imports_and_counts_every_activity(shared: Path) -> None:
    folder = shared / "iati" / "activities"
    files = sorted(folder.glob("*.xml"))
    assert len(files) >= 8
    for path in files:
        run = iati_import(paths=[path])
        expected = count_activities(path)
        info = run.files[0]
        assert info["status"] == "read", info
        assert info["activities"] == expected
        assert total(run) == expected, path.name
    versions = {iati_import(paths=[path]).files[0]["version"] for path in files}
    assert versions >= {"2.01", "2.03"}
    # Identifiers are unique in the register, whatever files they came from.
    assert Activity.objects.count() == Activity.objects.values("iati_identifier").distinct().count()


def test_importing_twice_creates_nothing_new(shared: Path) -> None:
    folder = shared / "iati" / "activities"
    first = iati_import(paths=[folder])
    held = Activity.objects.count()
    transactions = Transaction.objects.count()
    assert first.created == held > 1000
    second = iati_import(paths=[folder])
    assert second.created == 0
    assert second.updated == 0
    assert second.unchanged == held
    assert second.rejected == first.rejected
    assert Activity.objects.count() == held
    assert Transaction.objects.count() == transactions


def test_real_file_values_spain_2_01(shared: Path) -> None:
    path = shared / "iati" / "activities" / "spain-maec-indonesia-2015.xml"
    iati_import(paths=[path])
    activity = Activity.objects.get(iati_identifier="ES-DIR3-E04585801-009-001301")
    assert activity.iati_version == "2.01"
    assert activity.title["es"] == "Personas cooperantes voluntarias en organismos internacionales"
    assert activity.reporting_org_ref == "ES-DIR3-E04585801"
    assert activity.participants.count() == 4
    assert activity.recipients.filter(state__iso3="IDN").exists()


def test_real_relevance_filter_keeps_legal_and_judicial_development(shared: Path) -> None:
    path = shared / "iati" / "activities" / "dportal-2021-ec-fpi-page78.xml"
    run = iati_import(paths=[path], relevance=RelevanceFilter())
    assert run.created > 0 and run.skipped > 0
    kept = Activity.objects.filter(relevance__icontains="15130").first()
    assert kept is not None
    assert "DAC sector 15130 (Legal and judicial development)" in kept.relevance
    # Provider matched through reference.Organization.iati_ref.
    assert kept.provider == Organization.objects.get(code="ec-fpi")
    assert kept.provider_kind == "international"
    skipped = [e for e in run.report if e["outcome"] == "skipped"]
    assert skipped and skipped[0]["reasons"]


def test_us_inl_sectors_given_only_per_transaction_are_understood(shared: Path) -> None:
    path = shared / "iati" / "activities" / "dportal-2021-us-state-inl-page64.xml"
    iati_import(paths=[path])
    assert Sector.objects.filter(from_transactions=True, code="15210").exists()


# -- re-import and missing activities


def test_newer_last_updated_updates_and_replaces_child_rows() -> None:
    run_bytes("pub.xml", iati_file(activity_xml("XX-TEST-1-A1")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-1-A1")
    assert activity.budget == 1000.50
    assert activity.recipients.get().state.iso3 == "EGY"
    newer = activity_xml(
        "XX-TEST-1-A1", updated="2024-06-01T00:00:00Z", title="Renamed", country="SN"
    )
    run = run_bytes("pub.xml", iati_file(newer))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 0)
    activity.refresh_from_db()
    assert activity.title == {"en": "Renamed"}
    assert [r.state.iso3 for r in activity.recipients.all()] == ["SEN"]
    # Same date again: unchanged, nothing written.
    history = activity.history.count()
    older = activity_xml("XX-TEST-1-A1", updated="2023-06-01T00:00:00Z", title="Old")
    run = run_bytes("pub.xml", iati_file(older))
    assert (run.updated, run.unchanged) == (0, 1)
    activity.refresh_from_db()
    assert activity.title == {"en": "Renamed"}
    assert activity.history.count() == history


def test_activity_absent_from_publishers_newer_file_is_marked_then_unmarked() -> None:
    both = iati_file(activity_xml("XX-TEST-1-A"), activity_xml("XX-TEST-1-B"))
    run_bytes("publisher.xml", both)
    only_a = iati_file(activity_xml("XX-TEST-1-A"), generated="2024-07-01T00:00:00Z")
    run = run_bytes("publisher.xml", only_a)
    assert run.marked_missing == 1
    gone = Activity.objects.get(iati_identifier="XX-TEST-1-B")
    assert gone.missing_from_source  # marked, not deleted
    assert not Activity.objects.get(iati_identifier="XX-TEST-1-A").missing_from_source
    # Another file of the same publisher (e.g. one per country) does not mark anything.
    run = run_bytes("publisher-other.xml", iati_file(activity_xml("XX-TEST-1-C")))
    assert run.marked_missing == 0
    assert not Activity.objects.get(iati_identifier="XX-TEST-1-A").missing_from_source
    # It comes back.
    run = run_bytes("publisher.xml", both)
    gone.refresh_from_db()
    assert not gone.missing_from_source
    assert run.updated == 1


def test_multi_publisher_file_marks_per_publisher_present() -> None:
    first = iati_file(
        activity_xml("P1-A", ref="P1"),
        activity_xml("P1-B", ref="P1"),
        activity_xml("P2-A", ref="P2"),
    )
    run_bytes("multi.xml", first)
    # P2 is absent from the new file: its activity is not marked (its data was not read).
    run = run_bytes("multi.xml", iati_file(activity_xml("P1-A", ref="P1")))
    assert run.marked_missing == 1
    assert Activity.objects.get(iati_identifier="P1-B").missing_from_source
    assert not Activity.objects.get(iati_identifier="P2-A").missing_from_source


def test_no_marking_when_an_activity_of_the_publisher_has_no_identifier() -> None:
    run_bytes("pub.xml", iati_file(activity_xml("XX-TEST-1-A"), activity_xml("XX-TEST-1-B")))
    run = run_bytes("pub.xml", iati_file(activity_xml("XX-TEST-1-A"), activity_xml("")))
    assert run.rejected == 1
    assert run.marked_missing == 0
    assert not Activity.objects.filter(missing_from_source=True).exists()


def test_repeated_identifier_in_a_file_never_duplicates() -> None:
    data = iati_file(
        activity_xml("XX-TEST-1-R", title="First"),
        activity_xml("XX-TEST-1-R", updated="2024-05-01T00:00:00Z", title="Second"),
    )
    run = run_bytes("rep.xml", data)
    assert Activity.objects.filter(iati_identifier="XX-TEST-1-R").count() == 1
    # The later copy is kept; the first is reported as a duplicate, not as a second write.
    assert (run.created, run.updated, run.duplicates) == (1, 0, 1)
    assert Activity.objects.get(iati_identifier="XX-TEST-1-R").title == {"en": "Second"}


# -- transactions


def test_countries_and_sectors_only_in_transactions_are_understood() -> None:
    body = """
  <transaction><transaction-type code="3"/><transaction-date iso-date="2023-03-01"/>
   <value currency="USD" value-date="2023-03-01">200</value>
   <provider-org ref="XX-TEST-1"/><receiver-org ref="XM-DAC-41114"/>
   <sector vocabulary="1" code="15130"/><recipient-country code="SN"/></transaction>
  <transaction><transaction-type code="4"/><transaction-date iso-date="2023-04-01"/>
   <value value-date="2023-04-01">50.25</value>
   <sector vocabulary="1" code="15210"/><recipient-country code="EG"/></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2023-01-10"/>
   <value value-date="2023-01-10">999</value></transaction>"""
    data = iati_file(activity_xml("XX-TEST-1-T", sector=None, country=None, body=body))
    run = run_bytes("txn.xml", data, relevance=RelevanceFilter())
    assert run.created == 1  # kept thanks to the transaction sector
    activity = Activity.objects.get(iati_identifier="XX-TEST-1-T")
    assert {(s.code, s.from_transactions) for s in activity.sectors.all()} == {
        ("15130", True),
        ("15210", True),
    }
    assert {r.state.iso3 for r in activity.recipients.filter(from_transactions=True)} == {
        "SEN",
        "EGY",
    }
    assert activity.disbursed == pytest.approx(250.25)
    assert activity.transactions.count() == 3
    assert activity.transactions.get(kind="3").receiver_ref == "XM-DAC-41114"
    assert "DAC sector 15130 (Legal and judicial development)" in activity.relevance


def test_unknown_codes_are_warnings_not_rejections() -> None:
    data = iati_file(activity_xml("XX-TEST-1-U", sector="99999", country="QQ"))
    run = run_bytes("codes.xml", data)
    assert run.created == 1
    entry = run.report[0]
    text = " ".join(entry["warnings"])
    assert "99999" in text and "QQ" in text
    assert not Recipient.objects.filter(activity__iati_identifier="XX-TEST-1-U").exists()


def test_budget_in_another_currency_without_a_rate_makes_the_total_unknown() -> None:
    body = """<budget type="1"><period-start iso-date="2024-01-01"/>
   <period-end iso-date="2024-12-31"/>
   <value currency="EUR" value-date="2024-01-01">500</value></budget>"""
    run = run_bytes("cur.xml", iati_file(activity_xml("XX-TEST-1-C", body=body)))
    activity = Activity.objects.get(iati_identifier="XX-TEST-1-C")
    # Never a partial sum: converted at the value date (tests/activities/test_iati_budgets.py)
    # or unknown, with the reason.
    assert activity.budget is None
    assert any("EUR" in w and "1 January 2024" in w for w in run.report[0]["warnings"])


# -- publisher errors


def test_a_bad_activity_in_the_middle_does_not_stop_the_others() -> None:
    bad_value = activity_xml(
        "XX-TEST-1-BAD",
        body='<transaction><transaction-type code="3"/><value>lots</value></transaction>',
    )
    bad_date = activity_xml(
        "XX-TEST-1-BAD2", body='<activity-date type="3" iso-date="31/12/2024"/>'
    )
    data = iati_file(
        activity_xml("XX-TEST-1-1"),
        bad_value,
        activity_xml(""),
        bad_date,
        activity_xml("XX-TEST-1-2"),
    )
    run = run_bytes("bad.xml", data)
    assert (run.created, run.rejected) == (2, 3)
    rejected = [e for e in run.report if e["outcome"] == "rejected"]
    assert "lots" in rejected[0]["reasons"][0]
    assert rejected[1]["reasons"] == ["no iati-identifier"]
    assert "31/12/2024" in rejected[2]["reasons"][0]
    assert rejected[0]["line"] is not None
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == {
        "XX-TEST-1-1",
        "XX-TEST-1-2",
    }


# -- hostile XML

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>XXE-1</iati-identifier>
<title><narrative>&e;</narrative></title></iati-activity></iati-activities>"""

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<iati-activities version="2.03"><iati-activity><iati-identifier>LOL-1</iati-identifier>'
    b"<title><narrative>&lol9;</narrative></title></iati-activity></iati-activities>"
)


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_doctype_and_entities_are_refused_without_writing(data: bytes) -> None:
    run = run_bytes("hostile.xml", data)
    assert run.files[0]["status"] == "refused"
    assert "DOCTYPE" in run.files[0]["message"]
    assert Activity.objects.count() == 0
    assert total(run) == 0
    assert validate_schema(io.BytesIO(data))[0] == run.files[0]["message"]


def test_huge_text_node_is_refused_without_writing() -> None:
    huge = "x" * (11 * 1024 * 1024)
    data = iati_file(
        activity_xml("XX-TEST-1-OK"),  # a good activity BEFORE the huge node: not written either
        activity_xml(
            "XX-TEST-1-HUGE", body=f"<description><narrative>{huge}</narrative></description>"
        ),
    )
    run = run_bytes("huge.xml", data)
    assert run.files[0]["status"] == "refused"
    assert "line" in run.files[0]["message"]
    assert Activity.objects.count() == 0


def test_truncated_file_is_refused_without_writing() -> None:
    data = iati_file(activity_xml("XX-TEST-1-1"), activity_xml("XX-TEST-1-2"))[:-400]
    run = run_bytes("cut.xml", data)
    assert run.files[0]["status"] == "refused"
    assert Activity.objects.count() == 0


def test_a_file_in_an_xml_namespace_is_refused_saying_so() -> None:
    # An XML tool that put the elements in a default namespace: the names read as IATI's.
    data = iati_file(activity_xml("XX-TEST-1-1")).replace(
        b"<iati-activities ", b'<iati-activities xmlns="http://iatistandard.org/2.03" '
    )
    run = run_bytes("namespaced.xml", data)
    message = run.files[0]["message"]
    assert run.files[0]["status"] == "refused"
    assert "http://iatistandard.org/2.03" in message and "namespace" in message
    assert "not <iati-activities>" not in message
    assert Activity.objects.count() == 0
    assert validate_schema(io.BytesIO(data)) == [message]


# -- relevance filter


def test_relevance_filter_keeps_and_skips_with_reasons_in_several_languages() -> None:
    data = iati_file(
        activity_xml("K-EN", title="Countering human trafficking in the Sahel", sector="11110"),
        activity_xml(
            "K-FR", lang="fr", title="Lutte contre la traite des personnes", sector="11110"
        ),
        activity_xml(
            "K-AR", lang="ar", title="مكافحة تهريب المهاجرين والأسلحة النارية", sector=None
        ),
        activity_xml(
            "K-ES", lang="es", title="Prevención de la delincuencia organizada", sector=None
        ),
        activity_xml("K-ML", title="Anti money-laundering unit", sector=None),
        activity_xml("K-NO", title="Primary school building", sector="11220"),
    )
    run = run_bytes("kw.xml", data, relevance=RelevanceFilter())
    assert (run.created, run.skipped) == (5, 1)
    en = Activity.objects.get(iati_identifier="K-EN")
    assert en.relevance == ["keyword “human trafficking” in the title"]
    assert set(en.instruments.values_list("code", flat=True)) == {"tip"}
    fr = Activity.objects.get(iati_identifier="K-FR")
    assert fr.relevance == ["keyword “traite des personnes” in the title"]
    assert fr.title == {"fr": "Lutte contre la traite des personnes"}
    ar = Activity.objects.get(iati_identifier="K-AR")
    assert set(ar.instruments.values_list("code", flat=True)) == {"som", "firearms"}
    assert "keyword “تهريب المهاجرين” in the title" in ar.relevance
    es = Activity.objects.get(iati_identifier="K-ES")
    assert set(es.instruments.values_list("code", flat=True)) == {"untoc"}
    ml = Activity.objects.get(iati_identifier="K-ML")
    assert {
        (t.article.instrument.code, t.article.number) for t in Theme.objects.filter(activity=ml)
    } == {
        ("untoc", 6),
        ("untoc", 7),
    }
    skipped = [e for e in run.report if e["outcome"] == "skipped"]
    assert [e["identifier"] for e in skipped] == ["K-NO"]
    assert len(skipped[0]["reasons"]) == 1
    assert skipped[0]["reasons"][0].startswith(
        "no sector, SDG target, policy marker or keyword of the relevance filter"
    )


def test_relevance_filter_is_configurable() -> None:
    data = iati_file(activity_xml("C-1", title="Primary school building", sector="11220"))
    run = run_bytes("conf.xml", data, relevance=RelevanceFilter(sectors={"11220"}, keywords={}))
    assert run.created == 1
    assert Activity.objects.get().relevance[0].startswith("DAC sector 11220")


def test_keywords_do_not_match_inside_words() -> None:
    relevance = RelevanceFilter(sectors=set(), keywords={"en": ["UNTOC"]})
    kept, _reasons, _found = relevance.decide(sectors=[], texts=[("title", "Xuntocx project")])
    assert not kept


# -- versions and schema


@pytest.mark.parametrize("version", ["2.01", "2.02", "2.03"])
def test_versions_import_and_validate(version: str, tmp_path: Path) -> None:
    path = tmp_path / f"v{version}.xml"
    path.write_bytes(iati_file(activity_xml(f"XX-TEST-1-{version}"), version=version))
    run = iati_import(paths=[path], validate=True)
    assert run.created == 1
    assert run.files[0]["version"] == version
    assert Activity.objects.get().iati_version == version
    assert run.files[0]["schema_errors"] == []


def test_schema_errors_have_line_numbers_and_do_not_block(shared: Path) -> None:
    path = shared / "iati" / "activities" / "dportal-covid-multipublisher-2021.xml"
    errors = validate_schema(path)
    assert len(errors) == 263
    assert errors[0].startswith("line ")
    assert validate_schema(shared / "iati" / "activities" / "spain-maec-indonesia-2015.xml") == []


# -- command and web


def test_command_imports_a_folder_and_fails_only_on_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "good.xml").write_bytes(iati_file(activity_xml("XX-TEST-1-CMD")))
    out = io.StringIO()
    call_command("iati-import", str(tmp_path), "--all", "--validate", stdout=out)
    assert "1 created" in out.getvalue()
    assert "schema: no error(s)" in out.getvalue()
    (tmp_path / "evil.xml").write_bytes(XXE)
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"evil\.xml"):
        call_command("iati-import", str(tmp_path), stdout=out)
    assert "1 unchanged" in out.getvalue()


def test_only_the_secretariat_uploads(secretariat, donor, focal_egypt) -> None:  # type: ignore[no-untyped-def]
    url = reverse("iati_import_upload")
    for user in (donor, focal_egypt):
        assert client_for(user).get(url).status_code == 403
        upload = SimpleUploadedFile("x.xml", iati_file(activity_xml("XX-TEST-1-W")))
        assert client_for(user).post(url, {"upload": upload}).status_code == 403
    assert client_for(None).get(url).status_code == 302
    assert Activity.objects.count() == 0
    client = client_for(secretariat)
    assert client.get(url).status_code == 200
    uploads = [
        SimpleUploadedFile("a.xml", iati_file(activity_xml("XX-TEST-1-W1"))),
        SimpleUploadedFile(
            "b.xml", iati_file(activity_xml("XX-TEST-1-W2", sector="11220", title="School"))
        ),
        SimpleUploadedFile("evil.xml", XXE),
    ]
    response = client.post(url, {"upload": uploads, "validate": "on"})
    assert response.status_code == 302
    # The import runs as a background job: its page links to the import run's report.
    run_url = client.get(response["Location"] + "status.json").json()["url"]
    run = ImportRun.objects.get()
    assert run.user == secretariat
    assert (run.created, run.skipped) == (1, 1)
    assert [f["status"] for f in run.files] == ["read", "read", "refused"]
    page = client.get(run_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "XX-TEST-1-W1" in body and "XX-TEST-1-W2" in body and "evil.xml" in body
    assert client.get(run_url + "?outcome=skipped").content.decode().count("XX-TEST-1-W1") == 0
    assert client_for(donor).get(run_url).status_code == 403
    # The list of imports names each file on a line of its own, as an isolate (file names
    # separated by commas wrapped into each other in Arabic on a phone).
    listing = client.get(url, headers={"Accept-Language": "ar"}).content.decode()
    assert (
        '<ul class="plain"><li><bdi>a.xml</bdi></li><li><bdi>b.xml</bdi></li>'
        "<li><bdi>evil.xml</bdi></li></ul>"
    ) in listing
