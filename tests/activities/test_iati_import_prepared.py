"""IATI import: what is worked out where an activity is read (its child rows, converted, and
their warnings) gives the same rows, warnings and report wherever it was worked out; the
activities gone from a publisher's file are marked in the register's order; the garbage
collector's settings are the process's own again after an import."""

from __future__ import annotations

import gc
import io
import pickle
from typing import Any

import pytest

from infobase.activities import iati_import as importer
from infobase.activities.iati_import import RelevanceFilter, iati_import, reading
from infobase.activities.iati_import.normalise import Codes
from infobase.activities.iati_import.reading import ReadingProcess
from infobase.activities.iati_import.write import Writer
from infobase.activities.models import Activity, Recipient, Transaction
from tests.activities.test_iati_import import activity_xml, iati_file
from tests.activities.test_iati_import_background import outcome

pytestmark = pytest.mark.django_db

TRANSACTION = """<transaction><transaction-type code="3"/>
   <transaction-date iso-date="2023-05-02"/>
   <value currency="USD" value-date="2023-05-01">250.25</value>
   <provider-org ref="XX-TEST-1"/><receiver-org ref="XX-OTHER"/>
   <recipient-country code="KE"/></transaction>"""


def children_file(updated: str, sector: str) -> bytes:
    """Activities with child rows of every kind, an unknown recipient country (a warning from
    the child rows) and, in the second version, one no longer matching the filter (a warning
    from planning, which comes first)."""
    return iati_file(
        *(
            activity_xml(
                f"XX-TEST-1-K{i}",
                updated=updated,
                country="QQ" if i % 2 else "EG",
                sector=sector if i < 2 else "15130",
                body=TRANSACTION
                + '<description type="2"><narrative xml:lang="FR">Objectifs</narrative>'
                "</description>"
                '<document-link url="https://example.org/d.pdf" format="application/pdf">'
                '<title><narrative>Report</narrative></title><category code="A01"/>'
                "</document-link>",
            )
            for i in range(5)
        )
    )


def import_twice() -> dict[str, Any]:
    """The outcome of the second version of the file (created, then updated), with its rows."""
    iati_import(files=[("k.xml", io.BytesIO(children_file("2024-01-01T00:00:00Z", "15130")))])
    newer = children_file("2024-06-01T00:00:00Z", "11110")
    run = iati_import(files=[("k.xml", io.BytesIO(newer))], relevance=RelevanceFilter())
    result = outcome(run)
    result["recipients"] = sorted(
        Recipient.objects.values_list(
            "activity__iati_identifier", "state__iso2", "percentage", "from_transactions"
        )
    )
    result["transactions"] = sorted(
        Transaction.objects.values_list(
            "activity__iati_identifier", "kind", "date", "value", "value_date"
        )
    )
    Activity.objects.all().delete()
    Activity.history.model.objects.all().delete()
    return result


@pytest.mark.parametrize("hand_over", [None, True, False])
def test_child_rows_and_their_warnings_are_the_same_wherever_they_are_worked_out(
    monkeypatch: pytest.MonkeyPatch, hand_over: bool | None
) -> None:
    """Read here, or in a process of its own (where they are worked out, or handed over as XML
    and worked out by the importer, or shared)."""
    monkeypatch.setattr(importer.pipeline, "BATCH", 2)
    monkeypatch.setattr(ReadingProcess, "HAND_OVER", hand_over)
    monkeypatch.setattr(ReadingProcess, "CHUNK", 2)
    results = []
    for own in (False, True):
        monkeypatch.setattr(reading, "OWN_PROCESS", own)
        results.append(import_twice())
    here, there = results
    assert there == here
    assert there["counts"]["updated"] == 5
    assert (
        len(there["transactions"]) == 5
        and ("XX-TEST-1-K0", "EG", None, False) not in there["recipients"]
    )
    warnings = next(e for e in there["report"] if e["identifier"] == "XX-TEST-1-K1")["warnings"]
    relevance = next(i for i, w in enumerate(warnings) if "no longer matches" in w)
    unknown = next(i for i, w in enumerate(warnings) if "QQ is not a State we know" in w)
    assert relevance < unknown  # planning's warning, then the child rows'


def test_a_prepared_activity_crosses_to_another_process_as_plain_rows() -> None:
    """Its child rows are converted already (what the database is given), with no object of
    the parser left: pickled and read back, they are equal."""
    codes = Codes()
    writer = Writer(user=None, codes=codes)
    xml = activity_xml("XX-TEST-1-P", country="QQ", body=TRANSACTION).encode()
    parsed = reading.parsed_activity(xml, line=3, codes=codes)
    assert not isinstance(parsed, list)
    writer.prepare(parsed)
    assert parsed.transactions == [] and parsed.budgets == [] and parsed.participants == []
    assert parsed.child_rows is not None
    assert [len(rows) for rows in parsed.child_rows] == [1, 1, 1, 1, 1, 0, 0]
    assert any("QQ" in w for w in parsed.child_warnings)
    back = pickle.loads(pickle.dumps(parsed))  # noqa: S301 - our own object
    assert back.child_rows == parsed.child_rows
    assert back.child_warnings == parsed.child_warnings
    # Prepared again from the same XML, the rows are the same.
    again = reading.parsed_activity(xml, line=3, codes=codes)
    assert not isinstance(again, list)
    writer.prepare(again)
    assert again.child_rows == parsed.child_rows


def dated(identifier: str, start: str) -> str:
    return activity_xml(identifier).replace(
        '<activity-date type="2" iso-date="2023-02-01"/>',
        f'<activity-date type="2" iso-date="{start}"/>',
    )


@pytest.mark.parametrize("chunk", [2, 500])
def test_activities_gone_from_the_file_are_marked_in_the_order_of_the_register(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(importer.pipeline, "MISSING_CHUNK", chunk)
    starts = ["2021-03-01", "2023-07-01", "2019-01-05", "2023-07-01", "2022-11-30", "2020-02-02"]
    first = iati_file(*(dated(f"XX-TEST-1-M{i}", start) for i, start in enumerate(starts)))
    iati_import(files=[("m.xml", io.BytesIO(first))])
    kept = iati_file(dated("XX-TEST-1-M2", starts[2]))
    run = iati_import(files=[("m.xml", io.BytesIO(kept))])
    marked = [e["identifier"] for e in run.report if e["outcome"] == "marked_missing"]
    assert run.marked_missing == len(marked) == 5
    assert marked == list(
        Activity.objects.filter(missing_from_source=True).values_list("iati_identifier", flat=True)
    )
    assert marked[:2] == ["XX-TEST-1-M1", "XX-TEST-1-M3"]  # latest start first, then by id
    reasons = Activity.history.model.objects.filter(
        history_type="~", history_change_reason__contains="no longer in the publisher's file"
    )
    assert sorted(reasons.values_list("iati_identifier", flat=True)) == sorted(marked)


def test_the_garbage_collector_is_as_it_was_after_an_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    original = Writer.write_batch

    def write_batch(self: Writer, *args: Any, **kwargs: Any) -> Any:
        during.append(gc.get_threshold())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Writer, "write_batch", write_batch)
    monkeypatch.setattr(reading, "OWN_PROCESS", False)
    iati_import(files=[("g.xml", io.BytesIO(iati_file(activity_xml("XX-TEST-1-G"))))])
    assert during and during[0][0] >= importer.YOUNG_COLLECTION
    assert gc.get_threshold() == before

    def fail(self: Writer, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a failing batch")

    monkeypatch.setattr(Writer, "write_batch", fail)
    with pytest.raises(RuntimeError):
        iati_import(files=[("f.xml", io.BytesIO(iati_file(activity_xml("XX-TEST-1-F"))))])
    assert gc.get_threshold() == before
