"""The page of a report produced, and the form that asks for one: what the secretariat reads and
uses on them, in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from infobase.reports.models import ReportRun, RunStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def page_in(client, url: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.mark.parametrize(("fmt", "offered"), [("pdf", True), ("html", True), ("docx", False)])
def test_a_file_the_browser_shows_is_also_offered_to_keep(
    secretariat, tmp_path, settings, fmt, offered
):  # type: ignore[no-untyped-def]
    # "Open" shows a PDF or a web page in the browser; a file to keep (to file it before a
    # session) is its own link, named as the file is. Word and Excel files are kept anyway.
    settings.MEDIA_ROOT = str(tmp_path)
    run = ReportRun(report="analytical", lang="ar", fmt=fmt, fingerprint="x", status=RunStatus.DONE)
    run.file.save(f"report.{fmt}", ContentFile(b"%PDF-1.7"), save=True)
    page = page_in(client_for(secretariat), f"/reports/runs/{run.pk}/", "ar")
    kept = re.findall(rf'<a href="/reports/runs/{run.pk}/file/" download="([^"]*)">تنزيل</a>', page)
    assert kept == ([f"analytical-ar.{fmt}"] if offered else [])


def test_the_open_button_separates_format_and_size_as_arabic_does(secretariat, tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    run = ReportRun(
        report="analytical", lang="ar", fmt="pdf", fingerprint="x", status=RunStatus.DONE
    )
    run.file.save("report.pdf", ContentFile(b"%PDF-1.7"), save=True)
    page = page_in(client_for(secretariat), f"/reports/runs/{run.pk}/", "ar")
    assert "(<bdi>PDF</bdi>، <bdi>" in page


@pytest.mark.parametrize("slug", ["analytical", "secretariat"])
def test_the_report_forms_dates_are_date_pickers_in_iso(secretariat, slug):  # type: ignore[no-untyped-def]
    # A text box took a date typed in a format nobody was told; the browser's picker shows it
    # in its reader's way and sends ISO 8601. An empty one is today, and the form says so.
    page = page_in(client_for(secretariat), f"/reports/new/{slug}/", "fr")
    dates = re.findall(r'<input type="([a-z]+)" name="(date|start|end)"[^>]*>', page)
    assert dates and all(kind == "date" for kind, _name in dates), dates
    assert 'value="2006-01-01"' in page if slug == "secretariat" else True
    assert "Laisser vide pour la date du jour." in page
