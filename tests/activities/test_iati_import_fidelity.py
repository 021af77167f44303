"""IATI import fidelity: identifiers repeated in a file, regions of every vocabulary, a relevance
filter that reads what publishers write, and refusals said the same way everywhere."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse

from infobase.activities import iati_import as importer
from infobase.activities.iati_import import RelevanceFilter, file_messages, iati_import
from infobase.activities.iati_import.write import Plan, Writer
from infobase.activities.models import Activity, ImportRun, ImportRunStatus, Recipient
from infobase.core.history import reason_with
from tests.activities.test_iati_import import activity_xml, iati_file, run_bytes
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def lines_of(data: bytes, identifier: str) -> list[int]:
    """Line numbers of the <iati-activity> elements holding ``identifier`` (independent of
    the importer: a plain text search)."""
    text = data.decode()
    starts = [m.start() for m in re.finditer(r"<iati-activity[\s>]", text)]
    found = []
    for start in starts:
        end = text.index("</iati-activity>", start)
        if f"<iati-identifier>{identifier}</iati-identifier>" in text[start:end]:
            found.append(text.count("\n", 0, start) + 1)
    return found


# -- identifiers repeated in one file


def test_a_repeated_identifier_keeps_the_later_copy_and_reports_the_other_with_both_lines() -> None:
    data = iati_file(
        activity_xml("XX-TEST-1-D", title="First copy"),
        activity_xml("XX-TEST-1-OTHER"),
        activity_xml("XX-TEST-1-D", title="Second copy"),
    )
    first_line, second_line = lines_of(data, "XX-TEST-1-D")
    run = run_bytes("dup.xml", data)
    assert (run.created, run.duplicates, run.unchanged, run.updated) == (2, 1, 0, 0)
    assert Activity.objects.get(iati_identifier="XX-TEST-1-D").title == {"en": "Second copy"}
    [duplicate] = [e for e in run.report if e["outcome"] == "duplicates"]
    assert duplicate["line"] == first_line
    assert f"line {second_line}" in duplicate["reasons"][0]
    assert "later in the file" in duplicate["reasons"][0]
    [kept] = [e for e in run.report if e["identifier"] == "XX-TEST-1-D" and e is not duplicate]
    assert kept["outcome"] == "created" and kept["line"] == second_line


def test_a_repeated_identifier_keeps_the_copy_with_the_later_last_updated_datetime() -> None:
    data = iati_file(
        activity_xml("XX-TEST-1-D", updated="2024-06-01T00:00:00Z", title="Newer"),
        activity_xml("XX-TEST-1-D", updated="2024-01-01T00:00:00Z", title="Older"),
    )
    first_line, second_line = lines_of(data, "XX-TEST-1-D")
    run = run_bytes("dup.xml", data)
    assert (run.created, run.duplicates, run.unchanged) == (1, 1, 0)
    assert Activity.objects.get(iati_identifier="XX-TEST-1-D").title == {"en": "Newer"}
    [duplicate] = [e for e in run.report if e["outcome"] == "duplicates"]
    assert duplicate["line"] == second_line
    assert f"line {first_line}" in duplicate["reasons"][0]
    assert "last-updated-datetime is later" in duplicate["reasons"][0]


def test_reimporting_a_file_with_a_repeated_identifier_never_counts_the_copy_as_unchanged() -> None:
    data = iati_file(
        activity_xml("XX-TEST-1-D", title="First copy"),
        activity_xml("XX-TEST-1-D", title="Second copy"),
    )
    run_bytes("dup.xml", data)
    again = run_bytes("dup.xml", data)
    assert (again.created, again.updated, again.unchanged, again.duplicates) == (0, 0, 1, 1)
    assert Activity.objects.get(iati_identifier="XX-TEST-1-D").title == {"en": "Second copy"}
    assert Activity.objects.get().history.count() == 1


def test_a_copy_in_a_later_batch_replaces_the_copy_written_earlier_in_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer.pipeline, "BATCH", 1)
    data = iati_file(
        activity_xml("XX-TEST-1-D", title="First copy"),
        activity_xml("XX-TEST-1-OTHER"),
        activity_xml("XX-TEST-1-D", title="Second copy"),
    )
    run = run_bytes("dup.xml", data)
    assert (run.created, run.updated, run.duplicates, run.unchanged) == (2, 0, 1, 0)
    assert Activity.objects.get(iati_identifier="XX-TEST-1-D").title == {"en": "Second copy"}
    outcomes = sorted(e["outcome"] for e in run.report if e["identifier"] == "XX-TEST-1-D")
    assert outcomes == ["created", "duplicates"]


def test_a_real_file_whose_activities_are_repeated_reports_each_repeat(shared: Path) -> None:
    source = (shared / "iati" / "activities" / "nl-mfa-2018-iaticloud-sample.xml").read_bytes()
    body = re.search(rb"<iati-activity[\s>].*</iati-activity>", source, re.S)
    assert body is not None
    head = source[: body.start()]
    tail = source[body.end() :]
    data = head + body.group(0) + b"\n" + body.group(0) + tail
    count = len(re.findall(rb"<iati-activity[\s>]", source))
    run = run_bytes("nl-twice.xml", data)
    assert run.duplicates == count - run.rejected // 2
    assert run.unchanged == 0
    assert run.created + run.rejected // 2 == count


# -- regions and money


def test_regions_of_every_vocabulary_are_kept() -> None:
    body = """<recipient-region code="298" vocabulary="1" percentage="40"/>
  <recipient-region code="002" vocabulary="2" percentage="30"/>
  <recipient-region code="SAHEL" vocabulary="99" percentage="30"/>"""
    run_bytes("regions.xml", iati_file(activity_xml("XX-TEST-1-RG", country=None, body=body)))
    held = set(Recipient.objects.values_list("region_vocabulary", "region_code"))
    assert held == {("1", "298"), ("2", "002"), ("99", "SAHEL")}


def test_transactions_in_another_currency_keep_their_currency_and_value_date() -> None:
    body = """<transaction><transaction-type code="3"/><transaction-date iso-date="2023-03-01"/>
   <value currency="EUR" value-date="2023-02-15">200</value></transaction>"""
    run_bytes("money.xml", iati_file(activity_xml("XX-TEST-1-M", body=body)))
    txn = Activity.objects.get().transactions.get()
    assert (txn.currency, str(txn.value_date), txn.value) == ("EUR", "2023-02-15", 200)


# -- the relevance filter reads what publishers write


def grant(identifier: str, body: str, *, title: str = "Core grant to a partner") -> str:
    return activity_xml(
        identifier, ref="XI-CSO-GRANTS", title=title, sector="11220", country="NG", body=body
    )


CIVIL_SOCIETY_FILE = iati_file(
    grant("XI-CSO-GRANTS-1", '<tag vocabulary="3" code="16.2"/><tag vocabulary="3" code="5.2"/>'),
    grant(
        "XI-CSO-GRANTS-2", '<tag vocabulary="3" code="8.7"><narrative>Decent work</narrative></tag>'
    ),
    grant("XI-CSO-GRANTS-3", '<tag vocabulary="3" code="16.4"/>'),
    grant("XI-CSO-GRANTS-4", '<tag vocabulary="3" code="10.7"/>'),
    grant("XI-CSO-GRANTS-5", '<tag vocabulary="2" code="4"/><tag vocabulary="3" code="4.1"/>'),
)


def test_a_civil_society_grant_file_whose_only_mention_is_in_sdg_tags_is_kept() -> None:
    run = run_bytes("cso.xml", CIVIL_SOCIETY_FILE, relevance=RelevanceFilter())
    assert (run.created, run.skipped) == (4, 1)
    kept = Activity.objects.get(iati_identifier="XI-CSO-GRANTS-1")
    assert kept.relevance == ["SDG target 16.2 in the tags", "SDG target 5.2 in the tags"]
    [skipped] = [e for e in run.report if e["outcome"] == "skipped"]
    assert skipped["identifier"] == "XI-CSO-GRANTS-5"
    assert skipped["reasons"][0].startswith("no sector, SDG target")
    info = run.files[0]
    assert info["kept_because"]["SDG target 16.4 in the tags"] == 1
    assert sum(info["left_out_because"].values()) == 1


def test_sector_vocabularies_policy_markers_humanitarian_scope_and_languages_are_read() -> None:
    data = iati_file(
        grant("XX-R-1", '<sector vocabulary="8" code="16.4" percentage="100"/>'),
        grant("XX-R-2", '<sector vocabulary="9" code="5.2.1"/>'),
        grant(
            "XX-R-3",
            '<sector vocabulary="99" code="P7"><narrative>Anti-trafficking programme'
            "</narrative></sector>",
        ),
        grant(
            "XX-R-4",
            '<policy-marker vocabulary="99" code="X1" significance="2"><narrative>Money '
            "laundering</narrative></policy-marker>",
        ),
        grant(
            "XX-R-5",
            '<humanitarian-scope type="1" vocabulary="99" code="H1"><narrative>Counter-'
            "trafficking response</narrative></humanitarian-scope>",
        ),
        grant(
            "XX-R-6",
            '<description type="2"><narrative xml:lang="de">Bekämpfung von Menschenhandel'
            "</narrative></description>",
        ),
        grant("XX-R-7", ""),
    )
    run = run_bytes("signals.xml", data, relevance=RelevanceFilter())
    assert (run.created, run.skipped) == (6, 1)
    reasons = dict(Activity.objects.values_list("iati_identifier", "relevance"))
    assert reasons["XX-R-1"] == ["SDG target 16.4 given as a sector"]
    assert reasons["XX-R-2"] == ["SDG target 5.2.1 given as a sector"]
    assert reasons["XX-R-3"] == ["keyword “anti-trafficking” in a sector's name"]
    assert reasons["XX-R-4"] == ["keyword “money laundering” in a policy marker"]
    assert reasons["XX-R-5"] == ["keyword “counter-trafficking” in the humanitarian scope"]
    assert reasons["XX-R-6"] == ["keyword “Menschenhandel” in the description"]
    assert set(
        Activity.objects.get(iati_identifier="XX-R-6").instruments.values_list("code", flat=True)
    ) == {"tip"}


def test_dac_policy_markers_of_the_settings_are_read() -> None:
    data = iati_file(
        grant("XX-P-1", '<policy-marker vocabulary="1" code="3" significance="2"/>'),
        grant("XX-P-2", '<policy-marker vocabulary="1" code="3" significance="0"/>'),
    )
    run = run_bytes("markers.xml", data, relevance=RelevanceFilter(policy_markers={"3"}))
    assert (run.created, run.skipped) == (1, 1)
    assert Activity.objects.get().relevance == ["policy marker 3 (significance 2)"]


def test_real_undp_file_keeps_activities_tagged_with_our_sdg_targets(shared: Path) -> None:
    path = shared / "iati" / "activities" / "dportal-2021-undp-page101.xml"
    tagged = set()
    for block in re.findall(r"<iati-activity[\s>].*?</iati-activity>", path.read_text(), re.S):
        if re.search(r'<tag code="16\.(3|4|5)" vocabulary="3"', block):
            tagged.add(re.search(r"<iati-identifier>([^<]+)<", block).group(1).strip())  # type: ignore[union-attr]
    assert tagged
    run = iati_import(paths=[path], relevance=RelevanceFilter())
    held = set(Activity.objects.values_list("iati_identifier", flat=True))
    assert tagged <= held
    some = Activity.objects.get(iati_identifier=sorted(tagged)[0])
    assert any(r.startswith("SDG target 16.") for r in some.relevance)
    assert run.files[0]["kept_because"]


def test_the_command_prints_why_activities_were_kept_or_left_out(tmp_path: Path) -> None:
    (tmp_path / "cso.xml").write_bytes(CIVIL_SOCIETY_FILE)
    out = io.StringIO()
    call_command("iati-import", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "kept: 1 activity: SDG target 16.4 in the tags" in text
    assert "left out: 1 activity: no sector, SDG target" in text


def test_an_activity_left_out_is_decided_before_it_is_parsed() -> None:
    # Its transaction value cannot be read: left out by the filter, it is never parsed, so
    # never rejected.
    bad = activity_xml(
        "XX-TEST-1-NOPE",
        sector="11220",
        title="School meals",
        body='<transaction><transaction-type code="3"/><value>lots</value></transaction>',
    )
    run = run_bytes("raw.xml", iati_file(bad), relevance=RelevanceFilter())
    assert (run.skipped, run.rejected) == (1, 0)


# -- refusals: the same words on the web and the command line

LATIN1 = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n'
    b" <iati-activity>\n  <iati-identifier>XX-TEST-1-L</iati-identifier>\n"
    b"  <title><narrative>Caf\xe9 de la r\xe9publique</narrative></title>\n"
    b" </iati-activity>\n</iati-activities>\n"
)
RSS = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title></channel></rss>\n'


def test_latin1_bytes_in_a_utf8_file_are_refused_with_the_line_and_nothing_written() -> None:
    run = run_bytes("latin1.xml", LATIN1, validate=True)
    assert run.status == ImportRunStatus.FINISHED
    assert not Activity.objects.exists()
    [info] = run.files
    assert info["status"] == "refused"
    assert "schema_errors" not in info
    message = info["message"]
    assert message.startswith("line 5")
    assert "UTF-8" in message
    assert len(re.findall(r"line \d+", message)) == 1


def test_the_command_says_what_the_web_page_says_for_a_refused_file(tmp_path: Path) -> None:
    (tmp_path / "latin1.xml").write_bytes(LATIN1)
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("iati-import", str(tmp_path / "latin1.xml"), "--validate", stdout=out)
    run = ImportRun.objects.get()
    assert run.status == ImportRunStatus.FINISHED
    expected = file_messages(run.files[0])[0]
    assert expected in out.getvalue()
    assert str(refused.value) == expected
    assert "None" not in out.getvalue()
    assert not Activity.objects.exists()


def test_the_import_page_shows_the_same_words_as_the_command(secretariat) -> None:  # type: ignore[no-untyped-def]
    run = iati_import(
        files=[("latin1.xml", io.BytesIO(LATIN1)), ("cso.xml", io.BytesIO(CIVIL_SOCIETY_FILE))],
        relevance=RelevanceFilter(),
        validate=True,
    )
    page = client_for(secretariat).get(reverse("import_run_detail", args=[run.pk]))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    for info in run.files:
        for message in file_messages(info):
            assert message in text
    assert "SDG target 16.4 in the tags" in text


def test_a_latin1_upload_with_validate_ends_its_run_with_the_refusal(secretariat) -> None:  # type: ignore[no-untyped-def]
    # The Latin-1 bytes come after the part of the file the upload policy samples, as in a
    # large file: the import itself finds them.
    good = [activity_xml(f"XX-TEST-1-G{i}") for i in range(20)]
    data = iati_file(*good, activity_xml("XX-TEST-1-L", title="Caf\u00e9")).replace(
        "Caf\u00e9".encode(), b"Caf\xe9"
    )
    assert data.index(b"\xe9") > 8192
    bad_line = data[: data.index(b"\xe9")].count(b"\n") + 1
    client = client_for(secretariat)
    upload = SimpleUploadedFile("latin1.xml", data)
    response = client.post(reverse("iati_import_upload"), {"upload": [upload], "validate": "on"})
    assert response.status_code == 302
    status = client.get(response["Location"] + "status.json").json()
    run = ImportRun.objects.get()
    assert status["url"] == reverse("import_run_detail", args=[run.pk])
    assert run.status == ImportRunStatus.FINISHED
    [info] = run.files
    assert info["status"] == "refused" and info["message"].startswith(f"line {bad_line}")
    assert not Activity.objects.exists()
    page = client.get(status["url"])
    assert file_messages(info)[0] in html.unescape(page.content.decode())


def test_a_small_latin1_upload_reaches_the_import_and_gets_the_commands_words(secretariat) -> None:  # type: ignore[no-untyped-def]
    # The wrong bytes lie within the part the upload policy samples: the file declares itself
    # XML, so the policy leaves the encoding to the parser, which names the line.
    assert LATIN1.index(b"\xe9") < 8192
    client = client_for(secretariat)
    upload = SimpleUploadedFile("latin1.xml", LATIN1)
    response = client.post(reverse("iati_import_upload"), {"upload": [upload], "validate": "on"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    [info] = run.files
    assert info["status"] == "refused" and info["message"].startswith("line 5")
    assert not Activity.objects.exists()


def test_an_xml_file_that_is_not_iati_is_refused_as_not_iati_whatever_its_version() -> None:
    run = run_bytes("feed.xml", RSS, validate=True)
    [info] = run.files
    assert info["status"] == "refused"
    assert "not an IATI activity file" in info["message"] and "<rss>" in info["message"]
    assert "version" not in info["message"]
    assert "schema_errors" not in info


def test_a_refused_file_leaves_the_counts_and_report_of_the_other_files() -> None:
    good = ("good.xml", io.BytesIO(iati_file(activity_xml("XX-TEST-1-G"))))
    truncated = iati_file(activity_xml("XX-TEST-1-T1"), activity_xml("XX-TEST-1-T2"))[:-40]
    run = iati_import(files=[good, ("cut.xml", io.BytesIO(truncated))])
    assert run.created == 1
    assert [e["identifier"] for e in run.report] == ["XX-TEST-1-G"]
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == {"XX-TEST-1-G"}
    assert run.files[1]["status"] == "refused" and "line" in run.files[1]["message"]


# -- the pipeline


def refuse_batches_holding(monkeypatch: pytest.MonkeyPatch, identifier: str) -> None:
    """The database refuses any batch holding the activity ``identifier``."""
    original = Writer._write

    def write(self: Writer, plans: list[Plan], file: str) -> None:
        if any(p.item.parsed.identifier == identifier for p in plans):
            raise IntegrityError("refused by the database")
        return original(self, plans, file)

    monkeypatch.setattr(Writer, "_write", write)


def test_a_failing_batch_is_retried_activity_by_activity(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_batches_holding(monkeypatch, "XX-TEST-1-BAD")
    data = iati_file(
        activity_xml("XX-TEST-1-A"), activity_xml("XX-TEST-1-BAD"), activity_xml("XX-TEST-1-B")
    )
    run = run_bytes("batch.xml", data)
    assert (run.created, run.rejected) == (2, 1)
    [rejected] = [e for e in run.report if e["outcome"] == "rejected"]
    assert rejected["identifier"] == "XX-TEST-1-BAD"
    assert "refused by the database" in rejected["reasons"][0]
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == {
        "XX-TEST-1-A",
        "XX-TEST-1-B",
    }


def test_batched_writes_keep_history_children_and_search_keys() -> None:
    body = """<transaction><transaction-type code="3"/><transaction-date iso-date="2023-03-01"/>
   <value value-date="2023-03-01">10</value></transaction>"""
    run_bytes("h.xml", iati_file(*(activity_xml(f"XX-TEST-1-H{i}", body=body) for i in range(5))))
    for activity in Activity.objects.all():
        [record] = activity.history.all()
        assert record.history_change_reason == reason_with(
            "imported from IATI file %(file)s", file="h.xml"
        )
        assert activity.transactions.count() == 1 and activity.sectors.count() == 1
        assert activity.recipients.get().state.iso2 == "EG"
        assert "support to the judiciary" in activity.search_text
    newer = iati_file(
        *(activity_xml(f"XX-TEST-1-H{i}", updated="2024-09-01T00:00:00Z") for i in range(5))
    )
    run = run_bytes("h.xml", newer)
    assert run.updated == 5
    for activity in Activity.objects.all():
        assert activity.history.count() == 2 and activity.transactions.count() == 0
