"""IATI import: a file read in a process of its own gives the same rows, counts and report as
one read in the importer's process; a failure there ends the run and writes nothing of the
file; that process never touches the database."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from infobase.activities import iati_import as importer
from infobase.activities.iati_import import RelevanceFilter, iati_import, reading
from infobase.activities.iati_import.reading import ReadingFailed, ReadingProcess
from infobase.activities.models import Activity, ImportRun, ImportRunStatus
from infobase.funding.models import ExchangeRate
from tests.activities.test_iati_import import activity_xml, iati_file
from tests.activities.test_iati_import_background import mixed_file, outcome
from tests.core.test_jobs_workers import ROOT, SETUP, database_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> list[ReadingProcess]:
    """Every file read in a process of its own; the processes started, for the test to see."""
    started: list[ReadingProcess] = []
    original = ReadingProcess.__enter__

    def enter(self: ReadingProcess) -> ReadingProcess:
        started.append(self)
        return original(self)

    monkeypatch.setattr(reading, "OWN_PROCESS", True)
    monkeypatch.setattr(ReadingProcess, "__enter__", enter)
    return started


def import_both_ways(
    monkeypatch: pytest.MonkeyPatch, run_import: Any, **settings: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The outcome of an import read in the importer's process, then in a process of its own
    (the register emptied in between)."""
    results = []
    for own in (False, True):
        monkeypatch.setattr(reading, "OWN_PROCESS", own)
        for name, value in settings.items():
            monkeypatch.setattr(ReadingProcess, name, value)
        results.append(outcome(run_import()))
        Activity.objects.all().delete()
        Activity.history.model.objects.all().delete()
    return results[0], results[1]


@pytest.mark.parametrize("hand_over", [None, True, False])
@pytest.mark.parametrize("batch", [1, 3, 2000])
def test_a_file_read_in_its_own_process_gives_the_same_rows_counts_and_report(
    monkeypatch: pytest.MonkeyPatch, hand_over: bool | None, batch: int
) -> None:
    """Wherever its activities are parsed (there, here, or shared), with identifiers repeated
    within and across batches, in the reader's language."""
    monkeypatch.setattr(importer.pipeline, "BATCH", batch)

    def run_import() -> ImportRun:
        with translation.override("fr"):
            return iati_import(
                files=[("m.xml", io.BytesIO(mixed_file()))], relevance=RelevanceFilter()
            )

    here, there = import_both_ways(monkeypatch, run_import, HAND_OVER=hand_over, CHUNK=2)
    assert there == here
    assert there["counts"]["created"] == 6 and there["counts"]["duplicates"] == 4


@pytest.mark.parametrize("relevance", [None, RelevanceFilter()])
def test_real_files_read_in_their_own_process_give_the_same_results(
    shared: Path, monkeypatch: pytest.MonkeyPatch, relevance: RelevanceFilter | None
) -> None:
    folder = shared / "iati" / "activities"
    paths = sorted(folder.glob("dportal-*.xml"))

    def run_import() -> ImportRun:
        # Held activities the filter leaves out are kept current: some are held already.
        iati_import(paths=paths[:1], relevance=None)
        return iati_import(paths=paths, relevance=relevance, validate=True)

    here, there = import_both_ways(monkeypatch, run_import)
    assert there == here
    assert there["counts"]["created"] > 0
    assert all(info.get("schema_errors") is not None for info in there["files"])


def test_a_small_file_is_read_here_and_a_large_one_in_its_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reading, "OWN_PROCESS", None)
    assert not reading.in_own_process(reading.OWN_PROCESS_FROM - 1)
    assert reading.in_own_process(reading.OWN_PROCESS_FROM) == (reading._cpus() >= 2)
    monkeypatch.setattr(reading, "_cpus", lambda: 1)  # a second process would only take turns
    assert not reading.in_own_process(reading.OWN_PROCESS_FROM)


def test_the_process_is_used_and_ended(processes: list[ReadingProcess]) -> None:
    data = iati_file(*(activity_xml(f"XX-TEST-1-P{i}") for i in range(3)))
    run = iati_import(files=[("p.xml", io.BytesIO(data))])
    assert run.created == 3
    assert len(processes) == 1
    with pytest.raises(ValueError, match="closed"):  # joined and released
        processes[0].process.is_alive()


def fail_in_the_reading_process(
    monkeypatch: pytest.MonkeyPatch, identifier: str, failure: Any
) -> None:
    """``failure()`` runs in the reading process when it parses ``identifier``."""
    importer_pid = os.getpid()
    original = reading.parse_activity

    def parse_activity(el: Any, codes: Any) -> Any:
        if (el.findtext("iati-identifier") or "").strip() == identifier:
            assert os.getpid() != importer_pid, "parsed in the importer's process"
            failure()
        return original(el, codes)

    monkeypatch.setattr(reading, "parse_activity", parse_activity)
    # Parsed where they are read, handed over one by one: batches are written before it fails.
    monkeypatch.setattr(ReadingProcess, "HAND_OVER", False)
    monkeypatch.setattr(ReadingProcess, "CHUNK", 1)
    monkeypatch.setattr(importer.pipeline, "BATCH", 2)


def import_good_then_cut(*, message: str) -> ImportRun:
    good = ("good.xml", io.BytesIO(iati_file(activity_xml("XX-TEST-1-G"))))
    names = [f"XX-TEST-1-T{i}" for i in range(8)]
    second = ("second.xml", io.BytesIO(iati_file(*(activity_xml(n) for n in names))))
    with pytest.raises(ReadingFailed, match=message):
        iati_import(files=[good, second])
    return ImportRun.objects.get()


def assert_only_the_good_file_written(run: ImportRun) -> None:
    assert run.status == ImportRunStatus.FAILED
    assert set(Activity.objects.values_list("iati_identifier", flat=True)) == {"XX-TEST-1-G"}
    assert Activity.history.model.objects.count() == 1
    assert ImportRun.objects.get().created >= 1  # the counts saved so far are kept


def test_the_reading_process_dying_mid_file_fails_the_run_and_writes_nothing_of_the_file(
    processes: list[ReadingProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_in_the_reading_process(
        monkeypatch, "XX-TEST-1-T5", lambda: os.kill(os.getpid(), signal.SIGKILL)
    )
    run = import_good_then_cut(message="stopped before its end")
    assert f"exit code -{int(signal.SIGKILL)}" in run.error
    assert_only_the_good_file_written(run)
    assert len(processes) == 2


# An importer that starts reading a file in a process of its own, then is killed (SIGKILL: a
# worker stopped by the system) as soon as the first events arrive.
READ_THEN_DIE = SETUP + (
    "import os, signal; "
    "from infobase.activities.iati_import.normalise import Codes; "
    "from infobase.activities.iati_import.reading import ReadingProcess; "
    "source = open(sys.argv[1], 'rb'); "
    "process = ReadingProcess(source, relevance=None, codes=Codes(), held=set(), "
    "language='en').__enter__(); "
    "next(iter(process)); "
    "print(process.process.pid, flush=True); "
    "os.kill(os.getpid(), signal.SIGKILL)"
)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_reading_process_ends_when_its_importer_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "large.xml"
    path.write_bytes(iati_file(*(activity_xml(f"XX-TEST-1-K{i}") for i in range(10_000))))
    env = {**os.environ, "DATABASE_URL": database_url(tmp_path), "PYTHONPATH": str(ROOT)}
    with open(tmp_path / "stderr", "w", encoding="utf-8") as errors:
        importer_process = subprocess.Popen(  # noqa: S603  (the test's own command)
            [sys.executable, "-c", READ_THEN_DIE, str(path)],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "infobase.settings"},
            stdout=subprocess.PIPE,  # not read to its end: the reading process holds it too
            stderr=errors,
            text=True,
        )
        assert importer_process.stdout is not None
        with importer_process.stdout:
            first_line = importer_process.stdout.readline()
        killed = importer_process.wait(timeout=120)
    assert killed == -signal.SIGKILL, (tmp_path / "stderr").read_text()
    reader = int(first_line)
    try:
        deadline = time.monotonic() + 60
        while _running(reader) and time.monotonic() < deadline:
            time.sleep(0.1)
        # It has far more to send than the pipe holds: it waits forever for a reader unless
        # it finds that the importer is gone.
        assert not _running(reader)
    finally:
        if _running(reader):
            os.kill(reader, signal.SIGKILL)


def test_a_reading_process_that_sends_nothing_for_too_long_is_stopped(
    processes: list[ReadingProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ReadingProcess, "SILENCE", 0.5)
    fail_in_the_reading_process(monkeypatch, "XX-TEST-1-T5", lambda: time.sleep(60))
    run = import_good_then_cut(message="sent nothing for 0.5 seconds")
    assert_only_the_good_file_written(run)
    assert len(processes) == 2


def test_a_failure_in_the_reading_process_is_raised_with_its_message(
    processes: list[ReadingProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail() -> None:
        raise ValueError("a bug while parsing")

    fail_in_the_reading_process(monkeypatch, "XX-TEST-1-T5", fail)
    run = import_good_then_cut(message="ValueError: a bug while parsing")
    assert "the process reading the file failed" in run.error
    assert_only_the_good_file_written(run)


def test_the_reading_process_never_touches_the_database(
    processes: list[ReadingProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_in_the_reading_process(monkeypatch, "XX-TEST-1-T3", Activity.objects.count)
    run = import_good_then_cut(message="never touches the database")
    assert_only_the_good_file_written(run)


def test_totals_needing_exchange_rates_are_worked_out_by_the_importer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reading process reads no rate: such an activity is parsed by the importer."""
    ExchangeRate.objects.create(currency="EUR", per_usd="0.9", valid_from="2023-01-01")
    euro = activity_xml("XX-TEST-1-EUR").replace('default-currency="USD"', 'default-currency="EUR"')
    unknown = activity_xml("XX-TEST-1-GBP").replace(
        '<value currency="USD"', '<value currency="GBP"'
    )
    data = iati_file(euro, unknown, activity_xml("XX-TEST-1-USD"))

    monkeypatch.setattr(ReadingProcess, "HAND_OVER", False)  # parsed where read, if it can
    handed: list[int] = []
    original = importer.pipeline.parsed_activity

    def parsed_activity(activity: Any, **kwargs: Any) -> Any:
        handed[-1] += isinstance(activity, bytes)
        return original(activity, **kwargs)

    monkeypatch.setattr(importer.pipeline, "parsed_activity", parsed_activity)
    results = []
    for own in (False, True):
        monkeypatch.setattr(reading, "OWN_PROCESS", own)
        handed.append(0)
        run = iati_import(files=[("rates.xml", io.BytesIO(data))])
        budgets = dict(Activity.objects.values_list("iati_identifier", "budget"))
        results.append((outcome(run), budgets))
        Activity.objects.all().delete()
        Activity.history.model.objects.all().delete()
    assert results[1] == results[0]
    assert handed == [0, 2]  # both totals in another currency: handed over as XML
    budgets = results[1][1]
    assert budgets["XX-TEST-1-EUR"] == Decimal("900.45")  # 1000.50 USD at 0.9 EUR per USD
    assert budgets["XX-TEST-1-GBP"] is None  # no rate: unknown, with a warning
    assert any("cannot be converted" in w for e in results[1][0]["report"] for w in e["warnings"])


@pytest.mark.parametrize(
    "data",
    [
        iati_file(*(activity_xml(f"XX-TEST-1-C{i}") for i in range(5)))[:-60],
        b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>\n',
    ],
    ids=["truncated", "not-iati"],
)
def test_a_file_refused_in_the_reading_process_is_refused_in_the_same_words(
    monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    monkeypatch.setattr(importer.pipeline, "BATCH", 1)
    monkeypatch.setattr(ReadingProcess, "CHUNK", 1)

    def run_import() -> ImportRun:
        return iati_import(files=[("refused.xml", io.BytesIO(data))])

    here, there = import_both_ways(monkeypatch, run_import)
    assert there == here
    assert there["files"][0]["status"] == "refused"
    assert there["titles"] == {} and there["report"] == []
