"""The XLSForm web import is read by a background job, never in the web request: the job page
says how it went, a refused workbook's problems each with its place, and nothing is written."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from infobase.accounts.models import User
from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.models import Job, JobStatus
from infobase.questionnaires.jobs import XLSFORM_JOB
from infobase.questionnaires.models import Choice, ChoiceList, Item, Questionnaire, ReportingCycle
from infobase.questionnaires.xlsform import import_xlsform
from infobase.reference.models import Instrument
from tests.conftest import client_for
from tests.core.test_jobs import DB_QUEUE
from tests.questionnaires.test_xlsform import write_xlsform

pytestmark = [pytest.mark.django_db]

REFUSED = [
    ["type", "name", "label"],
    ["text", "a", "A"],
    ["", "b", "B"],  # row 3: a name but no type
    ["integer", "a", "A again"],  # row 4: the name of row 2 again
    ["begin group", "g", "G"],  # row 5: never ended
]


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


def upload(client, path: Path, cycle: ReportingCycle, *, lang: str = "", **fields):  # type: ignore[no-untyped-def]
    """Post the workbook and open the page it leads to (the job's, the job run at once)."""
    address = reverse("questionnaire_import") + (f"?lang={lang}" if lang else "")
    with path.open("rb") as handle:
        response = client.post(address, {"file": handle, "cycle": cycle.pk, **fields})
    assert response.status_code == 302, response.content.decode()[:300]
    job = Job.objects.get(kind=XLSFORM_JOB)
    assert response["Location"] == job.get_absolute_url()
    page = client.get(response["Location"], {"lang": lang} if lang else {}).content.decode()
    return job, page


def written() -> tuple[int, ...]:
    return (
        Questionnaire.objects.count(),
        Questionnaire.history.count(),
        Item.objects.count(),
        ChoiceList.objects.count(),
        Choice.objects.count(),
        ReportingCycle.objects.count(),
    )


def stored(job: Job) -> Path:
    return Path(settings.MEDIA_ROOT) / job.params["folder"]


def test_an_imported_form_leads_to_the_job_page_then_to_the_questionnaire(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    path = write_xlsform(tmp_path / "clean.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    untoc = Instrument.objects.get(code="untoc")
    job, page = upload(client_for(secretariat), path, cycle, instruments=[untoc.pk])
    assert job.status == JobStatus.DONE, job.error
    questionnaire = Questionnaire.objects.get()
    assert job.result["url"] == reverse("questionnaire_detail", args=[questionnaire.code])
    assert job.result["url"] in page and "The questionnaire was imported." in page
    assert questionnaire.cycle == cycle and list(questionnaire.instruments.all()) == [untoc]
    assert questionnaire.created_by == secretariat
    assert [item.name for item in questionnaire.items.all()] == ["a"]
    assert not stored(job).exists()  # the upload is not kept once imported


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_refused_workbook_lists_each_problem_with_its_place_on_the_job_page(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path, lang: str
) -> None:
    path = write_xlsform(tmp_path / "refused.xlsx", REFUSED)
    before = written()
    with translation.override(lang), pytest.raises(InvalidInput) as refused:
        import_xlsform(path, filename="refused.xlsx", cycle=cycle, user=secretariat)
    with translation.override(lang):  # each place written in the reader's language too
        said = [str(problem) for problem in refused.value.problems]
    places = [(p.file, p.sheet, p.line, p.column) for p in refused.value.problems]
    assert places == [
        ("refused.xlsx", "survey", 3, "type"),
        ("refused.xlsx", "survey", 4, "name"),
        ("refused.xlsx", "survey", 5, "type"),
    ]
    job, page = upload(client_for(secretariat), path, cycle, lang=lang)
    assert job.status == JobStatus.FAILED
    assert job.error == "\n".join(said)  # in the language the import was asked in
    for problem in said:
        assert f'<li class="problem">{html.escape(problem)}</li>' in page
    rtl = 'lang="ar" dir="rtl"' if lang == "ar" else 'lang="en" dir="ltr"'
    assert f"<html {rtl}>" in page
    assert written() == before  # no questionnaire, no rows of it, no cycle
    assert not stored(job).exists()  # nor the refused upload


def test_a_formula_label_with_no_value_kept_is_refused_naming_its_cell(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    """A workbook written by a program that computes no formula (openpyxl here) keeps no value
    for =CONCAT(…): pyxform said only "no label", naming no cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label::English (en)"])
    sheet.append(["text", "a", "A"])
    sheet.append(["text", "art5", '=CONCAT("Article ", "5")'])
    path = tmp_path / "formula.xlsx"
    book.save(path)
    before = written()
    with pytest.raises(InvalidInput) as refused:
        import_xlsform(path, filename="formula.xlsx", cycle=cycle, user=secretariat)
    (problem,) = refused.value.problems
    assert (problem.file, problem.sheet, problem.line, problem.column) == (
        "formula.xlsx",
        "survey",
        3,
        "label::English (en)",
    )
    assert '=CONCAT("Article ", "5")' in problem.message and "pyxform" not in str(problem)
    # On the web, in Arabic: the place and the advice in the reader's language.
    job, page = upload(client_for(secretariat), path, cycle, lang="ar")
    with translation.override("ar"):
        expected = str(
            InputProblem(
                "formula.xlsx",
                gettext(
                    "the cell holds the formula “%(formula)s”, but the file keeps no value "
                    "for it (the program that wrote the file does not compute formulas). "
                    "Open the workbook in a spreadsheet program and save it again, or type "
                    "the text in place of the formula."
                )
                % {"formula": '=CONCAT("Article ", "5")'},
                3,
                "label::English (en)",
                "survey",
            )
        )
    with translation.override("en"):
        assert expected != str(problem) and job.error == expected
    assert html.escape(expected) in page and '<html lang="ar" dir="rtl">' in page
    assert written() == before


def _with_value(path: Path, value: str) -> Path:
    """The workbook as a spreadsheet program saves it: the formula's text value stored too."""
    data = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(data, "w") as target:
        for entry in source.infolist():
            part = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                part = part.replace(b'r="D3"><f>', b'r="D3" t="str"><f>')
                part = part.replace(b"</f><v></v>", f"</f><v>{value}</v>".encode())
            target.writestr(entry, part)
    saved = path.with_name("saved.xlsx")
    saved.write_bytes(data.getvalue())
    return saved


@pytest.mark.parametrize("value", ["Article 5", ""], ids=["text", "empty-text"])
def test_a_formula_whose_value_was_saved_is_read_as_that_value(
    cycle: ReportingCycle, tmp_path: Path, value: str
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label", "hint"])
    sheet.append(["text", "a", "A"])
    sheet.append(["text", "art5", "Article five", '=CONCAT("Article ", "5")'])
    book.save(tmp_path / "computed.xlsx")
    questionnaire = import_xlsform(
        _with_value(tmp_path / "computed.xlsx", value), filename="saved.xlsx", cycle=cycle
    )
    assert questionnaire.items.get(name="art5").hint.get("en", "") == value


def test_a_person_who_may_not_add_questionnaires_is_refused(
    focal_egypt: User, delegate: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    path = write_xlsform(tmp_path / "clean.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    for person in (focal_egypt, delegate):
        client = client_for(person)
        assert client.get(reverse("questionnaire_import")).status_code == 403
        with path.open("rb") as handle:
            response = client.post(
                reverse("questionnaire_import"), {"file": handle, "cycle": cycle.pk}
            )
        assert response.status_code == 403
    assert not Job.objects.exists() and not Questionnaire.objects.exists()
    # Without a person behind it (a job whose requester is gone), the import is refused too.
    with pytest.raises(PermissionDenied):
        import_xlsform(path, filename="clean.xlsx", cycle=cycle, user=AnonymousUser())
    assert not Questionnaire.objects.exists()


def test_the_worker_checks_the_rights_again_and_the_uploads_are_capped(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Queued, not read in the request; a fourth workbook while three wait leads to the first
    one's page; rights taken away before a worker reads them refuse the imports."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    # Four different forms: the same one sent again would lead to its own job.
    paths = [
        write_xlsform(
            tmp_path / f"form-{n}.xlsx", [["type", "name", "label"], ["text", "a", f"A{n}"]]
        )
        for n in range(4)
    ]
    client = client_for(secretariat)
    with override_settings(TASKS=DB_QUEUE):
        for path in paths[:3]:
            with path.open("rb") as handle:
                response = client.post(
                    reverse("questionnaire_import"), {"file": handle, "cycle": cycle.pk}
                )
            assert response.status_code == 302
        queued = list(Job.objects.filter(kind=XLSFORM_JOB).order_by("requested_at"))
        assert [job.status for job in queued] == [JobStatus.QUEUED] * 3
        assert not Questionnaire.objects.exists()
        with paths[3].open("rb") as handle:
            response = client.post(
                reverse("questionnaire_import") + "?lang=en", {"file": handle, "cycle": cycle.pk}
            )
        assert response["Location"] == queued[0].get_absolute_url()
        assert Job.objects.count() == 3
        User.objects.filter(pk=secretariat.pk).update(role="", is_staff=False)
        call_command("db_worker", "--batch", "--no-startup-delay", "-v0")
    for job in queued:
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert job.error == "Your account may not see or change this."
        assert not stored(job).exists()
    assert not Questionnaire.objects.exists()


def test_a_cycle_deleted_before_the_worker_reads_the_form_fails_the_job_in_words(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    path = write_xlsform(tmp_path / "clean.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    with override_settings(TASKS=DB_QUEUE), path.open("rb") as handle:
        client_for(secretariat).post(
            reverse("questionnaire_import"), {"file": handle, "cycle": cycle.pk}
        )
        cycle.delete()
        call_command("db_worker", "--batch", "--no-startup-delay", "-v0")
    job = Job.objects.get(kind=XLSFORM_JOB)
    assert job.status == JobStatus.FAILED
    assert job.error == "The reporting cycle chosen for this questionnaire no longer exists."
    assert not stored(job).exists() and not Questionnaire.objects.exists()
