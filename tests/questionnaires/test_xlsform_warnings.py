"""What an XLSForm import skipped reaches the person importing: on the job page and the command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from infobase.accounts.models import User
from infobase.core.models import Job, JobStatus
from infobase.questionnaires import jobs
from infobase.questionnaires.models import Questionnaire, ReportingCycle
from tests.conftest import client_for
from tests.questionnaires.test_xlsform import write_xlsform

pytestmark = [pytest.mark.django_db]

COMMENTED_SURVEY = [
    ["type", "name", "label", "notes"],
    ["text", "a", "A", ""],
    ["", "", "", "Section 2 starts here"],
    ["integer", "b", "B", ""],
    ["", "", "", "for the enumerators"],
]
SKIPPED = [
    "commented.xlsx, sheet “survey”, row 3, column “type”: "
    "the row has no type, name or label: skipped as a comment.",
    "commented.xlsx, sheet “survey”, row 5, column “type”: "
    "the row has no type, name or label: skipped as a comment.",
]


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


@pytest.fixture
def commented(tmp_path: Path) -> Path:
    return write_xlsform(tmp_path / "commented.xlsx", COMMENTED_SURVEY)


def upload(client, path: Path, cycle: ReportingCycle):  # type: ignore[no-untyped-def]
    """The import as the secretariat does it on the web: the workbook goes to a background job
    (run at once in tests) and the person lands on the job's page, which says how it went."""
    with path.open("rb") as handle:
        response = client.post(
            reverse("questionnaire_import"), {"file": handle, "cycle": cycle.pk}, follow=True
        )
    job = Job.objects.get()
    assert response.redirect_chain == [(job.get_absolute_url(), 302)]
    return response, job


def test_web_import_lists_each_skipped_row_with_its_place(
    secretariat: User, cycle: ReportingCycle, commented: Path
) -> None:
    response, job = upload(client_for(secretariat), commented, cycle)
    questionnaire = Questionnaire.objects.get()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["url"] == reverse("questionnaire_detail", kwargs={"code": questionnaire.code})
    assert job.result["summary"] == ["The questionnaire was imported, with 2 warnings:", *SKIPPED]
    page = response.content.decode()
    assert "row 3, column “type”" in page and "row 5, column “type”" in page
    assert job.result["url"] in page  # "See the result": the new questionnaire's page


def test_web_import_without_warnings_only_says_it_was_imported(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    clean = write_xlsform(tmp_path / "clean.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    _response, job = upload(client_for(secretariat), clean, cycle)
    assert job.result["summary"] == ["The questionnaire was imported."]


def test_web_import_with_many_warnings_shows_a_sample_and_the_count_left(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    comments = [["", "", "", f"comment {n}"] for n in range(jobs.IMPORT_WARNINGS_SHOWN + 3)]
    path = write_xlsform(
        tmp_path / "many.xlsx", [["type", "name", "label", "notes"], ["text", "a", "A"], *comments]
    )
    _response, job = upload(client_for(secretariat), path, cycle)
    shown = job.result["summary"]
    assert shown[0] == "The questionnaire was imported, with 23 warnings:"
    assert len(shown) == 1 + jobs.IMPORT_WARNINGS_SHOWN + 1
    assert shown[1].startswith("many.xlsx, sheet “survey”, row 3,")
    assert shown[-1] == "… and 3 more warnings."


def test_command_prints_each_skipped_row_on_stderr_and_succeeds(
    cycle: ReportingCycle, commented: Path, secretariat: Any
) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "questionnaire-import",
        str(commented),
        "--cycle",
        "7",
        "--user",
        "alice",
        stdout=out,
        stderr=err,
    )
    assert err.getvalue().splitlines() == [f"warning: {text}" for text in SKIPPED]
    assert out.getvalue().startswith("commented: 2 items, languages en")
    assert Questionnaire.objects.get().items.count() == 2


def test_command_prints_nothing_on_stderr_for_a_clean_form(
    cycle: ReportingCycle, tmp_path: Path, secretariat: Any
) -> None:
    clean = write_xlsform(tmp_path / "clean.xlsx", [["type", "name", "label"], ["text", "a", "A"]])
    err = io.StringIO()
    call_command(
        "questionnaire-import",
        str(clean),
        "--cycle",
        "7",
        "--user",
        "alice",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert err.getvalue() == ""


def test_a_survey_of_thousands_of_rows_is_refused_before_anything_is_written(
    secretariat: User, cycle: ReportingCycle, tmp_path: Path
) -> None:
    """A sheet of data pasted into the survey (thousands of rows) would be imported as
    thousands of questions while the page waits: refused, naming the file, the sheet and the
    limit, and nothing is written."""
    from infobase.questionnaires.models import Item
    from infobase.questionnaires.xlsform import MAX_SURVEY_ROWS

    rows = [["type", "name", "label"]]
    rows += [["text", f"q{i}", f"Question {i}"] for i in range(MAX_SURVEY_ROWS + 1)]
    pasted = write_xlsform(tmp_path / "pasted.xlsx", rows)
    response, job = upload(client_for(secretariat), pasted, cycle)
    assert job.status == JobStatus.FAILED
    assert not Questionnaire.objects.exists() and not Item.objects.exists()
    page = response.content.decode()
    limit = f"{MAX_SURVEY_ROWS:,}"
    assert "pasted.xlsx, sheet “survey”" in page
    assert f"rows of questions and groups; a questionnaire holds at most {limit}." in page
