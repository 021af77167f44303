"""Reports as background jobs: produced once, served from the cache while the data is
unchanged, produced again when it changes; the queue and the worker; publication."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from infobase.questionnaires.models import ReportingCycle
from infobase.reference.models import State
from infobase.reports.models import Publication, ReportRun, RunStatus
from infobase.reports.services import report_request
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# The cycle has no answers: the form asks to confirm producing a report on nothing.
FORM = {
    "instrument": "untoc",
    "cycle": "1",
    "date": "2008-08-01",
    "lang": "en",
    "fmt": "html",
    "confirm": "on",
}


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.create(number=1, name="Cycle 1")


def test_the_secretariat_produces_a_report_from_the_web(secretariat, cycle):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    response = client.post("/reports/new/analytical/", FORM)
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/runs/{run.pk}/"
    assert run.status == RunStatus.DONE and run.progress == 100 and run.size > 0
    page = client.get(f"/reports/runs/{run.pk}/file/")
    assert b'lang="en" dir="ltr"' in b"".join(page.streaming_content)
    status = client.get(f"/reports/runs/{run.pk}/", headers={"Accept": "application/json"}).json()
    assert status == {
        "status": "done",
        "status_display": "Ready",
        "progress": 100,
        "progress_display": "100%",
        "step": "",
        "error": "",
    }


def test_it_reports_bad_parameters_on_the_form(secretariat, cycle):  # type: ignore[no-untyped-def]
    response = client_for(secretariat).post("/reports/new/analytical/", {**FORM, "cycle": "7"})
    assert response.status_code == 200
    assert "There is no reporting cycle 7." in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_same_request_on_unchanged_data_reuses_the_report(secretariat, cycle):  # type: ignore[no-untyped-def]
    params = {"instrument": "untoc", "cycle": 1, "date": "2008-08-01"}
    first = report_request(
        user=secretariat, slug="analytical", params=params, lang="en", fmt="xlsx"
    )
    again = report_request(
        user=secretariat, slug="analytical", params=params, lang="en", fmt="xlsx"
    )
    assert again.pk == first.pk
    other = report_request(
        user=secretariat, slug="analytical", params=params, lang="ar", fmt="xlsx"
    )
    assert other.pk != first.pk
    state = State.objects.get(iso3="EGY")
    state.name_en = "Egypt (changed)"
    state.save()
    changed = report_request(
        user=secretariat, slug="analytical", params=params, lang="en", fmt="xlsx"
    )
    assert changed.pk != first.pk and changed.fingerprint != first.fingerprint


def test_only_the_secretariat_produces_or_sees_unpublished_reports(
    focal_egypt, delegate, donor, secretariat, cycle
):  # type: ignore[no-untyped-def]
    client_for(secretariat).post("/reports/new/analytical/", FORM)
    run = ReportRun.objects.get()
    delegate.is_wg_chair = False  # the chair prepares the Chair's report (test_chair_access)
    delegate.save()
    for user in (focal_egypt, delegate, donor, None):
        client = client_for(user)
        assert client.get("/reports/").status_code in (302, 403)
        assert client.post("/reports/new/analytical/", FORM).status_code in (302, 403)
        assert client.get(f"/reports/runs/{run.pk}/file/").status_code in (302, 403)
    assert ReportRun.objects.count() == 1


def test_a_published_report_can_be_read_by_the_public(secretariat, cycle):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    client.post("/reports/new/analytical/", FORM)
    run = ReportRun.objects.get()
    client.post(f"/reports/runs/{run.pk}/other/", {"lang": "ar", "fmt": "html"})
    response = client.post(f"/reports/runs/{run.pk}/publish/")
    publication = Publication.objects.get()
    assert response["Location"] == f"/published/{publication.pk}/"
    assert publication.files.count() == 2  # both languages produced on the same data
    public = client_for(None)
    listing = public.get("/published/").content.decode()
    assert f"/published/{publication.pk}/" in listing
    arabic = publication.files.get(run__lang="ar").run
    page = public.get(f"/published/{publication.pk}/{arabic.pk}/")
    assert page.status_code == 200
    assert b'lang="ar" dir="rtl"' in b"".join(page.streaming_content)


def test_a_withdrawn_report_says_when_and_why_and_serves_no_file(  # type: ignore[no-untyped-def]
    secretariat, delegate, cycle
):
    client = client_for(secretariat)
    client.post("/reports/new/analytical/", FORM)
    run = ReportRun.objects.get()
    client.post(f"/reports/runs/{run.pk}/publish/")
    publication = Publication.objects.get()
    page = f"/published/{publication.pk}/"
    file = f"/published/{publication.pk}/{run.pk}/"
    public = client_for(None)
    assert "Withdraw from the public" not in public.get(page).content.decode()
    assert "Withdraw from the public" in client.get(page).content.decode()
    # Only those who publish may withdraw, and only with a reason readers are told.
    for outsider in (public, client_for(delegate)):
        assert outsider.post(f"{page}withdraw/", {"reason": "x"}).status_code in (302, 403)
    assert not Publication.objects.get().withdrawn
    refused = client.post(f"{page}withdraw/", {"reason": "  "}, follow=True)
    assert "Say why the report is withdrawn" in refused.content.decode()
    assert not Publication.objects.get().withdrawn
    done = client.post(f"{page}withdraw/", {"reason": "Figures of one State corrected."})
    assert done["Location"] == page
    withdrawn = Publication.objects.get()
    assert withdrawn.withdrawn and withdrawn.withdrawn_by == secretariat
    assert withdrawn.withdrawal_reason == "Figures of one State corrected."
    # An old link says what happened (410 Gone); the files and the list are gone.
    gone = public.get(page)
    assert gone.status_code == 410
    text = gone.content.decode()
    assert "withdrew this report on" in text and "Figures of one State corrected." in text
    assert public.get(file).status_code == 410
    assert page not in public.get("/published/").content.decode()
    arabic = public.get(page, headers={"Accept-Language": "ar"})
    assert arabic.status_code == 410 and 'dir="rtl"' in arabic.content.decode()
    assert "سحبت الأمانة هذا التقرير في" in arabic.content.decode()
    # Withdrawn once is enough; the run can be published again, as a new publication.
    again = client.post(f"{page}withdraw/", {"reason": "again"}, follow=True)
    assert "withdrawn already" in again.content.decode()
    assert "Publish for the public" in client.get(f"/reports/runs/{run.pk}/").content.decode()
    client.post(f"/reports/runs/{run.pk}/publish/")
    assert Publication.objects.filter(withdrawn=False).count() == 1


def test_a_report_withdrawn_before_dates_were_kept_says_so_without_a_date(  # type: ignore[no-untyped-def]
    secretariat, cycle
):
    client = client_for(secretariat)
    client.post("/reports/new/analytical/", FORM)
    run = ReportRun.objects.get()
    client.post(f"/reports/runs/{run.pk}/publish/")
    Publication.objects.update(withdrawn=True)  # the old flag alone: no date, no reason
    gone = client_for(None).get(f"/published/{Publication.objects.get().pk}/")
    assert gone.status_code == 410
    text = gone.content.decode()
    assert "The secretariat withdrew this report; its files are no longer available." in text
    assert "withdrew this report on" not in text


def test_with_the_database_queue_a_worker_produces_the_report(secretariat, cycle, monkeypatch):  # type: ignore[no-untyped-def]
    # The worker closes "old" connections between tasks; inside the test's transaction that
    # would close the test's own connection (PostgreSQL), so it is left open here.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    params = {"instrument": "untoc", "cycle": 1, "date": "2008-08-01"}
    with override_settings(TASKS=backend):
        run = report_request(
            user=secretariat, slug="analytical", params=params, lang="fr", fmt="html"
        )
        assert run.status == RunStatus.QUEUED and run.progress == 0
        call_command("db_worker", "--batch", "--no-startup-delay", "-v0")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.file


def test_the_command_writes_the_file_and_rejects_bad_options(tmp_path, cycle):  # type: ignore[no-untyped-def]
    out = tmp_path / "report.xlsx"
    call_command(
        "report",
        "analytical",
        "--instrument",
        "untoc",
        "--cycle",
        "1",
        "--lang",
        "ar",
        "--format",
        "xlsx",
        "--out",
        str(out),
        "--confirm",
        verbosity=0,
    )
    assert out.read_bytes()[:2] == b"PK"
    with pytest.raises(CommandError, match="no reporting cycle 4"):
        call_command(
            "report", "analytical", "--instrument", "untoc", "--cycle", "4", "--out", str(out)
        )


def test_the_report_page_offers_filing_a_report_with_a_symbol(secretariat, cycle):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    client.post("/reports/new/analytical/", {**FORM, "symbol": "CTOC/COP/2008/2"})
    run = ReportRun.objects.get()
    page = client.get(f"/reports/runs/{run.pk}/").content.decode()
    assert f"/meetings/file-report/{run.pk}/" in page
    form = client.get(f"/meetings/file-report/{run.pk}/")
    assert form.status_code == 200
    assert client_for(None).get(f"/meetings/file-report/{run.pk}/").status_code in (302, 403)


def test_publishing_a_report_that_is_not_ready_says_so(secretariat, cycle):  # type: ignore[no-untyped-def]
    run = ReportRun.objects.create(
        report="analytical",
        params={"instrument": "untoc", "cycle": 1},
        lang="en",
        fmt="pdf",
        fingerprint="x",
    )
    response = client_for(secretariat).post(f"/reports/runs/{run.pk}/publish/", follow=True)
    assert response.redirect_chain[-1][0] == f"/reports/runs/{run.pk}/"
    assert "not ready yet" in response.content.decode()
    assert not Publication.objects.exists()


def test_a_run_is_described_in_the_interface_language_not_in_codes(secretariat, cycle):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    client.post("/reports/new/analytical/", {**FORM, "lang": "ar"})
    run = ReportRun.objects.get()
    listing = client.get("/reports/").content.decode()
    detail = client.get(f"/reports/runs/{run.pk}/").content.decode()
    for page in (listing, detail):
        assert "Arabic" in page and "Web page (HTML)" in page
        # The instrument by its short name, the date as the interface writes dates.
        assert "Instrument: <bdi>Organized Crime Convention</bdi>" in page
        assert "Reporting cycle: <bdi>1</bdi>" in page
        assert "Date of the document: <bdi>1 August 2008</bdi>" in page
        assert "untoc" not in page and "2008-08-01" not in page
        assert "instrument=untoc" not in page and "<td>ar</td>" not in page
    assert '<option value="ar" selected>Arabic</option>' in detail
    assert '<option value="docx">Word (DOCX)</option>' in detail
    arabic = client.get("/reports/", headers={"Accept-Language": "ar"}).content.decode()
    assert "العربية" in arabic and "الصك: <bdi>اتفاقية الجريمة المنظمة</bdi>" in arabic
    assert "تاريخ الوثيقة: <bdi>1 أغسطس 2008</bdi>" in arabic


def test_a_produced_run_reads_in_order_in_arabic_and_english(secretariat, cycle):  # type: ignore[no-untyped-def]
    """Times are written as the language writes them (an ISO date after Arabic words showed
    its parts reversed, 05-12-2026), the file's format and size are isolates, and the
    publication is linked by name, not by its address."""
    from datetime import UTC, datetime

    run = ReportRun.objects.create(
        report="analytical",
        params={"instrument": "untoc", "cycle": 1},
        lang="en",
        fmt="docx",
        fingerprint="x",
        status=RunStatus.DONE,
        size=233_000,
        finished_at=datetime(2026, 12, 5, 21, 55, tzinfo=UTC),
    )
    publication = Publication.objects.create(
        report="analytical", params=run.params, fingerprint="x", title={"en": "Analytical"}
    )
    publication.files.create(run=run)
    client = client_for(secretariat)
    english = client.get(f"/reports/runs/{run.pk}/").content.decode()
    arabic = client.get(
        f"/reports/runs/{run.pk}/", headers={"Accept-Language": "ar"}
    ).content.decode()
    assert "(<bdi>DOCX</bdi>, <bdi>227.5\xa0KB</bdi>)" in english
    assert "Produced 5 December 2026, 21:55." in english
    assert "2026-12-05" not in english and "2026-12-05" not in arabic
    assert "5 ديسمبر 2026، 21:55" in arabic
    link = f'<a href="/published/{publication.pk}/">'
    assert f"{link}the public page of this report</a>" in english
    assert f"/published/{publication.pk}/</a>" not in english
    assert f"{link}صفحة هذا التقرير المتاحة للجمهور</a>" in arabic
