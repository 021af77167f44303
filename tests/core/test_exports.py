"""A page's file is made by a background job, for the person who asked, and kept a week."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from infobase.accounts.models import Role, User
from infobase.core.exports import EXPORT_JOB, EXPORT_KEEP_DAYS, export_folder, export_path
from infobase.core.jobs import jobs_sweep, start_job
from infobase.core.models import Job, JobStatus
from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need
from infobase.reference.models import State
from tests.conftest import client_for, exported, make_user
from tests.needs.test_derivation import answers, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs() -> None:
    answers("EGY", [(5, "legislative")], priority="high")
    request("MEX", [(6, "training")], urgency="low")
    answers("KEN", [(20, "technology")], confidential=True)
    needs_derive()


def test_the_export_button_queues_a_job_whose_page_offers_the_file(
    needs: None, secretariat: User
) -> None:
    client = client_for(secretariat)
    response = client.post("/needs/export.csv?q=egypt")
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    job = Job.objects.get(kind=EXPORT_JOB)
    assert job.status == JobStatus.DONE and job.params["query"] == "q=egypt"
    page = client.get(response["Location"]).content.decode()
    assert f'href="/jobs/{job.pk}/file"' in page and "Download the file" in page
    assert "1 row," in page  # the filter was applied when the file was made
    rows = list(
        csv.reader(
            io.StringIO(exported(client, "/needs/export.csv?q=egypt").content.decode("utf-8-sig"))
        )
    )
    assert [row[2] for row in rows[1:]] == ["EGY"]


@pytest.mark.parametrize(
    ("lang", "address", "heading"),
    [
        ("en", "/needs/export.xlsx", "Needs register: Export to Excel"),
        ("en", "/funding/gaps/export.csv", "Funding gaps: Export to CSV"),
        ("en", "/coverage/export/overlaps.csv", "Overlaps: Export to CSV"),
        ("ar", "/needs/export.csv", "سجل الاحتياجات: التصدير بصيغة CSV"),
    ],
)
def test_the_jobs_page_says_which_file_it_makes(
    needs: None, secretariat: User, lang: str, address: str, heading: str
) -> None:
    # A person with several files under way tells them apart by the job page's heading.
    client = client_for(secretariat)
    response = client.post(f"{address}?lang={lang}")
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"], {"lang": lang}).content.decode()
    assert f"<h1>{heading}</h1>" in page, page[page.find("<h1>") : page.find("</h1>") + 5]


def test_the_file_is_given_to_the_person_who_asked_alone(
    needs: None, secretariat: User, focal_egypt: User
) -> None:
    # Egypt's focal point sees Kenya's confidential need in no file; its file is its own.
    own = exported(client_for(focal_egypt), "/needs/export.csv").content.decode("utf-8-sig")
    assert "KEN" not in own and "EGY" in own
    job = Job.objects.get(kind=EXPORT_JOB, requested_by=focal_egypt)
    other_secretariat = make_user("sec2", role=Role.SECRETARIAT, is_staff=True)
    for reader in (client_for(secretariat), client_for(other_secretariat), Client()):
        answer = reader.get(f"/jobs/{job.pk}/file")
        assert answer.status_code in (302, 404), answer.status_code
        assert answer.status_code == 404 or "/accounts/login" in answer["Location"]
    assert client_for(focal_egypt).get(f"/jobs/{job.pk}/file").status_code == 200


def test_two_long_filters_differing_only_at_their_end_make_two_files(
    needs: None, secretariat: User
) -> None:
    from django.test import override_settings

    from infobase.core.exports import export_start
    from tests.core.test_jobs import DB_QUEUE

    # Queued, not run: the same person asking again while a file is being made gets the job
    # under way, so each query must have its own.
    long = "q=" + "x" * 300
    with override_settings(TASKS=DB_QUEUE):
        first = export_start(user=secretariat, name="needs.register", fmt="csv", query=long + "a")
        again = export_start(user=secretariat, name="needs.register", fmt="csv", query=long + "a")
        second = export_start(user=secretariat, name="needs.register", fmt="csv", query=long + "b")
    assert first.status == JobStatus.QUEUED and again.pk == first.pk
    assert first.pk != second.pk
    assert first.params["query"].endswith("a") and second.params["query"].endswith("b")


def test_exporting_with_get_changes_nothing_and_is_refused(needs: None, secretariat: User) -> None:
    assert client_for(secretariat).get("/needs/export.csv").status_code == 405
    assert not Job.objects.exists()


def test_a_person_who_lost_the_right_meanwhile_gets_no_file(needs: None) -> None:
    nobody = make_user("nobody")
    job = start_job(
        kind=EXPORT_JOB,
        params={"name": "needs.register", "fmt": "csv", "query": ""},
        user=nobody,
    )
    assert job.status == JobStatus.FAILED
    assert job.error == "You may no longer export this page."
    assert export_path(job) is None


def test_an_export_refused_while_the_data_cannot_be_read_says_why(
    needs: None, secretariat: User
) -> None:
    # Funding gaps in a currency without a rate: the job fails with the money rule's message.
    from infobase.funding.models import BudgetLine, Project

    project = Project.objects.create(code="p1", title={"en": "P1"}, currency="XAF")
    project.needs.set(Need.objects.filter(state__iso3="EGY"))
    BudgetLine.objects.create(project=project, description="Experts", amount=1000)
    page = exported(client_for(secretariat), "/funding/gaps/export.csv")
    assert page.status_code == 200
    text = page.content.decode()
    assert "The work could not be done" in text and "XAF" in text


def test_files_are_removed_a_week_after_they_were_made(needs: None, secretariat: User) -> None:
    exported(client_for(secretariat), "/needs/export.csv")
    exported(client_for(secretariat), "/needs/export.xlsx")
    old, recent = Job.objects.filter(kind=EXPORT_JOB).order_by("params__fmt")
    assert export_path(old) is not None and export_path(recent) is not None
    Job.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=EXPORT_KEEP_DAYS, hours=1)
    )
    jobs_sweep()
    assert export_path(old) is None and export_path(recent) is not None
    gone = client_for(secretariat).get(f"/jobs/{old.pk}/file")
    assert gone.status_code == 404 and "ask for the export again" in gone.content.decode()


def test_a_person_has_at_most_three_files_under_way(
    needs: None, secretariat: User, focal_egypt: User
) -> None:
    # Each file may read every need: asking for file after file would hold every worker.
    from django.test import override_settings

    from infobase.core.exports import EXPORTS_UNDER_WAY
    from tests.core.test_jobs import DB_QUEUE

    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    with override_settings(TASKS=DB_QUEUE):
        first = [client.post(f"/needs/export.csv?q=word{n}") for n in range(EXPORTS_UNDER_WAY)]
        again = client.post("/needs/export.csv?q=word1")  # the same file: the same job
        refused = client.post("/needs/export.csv?q=another", follow=True)
        others = client_for(focal_egypt).post("/needs/export.csv?q=another")
    assert EXPORTS_UNDER_WAY == 3
    assert [r.status_code for r in first] == [302] * 3 and again["Location"] == first[1]["Location"]
    queued = Job.objects.filter(kind=EXPORT_JOB, requested_by=secretariat)
    assert queued.count() == 3 and not queued.filter(params__query="q=another").exists()
    # Sent to the first of their files, told why no other was started.
    assert refused.redirect_chain[-1][0] == first[0]["Location"]
    assert "You have 3 files being made" in refused.content.decode()
    assert others.status_code == 302  # another person's files are theirs
    assert Job.objects.filter(kind=EXPORT_JOB, requested_by=focal_egypt).count() == 1


def test_the_job_page_of_a_file_made_under_other_rights_offers_to_export_it_again(
    needs: None, focal_egypt: User, senegal: State
) -> None:
    client = client_for(focal_egypt)
    job_page = client.post("/needs/export.csv")["Location"]
    assert f'href="/jobs/{job_page.split("/")[2]}/file"' in client.get(job_page).content.decode()
    focal_egypt.state = senegal
    focal_egypt.save()
    page = client.get(job_page, {"lang": "en"}).content.decode()
    assert "Your rights have changed since this file was made: export it again." in page
    assert "/file" not in page and "Download the file" not in page
    assert client.get(job_page.rstrip("/") + "/status.json").json()["url"] == ""
    arabic = client.get(job_page, {"lang": "ar"}).content.decode()
    assert "تغيّرت صلاحياتك" in arabic and "التصدير من جديد" in arabic

    again = client.post(job_page + "again")
    assert again.status_code == 302 and again["Location"] != job_page
    made = Job.objects.get(pk=again["Location"].strip("/").split("/")[-1])
    assert (
        made.status == JobStatus.DONE
        and made.params == Job.objects.get(pk=job_page.split("/")[2]).params
    )
    assert client.get(f"/jobs/{made.pk}/file").status_code == 200


def test_the_job_page_of_a_file_no_longer_kept_offers_to_export_it_again(
    needs: None, secretariat: User
) -> None:
    client = client_for(secretariat)
    job_page = client.post("/needs/export.csv")["Location"]
    shutil.rmtree(export_folder(Job.objects.get(kind=EXPORT_JOB)))
    page = client.get(job_page, {"lang": "en"}).content.decode()
    assert "This file is no longer kept: ask for the export again." in page
    assert "Download the file" not in page and "Export again" in page


def test_the_job_page_of_anothers_file_offers_neither_it_nor_to_make_it(
    needs: None, secretariat: User, focal_egypt: User
) -> None:
    job_page = client_for(focal_egypt).post("/needs/export.csv")["Location"]
    reader = client_for(secretariat)
    page = reader.get(job_page, {"lang": "en"}).content.decode()
    assert "Done." in page
    assert "/file" not in page and "Export again" not in page
    assert reader.post(job_page + "again").status_code == 404


def test_the_job_pages_summary_is_marked_with_the_language_it_was_written_in(
    needs: None, secretariat: User
) -> None:
    # The summary is written once, in the requester's language; read on an English page it
    # must still be read (and pronounced) as Arabic, right to left.
    client = client_for(secretariat)
    job_page = client.post("/needs/export.csv")["Location"]
    job = Job.objects.get(pk=job_page.split("/")[2])
    job.lang = "ar"
    job.result = {**job.result, "summary": ["صفان، 3 كيلوبايت."]}
    job.save()
    page = client.get(job_page, {"lang": "en"}).content.decode()
    assert '<ul lang="ar" dir="rtl"><li>صفان، 3 كيلوبايت.</li></ul>' in page
