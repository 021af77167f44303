"""A report being produced tells its reader what it is doing, in the reader's language: each
step a report computes through is a message translated on the run's page and in its status
JSON, and the progress is written as the page writes a percentage."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from infobase.core.i18n import format_percent
from infobase.reports import engine
from infobase.reports.models import ReportRun, RunStatus
from infobase.reports.services import report_render
from tests.conftest import client_for
from tests.reports.test_figures_memo import RAW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", sorted(RAW))
def test_every_step_a_report_goes_through_is_translated(demo, slug):  # type: ignore[no-untyped-def]
    steps: list[str] = []
    report_render(
        slug=slug,
        params=engine.get(slug).clean(RAW[slug]),
        lang="ar",
        fmt="html",
        progress=lambda _fraction, step: steps.append(step),
    )
    # A year (the effectiveness review's figures of one year) reads the same in every language.
    words = [step for step in steps if not step.isdigit()]
    assert "Writing the document" in words
    with translation.override("ar"):
        untranslated = [step for step in words if _(step) == step]
    assert untranslated == []


def test_a_running_report_shows_its_step_and_progress_in_arabic(secretariat):  # type: ignore[no-untyped-def]
    run = ReportRun.objects.create(
        report="analytical",
        params={"instrument": "untoc", "cycle": 1, "date": "2008-08-01"},
        lang="en",
        fmt="html",
        fingerprint="0" * 64,
        status=RunStatus.RUNNING,
        progress=40,
        step="Counting the needs",
        requested_by=secretariat,
    )
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    with translation.override("ar"):
        step, percent = _("Counting the needs"), format_percent(40, 0)
    assert step != "Counting the needs" and percent != "40 %"

    page = client.get(f"/reports/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert f'<span id="job-step">{step}</span>' in page
    assert "Counting the needs" not in page

    json = {"Accept": "application/json"}
    status = client.get(f"/reports/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="ar", headers=json).json()
    assert status["step"] == step
    assert status["progress"] == 40 and status["progress_display"] == percent


def test_the_status_json_names_the_runs_status_in_the_readers_language(secretariat):  # type: ignore[no-untyped-def]
    # job.js writes it on the run's page, which said "Queued" until it reloaded at the end.
    run = ReportRun.objects.create(
        report="analytical",
        params={"instrument": "untoc", "cycle": 1},
        lang="en",
        fmt="pdf",
        fingerprint="1" * 64,
        status=RunStatus.RUNNING,
        progress=60,
        requested_by=secretariat,
    )
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get(f"/reports/runs/{run.pk}/", headers={"Accept": "application/json"})
    with translation.override("ar"):
        running = str(RunStatus.RUNNING.label)
    assert running != "Running"
    assert response.json()["status_display"] == running
    assert response["Cache-Control"] == "no-store"
