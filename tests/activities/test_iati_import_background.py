"""IATI import: batches written on a second thread while the file is read give the same rows,
counts and report as when each batch is written before reading on."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from infobase.activities import iati_import as importer
from infobase.activities.iati_import import RelevanceFilter, iati_import
from infobase.activities.iati_import.background import BackgroundWriter
from infobase.activities.iati_import.pipeline import COUNTS, Importer
from infobase.activities.iati_import.write import Plan, Writer
from infobase.activities.models import Activity, ImportRun
from tests.activities.test_iati_import import activity_xml, iati_file
from tests.activities.test_iati_import_fidelity import refuse_batches_holding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_a_second_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second thread on either database (by default only with a database server)."""
    monkeypatch.setattr(Importer, "BACKGROUND", True)


def mixed_file() -> bytes:
    """Created, left out by the filter, rejected, and identifiers repeated within a batch and
    across batches (the earlier copy older, newer, or left out)."""
    return iati_file(
        activity_xml("XX-TEST-1-A", title="First copy"),
        activity_xml("XX-TEST-1-OUT", sector="11110", title="School meals"),
        activity_xml("XX-TEST-1-B"),
        activity_xml("XX-TEST-1-BAD", body="<transaction><value>1</value></transaction>"),
        activity_xml("XX-TEST-1-A", title="Second copy"),
        activity_xml("XX-TEST-1-C", updated="2024-06-01T00:00:00Z", title="Newer"),
        activity_xml("XX-TEST-1-OUT", sector="11110", title="School meals again"),
        activity_xml("XX-TEST-1-D"),
        activity_xml("XX-TEST-1-C", updated="2023-06-01T00:00:00Z", title="Older"),
        activity_xml("XX-TEST-1-E"),
        activity_xml("XX-TEST-1-B", title="Later copy of B"),
        activity_xml("XX-TEST-1-F"),
    )


def outcome(run: ImportRun) -> dict[str, Any]:
    return {
        "counts": {key: getattr(run, key) for key in COUNTS},
        "report": run.report,
        "files": run.files,
        "titles": dict(Activity.objects.values_list("iati_identifier", "title")),
        "history": sorted(
            Activity.history.model.objects.values_list("iati_identifier", "history_type")
        ),
    }


def import_mixed(monkeypatch: pytest.MonkeyPatch, *, thread: bool, batch: int) -> dict[str, Any]:
    monkeypatch.setattr(Importer, "BACKGROUND", thread)
    monkeypatch.setattr(importer.pipeline, "BATCH", batch)
    with translation.override("fr"):  # the writing thread reports in the reader's language
        run = iati_import(files=[("m.xml", io.BytesIO(mixed_file()))], relevance=RelevanceFilter())
    result = outcome(run)
    Activity.objects.all().delete()
    Activity.history.model.objects.all().delete()
    return result


# The report as each batch written before reading on gives it (entries of a batch when it is
# written; an earlier copy's entry replaced by "duplicates" where it stands).
D, C, S, R = "duplicates", "created", "skipped", "rejected"
EXPECTED = {
    1: [
        *[("A", D), ("OUT", D), ("B", D), ("BAD", R), ("A", C), ("C", C), ("OUT", S)],
        *[("D", C), ("C", D), ("E", C), ("B", C), ("F", C)],
    ],
    2: [
        *[("OUT", D), ("A", D), ("B", D), ("BAD", R), ("A", C), ("C", C), ("OUT", S)],
        *[("C", D), ("D", C), ("E", C), ("B", C), ("F", C)],
    ],
}


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_writing_on_a_second_thread_gives_the_same_rows_counts_and_report(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    threaded = import_mixed(monkeypatch, thread=True, batch=batch)
    inline = import_mixed(monkeypatch, thread=False, batch=batch)
    assert threaded == inline
    counts = threaded["counts"]
    assert (counts["created"], counts["skipped"], counts["rejected"]) == (6, 1, 1)
    assert counts["duplicates"] == 4
    if batch in EXPECTED:
        entries = [(e["identifier"][len("XX-TEST-1-") :], e["outcome"]) for e in threaded["report"]]
        assert entries == EXPECTED[batch]
    assert threaded["titles"]["XX-TEST-1-A"] == {"en": "Second copy"}
    assert threaded["titles"]["XX-TEST-1-C"] == {"en": "Newer"}


def test_batches_are_written_on_another_thread_sharing_the_file_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer.pipeline, "BATCH", 1)
    threads: set[int] = set()
    original = Writer.write_batch

    def write_batch(self: Writer, *args: Any, **kwargs: Any) -> list[Plan]:
        threads.add(threading.get_ident())
        assert connection.in_atomic_block  # the file's transaction, on the shared connection
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Writer, "write_batch", write_batch)
    data = iati_file(*(activity_xml(f"XX-TEST-1-T{i}") for i in range(3)))
    run = iati_import(files=[("t.xml", io.BytesIO(data))])
    assert run.created == 3
    assert threads and threading.get_ident() not in threads


def test_a_failing_batch_in_flight_is_retried_activity_by_activity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer.pipeline, "BATCH", 2)
    refuse_batches_holding(monkeypatch, "XX-TEST-1-BAD")
    names = ["XX-TEST-1-A", "XX-TEST-1-BAD", "XX-TEST-1-B", "XX-TEST-1-C", "XX-TEST-1-D"]
    data = iati_file(*(activity_xml(name) for name in names))
    run = iati_import(files=[("batch.xml", io.BytesIO(data))])
    assert (run.created, run.rejected) == (4, 1)
    assert [e["identifier"] for e in run.report] == names  # the file's order
    assert "refused by the database" in run.report[1]["reasons"][0]
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == set(names) - {
        "XX-TEST-1-BAD"
    }


def test_a_file_refused_while_a_batch_is_in_flight_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer.pipeline, "BATCH", 1)
    good = ("good.xml", io.BytesIO(iati_file(activity_xml("XX-TEST-1-G"))))
    truncated = iati_file(*(activity_xml(f"XX-TEST-1-T{i}") for i in range(4)))[:-40]
    run = iati_import(files=[good, ("cut.xml", io.BytesIO(truncated))])
    assert (run.created, run.skipped, run.rejected) == (1, 0, 0)
    assert [e["identifier"] for e in run.report] == ["XX-TEST-1-G"]
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == {"XX-TEST-1-G"}
    assert Activity.history.model.objects.count() == 1
    assert run.files[1]["status"] == "refused"


def test_a_query_of_the_reading_thread_waits_for_the_batch_in_flight() -> None:
    """E.g. an exchange rate read while parsing: it sees the database after the batch."""
    release = threading.Event()
    order: list[str] = []

    def slow_write() -> None:
        release.wait()
        order.append("batch written")

    with BackgroundWriter() as background:
        background.submit(slow_write)
        threading.Timer(0.05, release.set).start()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        order.append("query")
        background.wait()
    assert order == ["batch written", "query"]


def test_by_default_a_second_thread_writes_only_for_a_database_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite works in the importer's own process: a second thread would only take turns with
    the reader; a server works while the file goes on being read."""
    monkeypatch.setattr(Importer, "BACKGROUND", None)
    monkeypatch.setattr(importer.pipeline, "BATCH", 1)
    threads: set[int] = set()
    original = Writer.write_batch

    def write_batch(self: Writer, *args: Any, **kwargs: Any) -> list[Plan]:
        threads.add(threading.get_ident())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Writer, "write_batch", write_batch)
    data = iati_file(*(activity_xml(f"XX-TEST-1-V{i}") for i in range(2)))
    assert iati_import(files=[("v.xml", io.BytesIO(data))]).created == 2
    assert (threads != {threading.get_ident()}) == (connection.vendor != "sqlite")


def test_the_search_key_written_from_values_is_the_one_the_model_computes(shared: Any) -> None:
    """New activities are written without model instances: their search key, made from the
    values, must be what ``SearchKeyMixin`` makes of the activity (known providers too)."""
    from infobase.core.search import compute_search_key
    from infobase.reference.models import Organization

    path = shared / "iati" / "activities" / "dportal-covid-multipublisher-2021.xml"
    run = iati_import(paths=[path], relevance=None)
    assert run.created > 10
    activities = list(Activity.objects.select_related("provider"))
    assert Organization.objects.exists()
    assert any(a.provider_id for a in activities)  # providers known to the reference data
    for activity in activities:
        assert activity.search_text == compute_search_key(Activity, activity), activity.pk
